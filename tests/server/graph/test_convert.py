"""GraphService conversions: node rows, edges, parameters and recompute progress as messages."""

from __future__ import annotations

from amauta.v1 import graph_pb2
from server.graph import convert
from stores.graph.collaboration import CollaborationEdge
from stores.graph.knowledge_tracing import BKTParams
from stores.graph.learning_paths import Closure, Content, Edge
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


def test_a_closure_is_its_members_in_order_then_its_edges() -> None:
    a, b = Content("a", "video", 0.25), Content("b", "", 0.5)
    closure = Closure(Content("t", "quiz", 1.0), nodes={"a": a, "b": b}, depth={"a": 2, "b": 1},
                      edges=[Edge("a", "b", 0.5, True, 3.0), Edge("b", "t", 1.0, False, 0.0)], order=["a", "b"])
    assert convert.prerequisites(closure) == graph_pb2.GetPrerequisitesResponse(
        prerequisites=[graph_pb2.PrerequisiteEntry(content=convert.content_node(a), depth=2),
                       graph_pb2.PrerequisiteEntry(content=convert.content_node(b), depth=1)],
        edges=[convert.prerequisite(e) for e in closure.edges])
