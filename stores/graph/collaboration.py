"""The collaboration network (§4.5.3): COLLABORATED_WITH kept in both directions, and FindCollaborators.

Score of a candidate c for learner l with gap skills G (required r_s > current p_s):
  coverage = mean over G of min(1, (q_s − p_s) / (r_s − p_s)) for q_s (c's proficiency) > p_s, else 0
  synergy  = (n · avgSynergy + M · 0.5) / (n + M), n = past sessions together, M = SYNERGY_PRIOR_SESSIONS
  score    = W_COVERAGE · coverage + W_SYNERGY · synergy
Strangers get a neutral synergy of 0.5 that past sessions move towards their observed mean.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from stores.graph.base import GraphBackend
from stores.graph.model import GraphModel
from stores.graph.skill_gaps import SkillGaps
from stores.ids import require_ids

W_COVERAGE = 0.7
W_SYNERGY = 0.3
SYNERGY_PRIOR_SESSIONS = 2.0
#: complementarySkills keeps at most this many skills per edge.
MAX_COMPLEMENTARY = 100


@dataclass(frozen=True)
class Collaborator:
    """A ranked candidate collaborator."""

    learner_id: str
    score: float
    complementary_skills: list[str]
    past_synergy: float
    past_session_count: int


RANK = (
    "MATCH (me:Learner {learnerId: $learner}) "
    "UNWIND $gaps AS g "
    "MATCH (:Skill {skillId: g.skill})<-[h:HAS_SKILL]-(c:Learner) "
    "WHERE c <> me AND h.proficiencyLevel > g.current "
    "WITH me, c, sum(CASE WHEN h.proficiencyLevel >= g.required THEN 1.0 "
    "ELSE (h.proficiencyLevel - g.current) / (g.required - g.current) END) AS covered, "
    "collect(CASE WHEN h.proficiencyLevel >= g.required THEN g.skill END) AS skills "
    "OPTIONAL MATCH (me)-[w:COLLABORATED_WITH]->(c) "
    "WITH c, covered, skills, coalesce(w.sessionCount, 0) AS n, coalesce(w.avgSynergy, 0.0) AS syn "
    "RETURN c.learnerId AS learner_id, skills, n, syn, "
    "$wc * covered / $gap_count + $ws * (n * syn + $m * 0.5) / (n + $m) AS score "
    "ORDER BY score DESC, learner_id LIMIT $k")

#: Applies one ended simulation to every ordered pair of its participants (both directions in one
#: statement, so they stay equal). An edge that has applied this outbox id skips it (exactly once);
#: an edge remembers its last $window ids. Each edge appears once per statement (FalkorDB does not
#: apply a second MERGE of the same edge within one UNWIND).
COLLABORATE = (
    "UNWIND $pairs AS r "
    "MERGE (a:Learner {learnerId: r.a}) "
    "MERGE (b:Learner {learnerId: r.b}) "
    "MERGE (a)-[w:COLLABORATED_WITH]->(b) "
    "WITH w, coalesce(w.appliedOutboxIds, []) AS done "
    "WHERE NOT $id IN done AND (size(done) < $window OR $id > done[0]) "
    "SET w.avgSynergy = (coalesce(w.avgSynergy, 0.0) * coalesce(w.sessionCount, 0) + $synergy) "
    "/ (coalesce(w.sessionCount, 0) + 1), "
    "w.sessionCount = coalesce(w.sessionCount, 0) + 1, "
    "w.lastCollaboration = CASE WHEN coalesce(w.lastCollaboration, 0) > $at THEN w.lastCollaboration "
    "ELSE $at END, "
    "w.complementarySkills = ($skills + [s IN coalesce(w.complementarySkills, []) WHERE NOT s IN $skills])"
    "[0..$max_skills], "
    "w.appliedOutboxIds = (done + [$id])[-$window..] "
    "RETURN count(w) AS applied")

COLLABORATIONS = (
    "MATCH (:Learner {learnerId: $learner})-[w:COLLABORATED_WITH]->(c:Learner) "
    "WHERE $after IS NULL OR c.learnerId > $after "
    "RETURN c.learnerId AS collaborator_id, w.sessionCount AS n, w.avgSynergy AS syn, "
    "w.lastCollaboration AS at, w.complementarySkills AS skills ORDER BY collaborator_id LIMIT $limit")


@dataclass(frozen=True)
class CollaborationEdge:
    """One COLLABORATED_WITH edge as seen from learner_id."""

    learner_id: str
    collaborator_id: str
    session_count: int
    avg_synergy: float
    last_collaboration_ms: int
    complementary_skills: list[str]


class Collaboration:
    """Domain methods over COLLABORATED_WITH."""

    def __init__(self, graph: GraphBackend) -> None:
        self.graph = graph
        self.gaps = SkillGaps(graph)

    async def find(self, learner_id: str, *, objective_id: str | None = None,
                   skill_ids: Sequence[str] = (), k: int = 10) -> list[Collaborator]:
        """Up to k learners who complement learner_id's gaps for the target, best first."""
        targets = await self.gaps.targets(learner_id, objective_id=objective_id, skill_ids=skill_ids)
        gaps = [{"skill": g.skill_id, "current": g.current, "required": g.required}
                for g in targets if g.gap > 0]
        if not gaps:
            return []  # nothing to complement
        rows = await self.graph.run(RANK, {"gaps": gaps, "learner": learner_id, "wc": W_COVERAGE,
                                           "ws": W_SYNERGY, "m": SYNERGY_PRIOR_SESSIONS,
                                           "gap_count": float(len(gaps)), "k": k})
        return [Collaborator(r["learner_id"], float(r["score"]), sorted(r["skills"] or []),
                             float(r["syn"] or 0.0), int(r["n"] or 0)) for r in rows]

    async def record(self, outbox_id: int, learner_ids: Sequence[str], *, synergy: float, at_ms: int,
                     skills: Sequence[str], window: int) -> int:
        """Apply one ended simulation to every pair of its learners; returns the edges changed."""
        people = sorted(set(learner_ids))
        require_ids("learnerId", people)
        pairs = [{"a": a, "b": b} for a in people for b in people if a != b]
        if not pairs:
            return 0
        rows = await self.graph.run(COLLABORATE, {
            "pairs": pairs, "id": outbox_id, "synergy": synergy, "at": at_ms,
            "skills": list(dict.fromkeys(skills))[:MAX_COMPLEMENTARY], "max_skills": MAX_COMPLEMENTARY,
            "window": window})
        return int(rows[0]["applied"]) if rows else 0

    async def collaborations(self, learner_id: str, *, after: str | None = None,
                             limit: int = 1_000_000) -> list[CollaborationEdge]:
        """Up to limit of the learner's COLLABORATED_WITH edges with collaborator_id > after, in that
        order; NotFound when the learner node does not exist."""
        rows = await self.graph.run(COLLABORATIONS, {"learner": learner_id, "after": after, "limit": limit})
        if not rows:
            await GraphModel(self.graph).require("learner", learner_id)
        return [CollaborationEdge(learner_id, r["collaborator_id"], int(r["n"] or 0), float(r["syn"] or 0.0),
                                  int(r["at"] or 0), list(r["skills"] or [])) for r in rows]
