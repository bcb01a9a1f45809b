"""The RecommendNext frontier: the entry rule, and on every backend the same answer as the statement
over HAS_SKILL after rebuilds, relay deliveries, catalog changes and writers that race."""

from __future__ import annotations

import time
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from stores.graph import GraphBackend
from stores.graph.frontier import (
    MASTERY_THRESHOLD,
    STALE_TOKEN_MS,
    TRUSTED,
    W_DIFFICULTY,
    W_STRENGTH,
    ZPD_OFFSET,
    Frontier,
    Item,
    entry,
    new_token,
)
from stores.graph.learning_paths import RECOMMEND, LearningPaths, ranked
from stores.graph.model import GraphModel
from stores.sync.graph_relay import GraphConsumer
from tests.stores.graph.helpers import build_dag, cid, learner_with, prepared
from tests.stores.sync.test_graph_relay import MemoryHistories, assessments

SKILLS = ["a", "b", "c", "d"]


# --- the entry rule (no store) ------------------------------------------------------------------

def test_an_entry_point_nobody_knows_has_no_edge() -> None:
    e = entry("x", Item(0.3, 0, ("a",), ()), {}, {})
    assert (e.keep, e.ready, e.unlocked) == (False, True, False)
    assert e.score == W_DIFFICULTY * (1.0 - abs(0.3 - ZPD_OFFSET))


def test_a_mastered_entry_point_keeps_an_edge_that_is_not_ready() -> None:
    e = entry("x", Item(0.3, 0, ("a",), ()), {}, {"a": MASTERY_THRESHOLD})
    assert (e.keep, e.ready) == (True, False)


def test_content_is_unlocked_by_all_its_mandatory_prerequisites_and_scored_by_the_mastered_ones() -> None:
    items = {"p": Item(0.1, 0, ("a",), ()), "q": Item(0.1, 0, ("b",), ()), "o": Item(0.1, 0, ("c",), ())}
    child = Item(0.5, 2, ("d",), (("p", 0.4, False), ("q", 0.6, False), ("o", 1.0, True)))
    half = entry("x", child, items, {"a": 0.9})
    assert not half.keep                                   # q is mandatory and not mastered
    both = entry("x", child, items, {"a": 0.9, "b": 0.95, "d": 0.2})
    assert (both.keep, both.ready, both.unlocked) == (True, True, True)
    assert both.strength == 0.5 and both.prof == 0.2       # the optional, unmastered o is not counted
    assert abs(both.score - (W_DIFFICULTY * (1.0 - abs(0.3 - ZPD_OFFSET)) + W_STRENGTH * 0.5)) < 1e-12
    assert not entry("x", child, items, {"a": 0.9, "b": 0.95, "d": 0.9}).keep   # mastered itself


def test_an_entry_point_with_a_mastered_optional_prerequisite_is_unlocked() -> None:
    items = {"o": Item(0.1, 0, ("c",), ())}
    e = entry("x", Item(0.2, 0, ("d",), (("o", 0.8, True),)), items, {"c": 1.0})
    assert (e.keep, e.ready, e.unlocked, e.strength) == (True, True, True, 0.8)


# --- against the statement over HAS_SKILL ---------------------------------------------------------

async def reference(graph: GraphBackend, learner: str, k: int) -> list[tuple[str, float, bool]]:
    """RecommendNext as the statement over HAS_SKILL answers it."""
    rows = await graph.run(RECOMMEND, {"learner": learner, "theta": MASTERY_THRESHOLD, "zpd": ZPD_OFFSET,
                                       "wd": W_DIFFICULTY, "ws": W_STRENGTH, "k": k})
    return [(r.content.content_id, round(r.score, 9), r.unlocked) for r in ranked(rows, k)]


async def from_frontier(graph: GraphBackend, learner: str, k: int) -> list[tuple[str, float, bool]] | None:
    """RecommendNext from the frontier; None when the learner's frontier is not current."""
    rows = await Frontier(graph).recommend(learner, k)
    if rows is None:
        return None
    return [(r.content.content_id, round(r.score, 9), r.unlocked) for r in ranked(rows, k)]


async def mark(graph: GraphBackend, learner: str) -> Any:
    rows = await graph.run("MATCH (l:Learner {learnerId: $id}) RETURN l.frontier AS mark", {"id": learner})
    return rows[0]["mark"]


async def random_catalog(graph: GraphBackend, data: st.DataObject) -> int:
    n = data.draw(st.integers(2, 10), "n")
    edges = [(i, j, data.draw(st.booleans(), f"opt{i}{j}")) for i in range(n) for j in range(i + 1, n)
             if data.draw(st.integers(0, 3), f"e{i}{j}") == 0]
    teaches = {i: data.draw(st.lists(st.sampled_from(SKILLS), max_size=2, unique=True), f"t{i}") for i in range(n)}
    await build_dag(graph, n, edges, teaches=teaches,
                    difficulty={i: data.draw(st.floats(0, 1), f"d{i}") for i in range(n)})
    return n


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture],
          phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(data=st.data())
