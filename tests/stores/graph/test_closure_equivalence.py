"""The closures over the NEEDS mirrors give the answers of the level-by-level expansion they replaced.

The reference below is that expansion as it was (one `UNWIND $frontier` round trip per level over
PREREQUISITE_FOR itself), run on the same graph: same prerequisites, depths, edges and order, same
learning paths step for step, on generated DAGs with generated learners.
"""

from __future__ import annotations

import random
from typing import Any

import networkx as nx
import pytest

from stores.graph import GraphBackend
from stores.graph.learning_paths import (
    MASTERY_THRESHOLD,
    TARGET_WITH_MASTERY,
    Edge,
    LearningPaths,
    PathStep,
    reachable,
    topological_order,
)
from tests.stores.graph.helpers import build_dag, cid, learner_with, prepared

PARENTS = (
    "UNWIND $frontier AS cid "
    "MATCH (p:Content)-[e:PREREQUISITE_FOR]->(:Content {contentId: cid}) "
    "WHERE $all OR e.optionalBypass = false "
    "RETURN cid AS child, p.contentId AS parent, e.strength AS strength, e.optionalBypass AS bypass, "
    "e.averageTransitionTime AS time")

PARENTS_WITH_MASTERY = (
    "MATCH (l:Learner {learnerId: $learner}) "
    "UNWIND $frontier AS cid "
    "MATCH (p:Content)-[e:PREREQUISITE_FOR]->(:Content {contentId: cid}) "
    "WHERE $all OR e.optionalBypass = false "
    "OPTIONAL MATCH (p)-[:TEACHES]->(s:Skill) "
    "OPTIONAL MATCH (l)-[h:HAS_SKILL]->(s) "
    "WITH cid, p, e, count(s) AS taught, min(coalesce(h.proficiencyLevel, 0.0)) AS lowest "
    "RETURN cid AS child, p.contentId AS parent, e.strength AS strength, e.optionalBypass AS bypass, "
    "e.averageTransitionTime AS time, CASE WHEN taught = 0 THEN 0.0 ELSE lowest END AS mastery")


def _edge(r: dict[str, Any]) -> Edge:
    return Edge(r["parent"], r["child"], float(r["strength"]), bool(r["bypass"]), float(r["time"]))


async def _among(graph: GraphBackend, members: set[str]) -> list[Edge]:
    rows = await graph.run(PARENTS, {"frontier": sorted(members), "all": True})
    return [e for e in map(_edge, rows) if e.from_id in members]


async def old_prerequisites(graph: GraphBackend, target: str, mandatory_only: bool,
                            max_depth: int) -> tuple[list[str], dict[str, int], set[Edge]]:
    """(order, depth, edges) as the level-by-level expansion computed them."""
    depth: dict[str, int] = {}
    edges: list[Edge] = []
    frontier, level = [target], 0
    while frontier and (max_depth == 0 or level < max_depth):
        level += 1
        rows = await graph.run(PARENTS, {"frontier": frontier, "all": not mandatory_only})
        frontier = []
        for r in rows:
            edges.append(_edge(r))
            if r["parent"] not in depth and r["parent"] != target:
                depth[r["parent"]] = level
                frontier.append(r["parent"])
    members = set(depth) | {target}
    if frontier:
        rows = await graph.run(PARENTS, {"frontier": frontier, "all": not mandatory_only})
        edges += [_edge(r) for r in rows if r["parent"] in members]
    edges = [e for e in edges if e.from_id in members and e.to_id in members]
    ordering = await _among(graph, members) if mandatory_only and len(depth) > 1 else edges
    return topological_order(depth, ((e.from_id, e.to_id) for e in ordering)), depth, set(edges)


async def old_learning_path(graph: GraphBackend, learner: str, target: str, threshold: float,
                            include_optional: bool) -> list[PathStep]:
    """The steps as the level-by-level walk computed them."""
    paths = LearningPaths(graph)
    row = (await graph.run(TARGET_WITH_MASTERY, {"learner": learner, "id": target}))[0]
    if float(row["mastery"]) >= threshold:
        return []
    nodes = {target: (await paths.prerequisites(target)).target}
    mastery = {target: float(row["mastery"])}
    edges: list[Edge] = []
    frontier = [target]
    while frontier:
        rows = await graph.run(PARENTS_WITH_MASTERY, {"learner": learner, "frontier": frontier,
                                                      "all": include_optional})
        frontier = []
        for r in rows:
            if float(r["mastery"]) >= threshold:
                continue
            edges.append(_edge(r))
            if r["parent"] not in nodes:
                nodes[r["parent"]] = (await paths.prerequisites(r["parent"], max_depth=1)).target
                mastery[r["parent"]] = float(r["mastery"])
                frontier.append(r["parent"])
    mandatory = reachable([target], edges, mandatory_only=True) if include_optional else set(nodes)
    ordering = await _among(graph, set(nodes)) if not include_optional and len(nodes) > 2 else edges
    order = topological_order(nodes, ((e.from_id, e.to_id) for e in ordering))
    into: dict[str, float] = {}
    for e in edges:
        into[e.to_id] = max(into.get(e.to_id, 0.0), e.average_transition_time)
    return [PathStep(nodes[c], mastery[c], into.get(c, 0.0), c not in mandatory) for c in order]


