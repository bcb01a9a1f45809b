"""The sync worker, hang detection and the rule-1 reconciler, including real crashes between the two stores."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

import grpc
import pytest
from grpc import aio

from amauta.v1 import simulation_pb2 as pb
from amauta.v1 import simulation_pb2_grpc as pbg
from server.app import Node
from stores import metrics
from stores.postgres import PostgresStore
from stores.redis import RedisStore
from stores.redis.simulation_state import iso, now_utc
from stores.redis.simulations import INDEX_KEY, LiveState, keys
from stores.sync.simulation_sync import SimulationSync
from stores.sync.simulations import SimulationDomain
from tests.server.simulation.conftest import Environments
from tests.server.simulation.support import (
    CODE,
    new_id,
    next_change,
    outbox_rows,
    record_of,
    sessions_of,
    start,
    struct,
)
from tests.support import Tokens

ROOT = Path(__file__).resolve().parents[3]


async def crash(node: Node, fault: str, *args: str) -> int:
    """Run crash_worker in its own process on the node's stores; returns its exit code."""
    assert node.runtime is not None
    env = {**os.environ, "CRASH_POSTGRES_URL": node.runtime.settings.postgres_url,
           "CRASH_REDIS_URL": node.runtime.settings.redis_url, "AMAUTA_SIM_FAULT": fault}
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "tests.server.simulation.crash_worker", *args,
                                                cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.PIPE)
    _, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 70, err.decode()[-2000:]
    return proc.returncode


async def test_sync_copies_live_state_and_config_into_the_sessions(
        sim: pbg.SimulationServiceStub, md: Tokens, envs: Environments, pg: PostgresStore,
        reconciler: SimulationSync) -> None:
    env = await envs.create()
    sim_id = (await start(sim, md, env, ["s1", "s2"], state={"phase": "a"},
                          config=struct({"duration": 30}))).simulation.simulation_id
    await sim.UpdateSimulationState(pb.UpdateSimulationStateRequest(simulation_id=sim_id, state=struct({"score": 4}),
                                                                    phase="b"), metadata=md.md("admin"))
    report = await reconciler.sync_once()
    assert report.active >= 1 and report.copied_sessions >= 2
    for row in await sessions_of(pg, sim_id):
        assert row["session_config"] == {"duration": 30}
        meta = row["session_metadata"]
        assert meta["simulation_id"] == sim_id and meta["simulation_version"] == 2
        assert meta["simulation_state"] == {"phase": "b", "score": 4}
        assert meta["simulation_participants"] == ["s1", "s2"]
    record = await record_of(pg, sim_id)
    assert record is not None and (record["status"], record["synced_version"]) == ("live", 2)

    # The node's own worker (every 5 s by default) copies the next change without help.
    await sim.UpdateSimulationState(pb.UpdateSimulationStateRequest(simulation_id=sim_id, state=struct({"score": 5})),
                                    metadata=md.md("admin"))
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if all(r["session_metadata"].get("simulation_version") == 3 for r in await sessions_of(pg, sim_id)):
            break
        await asyncio.sleep(0.25)
    else:
        pytest.fail("the sync worker did not copy version 3")
    assert (metrics.REGISTRY.get_sample_value("amauta_simulations_active") or 0) >= 1


async def test_hung_simulations_are_reported_and_optionally_abandoned(
        sim: pbg.SimulationServiceStub, md: Tokens, envs: Environments, pg: PostgresStore, redis: RedisStore,
        domain: SimulationDomain) -> None:
    env = await envs.create()
    sim_id = (await start(sim, md, env, ["h1", "h2"])).simulation.simulation_id
    call = sim.WatchSimulation(pb.WatchSimulationRequest(simulation_id=sim_id), metadata=md.md("admin"))
    await call.read()
    old = iso(now_utc().replace(year=now_utc().year - 1))
    await redis.client.hset(keys(sim_id)[0], "lastUpdate", old)  # no change for a year

    report_only = SimulationSync(SimulationDomain(pg, domain.live.redis, replace(domain.settings, hang_seconds=3600)))
    report = await report_only.sync_once()
    assert sim_id in report.hung and report.abandoned_hung == []
    assert await redis.client.exists(keys(sim_id)[0]) == 1

    abandoning = SimulationSync(SimulationDomain(pg, domain.live.redis, replace(
        domain.settings, hang_seconds=3600, hang_abandon=True)))
    report = await abandoning.sync_once()
    assert report.abandoned_hung == [sim_id]
    assert {r["completion_status"] for r in await sessions_of(pg, sim_id)} == {"abandoned"}
    assert (await record_of(pg, sim_id))["status"] == "abandoned"  # type: ignore[index]
    last = await asyncio.wait_for(call.read(), 5)
    assert last.delta.kind == pb.SIMULATION_CHANGE_KIND_ENDED and last.delta.actor == "reconciler"
    assert await asyncio.wait_for(call.read(), 5) is aio.EOF


