"""Conversions between graph store rows and GraphService messages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from google.protobuf import timestamp_pb2

from amauta.v1 import graph_pb2
from stores.graph.collaboration import CollaborationEdge
from stores.graph.learning_paths import Closure, Content, Edge
from stores.graph.model import HasSkillRow, StoredParams
from stores.sync.skill_fitting import Recompute


def timestamp_ms(ms: int | None) -> timestamp_pb2.Timestamp | None:
    """Epoch milliseconds as a Timestamp; None (or 0) stays unset."""
    if not ms:
        return None
    ts = timestamp_pb2.Timestamp()
    ts.FromMilliseconds(int(ms))
    return ts


def learner_node(row: Mapping[str, Any]) -> graph_pb2.LearnerNode:
    """A Learner row {id, type}."""
    return graph_pb2.LearnerNode(learner_id=row["id"], type=row.get("type") or "")


def skill_node(row: Mapping[str, Any]) -> graph_pb2.SkillNode:
    """A Skill row {id, category}."""
    return graph_pb2.SkillNode(skill_id=row["id"], category=row.get("category") or "")


def content_node(row: Mapping[str, Any] | Content) -> graph_pb2.ContentNode:
    """A Content row {id, type, difficulty} or a Content value."""
    if isinstance(row, Content):
        return graph_pb2.ContentNode(content_id=row.content_id, type=row.type, difficulty=row.difficulty)
    return graph_pb2.ContentNode(content_id=row["id"], type=row.get("type") or "",
                                 difficulty=float(row.get("difficulty") or 0.0))


def objective_node(row: Mapping[str, Any]) -> graph_pb2.ObjectiveNode:
    """An Objective row {id}."""
    return graph_pb2.ObjectiveNode(objective_id=row["id"])


NODE_MESSAGES = {"learner": learner_node, "skill": skill_node, "content": content_node,
                 "objective": objective_node}


def has_skill(row: HasSkillRow) -> graph_pb2.HasSkill:
    """A HAS_SKILL edge."""
    return graph_pb2.HasSkill(
        learner_id=row.learner_id, skill_id=row.skill_id, proficiency_level=row.proficiency_level,
        last_assessed=timestamp_ms(row.last_assessed_ms), growth_rate=row.growth_rate,
        confidence_level=row.confidence_level, observation_count=row.observation_count)


def skill_parameters(p: StoredParams) -> graph_pb2.SkillParameters:
    """A skill's BKT parameters."""
    return graph_pb2.SkillParameters(
        skill_id=p.skill_id, prior=p.params.prior, learn=p.params.learn, guess=p.params.guess,
        slip=p.params.slip, fitted=p.fitted, log_likelihood=p.log_likelihood,
        observation_count=p.observation_count, fitted_at=timestamp_ms(p.fitted_at_ms), forget=p.params.forget)


def edge_recompute(r: Recompute | None) -> graph_pb2.EdgeRecompute | None:
    """Progress of a skill's edge recompute (None when there is none)."""
    if r is None:
        return None
    return graph_pb2.EdgeRecompute(total_edges=r.total, recomputed_edges=r.done, running=r.running,
                                   error=r.error)


def prerequisite(e: Edge) -> graph_pb2.PrerequisiteFor:
    """A PREREQUISITE_FOR edge."""
    return graph_pb2.PrerequisiteFor(from_content_id=e.from_id, to_content_id=e.to_id, strength=e.strength,
                                     optional_bypass=e.optional_bypass,
                                     average_transition_time=e.average_transition_time)


def prerequisites(closure: Closure) -> graph_pb2.GetPrerequisitesResponse:
    """A closure as its response: members in topological order with their depth, then the edges.

    Built from plain dicts: a dense closure has thousands of edges, and upb fills a repeated field
    from dicts about twice as fast as from message objects made one by one.
    """
    nodes, depth = closure.nodes, closure.depth
    return graph_pb2.GetPrerequisitesResponse(
        prerequisites=[{"content": {"content_id": n.content_id, "type": n.type, "difficulty": n.difficulty},
                        "depth": depth[cid]} for cid in closure.order for n in (nodes[cid],)],
        edges=[{"from_content_id": e.from_id, "to_content_id": e.to_id, "strength": e.strength,
                "optional_bypass": e.optional_bypass, "average_transition_time": e.average_transition_time}
               for e in closure.edges])


def collaborated_with(e: CollaborationEdge) -> graph_pb2.CollaboratedWith:
    """A COLLABORATED_WITH edge as its message."""
    return graph_pb2.CollaboratedWith(
        learner_id=e.learner_id, collaborator_id=e.collaborator_id, session_count=e.session_count,
        avg_synergy=e.avg_synergy, last_collaboration=timestamp_ms(e.last_collaboration_ms),
        complementary_skills=e.complementary_skills)
