"""Collaboration on every backend: exactly-once edge updates per outbox id, and candidates ranked by cover."""

from __future__ import annotations

import pytest

from stores.errors import InvalidData, NotFound
from stores.graph import GraphBackend
from stores.graph.collaboration import Collaboration
from tests.stores.graph.helpers import learner_with, prepared


async def test_an_outbox_row_applies_once_to_both_directions(graph: GraphBackend) -> None:
    g = await prepared(graph)
    collab = Collaboration(g)
    assert await collab.record(1, ["a", "b", "a"], synergy=0.8, at_ms=100, skills=["x", "x", "y"], window=4) == 2
    assert await collab.record(1, ["a", "b"], synergy=0.8, at_ms=100, skills=["x"], window=4) == 0
    assert await collab.record(2, ["b", "a"], synergy=0.4, at_ms=50, skills=["z"], window=4) == 2
    (ab,) = await collab.collaborations("a")
    (ba,) = await collab.collaborations("b")
    for edge in (ab, ba):
        assert (edge.session_count, edge.last_collaboration_ms) == (2, 100)
        assert edge.avg_synergy == pytest.approx(0.6)
        assert edge.complementary_skills == ["z", "x", "y"]
    assert ab.collaborator_id == "b" and ba.collaborator_id == "a"
    assert await collab.record(3, ["solo"], synergy=1.0, at_ms=1, skills=[], window=4) == 0
    with pytest.raises(InvalidData):
        await collab.record(4, ["a", " b"], synergy=1.0, at_ms=1, skills=[], window=4)


async def test_collaborations_page_and_name_a_missing_learner(graph: GraphBackend) -> None:
    g = await prepared(graph)
    collab = Collaboration(g)
    await collab.record(1, ["a", "b", "c"], synergy=0.5, at_ms=1, skills=[], window=4)
    assert [e.collaborator_id for e in await collab.collaborations("a", after="b")] == ["c"]
    assert [e.collaborator_id for e in await collab.collaborations("a", limit=1)] == ["b"]
    with pytest.raises(NotFound) as caught:
        await collab.collaborations("ghost")
    assert caught.value.reason == "LEARNER_NOT_FOUND"


async def test_candidates_cover_the_learners_gaps_best_first(graph: GraphBackend) -> None:
    g = await prepared(graph)
    await learner_with(g, "me", {"s1": 0.1, "s2": 0.1})
    await learner_with(g, "strong", {"s1": 0.99, "s2": 0.99})
    await learner_with(g, "half", {"s1": 0.99})
    await learner_with(g, "weak", {"s1": 0.05})
    found = await Collaboration(g).find("me", skill_ids=["s1", "s2"])
    assert [c.learner_id for c in found] == ["strong", "half"]
    assert found[0].complementary_skills == ["s1", "s2"] and found[0].past_session_count == 0
    assert await Collaboration(g).find("strong", skill_ids=["s1"]) == []  # no gap to complement
