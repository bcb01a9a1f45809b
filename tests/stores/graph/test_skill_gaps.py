"""SkillGaps on every backend: targets of an objective or a skill set, and gaps largest first."""

from __future__ import annotations

import pytest

from stores.errors import NotFound
from stores.graph import GraphBackend
from stores.graph.frontier import MASTERY_THRESHOLD
from stores.graph.model import GraphModel
from stores.graph.skill_gaps import SkillGap, SkillGaps
from tests.stores.graph.helpers import learner_with, prepared


def test_the_gap_is_required_minus_current() -> None:
    assert SkillGap("s", "c", 0.8, 0.3, False).gap == pytest.approx(0.5)


async def _objective(graph: GraphBackend) -> None:
    model = GraphModel(graph)
    await learner_with(graph, "l", {"a": 0.9, "b": 0.2})
    await model.upsert_node("skill", "c", {"category": "cat"})
    await model.upsert_node("objective", "o", {})
    for skill, required in (("a", 0.8), ("b", 0.75), ("c", 0.5)):
        await model.link_objective_skill("o", skill, required)


async def test_gaps_of_an_objective_are_missing_or_weak_largest_first(graph: GraphBackend) -> None:
    g = await prepared(graph)
    await _objective(g)
    gaps, required = await SkillGaps(g).gaps("l", "o")
    assert required == 3
    assert [(x.skill_id, round(x.gap, 6), x.missing) for x in gaps] == [("b", 0.55, False), ("c", 0.5, True)]


async def test_a_skill_set_is_measured_against_mastery(graph: GraphBackend) -> None:
    g = await prepared(graph)
    await learner_with(g, "l", {"a": 0.9})
    targets = await SkillGaps(g).targets("l", skill_ids=["a", "unknown"])
    assert [(t.skill_id, t.required, t.missing) for t in targets] == [
        ("a", MASTERY_THRESHOLD, False), ("unknown", MASTERY_THRESHOLD, True)]
    assert await SkillGaps(g).targets("l", skill_ids=[]) == []


async def test_a_missing_learner_or_objective_is_named(graph: GraphBackend) -> None:
    g = await prepared(graph)
    await _objective(g)
    with pytest.raises(NotFound) as learner:
        await SkillGaps(g).targets("ghost", objective_id="o")
    assert learner.value.reason == "LEARNER_NOT_FOUND"
    with pytest.raises(NotFound) as objective:
        await SkillGaps(g).targets("l", objective_id="ghost")
    assert objective.value.reason == "OBJECTIVE_NOT_FOUND"
    with pytest.raises(NotFound):
        await SkillGaps(g).targets("ghost", skill_ids=[])