async def test_the_frontier_answers_as_the_statement_after_a_rebuild_and_every_delivery(
        graph: GraphBackend, data: st.DataObject) -> None:
    await graph.drop_all()
    await prepared(graph)
    await random_catalog(graph, data)
    prof = {s: p for s in SKILLS
            if (p := data.draw(st.sampled_from([None, 0.1, 0.5, 0.85, 0.95]), f"p{s}")) is not None}
    await learner_with(graph, "L", prof)
    k = data.draw(st.integers(1, 12), "k")
    assert await from_frontier(graph, "L", k) is None          # hand-set HAS_SKILL: not current
    assert await Frontier(graph).rebuild(["L"]) == {"L"}
    assert await from_frontier(graph, "L", k) == await reference(graph, "L", k)
    consumer = GraphConsumer(graph, MemoryHistories())
    for i in range(data.draw(st.integers(1, 4), "deliveries")):
        scores = data.draw(st.lists(st.dictionaries(st.sampled_from(SKILLS), st.sampled_from([0.0, 1.0]),
                                                    min_size=1), min_size=1, max_size=3), f"s{i}")
        await consumer.deliver(assessments(100 * i + 1, "L", scores))
        assert await mark(graph, "L") == TRUSTED
        assert await from_frontier(graph, "L", k) == await reference(graph, "L", k)


async def test_catalog_changes_leave_the_frontier_not_current_until_the_repair(graph: GraphBackend) -> None:
    await prepared(graph)
    await build_dag(graph, 4, [(0, 1, False), (1, 2, False)], teaches={0: ["a"], 1: ["b"], 2: ["c"], 3: ["d"]})
    await learner_with(graph, "L", {"a": 0.9, "b": 0.3})
    frontier, paths, model = Frontier(graph), LearningPaths(graph), GraphModel(graph)
    changes = [
        lambda: paths.set_prerequisite(cid(3), cid(1), strength=0.9, optional_bypass=False,
                                       average_transition_time=1.0),
        lambda: model.link_content_skill(cid(3), "a", 1.0),
        lambda: model.upsert_node("content", cid(1), {"difficulty": 0.05}),
        lambda: paths.delete_content(cid(0)),
    ]
    for change in changes:
        assert await frontier.repair() == 1
        before = await from_frontier(graph, "L", 5)
        assert before is not None and before == await reference(graph, "L", 5)
        await change()
        assert await from_frontier(graph, "L", 5) is None
        assert [(r.content.content_id, round(r.score, 9), r.unlocked) for r in await paths.recommend("L", 5)] \
            == await reference(graph, "L", 5)                       # answered from HAS_SKILL meanwhile
    assert await frontier.repair() == 1
    assert await from_frontier(graph, "L", 5) == await reference(graph, "L", 5)
    assert await frontier.repair() == 0                               # nothing left to do


async def test_a_writer_whose_token_was_taken_over_does_not_mark_the_learner_current(graph: GraphBackend) -> None:
    await prepared(graph)
    await build_dag(graph, 2, [(0, 1, False)], teaches={0: ["a"], 1: ["b"]})
    await learner_with(graph, "L", {"a": 0.9})
    frontier = Frontier(graph)
    await frontier.rebuild(["L"])
    mine, theirs = new_token(), new_token()
    await graph.run("MATCH (l:Learner {learnerId: 'L'}) SET l.frontier = $t", {"t": mine})
    await graph.run("MATCH (l:Learner {learnerId: 'L'}) SET l.frontier = $t", {"t": theirs})
    assert await frontier.refresh(mine, {("L", "a"): True}) == set()
    assert await mark(graph, "L") == theirs
    assert await frontier.refresh(theirs, {("L", "a"): False}) == {"L"}
    assert await mark(graph, "L") == TRUSTED


async def test_the_repair_takes_over_only_tokens_of_writers_that_died(graph: GraphBackend) -> None:
    await prepared(graph)
    await build_dag(graph, 1, [], teaches={0: ["a"]})
    for learner in ("live", "dead"):
        await learner_with(graph, learner, {"a": 0.5})
    now = int(time.time() * 1000)
    await graph.run("MATCH (l:Learner) SET l.frontier = 'writer', l.frontierAt = CASE l.learnerId "
                    "WHEN 'live' THEN $now ELSE $old END", {"now": now, "old": now - STALE_TOKEN_MS - 1000})
    assert await Frontier(graph).repair() == 1
    assert (await mark(graph, "dead"), await mark(graph, "live")) == (TRUSTED, "writer")


async def test_a_new_learner_is_answered_from_history_until_rebuilt(graph: GraphBackend) -> None:
    await prepared(graph)
    await build_dag(graph, 3, [(0, 1, True)], teaches={0: ["a"], 1: ["b"]}, difficulty={0: 0.1, 1: 0.2, 2: 0.9})
    await GraphModel(graph).upsert_node("learner", "N", {"type": "t"})
    assert await from_frontier(graph, "N", 3) is None
    assert await Frontier(graph).repair() == 1
    assert await from_frontier(graph, "N", 3) == await reference(graph, "N", 3)
    assert [r.content.content_id for r in await LearningPaths(graph).recommend("N", 3)] == [cid(0), cid(1), cid(2)]


async def test_ids_with_backslashes_and_quotes_keep_their_frontier(graph: GraphBackend) -> None:
    """FalkorDB's toJSON writes strings unescaped: the packed reads escape them first."""
    await prepared(graph)
    odd = ["a\\b", 'q"s', "\\\"x"]
    await build_dag(graph, 3, [(0, 1, False), (1, 2, True)], teaches={0: [odd[0]], 1: [odd[1]], 2: [odd[2]]})
    learner = 'L\\"1'
    await learner_with(graph, learner, {odd[0]: 0.9, odd[2]: 0.3})
    assert await Frontier(graph).rebuild([learner]) == {learner}
    assert await from_frontier(graph, learner, 5) == await reference(graph, learner, 5)
    await GraphConsumer(graph, MemoryHistories()).deliver(assessments(1, learner, [{odd[1]: 1.0}, {odd[1]: 1.0}]))
    assert await mark(graph, learner) == TRUSTED
    assert await from_frontier(graph, learner, 5) == await reference(graph, learner, 5)
