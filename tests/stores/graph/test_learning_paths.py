"""Learning paths on every graph backend: cycles, closures in topological order, paths, recommendations."""

from __future__ import annotations

import random

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stores.errors import NotFound, PreconditionFailed
from stores.graph import GraphBackend
from stores.graph.frontier import MASTERY_THRESHOLD
from stores.graph.learning_paths import LearningPaths
from stores.graph.model import GraphModel
from tests.stores.graph.helpers import build_dag, cid, learner_with, prepared


async def test_cycle_is_rejected_naming_the_closing_path(graph: GraphBackend) -> None:
    await prepared(graph)
    await build_dag(graph, 4, [(0, 1, False), (1, 2, False), (2, 3, True)])
    paths = LearningPaths(graph)
    with pytest.raises(PreconditionFailed) as err:
        await paths.set_prerequisite(cid(3), cid(0), strength=1, optional_bypass=False,
                                     average_transition_time=0)
    assert err.value.reason == "PREREQUISITE_CYCLE"
    assert err.value.metadata["path"].split(",") == [cid(3), cid(0), cid(1), cid(2), cid(3)]
    with pytest.raises(PreconditionFailed) as err:
        await paths.set_prerequisite(cid(1), cid(1), strength=1, optional_bypass=False,
                                     average_transition_time=0)
    assert err.value.metadata["path"].split(",") == [cid(1), cid(1)]
    rows = await graph.run("MATCH ()-[e:PREREQUISITE_FOR]->() RETURN count(e) AS n")
    assert rows == [{"n": 3}]  # nothing was written


async def test_set_prerequisite_updates_and_counts_mandatory_edges(graph: GraphBackend) -> None:
    await prepared(graph)
    await build_dag(graph, 3, [(0, 2, False)])
    paths = LearningPaths(graph)
    _, created = await paths.set_prerequisite(cid(1), cid(2), strength=0.3, optional_bypass=True,
                                              average_transition_time=5)
    assert created
    edge, created = await paths.set_prerequisite(cid(1), cid(2), strength=0.4, optional_bypass=False,
                                                 average_transition_time=6)
    assert not created and edge.strength == 0.4 and not edge.optional_bypass
    rows = await graph.run("MATCH (c:Content {contentId: $id}) RETURN c.mandatoryPrereqCount AS n", {"id": cid(2)})
    assert rows == [{"n": 2}]
    with pytest.raises(NotFound):
        await paths.set_prerequisite(cid(0), cid(99), strength=1, optional_bypass=False, average_transition_time=0)
    assert await paths.delete_content(cid(0))
    rows = await graph.run("MATCH (c:Content {contentId: $id}) RETURN c.mandatoryPrereqCount AS n", {"id": cid(2)})
    assert rows == [{"n": 1}]


def random_dag(rng: random.Random, n: int, density: float) -> list[tuple[int, int, bool]]:
    """Edges i → j with i < j in a random permutation (so acyclic), some optional."""
    perm = list(range(n))
    rng.shuffle(perm)
    return [(perm[i], perm[j], rng.random() < 0.3) for i in range(n) for j in range(i + 1, n)
            if rng.random() < density]


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_closure_is_topologically_ordered_like_networkx(graph: GraphBackend, seed: int) -> None:
    await prepared(graph)
    rng = random.Random(seed)
    n = 25
    edges = random_dag(rng, n, 0.25)
    await build_dag(graph, n, edges)
    g = nx.DiGraph()
    g.add_nodes_from(cid(i) for i in range(n))
    g.add_edges_from((cid(a), cid(b)) for a, b, _ in edges)
    mandatory = nx.DiGraph()
    mandatory.add_nodes_from(g)
    mandatory.add_edges_from((cid(a), cid(b)) for a, b, o in edges if not o)
    paths = LearningPaths(graph)
    for target in rng.sample(range(n), 6):
        for only, ref in ((False, g), (True, mandatory)):
            closure = await paths.prerequisites(cid(target), mandatory_only=only)
            ancestors = nx.ancestors(ref, cid(target))
            assert set(closure.order) == ancestors
            sub = ref.subgraph(ancestors | {cid(target)})
            position = {c: i for i, c in enumerate([*closure.order, cid(target)])}
            # The filter picks the nodes; the order obeys every edge among them, optional ones too.
            assert all(position[a] < position[b] for a, b in g.subgraph(ancestors | {cid(target)}).edges)
            assert {(e.from_id, e.to_id) for e in closure.edges} == set(sub.edges)
            lengths = nx.shortest_path_length(ref.reverse(), cid(target))
            assert all(closure.depth[c] == lengths[c] for c in closure.order)
            for depth in (1, 2):
                limited = await paths.prerequisites(cid(target), mandatory_only=only, max_depth=depth)
                within = {c for c, d in lengths.items() if 0 < d <= depth}
                assert set(limited.order) == within
                inside = ref.subgraph(within | {cid(target)})
                assert {(e.from_id, e.to_id) for e in limited.edges} == set(inside.edges)
                position = {c: i for i, c in enumerate([*limited.order, cid(target)])}
                assert all(position[a] < position[b] for a, b in g.subgraph(within | {cid(target)}).edges)


