"""EraseLearner: every store emptied of the learner, pending outbox rows neutralised, resumable after
an injected failure and after a killed process.

The node runs the graph outbox relay, which applies the learner_erased row erasure appends: it may
delete the Learner node before the graph step does, so graph counts are either the full count or 0.
"""

from __future__ import annotations

import asyncio
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest

from amauta.v1 import common_pb2
from amauta.v1 import learner_pb2 as pb
from server.app import Node
from server.runtime import Stores
from stores.errors import StoreUnavailable
from stores.redis.progress import progress_key
from stores.sync.erasure import Eraser
from stores.sync.progress import progress_store
from tests.server.learner.conftest import Catalog
from tests.server.learner.helpers import fails, unique
from tests.support import Tokens

ROOT = Path(__file__).resolve().parents[3]


@dataclass(frozen=True)
class Seeded:
    """A learner with data in every store, and a neighbour whose data must survive."""

    learner: str
    neighbour: str
    skill: str
    session_id: str


async def seed(stub, tokens: Tokens, stores: Stores, catalog: Catalog) -> Seeded:
    learner, neighbour, skill = unique("erase"), unique("keep"), unique("skill")
    md = tokens.md("admin")
    await stub.CreateLearnerProfile(pb.CreateLearnerProfileRequest(
        profile=pb.LearnerProfile(learner_id=learner, learner_type="analytical_node"), request_id="p-1"), metadata=md)
    session = (await stub.StartSession(pb.StartSessionRequest(
        learner_id=learner, session_type=common_pb2.SESSION_TYPE_TRAINING, content_id=catalog.content,
        request_id="s-1"), metadata=md)).session
    await stub.RecordAssessment(pb.RecordAssessmentRequest(assessment=pb.AssessmentResult(
        learner_id=learner, session_id=session.session_id, assessment_type="quiz",
        results={"score": 1})), metadata=md)
    await stub.CompleteSession(pb.CompleteSessionRequest(session_id=session.session_id), metadata=md)
    await stub.ReportProgress(pb.ReportProgressRequest(learner_id=learner, progress_percentage=50), metadata=md)
    async with stores.postgres.transaction() as conn:
        # Already delivered, so no relay turns it into edges: erasure must still scrub the learner from it.
        cur = await conn.execute(
            "INSERT INTO analytics_outbox (event_type, aggregate_id, payload) VALUES ('collaboration', 'sim-x',"
            " jsonb_build_object('simulation_id', 'sim-x', 'learner_ids', jsonb_build_array(%s::text, %s::text)))"
            " RETURNING outbox_id", (learner, neighbour))
        row = await cur.fetchone()
        assert row is not None
        await conn.execute("DELETE FROM outbox_pending WHERE outbox_id = %s", (row["outbox_id"],))
    # MERGE: the graph relay may already have mirrored the profile into a Learner node.
    await stores.graph.run(
        "MERGE (l:Learner {learnerId: $l}) MERGE (n:Learner {learnerId: $n}) MERGE (s:Skill {skillId: $s})"
        " CREATE (l)-[:HAS_SKILL {proficiencyLevel: 0.5}]->(s), (l)-[:COLLABORATED_WITH {sessionCount: 1}]->(n)",
        {"l": learner, "n": neighbour, "s": skill})
    analytics = stores.analytics
    await analytics.execute(
        "INSERT INTO learning_events (timestamp, event_id, learner_id, session_id, event_type)"
        " SELECT now64(3), toString(number), if(number < 3, {l:String}, {n:String}), 's', 'interaction'"
        " FROM numbers(4)", {"l": learner, "n": neighbour})
    await analytics.execute(
        "INSERT INTO performance_metrics (timestamp, learner_id, metric_type, metric_value)"
        " SELECT now64(3), {l:String}, 'accuracy', number FROM numbers(2)", {"l": learner})
    return Seeded(learner, neighbour, skill, session.session_id)


