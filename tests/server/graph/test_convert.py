"""GraphService conversions: node rows, edges, parameters and recompute progress as messages."""

from __future__ import annotations

from server.graph import convert
from stores.graph.collaboration import CollaborationEdge
from stores.graph.knowledge_tracing import BKTParams
from stores.graph.model import HasSkillRow, StoredParams
from stores.sync.skill_fitting import Recompute


def test_timestamps_leave_zero_unset_and_round_trip() -> None:
    assert convert.timestamp_ms(None) is None and convert.timestamp_ms(0) is None
    ts = convert.timestamp_ms(1_700_000_000_123)
    assert ts is not None and ts.ToMilliseconds() == 1_700_000_000_123


def test_node_rows_with_missing_properties() -> None:
    assert convert.learner_node({"id": "l"}).type == ""
    assert convert.skill_node({"id": "s", "category": None}).category == ""
    content = convert.content_node({"id": "c", "difficulty": None})
    assert (content.content_id, content.difficulty) == ("c", 0.0)
    assert convert.objective_node({"id": "o"}).objective_id == "o"
    assert set(convert.NODE_MESSAGES) == {"learner", "skill", "content", "objective"}


def test_edges_and_parameters() -> None:
    edge = convert.has_skill(HasSkillRow("l", "s", "c", 0.7, 0, 0.1, 0.5, 3))
    assert (edge.proficiency_level, edge.observation_count, edge.HasField("last_assessed")) == (0.7, 3, False)
    params = convert.skill_parameters(StoredParams("s", BKTParams(0.3, 0.1, 0.2, 0.1, 0.05), True, -2.0, 9, 5))
    assert (params.forget, params.fitted, params.fitted_at.ToMilliseconds()) == (0.05, True, 5)
    collab = convert.collaborated_with(CollaborationEdge("a", "b", 2, 0.6, 10, ["x"]))
    assert (collab.collaborator_id, list(collab.complementary_skills)) == ("b", ["x"])


def test_recompute_progress_is_absent_until_one_ran() -> None:
    assert convert.edge_recompute(None) is None
    progress = convert.edge_recompute(Recompute("s", total=4, done=1, running=True))
    assert progress is not None and (progress.total_edges, progress.recomputed_edges, progress.running) == (4, 1, True)