async def test_learning_path_skips_mastery_and_honours_bypass(graph: GraphBackend) -> None:
    await prepared(graph)
    # 0 → 2 → 4 (target), 1 → 2, 3 ⇢ 4 (optional); 0 teaches s0 (mastered), others their own skill.
    await build_dag(graph, 5, [(0, 2, False), (1, 2, False), (2, 4, False), (3, 4, True), (0, 3, False)],
                    teaches={i: [f"s{i}"] for i in range(5)})
    await learner_with(graph, "L", {"s0": 0.95, "s1": 0.2})
    paths = LearningPaths(graph)
    steps, _ = await paths.learning_path("L", cid(4))
    assert [s.content.content_id for s in steps] == [cid(1), cid(2), cid(4)]
    assert steps[0].mastery == pytest.approx(0.2)
    assert steps[1].estimated_time == 2.0  # largest averageTransitionTime into it from the path (1 → 2)
    with_optional, _ = await paths.learning_path("L", cid(4), include_optional=True)
    ids = [s.content.content_id for s in with_optional]
    assert set(ids) == {cid(1), cid(2), cid(3), cid(4)} and ids[-1] == cid(4)
    assert [s.bypassable for s in with_optional if s.content.content_id == cid(3)] == [True]
    assert not any(s.bypassable for s in with_optional if s.content.content_id != cid(3))
    lowered, _ = await paths.learning_path("L", cid(4), threshold=0.1)
    assert [s.content.content_id for s in lowered] == [cid(2), cid(4)]
    await learner_with(graph, "M", {"s4": 0.9})
    assert (await paths.learning_path("M", cid(4)))[0] == []
    with pytest.raises(NotFound):
        await paths.learning_path("nobody", cid(4))


async def test_optional_edges_order_the_nodes_that_mandatory_edges_chose(graph: GraphBackend) -> None:
    await prepared(graph)
    # V → T, U → T, U ⇢ V (optional). Ids are chosen so that V sorts before U: a tie broken by id alone
    # would put V first, though U is a prerequisite of V.
    u, v, t = 2, 1, 3
    await build_dag(graph, 4, [(v, t, False), (u, t, False), (u, v, True)],
                    teaches={i: [f"s{i}"] for i in range(4)})
    assert cid(v) < cid(u)
    paths = LearningPaths(graph)
    for only in (True, False):
        closure = await paths.prerequisites(cid(t), mandatory_only=only)
        assert closure.order == [cid(u), cid(v)]
    mandatory = await paths.prerequisites(cid(t), mandatory_only=True)
    assert {(e.from_id, e.to_id) for e in mandatory.edges} == {(cid(v), cid(t)), (cid(u), cid(t))}
    await learner_with(graph, "novice", {})
    for optional in (False, True):
        steps, _ = await paths.learning_path("novice", cid(t), include_optional=optional)
        assert [s.content.content_id for s in steps] == [cid(u), cid(v), cid(t)]


def mastered_by(n: int, teaches: dict[int, list[str]], prof: dict[str, float]) -> set[int]:
    """Reference mastery: teaches something, and every taught skill at or above the threshold."""
    return {i for i in range(n) if teaches.get(i)
            and all(prof.get(s, 0.0) >= MASTERY_THRESHOLD for s in teaches[i])}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