async def test_crash_between_postgres_and_redis_at_start_is_abandoned_by_the_reconciler(
        node: Node, sim: pbg.SimulationServiceStub, md: Tokens, envs: Environments, pg: PostgresStore,
        redis: RedisStore, reconciler: SimulationSync) -> None:
    env = await envs.create()
    sim_id = new_id("crash")
    await crash(node, "start:after_postgres", "start", env, sim_id, "c1", "c2")
    # The process died after the commit: PostgreSQL rows, no Redis session (never the other way round).
    record = await record_of(pg, sim_id)
    assert record is not None and record["status"] == "starting"
    assert [r["completion_status"] for r in await sessions_of(pg, sim_id)] == ["in_progress", "in_progress"]
    assert await redis.client.exists(*keys(sim_id)) == 0

    report = await reconciler.reconcile_once()
    assert sim_id in report.start_incomplete
    assert (await record_of(pg, sim_id))["status"] == "abandoned"  # type: ignore[index]
    rows = await sessions_of(pg, sim_id)
    assert [r["completion_status"] for r in rows] == ["abandoned", "abandoned"]
    assert [len(await outbox_rows(pg, r["session_id"], "session_end")) for r in rows] == [1, 1]
    again = await reconciler.reconcile_once()  # converged: nothing left to find
    assert sim_id not in again.start_incomplete + again.redis_state_lost + again.orphaned
    assert not {r["session_id"] for r in rows} & set(again.stray_sessions)
    ended = await sim.EndSimulation(pb.EndSimulationRequest(simulation_id=sim_id), metadata=md.md("admin"))
    assert ended.already_ended


async def test_crash_between_postgres_and_redis_at_end_is_finished_by_the_reconciler(
        node: Node, sim: pbg.SimulationServiceStub, md: Tokens, envs: Environments, pg: PostgresStore,
        redis: RedisStore, reconciler: SimulationSync) -> None:
    env = await envs.create()
    sim_id = (await start(sim, md, env, ["e1", "e2"])).simulation.simulation_id
    call = sim.WatchSimulation(pb.WatchSimulationRequest(simulation_id=sim_id), metadata=md.md("admin"))
    await call.read()
    await crash(node, "end:after_postgres", "end", env, sim_id)
    assert (await record_of(pg, sim_id))["status"] == "ended"  # type: ignore[index]
    assert await redis.client.exists(keys(sim_id)[0]) == 1  # Redis still shows it live

    await reconciler.reconcile_once()
    assert await redis.client.exists(keys(sim_id)[0]) == 0
    assert (await next_change(call)).delta.kind == pb.SIMULATION_CHANGE_KIND_ENDED
    assert await next_change(call) is aio.EOF and await call.code() == grpc.StatusCode.OK
    ended = await sim.EndSimulation(pb.EndSimulationRequest(simulation_id=sim_id), metadata=md.md("admin"))
    assert ended.already_ended and len(ended.ended_session_ids) == 2


async def test_reconciler_repairs_redis_sessions_without_records_strays_and_the_index(
        sim: pbg.SimulationServiceStub, md: Tokens, envs: Environments, pg: PostgresStore, redis: RedisStore,
        domain: SimulationDomain, reconciler: SimulationSync) -> None:
    env = await envs.create()
    now = iso(now_utc())

    def live(sim_id: str, environment: str) -> LiveState:
        return LiveState(sim_id, environment, ["r1", "r2"], {"phase": "x"}, now, now, {"d": 1}, 1, "", 4)

    # Redis sessions written without PostgreSQL records (as if from a foreign writer or a restored backup).
    adoptable, orphan = new_id("adopt"), new_id("orphan")
    await domain.live.start(live(adoptable, env), now_ms=int(time.time() * 1000), actor="test")
    await domain.live.start(live(orphan, "00000000-0000-0000-0000-00000000dead"), now_ms=int(time.time() * 1000),
                            actor="test")
    # A stray: r2 left in Redis but the process died before its session was ended.
    stray_sim = (await start(sim, md, env, ["r1", "r2"])).simulation.simulation_id
    await domain.live.leave(stray_sim, "r2", last_update=now, now_ms=int(time.time() * 1000), actor="test")
    # Index damage.
    await redis.client.zrem(INDEX_KEY, stray_sim)
    await redis.client.zadd(INDEX_KEY, {"ghost-simulation": 1})

    report = await reconciler.reconcile_once()
    assert adoptable in report.adopted and orphan in report.orphaned
    rows = await sessions_of(pg, adoptable)
    assert [(r["learner_id"], r["completion_status"]) for r in rows] == [("r1", "in_progress"), ("r2", "in_progress")]
    assert (await record_of(pg, adoptable))["status"] == "starting"  # type: ignore[index]
    assert await record_of(pg, orphan) is None  # only reported: its environment is unknown
    assert {r["learner_id"]: r["completion_status"] for r in await sessions_of(pg, stray_sim)} == {
        "r1": "in_progress", "r2": "abandoned"}
    assert await redis.client.zscore(INDEX_KEY, stray_sim) is not None
    assert await redis.client.zscore(INDEX_KEY, "ghost-simulation") is None

    again = await reconciler.reconcile_once(repair=False)
    assert adoptable not in again.adopted + again.orphaned and stray_sim not in again.index_added
    for sim_id in (adoptable, stray_sim):
        await sim.EndSimulation(pb.EndSimulationRequest(simulation_id=sim_id), metadata=md.md("admin"))
    await domain.live.end(orphan, now_ms=int(time.time() * 1000), actor="test")
    with pytest.raises(aio.AioRpcError) as err:
        await sim.GetSimulation(pb.GetSimulationRequest(simulation_id=orphan), metadata=md.md("admin"))
    assert err.value.code() == CODE.NOT_FOUND
