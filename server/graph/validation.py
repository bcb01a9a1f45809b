"""GraphService request rules on top of the shared Checker: node fields, content ids, targets."""

from __future__ import annotations

import time
from collections.abc import Sequence

from amauta.v1 import graph_pb2
from server.rpc.validation import Checker
from stores.ids import MAX_OBJECTIVE_CHARS

#: Objective ids are learning-objective names (up to 255 characters, proto ObjectiveNode).
OBJECTIVE_CHARS = MAX_OBJECTIVE_CHARS
#: FindCollaborators takes at most this many skill ids.
MAX_TARGET_SKILLS = 100


class GraphChecker(Checker):
    """Checker with the GraphService's field rules."""

    def content_id(self, value: str, field: str) -> str:
        """A content id: the UUID of the training content, in canonical form."""
        return self.uuid(value, field) or value

    def objective_id(self, value: str, field: str) -> str:
        """An objective id: the id grammar, up to 255 characters."""
        return self.identifier(value, field, max_chars=OBJECTIVE_CHARS)

    def learner_node(self, node: graph_pb2.LearnerNode) -> None:
        """A LearnerNode to upsert."""
        self.identifier(node.learner_id, "node.learner_id")
        self.identifier(node.type, "node.type", required=False)

    def skill_node(self, node: graph_pb2.SkillNode) -> None:
        """A SkillNode to upsert."""
        self.identifier(node.skill_id, "node.skill_id")
        self.identifier(node.category, "node.category", required=False)

    def content_node(self, node: graph_pb2.ContentNode) -> str:
        """A ContentNode to upsert; returns the canonical content id."""
        content_id = self.content_id(node.content_id, "node.content_id")
        self.identifier(node.type, "node.type", required=False)
        self.unit_interval(node.difficulty, "node.difficulty")
        return content_id

    def one_target(self, objective_id: str, skill_ids: Sequence[str]) -> None:
        """Exactly one of objective_id and skill_ids (FindCollaborators)."""
        if bool(objective_id) == bool(skill_ids):
            self.fail("objective_id", "exactly one of objective_id and skill_ids is required")
            return
        if objective_id:
            self.objective_id(objective_id, "objective_id")
        else:
            self.ids(skill_ids, "skill_ids", max_items=MAX_TARGET_SKILLS)

    @staticmethod
    def now_ms() -> int:
        """Now as epoch milliseconds."""
        return int(time.time() * 1000)