async def leftovers(stores: Stores, learner: str) -> dict[str, int]:
    """What remains of a learner in each store."""
    counts: dict[str, int] = {}
    async with stores.postgres.connection() as conn:
        for table in ("learner_profiles", "learning_sessions", "assessment_results"):
            cur = await conn.execute(f"SELECT count(*) AS n FROM {table} WHERE learner_id = %s", (learner,))
            counts[table] = (await cur.fetchone())["n"]
        cur = await conn.execute("SELECT count(*) AS n FROM analytics_outbox WHERE (learner_id = %(l)s"
                                 " AND event_type <> 'learner_erased') OR payload->'learner_ids' ? %(l)s",
                                 {"l": learner})
        counts["analytics_outbox"] = (await cur.fetchone())["n"]
    counts["redis"] = await stores.redis.client.exists(progress_key(learner))
    rows = await stores.graph.run("MATCH (l:Learner {learnerId: $l}) RETURN count(l) AS n", {"l": learner})
    counts["graph"] = rows[0]["n"]
    for table in ("learning_events", "performance_metrics"):
        rows = await stores.analytics.query(f"SELECT count() AS n FROM {table} WHERE learner_id = {{l:String}}",
                                            {"l": learner})
        counts[table] = int(rows[0]["n"])
    return counts


async def survivors(stores: Stores, s: Seeded) -> tuple[int, int, int, list[list[str]]]:
    """The neighbour's node, the skill, the neighbour's events and the collaboration rows' learners."""
    n = (await stores.graph.run("MATCH (n:Learner {learnerId: $n}) RETURN count(n) AS c", {"n": s.neighbour}))[0]["c"]
    k = (await stores.graph.run("MATCH (k:Skill {skillId: $k}) RETURN count(k) AS c", {"k": s.skill}))[0]["c"]
    e = int((await stores.analytics.query("SELECT count() AS c FROM learning_events WHERE learner_id = {n:String}",
                                          {"n": s.neighbour}))[0]["c"])
    async with stores.postgres.connection() as conn:
        cur = await conn.execute("SELECT payload->'learner_ids' AS ids FROM analytics_outbox"
                                 " WHERE event_type = 'collaboration' AND payload->'learner_ids' ? %s", (s.neighbour,))
        ids = [r["ids"] for r in await cur.fetchall()]
    return n, k, e, ids


async def cleanup_graph(stores: Stores, s: Seeded) -> None:
    await stores.graph.run("MATCH (n:Learner {learnerId: $n}) DETACH DELETE n", {"n": s.neighbour})
    await stores.graph.run("MATCH (k:Skill {skillId: $k}) DETACH DELETE k", {"k": s.skill})


async def erase(stub, tokens: Tokens, learner: str) -> pb.EraseLearnerResponse:
    return await stub.EraseLearner(pb.EraseLearnerRequest(learner_id=learner), metadata=tokens.md("admin"))


async def test_erase_removes_the_learner_from_every_store(stub, tokens: Tokens, stores: Stores,
                                                          catalog: Catalog) -> None:
    s = await seed(stub, tokens, stores, catalog)
    assert all((await leftovers(stores, s.learner)).values())
    reply = await erase(stub, tokens, s.learner)
    assert reply.complete and reply.learner_id == s.learner
    report = {r.store: r for r in reply.stores}
    assert [r.store for r in reply.stores] == ["postgresql", "redis", "graph", "clickhouse"]
    assert all(r.done for r in reply.stores)
    assert report["postgresql"].detail == ("assessment_results=1 learning_sessions=1 learner_profiles=1"
                                           " idempotency_keys=2 analytics_outbox=4 analytics_outbox_scrubbed=1")
    assert report["postgresql"].removed_count == 9
    assert report["redis"].removed_count == 1
    assert report["graph"].removed_count in (0, 3)  # one node and two relationships, unless the relay won
    # At least the seeded rows (an analytics relay may have added the learner's session events).
    # A synchronous mutation: lightweight DELETE refuses tables with projections (migration 0033).
    assert report["clickhouse"].removed_count >= 5 and "ALTER TABLE DELETE" in report["clickhouse"].detail
    assert set((await leftovers(stores, s.learner)).values()) == {0}
    n, k, e, ids = await survivors(stores, s)
    assert (n, k, e) == (1, 1, 1) and ids == [[s.neighbour]]
    async with stores.postgres.connection() as conn:
        cur = await conn.execute("SELECT payload FROM analytics_outbox WHERE learner_id = %s"
                                 " AND event_type = 'learner_erased'", (s.learner,))
        assert [r["payload"] for r in await cur.fetchall()] == [{"learner_id": s.learner}]
    await fails(stub.GetProgress(pb.GetProgressRequest(learner_id=s.learner), metadata=tokens.md("admin")),
                grpc.StatusCode.NOT_FOUND)
    # Idempotent: a second call is a new pass that finds nothing more; counts stay those of the job.
    again = await erase(stub, tokens, s.learner)
    assert again.complete and [r.removed_count for r in again.stores] == [r.removed_count for r in reply.stores]
    # The request ids of the erased records do not resolve to them any more: a retry starts afresh.
    md = tokens.md("admin")
    profile = await stub.CreateLearnerProfile(pb.CreateLearnerProfileRequest(
        profile=pb.LearnerProfile(learner_id=s.learner, learner_type="t"), request_id="p-1"), metadata=md)
    assert profile.profile.learner_type == "t"
    third = await erase(stub, tokens, s.learner)
    assert third.complete and third.stores[0].removed_count > reply.stores[0].removed_count
    await cleanup_graph(stores, s)


