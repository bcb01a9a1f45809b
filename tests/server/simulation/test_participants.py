"""JoinSimulation and LeaveSimulation: the seat limit under concurrency, and the participants' sessions."""

from __future__ import annotations

import asyncio
import json

import pytest
from grpc import aio

from amauta.v1 import common_pb2
from amauta.v1 import simulation_pb2 as pb
from amauta.v1 import simulation_pb2_grpc as pbg
from stores.postgres import PostgresStore
from stores.redis import RedisStore
from stores.redis.simulations import keys
from tests.server.simulation.conftest import Environments
from tests.server.simulation.support import CODE, new_id, reason, sessions_of, start, struct
from tests.support import Tokens


async def test_fifty_racers_for_the_last_seats_get_exactly_max_participants(
        sim: pbg.SimulationServiceStub, md: Tokens, envs: Environments, pg: PostgresStore,
        redis: RedisStore) -> None:
    env = await envs.create(max_participants=12)
    sim_id = (await start(sim, md, env, ["host-1", "host-2"])).simulation.simulation_id  # 10 seats left

    async def join(i: int) -> str:
        try:
            await sim.JoinSimulation(pb.JoinSimulationRequest(simulation_id=sim_id, learner_id=f"racer-{i}"),
                                     metadata=md.md("admin"))
            return "joined"
        except aio.AioRpcError as err:
            return reason(err)

    results = await asyncio.gather(*(join(i) for i in range(50)))
    assert results.count("joined") == 10
    assert results.count("SIMULATION_FULL") == 40
    members = await redis.client.smembers(keys(sim_id)[1])
    assert len(members) == 12
    raw = await redis.client.hgetall(keys(sim_id)[0])
    assert sorted(json.loads(raw["participants"])) == sorted(members)
    assert int(raw["version"]) == 11  # start + one per join
    rows = await sessions_of(pg, sim_id)
    open_ = {r["learner_id"] for r in rows if r["completion_status"] == "in_progress"}
    assert open_ == members  # every seat has exactly one session, the losers none
    assert len(rows) == 12
    assert await redis.client.hlen(keys(sim_id)[3]) == 0  # no reservation left behind


async def test_join_and_leave_manage_the_learners_sessions(sim: pbg.SimulationServiceStub, md: Tokens,
                                                           envs: Environments, pg: PostgresStore) -> None:
    env = await envs.create(max_participants=3)
    sim_id = (await start(sim, md, env, ["node-b"], invited_learner_ids=["node-a"])).simulation.simulation_id
    with pytest.raises(aio.AioRpcError) as err:  # a node joins only as itself
        await sim.JoinSimulation(pb.JoinSimulationRequest(simulation_id=sim_id, learner_id="x"),
                                 metadata=md.md("node_a"))
    assert err.value.code() == CODE.PERMISSION_DENIED
    joined = await sim.JoinSimulation(pb.JoinSimulationRequest(simulation_id=sim_id, learner_id="node-a"),
                                      metadata=md.md("node_a"))
    assert list(joined.simulation.participants) == ["node-a", "node-b"] and joined.simulation.version == 2
    with pytest.raises(aio.AioRpcError) as err:
        await sim.JoinSimulation(pb.JoinSimulationRequest(simulation_id=sim_id, learner_id="node-a"),
                                 metadata=md.md("node_a"))
    assert (err.value.code(), reason(err.value)) == (CODE.ALREADY_EXISTS, "ALREADY_A_PARTICIPANT")

    left = await sim.LeaveSimulation(pb.LeaveSimulationRequest(
        simulation_id=sim_id, learner_id="node-a", status=common_pb2.COMPLETION_STATUS_COMPLETED,
        performance_data=struct({"score": 0.9})), metadata=md.md("node_a"))
    assert left.session_id == joined.session_id
    assert list(left.simulation.participants) == ["node-b"] and left.simulation.version == 3
    row = next(r for r in await sessions_of(pg, sim_id) if r["session_id"] == joined.session_id)
    assert (row["completion_status"], row["performance_data"]) == ("completed", {"score": 0.9})

    with pytest.raises(aio.AioRpcError) as err:
        await sim.LeaveSimulation(pb.LeaveSimulationRequest(simulation_id=sim_id, learner_id="node-a"),
                                  metadata=md.md("node_a"))
    assert err.value.code() == CODE.NOT_FOUND
    with pytest.raises(aio.AioRpcError) as err:
        await sim.LeaveSimulation(pb.LeaveSimulationRequest(
            simulation_id=sim_id, learner_id="node-b", status=common_pb2.COMPLETION_STATUS_IN_PROGRESS),
            metadata=md.md("admin"))
    assert err.value.code() == CODE.INVALID_ARGUMENT
    # rejoining after a leave is a new session
    again = await sim.JoinSimulation(pb.JoinSimulationRequest(simulation_id=sim_id, learner_id="node-a"),
                                     metadata=md.md("admin"))
    assert again.session_id != joined.session_id


async def test_join_of_an_unknown_or_ended_simulation_is_not_found(sim: pbg.SimulationServiceStub, md: Tokens,
                                                                   envs: Environments, pg: PostgresStore) -> None:
    with pytest.raises(aio.AioRpcError) as err:
        await sim.JoinSimulation(pb.JoinSimulationRequest(simulation_id=new_id(), learner_id="a"),
                                 metadata=md.md("admin"))
    assert err.value.code() == CODE.NOT_FOUND
    env = await envs.create()
    sim_id = (await start(sim, md, env, ["a"])).simulation.simulation_id
    await sim.EndSimulation(pb.EndSimulationRequest(simulation_id=sim_id), metadata=md.md("admin"))
    with pytest.raises(aio.AioRpcError) as err:
        await sim.JoinSimulation(pb.JoinSimulationRequest(simulation_id=sim_id, learner_id="b"),
                                 metadata=md.md("admin"))
    assert err.value.code() == CODE.NOT_FOUND
    assert [r["learner_id"] for r in await sessions_of(pg, sim_id)] == ["a"]
