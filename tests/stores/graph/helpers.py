"""Builders shared by the graph store tests: content ids, small DAGs, learners with skills."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterable, Mapping

from stores.graph.base import GraphBackend
from stores.graph.learning_paths import LearningPaths
from stores.graph.model import GraphModel
from stores.migrator import migrate_graph


def cid(n: int) -> str:
    """A stable content UUID for node number n."""
    return str(uuid.UUID(int=n + 1))


async def prepared(graph: GraphBackend) -> GraphBackend:
    """The graph with the migrations applied (constraints and the entry-point index), indexes online.

    FalkorDB keeps one index per label and rebuilds it asynchronously when a property is added; a
    MERGE during the rebuild can miss an existing node (and then violate the unique constraint).
    """
    await migrate_graph(graph)
    if graph.dialect == "neo4j":
        await graph.run("CALL db.awaitIndexes(60)")
        return graph
    for _ in range(400):
        rows = await graph.run("CALL db.indexes() YIELD label, status RETURN label, status")
        if all(r["status"] == "OPERATIONAL" for r in rows):
            return graph
        await asyncio.sleep(0.025)
    raise TimeoutError("graph indexes did not come online")


async def build_dag(graph: GraphBackend, n: int, edges: Iterable[tuple[int, int, bool]], *,
                    teaches: Mapping[int, Iterable[str]] | None = None,
                    difficulty: Mapping[int, float] | None = None) -> None:
    """Content 0..n-1, PREREQUISITE_FOR edges (from, to, optional_bypass), TEACHES links to skills."""
    model, paths = GraphModel(graph), LearningPaths(graph)
    for i in range(n):
        await model.upsert_node("content", cid(i), {"type": f"t{i}", "difficulty": (difficulty or {}).get(i, 0.5)})
    skills = {s for ss in (teaches or {}).values() for s in ss}
    for s in sorted(skills):
        await model.upsert_node("skill", s, {"category": "c"})
    for i, ss in (teaches or {}).items():
        for s in ss:
            await model.link_content_skill(cid(i), s, 1.0)
    for a, b, bypass in edges:
        await paths.set_prerequisite(cid(a), cid(b), strength=0.5 + 0.01 * a, optional_bypass=bypass,
                                     average_transition_time=float(a + 1))


async def learner_with(graph: GraphBackend, learner_id: str, proficiency: Mapping[str, float]) -> None:
    """A learner holding HAS_SKILL edges with the given proficiencies."""
    model = GraphModel(graph)
    await model.upsert_node("learner", learner_id, {"type": "t"})
    for skill, p in proficiency.items():
        await model.upsert_node("skill", skill, {"category": "c"})
        await model.set_has_skill(learner_id, skill, proficiency=p, growth=0.0, confidence=0.5, at_ms=1)
