"""Skill gaps: the skills an objective (or a skill set) requires that a learner lacks or holds too weakly."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from stores.errors import not_found
from stores.graph.base import GraphBackend
from stores.graph.frontier import MASTERY_THRESHOLD


@dataclass(frozen=True)
class SkillGap:
    """One required skill and how far the learner is from it."""

    skill_id: str
    category: str
    required: float
    current: float
    missing: bool

    @property
    def gap(self) -> float:
        """required − current."""
        return self.required - self.current


OBJECTIVE_TARGETS = (
    "OPTIONAL MATCH (l:Learner {learnerId: $learner}) "
    "OPTIONAL MATCH (o:Objective {objectiveId: $objective}) "
    "WITH l, o "
    "OPTIONAL MATCH (o)-[r:REQUIRES]->(s:Skill) "
    "OPTIONAL MATCH (l)-[h:HAS_SKILL]->(s) "
    "RETURN l IS NOT NULL AS learner, o IS NOT NULL AS objective, s.skillId AS skill, "
    "s.category AS category, r.requiredProficiency AS required, h.proficiencyLevel AS current")

SKILL_SET_TARGETS = (
    "OPTIONAL MATCH (l:Learner {learnerId: $learner}) "
    "WITH l UNWIND $skills AS sid "
    "OPTIONAL MATCH (s:Skill {skillId: sid}) "
    "OPTIONAL MATCH (l)-[h:HAS_SKILL]->(s) "
    "RETURN l IS NOT NULL AS learner, true AS objective, sid AS skill, s.category AS category, "
    "$required AS required, h.proficiencyLevel AS current")


class SkillGaps:
    """Compares a learner's HAS_SKILL edges with what an objective or skill set requires."""

    def __init__(self, graph: GraphBackend) -> None:
        self.graph = graph

    async def targets(self, learner_id: str, *, objective_id: str | None = None,
                      skill_ids: Sequence[str] = ()) -> list[SkillGap]:
        """Every target skill with the learner's proficiency (gap may be ≤ 0), ordered by skill id."""
        if objective_id is not None:
            rows = await self.graph.run(OBJECTIVE_TARGETS, {"learner": learner_id, "objective": objective_id})
        else:
            rows = await self.graph.run(SKILL_SET_TARGETS, {"learner": learner_id, "skills": list(skill_ids),
                                                            "required": MASTERY_THRESHOLD})
            if not rows:  # no skill ids: still report a missing learner
                rows = await self.graph.run(SKILL_SET_TARGETS, {"learner": learner_id, "skills": [""],
                                                                "required": MASTERY_THRESHOLD})
                rows = [dict(r, skill=None) for r in rows]
        if not rows or not rows[0]["learner"]:
            raise not_found("learner", learner_id)
        if not rows[0]["objective"]:
            raise not_found("objective", objective_id or "")
        seen: dict[str, SkillGap] = {}
        for r in rows:
            if r["skill"] is None or r["skill"] in seen:
                continue
            seen[r["skill"]] = SkillGap(r["skill"], r["category"] or "", float(r["required"] or 0.0),
                                        float(r["current"] or 0.0), r["current"] is None)
        return sorted(seen.values(), key=lambda g: g.skill_id)

    async def gaps(self, learner_id: str, objective_id: str) -> tuple[list[SkillGap], int]:
        """Missing or weak required skills, largest gap first (ties by id), and the required count."""
        targets = await self.targets(learner_id, objective_id=objective_id)
        weak = [g for g in targets if g.gap > 0]
        return sorted(weak, key=lambda g: (-g.gap, g.skill_id)), len(targets)
