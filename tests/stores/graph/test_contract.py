"""One contract for every graph backend: parameters, constraints, allow-lists, error mapping."""

from __future__ import annotations

import pytest

from stores.errors import AlreadyExists
from stores.graph import GraphBackend
from stores.graph.base import checked_label

INJECTION = "x'}) MATCH (n) DETACH DELETE n //\"; DROP TABLE t; --"


async def test_round_trip_with_parameters(graph: GraphBackend) -> None:
    rows = await graph.run("RETURN $a AS a, $b AS b, $c AS c", {"a": 1, "b": "two", "c": [1.5, 2.5]})
    assert rows == [{"a": 1, "b": "two", "c": [1.5, 2.5]}]


async def test_injection_string_is_stored_verbatim(graph: GraphBackend) -> None:
    await graph.run("CREATE (:Skill {skillId: $id, category: 'c'})", {"id": INJECTION})
    await graph.run("CREATE (:Skill {skillId: 'other', category: 'c'})")
    rows = await graph.run("MATCH (s:Skill) RETURN s.skillId AS id ORDER BY id")
    assert sorted(r["id"] for r in rows) == sorted([INJECTION, "other"])


async def test_unique_constraint_rejects_duplicates(graph: GraphBackend) -> None:
    await graph.ensure_unique("Learner", "learnerId")
    await graph.ensure_unique("Learner", "learnerId")  # idempotent
    await graph.run("CREATE (:Learner {learnerId: 'l1'})")
    with pytest.raises(AlreadyExists):
        await graph.run("CREATE (:Learner {learnerId: 'l1'})")
    rows = await graph.run("MATCH (l:Learner {learnerId: 'l1'}) RETURN count(l) AS n")
    assert rows == [{"n": 1}]


async def test_epoch_milliseconds_from_timestamp(graph: GraphBackend) -> None:
    rows = await graph.run("RETURN timestamp() AS t")
    assert rows[0]["t"] > 1_700_000_000_000


def test_labels_come_from_the_allow_list() -> None:
    assert checked_label("Skill") == "Skill"
    with pytest.raises(ValueError):
        checked_label("Skill) DETACH DELETE (n")
