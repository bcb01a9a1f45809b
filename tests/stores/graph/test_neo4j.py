"""Neo4jBackend: driver errors mapped to store errors, and URLs split into address, auth and database.

The backend runs against a server only in the contract suite (AMAUTA_TEST_NEO4J_URL); these tests need none.
"""

from __future__ import annotations

import pytest
from neo4j import exceptions as nexc

from stores.errors import AlreadyExists, StoreError, StoreUnavailable
from stores.graph import GraphSettings
from stores.graph.neo4j import Neo4jBackend, translate


@pytest.mark.parametrize(("error", "kind"), [
    (nexc.ServiceUnavailable("down"), StoreUnavailable),
    (nexc.SessionExpired("gone"), StoreUnavailable),
    (OSError("reset"), StoreUnavailable),
    (nexc.ConstraintError("dup"), AlreadyExists),
    (nexc.CypherSyntaxError("bad"), StoreError),
])
def test_translate(error: Exception, kind: type[StoreError]) -> None:
    assert type(translate(error)) is kind


async def test_the_database_comes_from_the_url_path() -> None:
    named = Neo4jBackend(GraphSettings("neo4j://user:p%40ss@h:7688/learning"))
    default = Neo4jBackend(GraphSettings("bolt://h"))
    try:
        assert (named._database, default._database) == ("learning", None)
    finally:
        await named.close()
        await default.close()


async def test_an_unreachable_server_is_unavailable() -> None:
    backend = Neo4jBackend(GraphSettings("bolt://neo4j:pw@127.0.0.1:1"))
    try:
        with pytest.raises(StoreUnavailable):
            await backend.open()
    finally:
        await backend.close()
