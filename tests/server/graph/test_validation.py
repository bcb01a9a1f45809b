"""GraphChecker: content ids as canonical UUIDs, objective ids, node fields, and exactly one target."""

from __future__ import annotations

import time

from amauta.v1 import graph_pb2
from server.graph.validation import MAX_TARGET_SKILLS, GraphChecker


def _fields(check: GraphChecker) -> list[str]:
    return [v.field for v in check.violations]


def test_content_ids_are_canonical_uuids() -> None:
    check = GraphChecker()
    assert check.content_id("6F1D7C9E-3B1A-5A8E-9D0C-A3C4B5D6E7F8", "c") == "6f1d7c9e-3b1a-5a8e-9d0c-a3c4b5d6e7f8"
    assert check.content_id("nope", "bad") == "nope"
    assert _fields(check) == ["bad"]


def test_objective_ids_may_be_longer_than_other_ids() -> None:
    check = GraphChecker()
    check.objective_id("o" * 255, "ok")
    check.objective_id("o" * 256, "long")
    check.objective_id(" padded", "space")
    assert _fields(check) == ["long", "space"]


def test_nodes_name_their_bad_fields() -> None:
    check = GraphChecker()
    check.learner_node(graph_pb2.LearnerNode(learner_id="", type="ok"))
    check.skill_node(graph_pb2.SkillNode(skill_id="s", category="bad\tcat"))
    check.content_node(graph_pb2.ContentNode(content_id="x", difficulty=1.5))
    assert _fields(check) == ["node.learner_id", "node.category", "node.content_id", "node.difficulty"]


def test_exactly_one_target_is_required() -> None:
    for objective, skills in (("", []), ("o", ["s"])):
        check = GraphChecker()
        check.one_target(objective, skills)
        assert _fields(check) == ["objective_id"]
    check = GraphChecker()
    check.one_target("", ["s"] * (MAX_TARGET_SKILLS + 1))
    assert _fields(check) == ["skill_ids"]
    assert abs(GraphChecker.now_ms() - time.time() * 1000) < 60_000
