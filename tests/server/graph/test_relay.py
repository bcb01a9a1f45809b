"""The graph relay end to end: PostgreSQL outbox rows reach HAS_SKILL exactly once, even when a relay dies mid-batch."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Sequence

import pytest

from amauta.v1 import graph_pb2 as pb
from server.node import Node
from stores import outbox
from stores.graph_relay import GraphConsumer
from stores.knowledge_tracing import DEFAULT_PARAMS, SkillState, update
from stores.outbox import OutboxRelay, OutboxRow
from tests.server.graph.conftest import Graph, graph_outbox_drained


class Killed(Exception):
    """The relay process died."""


class DiesMidBatch:
    """A graph consumer that applies the first `keep` rows of its first batch, then dies."""

    name = "graph"
    event_types = GraphConsumer.event_types

    def __init__(self, real: GraphConsumer, keep: int) -> None:
        self.real = real
        self.keep = keep
        self.died = False

    async def deliver(self, rows: Sequence[OutboxRow]) -> None:
        await self.real.deliver(rows[:self.keep])
        self.died = True
        raise Killed()


async def append_assessments(node: Node, learner: str, scores: list[dict[str, float]]) -> list[int]:
    """Outbox rows as LearnerService writes them for recorded assessments."""
    assert node.runtime is not None
    ids = []
    async with node.runtime.stores.postgres.transaction() as conn:
        for i, s in enumerate(scores):
            ids.append(await outbox.append(conn, "assessment_submit", f"a-{learner}-{i}", {
                "assessment_id": f"a-{learner}-{i}", "learner_id": learner, "skill_assessments": s,
                "assessment_timestamp": "2025-03-01T10:00:00+00:00"}, learner_id=learner))
    return ids


def replayed(scores: list[float]) -> SkillState:
    state = SkillState.initial(DEFAULT_PARAMS)
    for s in scores:
        state = update(state, s, DEFAULT_PARAMS)
    return state


@pytest.mark.parametrize("keep", [0, 7, 19])
async def test_relay_killed_mid_batch_applies_each_assessment_once(
        g: Graph, node: Node, ids: Callable[[str], str], keep: int) -> None:
    assert node.runtime is not None
    base = ids("relay")
    rng = random.Random(keep)
    scores = [{"r1": float(rng.random() < 0.6), "r2": round(rng.random(), 3)} for _ in range(25)]
    consumer = DiesMidBatch(GraphConsumer(node.runtime.stores.graph), keep)
    killer = OutboxRelay(node.runtime.stores.postgres, consumer, batch_size=1000)
    learner = ""
    for attempt in range(50):  # the node's own relay competes for the lock; retry until ours takes a batch
        await graph_outbox_drained(node)
        learner = f"{base}-{attempt}"
        await append_assessments(node, learner, scores)
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


async def test_concurrent_writers_and_manual_corrections_keep_order(g: Graph, node: Node,
                                                                    ids: Callable[[str], str]) -> None:
    assert node.runtime is not None
    learner = ids("conc")
    await g.UpsertLearnerNode(pb.UpsertLearnerNodeRequest(node=pb.LearnerNode(learner_id=learner)))
    await g.UpsertSkillNode(pb.UpsertSkillNodeRequest(node=pb.SkillNode(skill_id="conc-skill")))
    # Many producers commit concurrently while the relay runs.
    await asyncio.gather(*(append_assessments(node, learner, [{"conc-skill": 1.0}] * 5) for _ in range(8)))
    await graph_outbox_drained(node)
    [skill] = (await g.GetLearnerSkills(pb.GetLearnerSkillsRequest(learner_id=learner))).skills
    assert skill.has_skill.observation_count == 40
    assert skill.has_skill.proficiency_level == pytest.approx(replayed([1.0] * 40).proficiency)