def layered_dag(rng: random.Random, layers: int, width: int) -> list[tuple[int, int, bool]]:
    """2-4 parents per node in the layer above (some optional), a few edges skipping layers."""
    edges = {}
    for layer in range(1, layers):
        for j in range(width):
            child = layer * width + j
            for p in rng.sample(range(width), rng.randint(2, min(4, width))):
                edges[((layer - 1) * width + p, child)] = rng.random() < 0.25
            if layer > 1 and rng.random() < 0.3:
                edges[(rng.randrange((layer - 1) * width), child)] = rng.random() < 0.5
    return [(a, b, o) for (a, b), o in edges.items()]


@pytest.mark.parametrize("seed", [11, 12])
async def test_closures_and_paths_equal_the_level_expansion(graph: GraphBackend, seed: int) -> None:
    await prepared(graph)
    rng = random.Random(seed)
    layers, width = 6, 5
    n = layers * width
    edges = layered_dag(rng, layers, width)
    assert nx.is_directed_acyclic_graph(nx.DiGraph((a, b) for a, b, _ in edges))
    skills = [f"s{i}" for i in range(8)]
    teaches = {i: rng.sample(skills, rng.choice([0, 1, 1, 2])) for i in range(n)}
    await build_dag(graph, n, edges, teaches=teaches, difficulty={i: rng.random() for i in range(n)})
    learners = {f"L{k}": {s: rng.choice([0.1, 0.5, 0.85, 0.95]) for s in rng.sample(skills, rng.randint(0, 8))}
                for k in range(3)}
    for learner, prof in learners.items():
        await learner_with(graph, learner, prof)
    paths = LearningPaths(graph)
    targets = list(range(n - width, n)) + rng.sample(range(n - width), 4)
    for t in targets:
        for only in (False, True):
            for max_depth in (0, 1, 2, 4):
                order, depth, want_edges = await old_prerequisites(graph, cid(t), only, max_depth)
                closure = await paths.prerequisites(cid(t), mandatory_only=only, max_depth=max_depth)
                assert closure.order == order
                assert closure.depth == depth
                assert set(closure.edges) == want_edges and len(closure.edges) == len(want_edges)
        for learner in learners:
            for include_optional in (False, True):
                for threshold in (MASTERY_THRESHOLD, 0.4):
                    want = await old_learning_path(graph, learner, cid(t), threshold, include_optional)
                    got, _ = await paths.learning_path(learner, cid(t), threshold=threshold,
                                                       include_optional=include_optional)
                    assert got == want


async def test_mirrors_follow_every_change_of_an_edge(graph: GraphBackend) -> None:
    await prepared(graph)
    await build_dag(graph, 3, [(0, 2, False), (1, 2, True)])
    paths = LearningPaths(graph)

    async def mirrors() -> set[tuple[str, str, str]]:
        rows = await graph.run("MATCH (b:Content)-[m]->(a:Content) WHERE NOT (b)-[:PREREQUISITE_FOR]->(a)"
                               " RETURN b.contentId AS b, a.contentId AS a, type(m) AS t")
        return {(r["t"], r["b"], r["a"]) for r in rows}

    assert await mirrors() == {("NEEDS", cid(2), cid(0)), ("NEEDS_MANDATORY", cid(2), cid(0)),
                               ("NEEDS", cid(2), cid(1))}
    await paths.set_prerequisite(cid(0), cid(2), strength=0.1, optional_bypass=True, average_transition_time=1)
    await paths.set_prerequisite(cid(1), cid(2), strength=0.1, optional_bypass=False, average_transition_time=1)
    await paths.set_prerequisite(cid(1), cid(2), strength=0.2, optional_bypass=False, average_transition_time=1)
    assert await mirrors() == {("NEEDS", cid(2), cid(0)), ("NEEDS", cid(2), cid(1)),
                               ("NEEDS_MANDATORY", cid(2), cid(1))}
    assert [c for c in (await paths.prerequisites(cid(2), mandatory_only=True)).order] == [cid(1)]
    assert await paths.delete_content(cid(1))
    assert await mirrors() == {("NEEDS", cid(2), cid(0))}
    assert (await paths.prerequisites(cid(2), mandatory_only=True)).order == []
    assert (await paths.prerequisites(cid(2))).order == [cid(0)]
