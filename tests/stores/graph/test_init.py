"""create_backend picks the graph backend from the URL scheme and refuses the others by name."""

from __future__ import annotations

import pytest

from server.app import Node
from stores.graph import GraphSettings, create_backend
from stores.graph.falkordb import FalkorBackend
from stores.graph.neo4j import Neo4jBackend


@pytest.mark.parametrize("scheme", ["falkordb", "redis", "FalkorDB"])
async def test_redis_protocol_urls_select_falkordb(node: Node, scheme: str) -> None:
    # The FalkorDB client connects when it is made: point it at the session's server.
    assert node.runtime is not None
    rest = node.runtime.settings.graph_url.split("://", 1)[1]
    backend = create_backend(GraphSettings(f"{scheme}://{rest}"))
    assert isinstance(backend, FalkorBackend)
    await backend.close()


@pytest.mark.parametrize("url", ["bolt://neo4j:pw@h:7687", "neo4j://h:7687", "neo4j+s://h:7687", "bolt+ssc://h"])
def test_bolt_urls_select_neo4j(url: str) -> None:
    assert isinstance(create_backend(GraphSettings(url)), Neo4jBackend)


def test_other_schemes_are_refused() -> None:
    with pytest.raises(ValueError, match="unsupported graph URL scheme 'http'"):
        create_backend(GraphSettings("http://h:7474"))
