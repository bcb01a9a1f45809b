"""EndSimulation: outcomes into the sessions, one collaboration outbox row, Redis cleanup, idempotence."""

from __future__ import annotations

import pytest
from grpc import aio

from amauta.v1 import common_pb2
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


def outcome(learner: str, *, status: int = 0, synergy: float | None = None, skills: list[str] | None = None,
            score: float | None = None) -> pb.ParticipantOutcome:
    o = pb.ParticipantOutcome(learner_id=learner, status=status)  # type: ignore[arg-type]
    if synergy is not None:
        o.synergy = synergy
    if skills is not None:
        o.learning_outcomes.CopyFrom(struct({"skills": skills}))
    if score is not None:
        o.performance_data.CopyFrom(struct({"score": score}))
    return o


async def test_end_completes_sessions_records_collaboration_and_removes_keys(
        sim: pbg.SimulationServiceStub, md: Tokens, envs: Environments, pg: PostgresStore,
        redis: RedisStore) -> None:
    env = await envs.create()
    started = await start(sim, md, env, ["l1", "l2", "node-a"])
    sim_id = started.simulation.simulation_id
    reply = await sim.EndSimulation(pb.EndSimulationRequest(simulation_id=sim_id, outcomes=[
        outcome("l1", synergy=0.9, skills=["analysis", "ethics"], score=0.8),
        outcome("l2", status=common_pb2.COMPLETION_STATUS_FAILED, synergy=0.5, skills=["ethics"]),
    ]), metadata=md.md("node_a"))  # a participant may end it
    assert not reply.already_ended and reply.collaboration_pair_count == 3
    assert sorted(reply.ended_session_ids) == sorted(started.session_ids.values())

    rows = {r["learner_id"]: r for r in await sessions_of(pg, sim_id)}
    assert rows["l1"]["completion_status"] == "completed" and rows["l1"]["performance_data"] == {"score": 0.8}
    assert rows["l2"]["completion_status"] == "failed"
    assert rows["node-a"]["completion_status"] == "completed"  # no outcome: completed with empty data
    for learner, sid in started.session_ids.items():
        ends = await outbox_rows(pg, sid, "session_end")
        assert len(ends) == 1 and ends[0]["completion_status"] == rows[learner]["completion_status"]
    [collab] = await outbox_rows(pg, sim_id, "collaboration")
    assert collab["learner_ids"] == ["l1", "l2", "node-a"]
    assert collab["synergy"] == pytest.approx(0.7)  # mean of the rated participants
    assert collab["complementary_skills"] == ["analysis", "ethics"]  # not shown by every participant
    assert collab["simulation_id"] == sim_id and collab["at"].endswith("Z")
    assert (await record_of(pg, sim_id))["status"] == "ended"  # type: ignore[index]

    h, p, e, r = keys(sim_id)
    assert await redis.client.exists(h, p, r) == 0
    assert 0 < await redis.client.ttl(e) <= 3600
    assert await redis.client.zscore(INDEX_KEY, sim_id) is None
    with pytest.raises(aio.AioRpcError) as err:
        await sim.GetSimulation(pb.GetSimulationRequest(simulation_id=sim_id), metadata=md.md("admin"))
    assert err.value.code() == CODE.NOT_FOUND


async def test_ending_twice_returns_the_same_result(sim: pbg.SimulationServiceStub, md: Tokens,
                                                    envs: Environments, pg: PostgresStore) -> None:
    env = await envs.create()
    sim_id = (await start(sim, md, env, ["a", "b"])).simulation.simulation_id
    first = await sim.EndSimulation(pb.EndSimulationRequest(simulation_id=sim_id, outcomes=[outcome("a", synergy=1)]),
                                    metadata=md.md("admin"))
    again = await sim.EndSimulation(pb.EndSimulationRequest(simulation_id=sim_id), metadata=md.md("admin"))
    assert again.already_ended and not first.already_ended
    assert list(again.ended_session_ids) == list(first.ended_session_ids)
    assert again.collaboration_pair_count == first.collaboration_pair_count == 1
    assert len(await outbox_rows(pg, sim_id, "collaboration")) == 1
    assert [len(await outbox_rows(pg, sid, "session_end")) for sid in first.ended_session_ids] == [1, 1]


async def test_bad_end_requests(sim: pbg.SimulationServiceStub, md: Tokens, envs: Environments,
                                pg: PostgresStore) -> None:
    env = await envs.create()
    sim_id = (await start(sim, md, env, ["a", "node-a"])).simulation.simulation_id
    with pytest.raises(aio.AioRpcError) as err:
        await sim.EndSimulation(pb.EndSimulationRequest(simulation_id=sim_id, outcomes=[
            outcome("a", synergy=1.5), outcome("a", status=common_pb2.COMPLETION_STATUS_IN_PROGRESS)]),
            metadata=md.md("admin"))
    assert err.value.code() == CODE.INVALID_ARGUMENT
    assert {"outcomes[0].synergy", "outcomes[1].learner_id", "outcomes[1].status"} <= violations(err.value)
    with pytest.raises(aio.AioRpcError) as err:
        await sim.EndSimulation(pb.EndSimulationRequest(simulation_id=sim_id, outcomes=[outcome("stranger")]),
                                metadata=md.md("admin"))
    assert (err.value.code(), reason(err.value)) == (CODE.INVALID_ARGUMENT, "NOT_A_PARTICIPANT")
    with pytest.raises(aio.AioRpcError) as err:
        await sim.EndSimulation(pb.EndSimulationRequest(simulation_id=sim_id), metadata=md.md("node_b"))
    assert err.value.code() == CODE.PERMISSION_DENIED
    assert all(r["completion_status"] == "in_progress" for r in await sessions_of(pg, sim_id))  # nothing ended
    with pytest.raises(aio.AioRpcError) as err:
        await sim.EndSimulation(pb.EndSimulationRequest(simulation_id=new_id()), metadata=md.md("admin"))
    assert err.value.code() == CODE.NOT_FOUND


async def test_a_lone_participant_records_no_collaboration(sim: pbg.SimulationServiceStub, md: Tokens,
                                                           envs: Environments, pg: PostgresStore) -> None:
    env = await envs.create()
    sim_id = (await start(sim, md, env, ["solo"])).simulation.simulation_id
    reply = await sim.EndSimulation(pb.EndSimulationRequest(simulation_id=sim_id), metadata=md.md("admin"))
    assert reply.collaboration_pair_count == 0 and len(reply.ended_session_ids) == 1
    assert await outbox_rows(pg, sim_id, "collaboration") == []
