"""GraphModel on every backend: nodes by key, links, HAS_SKILL by hand, parameters, versioned edge writes."""

from __future__ import annotations

import pytest

from stores.errors import InvalidData, NotFound
from stores.graph import GraphBackend
from stores.graph.knowledge_tracing import DEFAULT_PARAMS, BKTParams, SkillState
from stores.graph.model import GraphModel, delete_learners, mirror_contents, mirror_learners
from tests.stores.graph.helpers import cid, prepared


async def test_upsert_reports_creation_and_keeps_only_api_properties(graph: GraphBackend) -> None:
    model = GraphModel(await prepared(graph))
    node, created = await model.upsert_node("content", cid(1), {"type": "quiz", "difficulty": 0.4, "secret": 1})
    assert created and node == {"id": cid(1), "type": "quiz", "difficulty": 0.4}
    again, created_again = await model.upsert_node("content", cid(1), {"difficulty": 0.6})
    assert not created_again and again == {"id": cid(1), "type": "quiz", "difficulty": 0.6}
    with pytest.raises(InvalidData) as bad:
        await model.upsert_node("skill", " padded", {})
    assert (bad.value.field, bad.value.reason) == ("skillId", "INVALID_ID")


async def test_get_list_and_require(graph: GraphBackend) -> None:
    model = GraphModel(await prepared(graph))
    for i, d in enumerate((0.1, 0.5, 0.9)):
        await model.upsert_node("content", cid(i), {"type": "t", "difficulty": d})
    assert (await model.get_node("content", cid(2)))["difficulty"] == 0.9
    with pytest.raises(NotFound) as missing:
        await model.get_node("skill", "nope")
    assert (missing.value.reason, missing.value.metadata) == ("SKILL_NOT_FOUND", {"resource": "skill", "id": "nope"})
    page = await model.list_nodes("content", after=None, limit=2)
    assert [n["id"] for n in page] == [cid(0), cid(1)]
    assert [n["id"] for n in await model.list_nodes("content", after=cid(1), limit=5)] == [cid(2)]
    middle = await model.list_nodes("content", after=None, limit=5, filters={"dmin": 0.2, "dmax": 0.6})
    assert [n["id"] for n in middle] == [cid(1)]
    assert await model.exists("content", cid(0)) and not await model.exists("learner", "nobody")
    with pytest.raises(NotFound):
        await model.require("learner", "nobody")


async def test_links_name_the_missing_end(graph: GraphBackend) -> None:
    model = GraphModel(await prepared(graph))
    await model.upsert_node("skill", "s", {"category": "c"})
    with pytest.raises(NotFound) as content:
        await model.link_content_skill(cid(9), "s", 1.0)
    assert content.value.reason == "CONTENT_NOT_FOUND"
    await model.upsert_node("objective", "o", {})
    with pytest.raises(NotFound) as skill:
        await model.link_objective_skill("o", "missing-skill", 0.8)
    assert skill.value.reason == "SKILL_NOT_FOUND"
    await model.link_objective_skill("o", "s", 0.8)


async def test_has_skill_by_hand_and_skill_filters(graph: GraphBackend) -> None:
    model = GraphModel(await prepared(graph))
    await model.upsert_node("learner", "l", {"type": "ai"})
    await model.upsert_node("skill", "a", {"category": "x"})
    await model.upsert_node("skill", "b", {"category": "y"})
    await model.set_has_skill("l", "a", proficiency=0.9, growth=0.1, confidence=0.5, at_ms=10)
    await model.set_has_skill("l", "b", proficiency=0.2, growth=0.0, confidence=0.5, at_ms=11)
    assert [r.skill_id for r in await model.learner_skills("l")] == ["a", "b"]
    assert [r.skill_id for r in await model.learner_skills("l", category="y")] == ["b"]
    assert [r.skill_id for r in await model.learner_skills("l", min_proficiency=0.5)] == ["a"]
    await model.upsert_node("learner", "empty", {"type": "ai"})
    assert await model.learner_skills("empty") == []
    with pytest.raises(NotFound):
        await model.learner_skills("ghost")
    with pytest.raises(NotFound):
        await model.set_has_skill("l", "ghost-skill", proficiency=0.5, growth=0, confidence=0, at_ms=1)


async def test_parameters_default_until_fitted(graph: GraphBackend) -> None:
    model = GraphModel(await prepared(graph))
    await model.upsert_node("skill", "s", {"category": "c"})
    stored = await model.skill_parameters("s")
    assert (stored.params, stored.fitted) == (DEFAULT_PARAMS, False)
    fitted = BKTParams(prior=0.4, learn=0.2, guess=0.15, slip=0.05)
    after = await model.store_skill_parameters("s", fitted, log_likelihood=-3.5, observations=12)
    assert (after.fitted, after.observation_count, after.log_likelihood) == (True, 12, -3.5)
    assert after.params.prior == pytest.approx(0.4) and after.params.slip == pytest.approx(0.05)
    with pytest.raises(NotFound):
        await model.skill_parameters("ghost")


async def test_edge_writes_apply_only_at_the_version_read(graph: GraphBackend) -> None:
    model = GraphModel(await prepared(graph))
    await model.upsert_node("learner", "l", {"type": "ai"})
    await model.upsert_node("skill", "s", {"category": "c"})
    states = await model.read_edge_states([("l", "s")])
    edge = states[("l", "s")]
    assert (edge.state, edge.version, edge.params) == (None, 0, DEFAULT_PARAMS)
    edge.state = SkillState(0.6, 0.1, 0.5, 1, None)
    edge.last_key, edge.last_assessed_ms = (1000, "a-1"), 1
    assert await model.write_edge_states([edge]) == {("l", "s")}
    assert await model.write_edge_states([edge]) == set()  # the version moved on
    fresh = (await model.read_edge_states([("l", "s")]))[("l", "s")]
    assert fresh.version == 1 and fresh.last_key == (1000, "a-1")
    assert fresh.state is not None and fresh.state.proficiency == pytest.approx(0.6)


async def test_mirrors_keep_the_newest_outbox_row_and_erasure_detaches(graph: GraphBackend) -> None:
    g = await prepared(graph)
    model = GraphModel(g)
    await mirror_learners(g, [{"id": "m", "type": "new", "outbox": 5}])
    await mirror_learners(g, [{"id": "m", "type": "old", "outbox": 3}])
    assert (await model.get_node("learner", "m"))["type"] == "new"
    await mirror_contents(g, [{"id": cid(4), "type": "quiz", "difficulty": 0.3, "outbox": 1}])
    assert (await model.get_node("content", cid(4)))["difficulty"] == 0.3
    await mirror_learners(g, [])
    with pytest.raises(InvalidData):
        await mirror_learners(g, [{"id": "", "type": "x", "outbox": 1}])
    await delete_learners(g, ["m"])
    assert not await model.exists("learner", "m")
