"""StartSimulation, GetSimulation and ListActiveSimulations: records in both stores, rule 3, limits, access."""

from __future__ import annotations

import json

import pytest
from grpc import aio

from amauta.v1 import simulation_pb2 as pb
from amauta.v1 import simulation_pb2_grpc as pbg
from stores.postgres import PostgresStore
from stores.redis import RedisStore
from stores.redis.simulations import INDEX_KEY, keys
from tests.server.simulation.conftest import Environments
from tests.server.simulation.support import (
    CODE,
    new_id,
    outbox_rows,
    reason,
    record_of,
    sessions_of,
    start,
    struct,
    violations,
)
from tests.support import Tokens


async def test_start_writes_the_seed_keys_and_one_session_per_participant(
        sim: pbg.SimulationServiceStub, md: Tokens, envs: Environments, pg: PostgresStore,
        redis: RedisStore) -> None:
    env = await envs.create(max_participants=3)
    sim_id = new_id()
    reply = await sim.StartSimulation(pb.StartSimulationRequest(
        simulation_id=sim_id, environment_id=env, participants=["learner2", "learner1"],
        config=struct({"duration": 3600, "adaptive": True}),
        initial_state=struct({"phase": "coordination", "challenge": "resource_allocation"})), metadata=md.md("admin"))
    s = reply.simulation
    assert (s.simulation_id, s.environment_id, list(s.participants), s.version) == (
        sim_id, env, ["learner1", "learner2"], 1)
    assert dict(s.current_state) == {"phase": "coordination", "challenge": "resource_allocation"}
    assert set(reply.session_ids) == {"learner1", "learner2"}

    h, p, e, _ = keys(sim_id)
    assert h == f"simulation:active:{{{sim_id}}}"
    raw = await redis.client.hgetall(h)
    assert {"sessionId", "environmentId", "participants", "currentState", "startTime", "lastUpdate",
            "config"} <= set(raw)
    assert raw["sessionId"] == sim_id and raw["environmentId"] == env
    assert json.loads(raw["participants"]) == ["learner1", "learner2"]
    assert json.loads(raw["config"]) == {"duration": 3600, "adaptive": True}  # integral numbers stay ints
    assert raw["startTime"].endswith("Z") and raw["version"] == "1"
    assert await redis.client.smembers(p) == {"learner1", "learner2"}
    assert await redis.client.xlen(e) == 1
    assert await redis.client.zscore(INDEX_KEY, sim_id) is not None

    rows = await sessions_of(pg, sim_id)
    assert [(r["learner_id"], r["session_type"], r["environment_id"], r["completion_status"]) for r in rows] == [
        ("learner1", "simulation", env, "in_progress"), ("learner2", "simulation", env, "in_progress")]
    assert {r["session_id"] for r in rows} == set(reply.session_ids.values())
    assert all(r["session_metadata"]["simulation_id"] == sim_id for r in rows)
    assert (await record_of(pg, sim_id))["status"] in ("starting", "live")  # type: ignore[index]
    assert len(await outbox_rows(pg, reply.session_ids["learner1"], "session_start")) == 1
    assert await envs.usage_count(env) == 2  # one per participant's session, as LearnerService counts


async def test_config_defaults_to_the_environment_config(sim: pbg.SimulationServiceStub, md: Tokens,
                                                         envs: Environments) -> None:
    env = await envs.create(config={"duration": 60, "mode": "drill"})
    reply = await start(sim, md, env, ["a1"])
    assert dict(reply.simulation.config) == {"duration": 60, "mode": "drill"}


async def test_start_checks_input_and_rule_3(sim: pbg.SimulationServiceStub, md: Tokens,
                                             envs: Environments, pg: PostgresStore) -> None:
    env = await envs.create(max_participants=2)
    with pytest.raises(aio.AioRpcError) as err:
        await sim.StartSimulation(pb.StartSimulationRequest(
            simulation_id="bad id!", environment_id="nope", participants=["a", "a"]), metadata=md.md("admin"))
    assert err.value.code() == CODE.INVALID_ARGUMENT
    assert {"simulation_id", "environment_id", "participants[1]"} <= violations(err.value)

    with pytest.raises(aio.AioRpcError) as err:
        await start(sim, md, "00000000-0000-0000-0000-000000000000", ["a"])
    assert err.value.code() == CODE.NOT_FOUND

    inactive = await envs.create(active=False)
    with pytest.raises(aio.AioRpcError) as err:
        await start(sim, md, inactive, ["a"])
    assert (err.value.code(), reason(err.value)) == (CODE.FAILED_PRECONDITION, "ENVIRONMENT_INACTIVE")

    sim_id = new_id()
    with pytest.raises(aio.AioRpcError) as err:
        await start(sim, md, env, ["a", "b", "c"], sim_id=sim_id)
    assert (err.value.code(), reason(err.value)) == (CODE.FAILED_PRECONDITION, "SIMULATION_FULL")
    assert await record_of(pg, sim_id) is None and await sessions_of(pg, sim_id) == []


async def test_a_used_simulation_id_is_already_exists(sim: pbg.SimulationServiceStub, md: Tokens,
                                                      envs: Environments) -> None:
    env = await envs.create()
    sim_id = new_id()
    await start(sim, md, env, ["a"], sim_id=sim_id)
    with pytest.raises(aio.AioRpcError) as err:
        await start(sim, md, env, ["b"], sim_id=sim_id)
    assert err.value.code() == CODE.ALREADY_EXISTS
    await sim.EndSimulation(pb.EndSimulationRequest(simulation_id=sim_id), metadata=md.md("admin"))
    with pytest.raises(aio.AioRpcError) as err:  # ended ids stay used
        await start(sim, md, env, ["b"], sim_id=sim_id)
    assert err.value.code() == CODE.ALREADY_EXISTS


