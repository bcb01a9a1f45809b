"""Graph contract fixtures: the embedded FalkorDB always, Neo4j when AMAUTA_TEST_NEO4J_URL is set."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import pytest

from server.app import Node
from stores.graph import GraphBackend, GraphSettings, create_backend

NEO4J_URL = os.environ.get("AMAUTA_TEST_NEO4J_URL", "")


@pytest.fixture(params=["falkordb", "neo4j"])
async def graph(request: pytest.FixtureRequest, node: Node) -> AsyncIterator[GraphBackend]:
    """A graph backend on a throwaway graph (FalkorDB) or an emptied database (Neo4j)."""
    if request.param == "neo4j":
        if not NEO4J_URL:
            pytest.skip("Neo4j contract: set AMAUTA_TEST_NEO4J_URL (docker-compose provides one)")
        backend = create_backend(GraphSettings(NEO4J_URL))
    else:
        assert node.runtime is not None
        url = node.runtime.settings.graph_url
        backend = create_backend(GraphSettings(url, graph_name=f"contract_{uuid.uuid4().hex[:8]}"))
    await backend.open()
    await backend.drop_all()
    yield backend
    await backend.drop_all()
    await backend.close()
