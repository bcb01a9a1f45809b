"""The graph interface: the label allow-list guards Cypher text; ping and status run a real round trip."""

from __future__ import annotations

import pytest

from stores.base import StoreStatus
from stores.graph import GraphBackend
from stores.graph.base import NODE_LABELS, checked_label


def test_only_allow_listed_labels_reach_cypher_text() -> None:
    for label in NODE_LABELS:
        assert checked_label(label) == label
    with pytest.raises(ValueError, match="is not allowed"):
        checked_label("Learner) DETACH DELETE n //")
    with pytest.raises(ValueError):
        checked_label("learner")


async def test_ensure_unique_all_refuses_a_label_before_running_anything(graph: GraphBackend) -> None:
    with pytest.raises(ValueError, match="'Person'"):
        await graph.ensure_unique_all([("Person", "id")])


async def test_ping_is_a_real_round_trip(graph: GraphBackend) -> None:
    await graph.ping()
    assert await graph.status() is StoreStatus.SERVING