async def test_start_is_idempotent_by_request_id(sim: pbg.SimulationServiceStub, md: Tokens,
                                                 envs: Environments, pg: PostgresStore) -> None:
    env = await envs.create()
    rid = new_id("req")
    first = await start(sim, md, env, ["a", "b"], request_id=rid)
    again = await start(sim, md, env, ["a", "b"], request_id=rid)  # a new simulation id, same request
    assert again.simulation.simulation_id == first.simulation.simulation_id
    assert dict(again.session_ids) == dict(first.session_ids)
    assert again.simulation.version == 1
    assert len(await sessions_of(pg, first.simulation.simulation_id)) == 2
    assert await envs.usage_count(env) == 2


async def test_server_generates_a_uuid_id(sim: pbg.SimulationServiceStub, md: Tokens, envs: Environments) -> None:
    env = await envs.create()
    reply = await sim.StartSimulation(pb.StartSimulationRequest(environment_id=env, participants=["a"]),
                                      metadata=md.md("admin"))
    assert len(reply.simulation.simulation_id) == 36


async def test_access_rules(sim: pbg.SimulationServiceStub, md: Tokens, envs: Environments) -> None:
    env = await envs.create()
    with pytest.raises(aio.AioRpcError) as err:  # a node may only start simulations it takes part in
        await start(sim, md, env, ["someone-else"], role="node_a")
    assert err.value.code() == CODE.PERMISSION_DENIED
    reply = await start(sim, md, env, ["node-a", "x"], role="node_a")
    sim_id = reply.simulation.simulation_id
    for role in ("node_a", "observer", "admin", "service"):
        got = await sim.GetSimulation(pb.GetSimulationRequest(simulation_id=sim_id), metadata=md.md(role))
        assert got.simulation.simulation_id == sim_id
    for role in ("node_b", "analyst"):
        with pytest.raises(aio.AioRpcError) as err:
            await sim.GetSimulation(pb.GetSimulationRequest(simulation_id=sim_id), metadata=md.md(role))
        assert err.value.code() == CODE.PERMISSION_DENIED, role
    with pytest.raises(aio.AioRpcError) as err:  # observers watch but do not change
        await sim.UpdateSimulationState(pb.UpdateSimulationStateRequest(
            simulation_id=sim_id, state=struct({"x": 1})), metadata=md.md("observer"))
    assert err.value.code() == CODE.PERMISSION_DENIED
    with pytest.raises(aio.AioRpcError) as err:
        await sim.GetSimulation(pb.GetSimulationRequest(simulation_id=sim_id), metadata=md.md("none"))
    assert err.value.code() == CODE.UNAUTHENTICATED
    with pytest.raises(aio.AioRpcError) as err:
        await sim.GetSimulation(pb.GetSimulationRequest(simulation_id=new_id()), metadata=md.md("admin"))
    assert err.value.code() == CODE.NOT_FOUND


async def test_list_pages_in_start_order_with_filters(sim: pbg.SimulationServiceStub, md: Tokens,
                                                      envs: Environments) -> None:
    env, other = await envs.create(), await envs.create()
    ids = [(await start(sim, md, env, ["p1", f"q{i}"])).simulation.simulation_id for i in range(5)]
    await start(sim, md, other, ["p1"])
    seen: list[str] = []
    token = ""
    while True:
        page = await sim.ListActiveSimulations(pb.ListActiveSimulationsRequest(
            environment_id=env, page_size=2, page_token=token), metadata=md.md("observer"))
        assert len(page.simulations) <= 2
        seen += [s.simulation_id for s in page.simulations]
        token = page.next_page_token
        if not token:
            break
    assert seen == ids
    page = await sim.ListActiveSimulations(pb.ListActiveSimulationsRequest(
        environment_id=env, participant="q3"), metadata=md.md("admin"))
    assert [s.simulation_id for s in page.simulations] == [ids[3]]
    with pytest.raises(aio.AioRpcError) as err:
        await sim.ListActiveSimulations(pb.ListActiveSimulationsRequest(page_size=-1), metadata=md.md("admin"))
    assert err.value.code() == CODE.INVALID_ARGUMENT
    with pytest.raises(aio.AioRpcError) as err:  # a token belongs to its filters
        await sim.ListActiveSimulations(pb.ListActiveSimulationsRequest(
            environment_id=other, page_token=(await sim.ListActiveSimulations(pb.ListActiveSimulationsRequest(
                environment_id=env, page_size=1), metadata=md.md("admin"))).next_page_token),
            metadata=md.md("admin"))
    assert err.value.code() == CODE.INVALID_ARGUMENT


async def test_a_node_lists_only_its_own_simulations(sim: pbg.SimulationServiceStub, md: Tokens,
                                                     envs: Environments) -> None:
    env = await envs.create()
    mine = (await start(sim, md, env, ["node-a"])).simulation.simulation_id
    await start(sim, md, env, ["node-b"])
    page = await sim.ListActiveSimulations(pb.ListActiveSimulationsRequest(environment_id=env),
                                           metadata=md.md("node_a"))
    assert [s.simulation_id for s in page.simulations] == [mine]
    with pytest.raises(aio.AioRpcError) as err:
        await sim.ListActiveSimulations(pb.ListActiveSimulationsRequest(participant="node-b"),
                                        metadata=md.md("node_a"))
    assert err.value.code() == CODE.PERMISSION_DENIED