async def test_recommend_next_never_offers_unmastered_mandatory_prerequisites(
        graph: GraphBackend, data: st.DataObject) -> None:
    await graph.drop_all()
    await prepared(graph)
    n = data.draw(st.integers(2, 10), "n")
    edges = [(i, j, data.draw(st.booleans(), f"opt{i}{j}")) for i in range(n) for j in range(i + 1, n)
             if data.draw(st.integers(0, 3), f"e{i}{j}") == 0]
    skills = ["a", "b", "c", "d"]
    teaches = {i: data.draw(st.lists(st.sampled_from(skills), max_size=2, unique=True), f"t{i}") for i in range(n)}
    prof = {s: p for s in skills
            if (p := data.draw(st.sampled_from([None, 0.1, 0.5, 0.85, 0.95]), f"p{s}")) is not None}
    await build_dag(graph, n, edges, teaches=teaches,
                    difficulty={i: data.draw(st.floats(0, 1), f"d{i}") for i in range(n)})
    await learner_with(graph, "L", prof)
    k = data.draw(st.integers(1, 12), "k")
    recs = await LearningPaths(graph).recommend("L", k)
    mastered = mastered_by(n, teaches, prof)
    mandatory_parents = {j: {i for i, jj, o in edges if jj == j and not o} for j in range(n)}
    eligible = {j for j in range(n) if j not in mastered and mandatory_parents[j] <= mastered}
    got = [int(r.content.content_id.replace("-", ""), 16) - 1 for r in recs]
    assert len(got) == len(set(got)) == min(k, len(eligible))
    assert set(got) <= eligible
    assert all(0.0 <= r.score <= 1.0 for r in recs)
    assert [r.score for r in recs] == sorted((r.score for r in recs), reverse=True)


async def test_closure_of_a_deep_node_in_a_dense_dag_is_one_round_trip(graph: GraphBackend) -> None:
    """The issue's trap: a variable-length pattern enumerates about 4^depth paths here; the mirrors' walk does not."""
    await prepared(graph)
    rng = random.Random(5)
    layers, width = 20, 50
    nodes = [{"id": cid(i), "m": 0 if i < width else 1} for i in range(layers * width)]
    edges = [{"a": cid((i // width - 1) * width + p), "b": cid(i)}
             for i in range(width, layers * width) for p in rng.sample(range(width), 4)]
    await graph.run("UNWIND $rows AS r CREATE (:Content {contentId: r.id, type: 't', difficulty: 0.5,"
                    " mandatoryPrereqCount: r.m})", {"rows": nodes})
    for i in range(0, len(edges), 1000):
        await graph.run("UNWIND $rows AS r MATCH (a:Content {contentId: r.a}) MATCH (b:Content {contentId: r.b})"
                        " CREATE (a)-[:PREREQUISITE_FOR {strength: 0.5, optionalBypass: false,"
                        " averageTransitionTime: 1.0}]->(b)", {"rows": edges[i:i + 1000]})
    # Edges written around SetPrerequisite get their mirrors from the migration's backfill.
    await graph.run("MATCH (m:SchemaMigration {name: '0170_prerequisite_mirrors.json'}) DELETE m")
    await prepared(graph)
    g = nx.DiGraph((e["a"], e["b"]) for e in edges)
    deep = cid(layers * width - 1)
    paths = LearningPaths(graph)
    closure = await paths.prerequisites(deep)
    assert set(closure.order) == nx.ancestors(g, deep)
    assert len(closure.order) > 600 and closure.round_trips == 1
    lengths = nx.shortest_path_length(g.reverse(), deep)
    assert all(closure.depth[c] == lengths[c] for c in closure.order)
    with pytest.raises(PreconditionFailed):  # the cycle check walks the same dense DAG forwards
        await paths.set_prerequisite(deep, cid(0), strength=1, optional_bypass=False, average_transition_time=0)


async def test_a_closure_carries_content_types_with_backslashes_and_quotes(graph: GraphBackend) -> None:
    """FalkorDB's toJSON writes strings unescaped: the closure statement escapes the type first."""
    await prepared(graph)
    await build_dag(graph, 2, [(0, 1, False)])
    model = GraphModel(graph)
    odd = 'video\\"x\\'
    await model.upsert_node("content", cid(0), {"type": odd})
    closure = await LearningPaths(graph).prerequisites(cid(1))
    assert closure.nodes[cid(0)].type == odd
