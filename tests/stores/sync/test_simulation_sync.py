"""SimulationSync: a pass copies changed live state into the participants' sessions; reports count findings."""

from __future__ import annotations

from collections.abc import Collection

from server.runtime import Stores
from stores.postgres import simulations as pg
from stores.redis.settings import SimulationSettings
from stores.redis.simulation_state import StateChange
from stores.sync.simulation_sync import ReconcileReport, SimulationSync
from stores.sync.simulations import SimulationDomain, StartSpec
from tests.server.learner.helpers import insert_environment, unique


def anyone(learners: Collection[str]) -> None:
    """An access check that lets every caller through."""


def test_findings_count_every_kind_and_abandoned_joins_both_causes() -> None:
    report = ReconcileReport(adopted=["a"], orphaned=["b"], start_incomplete=["c"], redis_state_lost=["d"],
                             stray_sessions=["e", "f"], index_added=["g"])
    assert report.abandoned == ["c", "d"]
    assert report.findings == 6


async def test_a_sync_pass_copies_the_live_state_and_promotes_the_record(stores: Stores) -> None:
    domain = SimulationDomain(stores.postgres, stores.redis, SimulationSettings())
    env = await insert_environment(stores.postgres)
    learner = unique("sync")
    started = await domain.start(StartSpec(None, env, [learner], {"rounds": 2}, {"turn": 0}, None, "admin",
                                           join_policy="open"))
    sid = started.state.simulation_id
    try:
        await domain.update(sid, StateChange({"turn": 5}, []), expected_version=0, actor="admin", check=anyone,
                            max_bytes=1 << 20)
        report = await SimulationSync(domain).sync_once()
        assert report.active >= 1 and report.synced_simulations >= 1 and report.copied_sessions >= 1
        record = await pg.SimulationRecords(stores.postgres).get(sid)
        assert record is not None and (record.status, record.synced_version) == ("live", 2)
        async with stores.postgres.connection() as conn:
            cur = await conn.execute("SELECT session_config FROM learning_sessions WHERE learner_id = %s", (learner,))
            assert await cur.fetchone() == {"session_config": {"rounds": 2}}
        again = await SimulationSync(domain).sync_once()
        assert sid not in again.hung
        dry = await SimulationSync(domain).reconcile_once(repair=False)
        assert sid not in dry.abandoned and sid not in dry.orphaned
    finally:
        await domain.end(sid, [], actor="admin", check=anyone)


async def test_a_simulation_without_changes_past_the_hang_time_is_reported_hung(stores: Stores) -> None:
    domain = SimulationDomain(stores.postgres, stores.redis, SimulationSettings(hang_seconds=-1.0))
    env = await insert_environment(stores.postgres)
    started = await domain.start(StartSpec(None, env, [unique("sync")], None, {}, None, "admin", join_policy="open"))
    sid = started.state.simulation_id
    try:
        assert sid in (await SimulationSync(domain).sync_once()).hung
    finally:
        await domain.end(sid, [], actor="admin", check=anyone)
