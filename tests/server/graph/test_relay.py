"""The graph relay end to end: recorded assessments reach HAS_SKILL exactly once and in history order,
with concurrent writers, transactions that commit late, older timestamps recorded last and relays
that die mid-batch."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone

import pytest
from psycopg.types.json import Jsonb

from amauta.v1 import graph_pb2 as pb
from server.app import Node
from stores import metrics
from stores.graph.knowledge_tracing import DEFAULT_PARAMS, SkillState, update
from stores.graph.model import GraphModel
from stores.postgres import PostgresStore, outbox
from stores.postgres.assessments import Assessment, AssessmentStore, _submitted
from stores.postgres.outbox import OutboxRelay, OutboxRow
from stores.postgres.skill_history import PostgresHistories
from stores.sync.graph_relay import GraphConsumer
from tests.server.graph.conftest import Graph, graph_outbox_drained

T0 = datetime(2025, 3, 1, 10, 0, tzinfo=timezone.utc)


class Killed(Exception):
    """The relay process died."""


class DiesMidBatch:
    """A graph consumer that applies the first `keep` rows of each batch it gets, then dies."""

    name = "graph"
    event_types = GraphConsumer.event_types

    def __init__(self, real: GraphConsumer, keep: int) -> None:
        self.real = real
        self.keep = keep
        self.deaths = 0

    async def deliver(self, rows: Sequence[OutboxRow]) -> None:
        await self.real.deliver(rows[:self.keep])
        self.deaths += 1
        raise Killed()


def consumer_of(node: Node) -> GraphConsumer:
    assert node.runtime is not None
    return GraphConsumer(node.runtime.stores.graph, PostgresHistories(node.runtime.stores.postgres))


async def new_session(pg: PostgresStore, learner: str) -> str:
    async with pg.transaction() as conn:
        cur = await conn.execute("INSERT INTO learning_sessions (learner_id, session_type) VALUES (%s, 'assessment')"
                                 " RETURNING session_id::text AS id", (learner,))
        row = await cur.fetchone()
    assert row is not None
    return str(row["id"])


async def record(pg: PostgresStore, learner: str, session: str, scores: dict[str, float],
                 at: datetime | None, hold: float = 0.0) -> None:
    """Record one assessment as AssessmentStore does; hold > 0 keeps the transaction open that long
    after its outbox id was taken, so higher ids can commit before it (a late commit)."""
    if hold <= 0:
        await AssessmentStore(pg).record({"session_id": session, "learner_id": learner, "assessment_type": "quiz",
                                          "results": {"n": 1}, "skill_assessments": scores,
                                          "assessment_timestamp": at}, request_id=None, identity="test")
        return
    async with pg.transaction() as conn:
        cur = await conn.execute(
            "INSERT INTO assessment_results (learner_id, session_id, assessment_type, results, skill_assessments,"
            " assessment_timestamp, review_status) VALUES (%s, %s, 'quiz', '{}'::jsonb, %s, COALESCE(%s, now()),"
            " 'final') RETURNING assessment_id::text AS assessment_id, learner_id, session_id::text AS session_id,"
            " assessment_type, assessment_scope, assessment_criteria, results, skill_assessments,"
            " improvement_recommendations, benchmark_comparisons, confidence_level, assessor,"
            " assessment_timestamp, review_status",
            (learner, session, Jsonb(scores), at))
        row = await cur.fetchone()
        assert row is not None
        a = Assessment.from_row(row)
        await outbox.append(conn, "assessment_submit", a.assessment_id, _submitted(a), learner_id=learner)
        await asyncio.sleep(hold)


async def ordered_folds(pg: PostgresStore, learners: Sequence[str]) -> dict[tuple[str, str], SkillState]:
    """Every (learner, skill) history of the learners, straight from PostgreSQL in (timestamp, id) order,
    folded with the default parameters."""
    async with pg.connection() as conn:
        cur = await conn.execute(
            "SELECT learner_id, skill_assessments FROM assessment_results WHERE learner_id = ANY(%s)"
            " ORDER BY assessment_timestamp, assessment_id", (list(learners),))
        rows = await cur.fetchall()
    out: dict[tuple[str, str], SkillState] = {}
    for r in rows:
        for skill, score in r["skill_assessments"].items():
            pair = (r["learner_id"], skill)
            out[pair] = update(out.get(pair) or SkillState.initial(DEFAULT_PARAMS), min(1.0, max(0.0, score)),
                               DEFAULT_PARAMS)
    return out


async def assert_edges_are_folds(node: Node, learners: Sequence[str]) -> int:
    """Every HAS_SKILL of the learners equals the fold of its ordered history; returns the edge count."""
    assert node.runtime is not None
    want = await ordered_folds(node.runtime.stores.postgres, learners)
    model = GraphModel(node.runtime.stores.graph)
    got = {(e.learner_id, e.skill_id): e for learner in learners for e in await model.learner_skills(learner)}
    assert set(got) == set(want)
    for pair, state in want.items():
        assert got[pair].observation_count == state.observations, pair
        assert got[pair].proficiency_level == pytest.approx(state.proficiency, abs=1e-9), pair
        assert got[pair].growth_rate == pytest.approx(state.growth_rate, abs=1e-9), pair
    return len(want)


def sample(name: str, **labels: str) -> float:
    """The current value of one metric sample (0 before it was first recorded)."""
    for family in metrics.REGISTRY.collect():
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return float(s.value)
    return 0.0


def replayed(scores: list[float]) -> SkillState:
    state = SkillState.initial(DEFAULT_PARAMS)
    for s in scores:
        state = update(state, s, DEFAULT_PARAMS)
    return state


@pytest.mark.parametrize("keep", [0, 7, 19])
async def test_relay_killed_mid_batch_applies_each_assessment_once(
        g: Graph, node: Node, ids: Callable[[str], str], keep: int) -> None:
    assert node.runtime is not None
    pg = node.runtime.stores.postgres
    base = ids("relay")
    rng = random.Random(keep)
    scores = [{"r1": float(rng.random() < 0.6), "r2": round(rng.random(), 3)} for _ in range(25)]
    killer = OutboxRelay(pg, DiesMidBatch(consumer_of(node), keep), batch_size=1000)
    learner = ""
    for attempt in range(50):  # the node's own relay competes for the lock; retry until ours takes a batch
        await graph_outbox_drained(node)
        learner = f"{base}-{attempt}"
        session = await new_session(pg, learner)
        for i, s in enumerate(scores):
            await record(pg, learner, session, s, T0 + timedelta(seconds=i))
        try:
            await killer.relay_once()
        except Killed:
            break
    else:
        pytest.skip("the node's relay always took the batch first")
    await graph_outbox_drained(node)   # the node's relay re-delivers the killed batch
    skills = {s.skill.skill_id: s.has_skill
              for s in (await g.GetLearnerSkills(pb.GetLearnerSkillsRequest(learner_id=learner))).skills}
    for skill in ("r1", "r2"):
        want = replayed([s[skill] for s in scores])
        assert skills[skill].observation_count == 25
        assert skills[skill].proficiency_level == pytest.approx(want.proficiency, abs=1e-12)


async def test_concurrent_writers_late_commits_and_relay_kills_leave_every_edge_the_ordered_fold(
        node: Node, ids: Callable[[str], str]) -> None:
    assert node.runtime is not None
    pg = node.runtime.stores.postgres
    rng = random.Random(2024)
    learners = [ids(f"ord{i}") for i in range(6)]
    sessions = {learner: await new_session(pg, learner) for learner in learners}
    skills = ["ord-a", "ord-b", "ord-c"]
    killers = [OutboxRelay(pg, DiesMidBatch(consumer_of(node), keep), batch_size=keep * 3 + 2)
               for keep in (0, 1, 3)]
    stop = asyncio.Event()
    deaths = 0

    async def kill_relays() -> None:
        nonlocal deaths
        while not stop.is_set():
            for killer in killers:
                try:
                    await killer.relay_once()
                except Killed:
                    deaths += 1
            await asyncio.sleep(0.01)

    async def writer(seed: int) -> None:
        r = random.Random(seed)
        for _ in range(15):
            learner = r.choice(learners)
            chosen = r.sample(skills, r.randint(1, 3))
            scores = {s: r.choice([0.0, 1.0, 1.0, round(r.random(), 3)]) for s in chosen}
            # A third carry an explicit time up to a minute in the past: older than rows already applied.
            at = datetime.now(timezone.utc) - timedelta(seconds=r.uniform(0, 60)) if r.random() < 0.33 else None
            await record(pg, learner, sessions[learner], scores, at, hold=r.choice([0, 0, 0, 0.05, 0.2]))

    recomputes = sample("amauta_has_skill_recomputes_total", cause="late")
    killing = asyncio.create_task(kill_relays())
    await asyncio.gather(*(writer(rng.randrange(1 << 30)) for _ in range(8)))
    await asyncio.sleep(0.3)   # let the killers die on the last rows too
    stop.set()
    await killing
    await graph_outbox_drained(node)
    edges = await assert_edges_are_folds(node, learners)
    assert edges >= 12
    assert deaths > 0   # the kills happened (how many depends on who wins the relay lock)
    # and assessments arrived behind the edges they belong to, so the recompute path ran
    assert sample("amauta_has_skill_recomputes_total", cause="late") > recomputes


async def test_an_older_assessment_recorded_last_lands_where_its_timestamp_puts_it(
        node: Node, ids: Callable[[str], str]) -> None:
    assert node.runtime is not None
    pg = node.runtime.stores.postgres
    learner = ids("late")
    session = await new_session(pg, learner)
    pattern = [1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    # Recorded in this order, with decreasing timestamps: the history runs 0000001111.
    for i, score in enumerate(pattern):
        await record(pg, learner, session, {"late-s": score}, T0 - timedelta(minutes=i))
        if i == 5:
            await graph_outbox_drained(node)   # part of it applied before the older rows arrive
    await graph_outbox_drained(node)
    [edge] = await GraphModel(node.runtime.stores.graph).learner_skills(learner)
    assert edge.proficiency_level == pytest.approx(replayed(pattern[::-1]).proficiency, abs=1e-12)
    assert edge.proficiency_level > 0.98 and edge.observation_count == 10
    # One more, older than all of them, recorded last.
    await record(pg, learner, session, {"late-s": 0.0}, T0 - timedelta(hours=1))
    await graph_outbox_drained(node)
    [edge] = await GraphModel(node.runtime.stores.graph).learner_skills(learner)
    assert edge.proficiency_level == pytest.approx(replayed([0.0, *pattern[::-1]]).proficiency, abs=1e-12)
    assert edge.last_assessed_ms == int(T0.timestamp() * 1000)
    await assert_edges_are_folds(node, [learner])


async def test_every_relay_write_records_assessment_processing(node: Node, ids: Callable[[str], str]) -> None:
    assert node.runtime is not None

    def count() -> float:
        return sample("amauta_learning_latency_seconds_count", kind="assessment_processing")

    pg = node.runtime.stores.postgres
    learner = ids("metric")
    session = await new_session(pg, learner)
    await graph_outbox_drained(node)
    before = count()
    for i in range(3):
        await record(pg, learner, session, {"metric-s": 1.0}, T0 + timedelta(seconds=i))
    await graph_outbox_drained(node)
    assert count() - before >= 3


async def test_a_relay_holding_rows_does_not_make_the_other_consumer_skip_them(
        node: Node, ids: Callable[[str], str]) -> None:
    assert node.runtime is not None
    pg = node.runtime.stores.postgres
    got, release = asyncio.Event(), asyncio.Event()

    class Holds:
        """A graph consumer that keeps its batch (and its transaction) open until released, then dies."""

        name = "graph"
        event_types = GraphConsumer.event_types

        async def deliver(self, rows: Sequence[OutboxRow]) -> None:
            got.set()
            await release.wait()
            raise Killed()

    mine: list[int] = []
    holding: asyncio.Task[int] | None = None
    for attempt in range(50):   # the node's graph relay competes for the lock; retry until ours holds a batch
        await graph_outbox_drained(node)
        async with pg.transaction() as conn:
            mine = [await outbox.append(conn, "profile_upserted", learner, {"learner_id": learner,
                                                                            "learner_type": "t"}, learner)
                    for learner in (ids(f"hold{attempt}-{i}") for i in range(5))]
        holding = asyncio.create_task(OutboxRelay(pg, Holds()).relay_once())
        await asyncio.wait([holding, asyncio.create_task(got.wait())], return_when=asyncio.FIRST_COMPLETED)
        if got.is_set():
            break
        await holding
    else:
        pytest.skip("the node's relay always took the batch first")
    assert holding is not None
    try:
        # The graph relay holds the rows in an open transaction; the node's analytics relay delivers
        # them meanwhile (it used to skip rows another consumer had locked).
        deadline = asyncio.get_running_loop().time() + 20
        while True:
            async with pg.connection() as conn:
                cur = await conn.execute("SELECT consumer, count(*) AS n FROM outbox_pending WHERE outbox_id = ANY(%s)"
                                         " GROUP BY consumer", (mine,))
                pending = {r["consumer"]: r["n"] for r in await cur.fetchall()}
            if "analytics" not in pending:
                break
            assert asyncio.get_running_loop().time() < deadline, pending
            await asyncio.sleep(0.05)
        assert pending.get("graph") == len(mine)   # still held, not marked
    finally:
        release.set()
        with pytest.raises(Killed):
            await holding
    await graph_outbox_drained(node)   # the killed batch is delivered again, nothing lost