async def test_erasing_an_unknown_learner_succeeds_with_zero_counts(stub, tokens: Tokens) -> None:
    reply = await erase(stub, tokens, unique("ghost"))
    assert reply.complete
    assert [(r.store, r.done) for r in reply.stores] == [
        ("postgresql", True), ("redis", True), ("graph", True), ("clickhouse", True)]
    assert [r.removed_count for r in reply.stores[1:]] == [0, 0, 0]
    assert reply.stores[0].removed_count == 0


async def test_erase_validation_and_admin_only(stub, tokens: Tokens) -> None:
    await fails(stub.EraseLearner(pb.EraseLearnerRequest(learner_id=""), metadata=tokens.md("admin")),
                grpc.StatusCode.INVALID_ARGUMENT)
    for key in ("service", "node_a", "analyst"):
        await fails(stub.EraseLearner(pb.EraseLearnerRequest(learner_id="node-a"), metadata=tokens.md(key)),
                    grpc.StatusCode.PERMISSION_DENIED)


async def test_a_failing_store_keeps_the_report_and_the_rerun_finishes(stub, tokens: Tokens, stores: Stores,
                                                                       catalog: Catalog) -> None:
    s = await seed(stub, tokens, stores, catalog)

    async def graph_down(store: str) -> None:
        if store == "graph":
            raise StoreUnavailable("graph unavailable: injected")

    eraser = Eraser(stores.postgres, progress_store(stores.redis, stores.postgres), stores.graph, stores.analytics,
                    before_step=graph_down)
    with pytest.raises(StoreUnavailable):
        await eraser.erase(s.learner, "test")
    partial = await eraser.report(s.learner)
    assert partial is not None and not partial.complete
    assert [(r.store, r.done) for r in partial.steps] == [
        ("postgresql", True), ("redis", True), ("graph", False), ("clickhouse", False)]
    left = await leftovers(stores, s.learner)
    assert (left["learner_profiles"], left["redis"]) == (0, 0) and left["learning_events"] >= 3
    reply = await erase(stub, tokens, s.learner)
    assert reply.complete
    assert reply.stores[0].removed_count == partial.steps[0].removed_count  # not redone
    assert reply.stores[2].removed_count in (0, 3) and reply.stores[3].removed_count >= 5
    assert set((await leftovers(stores, s.learner)).values()) == {0}
    await cleanup_graph(stores, s)


async def test_erasure_killed_midway_is_finished_by_a_rerun(stub, tokens: Tokens, stores: Stores, node: Node,
                                                            catalog: Catalog) -> None:
    s = await seed(stub, tokens, stores, catalog)
    assert node.runtime is not None
    settings = node.runtime.settings
    env = {**os.environ, "AMAUTA_TEST_PG": settings.postgres_url, "AMAUTA_TEST_REDIS": settings.redis_url,
           "AMAUTA_TEST_GRAPH": settings.graph_url, "ERASE_LEARNER": s.learner, "ERASE_PAUSE_AT": "graph"}
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "tests.server.learner.erase_worker",
                                                cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE)
    try:
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), 60)
        assert line.decode().strip() == "PAUSED graph"
        left = await leftovers(stores, s.learner)
        assert (left["learner_profiles"], left["redis"]) == (0, 0) and left["learning_events"] >= 3
    finally:
        proc.kill()  # SIGKILL: no cleanup runs in the worker
        await proc.wait()
    reply = await erase(stub, tokens, s.learner)  # waits for nothing: the dead worker's lock went with it
    assert reply.complete
    assert reply.stores[0].removed_count > 0 and reply.stores[1].removed_count == 1
    assert reply.stores[2].removed_count in (0, 3) and reply.stores[3].removed_count >= 5
    assert set((await leftovers(stores, s.learner)).values()) == {0}
    n, k, e, _ = await survivors(stores, s)
    assert (n, k, e) == (1, 1, 1)
    await cleanup_graph(stores, s)
