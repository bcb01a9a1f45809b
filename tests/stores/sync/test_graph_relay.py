"""The graph outbox consumer on every backend: BKT updates exactly once and in history order, mirrors,
collaboration, erasure."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone

import pytest

from stores.graph import GraphBackend
from stores.graph.collaboration import Collaboration
from stores.graph.knowledge_tracing import DEFAULT_PARAMS, SkillState, update
from stores.graph.model import GraphModel
from stores.postgres.outbox import OutboxRow
from stores.postgres.skill_history import Observation, order_key
from stores.sync.graph_relay import GraphConsumer, Pair, epoch_ms
from tests.stores.graph.helpers import prepared

NOW = datetime(2025, 1, 1, tzinfo=timezone.utc)


class MemoryHistories:
    """The assessment history the relay recomputes from, as PostgreSQL would hold it: every row added."""

    def __init__(self) -> None:
        self.rows: dict[int, OutboxRow] = {}
        self.reads = 0

    def add(self, rows: Sequence[OutboxRow]) -> list[OutboxRow]:
        self.rows.update((r.outbox_id, r) for r in rows)
        return list(rows)

    async def histories(self, pairs: Sequence[Pair]) -> dict[Pair, list[Observation]]:
        self.reads += 1
        out: dict[Pair, list[Observation]] = {}
        for learner, skill in pairs:
            obs = [Observation(order_key(r.payload["assessment_timestamp"], r.payload["assessment_id"]),
                               float(r.payload["skill_assessments"][skill]),
                               epoch_ms(r.payload["assessment_timestamp"], NOW))
                   for r in self.rows.values()
                   if r.payload["learner_id"] == learner and skill in r.payload["skill_assessments"]]
            out[(learner, skill)] = sorted(obs, key=lambda o: o.key)
        return out


def row(outbox_id: int, event_type: str, **payload: object) -> OutboxRow:
    """An outbox row as the relay hands it over."""
    return OutboxRow(outbox_id, f"e{outbox_id}", event_type, str(payload.get("learner_id", "agg")),
                     payload.get("learner_id"), dict(payload), NOW)  # type: ignore[arg-type]


def assessments(start: int, learner: str, scores: list[dict[str, float]],
                at: datetime | None = None) -> list[OutboxRow]:
    """One assessment_submit row per score map, ids from start; timestamps follow the ids unless at is given."""
    return [row(start + i, "assessment_submit", learner_id=learner, skill_assessments=s,
                assessment_id=f"a-{learner}-{start + i:06d}",
                assessment_timestamp=(at or NOW + timedelta(seconds=start + i)).isoformat())
            for i, s in enumerate(scores)]


def expected(scores: list[float]) -> SkillState:
    """The state after applying scores once each, in order, from the defaults."""
    state = SkillState.initial(DEFAULT_PARAMS)
    for s in scores:
        state = update(state, s, DEFAULT_PARAMS)
    return state


async def test_an_assessment_older_than_everything_applied_is_folded_in_order(graph: GraphBackend) -> None:
    await prepared(graph)
    history = MemoryHistories()
    consumer = GraphConsumer(graph, history)
    total = 70   # more than the 64 outbox ids edges used to remember
    for i in range(1, total + 1):
        await consumer.deliver(history.add(assessments(i, "W", [{"w": 1.0}])))
    assert history.reads == 0                      # in order: the fast path only
    late = history.add(assessments(total + 1, "W", [{"w": 0.0}], at=NOW))   # oldest timestamp, recorded last
    await consumer.deliver(late)
    await consumer.deliver(late)                   # and redelivered
    [skill] = await GraphModel(graph).learner_skills("W")
    want = expected([0.0] + [1.0] * total)
    assert skill.observation_count == total + 1
    assert skill.proficiency_level == pytest.approx(want.proficiency, abs=1e-12)
    await consumer.deliver(history.add(assessments(total + 2, "W", [{"w": 0.0}])))
    [skill] = await GraphModel(graph).learner_skills("W")
    assert skill.observation_count == total + 2
    assert skill.proficiency_level == pytest.approx(expected([0.0] + [1.0] * total + [0.0]).proficiency, abs=1e-12)


async def test_redelivery_and_overlaps_apply_each_observation_once(graph: GraphBackend) -> None:
    await prepared(graph)
    rng = random.Random(7)
    maps = [{"s1": rng.choice([0.0, 1.0, 0.5]), "s2": rng.random()} for _ in range(30)]
    history = MemoryHistories()
    rows = history.add(assessments(100, "L1", maps))
    consumer = GraphConsumer(graph, history)
    await consumer.deliver(rows[:10])
    await consumer.deliver(rows[5:20])      # a killed relay's batch again, overlapping
    await consumer.deliver(rows[:20])       # and once more from the start
    await consumer.deliver(rows[20:])
    await consumer.deliver(rows[25:])
    skills = {s.skill_id: s for s in await GraphModel(graph).learner_skills("L1")}
    for name in ("s1", "s2"):
        want = expected([m[name] for m in maps])
        got = skills[name]
        assert got.observation_count == 30
        assert got.proficiency_level == pytest.approx(want.proficiency, abs=1e-12)
        assert got.growth_rate == pytest.approx(want.growth_rate, abs=1e-12)
        assert got.confidence_level == pytest.approx(want.confidence, abs=1e-12)
        assert got.last_assessed_ms == epoch_ms(rows[-1].payload["assessment_timestamp"], NOW)


async def test_a_skill_id_outside_the_grammar_is_skipped_in_every_row_of_a_batch(graph: GraphBackend) -> None:
    await prepared(graph)
    history = MemoryHistories()
    # The same unusable skill in several rows of one batch, beside a usable one.
    maps = [{" lead": 1.0, "ok": 1.0}, {"ok": 0.0, " lead": 0.0}, {" lead": 1.0, "ok": 1.0}]
    await GraphConsumer(graph, history).deliver(history.add(assessments(300, "G", maps)))
    skills = await GraphModel(graph).learner_skills("G")
    assert [s.skill_id for s in skills] == ["ok"]
    assert skills[0].observation_count == 3
    assert skills[0].proficiency_level == pytest.approx(expected([1.0, 0.0, 1.0]).proficiency, abs=1e-12)


async def test_a_late_commit_with_a_lower_id_lands_in_history_order(graph: GraphBackend) -> None:
    await prepared(graph)
    history = MemoryHistories()
    consumer = GraphConsumer(graph, history)
    first, late, last = assessments(10, "L", [{"s": 1.0}, {"s": 0.0}, {"s": 1.0}])
    await consumer.deliver(history.add([first, last]))
    await consumer.deliver(history.add([late]))   # committed late
    await consumer.deliver([late])                # and redelivered
    [skill] = await GraphModel(graph).learner_skills("L")
    assert skill.observation_count == 3
    assert skill.proficiency_level == pytest.approx(expected([1.0, 0.0, 1.0]).proficiency, abs=1e-12)
    assert skill.proficiency_level != pytest.approx(expected([1.0, 1.0, 0.0]).proficiency, abs=1e-6)


async def test_manual_correction_is_the_base_of_later_updates(graph: GraphBackend) -> None:
    await prepared(graph)
    model = GraphModel(graph)
    history = MemoryHistories()
    consumer = GraphConsumer(graph, history)
    await consumer.deliver(history.add(assessments(1, "L", [{"s": 1.0}])))
    await model.set_has_skill("L", "s", proficiency=0.05, growth=0.0, confidence=0.9, at_ms=5)
    await consumer.deliver(history.add(assessments(1, "L", [{"s": 1.0}, {"s": 0.0}])))   # id 1 again, id 2 new
    [skill] = await model.learner_skills("L")
    want = update(SkillState(0.05, 0.0, 0.9, 1), 0.0, DEFAULT_PARAMS)
    assert skill.observation_count == 2
    assert skill.proficiency_level == pytest.approx(want.proficiency)


async def test_fitted_parameters_drive_the_update(graph: GraphBackend) -> None:
    await prepared(graph)
    model = GraphModel(graph)
    await model.upsert_node("skill", "fs", {"category": "x"})
    from stores.graph.knowledge_tracing import BKTParams
    params = BKTParams(0.5, 0.3, 0.05, 0.05)
    await model.store_skill_parameters("fs", params, log_likelihood=-1.0, observations=30)
    await GraphConsumer(graph, MemoryHistories()).deliver(assessments(1, "L", [{"fs": 1.0}]))
    [skill] = await model.learner_skills("L")
    assert skill.proficiency_level == pytest.approx(update(SkillState.initial(params), 1.0, params).proficiency)


async def test_mirrors_collaboration_and_erasure(graph: GraphBackend) -> None:
    await prepared(graph)
    consumer = GraphConsumer(graph, MemoryHistories())
    content = "00000000-0000-0000-0000-00000000abcd"
    rows = [
        row(1, "profile_upserted", learner_id="A", learner_type="analytical_node"),
        row(2, "profile_upserted", learner_id="A", learner_type="creative_node"),
        row(3, "content_upserted", content_id=content, content_type="basic_ethics", difficulty_level=0.3),
        row(4, "collaboration", simulation_id="sim", learner_ids=["A", "B", "C"], synergy=0.8,
            complementary_skills=["analysis"], at="2025-01-02T00:00:00+00:00"),
        row(5, "collaboration", simulation_id="sim2", learner_ids=["A", "B"], synergy=0.4,
            complementary_skills=["creativity"], at="2025-01-01T00:00:00+00:00"),
    ]
    await consumer.deliver(rows)
    await consumer.deliver(rows)                       # redelivered: no double counting
    await consumer.deliver([row(1, "profile_upserted", learner_id="A", learner_type="old")])  # stale
    model = GraphModel(graph)
    assert (await model.get_node("learner", "A"))["type"] == "creative_node"
    assert (await model.get_node("content", content))["difficulty"] == pytest.approx(0.3)
    collab = Collaboration(graph)
    a = {r.collaborator_id: r for r in await collab.collaborations("A")}
    b = {r.collaborator_id: r for r in await collab.collaborations("B")}
    assert a["B"].session_count == b["A"].session_count == 2
    assert a["B"].avg_synergy == pytest.approx(0.6) and b["A"].avg_synergy == pytest.approx(0.6)
    assert a["B"].last_collaboration_ms == b["A"].last_collaboration_ms == \
        int(datetime(2025, 1, 2, tzinfo=timezone.utc).timestamp() * 1000)
    assert sorted(a["B"].complementary_skills) == ["analysis", "creativity"]
    assert a["C"].session_count == 1
    await consumer.deliver([row(6, "learner_erased", learner_id="A"), row(7, "content_deleted", content_id=content)])
    rows_left = await graph.run("MATCH (l:Learner {learnerId: 'A'}) RETURN count(l) AS n")
    assert rows_left == [{"n": 0}]
    assert [r.collaborator_id for r in await collab.collaborations("B")] == ["C"]
    assert not await model.exists("content", content)
