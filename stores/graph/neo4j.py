"""Neo4j 5 backend over Bolt (production option)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from neo4j import AsyncGraphDatabase
from neo4j import exceptions as nexc

from stores import metrics
from stores.errors import AlreadyExists, StoreError, StoreUnavailable
from stores.graph.base import GraphBackend, GraphSettings, Row, checked_label


def translate(exc: Exception) -> StoreError:
    """Map neo4j driver errors onto the store exception hierarchy."""
    if isinstance(exc, (nexc.ServiceUnavailable, nexc.SessionExpired, OSError)):
        return StoreUnavailable(f"graph unavailable: {exc}")
    if isinstance(exc, nexc.ConstraintError):
        return AlreadyExists(f"graph constraint violation: {exc}")
    return StoreError(f"graph error: {exc}")


class Neo4jBackend(GraphBackend):
    """Cypher on Neo4j 5; credentials come from the URL's user info."""

    dialect = "neo4j"

    def __init__(self, settings: GraphSettings) -> None:
        super().__init__(settings)
        parts = urlsplit(settings.url)
        auth = (unquote(parts.username or "neo4j"), unquote(parts.password or ""))
        bare = urlunsplit((parts.scheme, f"{parts.hostname}:{parts.port or 7687}", "", "", ""))
        self._database = parts.path.strip("/") or None
        self._driver = AsyncGraphDatabase.driver(bare, auth=auth,
                                                 max_connection_pool_size=settings.max_connections)

    async def open(self) -> None:
        try:
            await self._driver.verify_connectivity()
        except Exception as exc:
            raise translate(exc) from exc

    async def close(self) -> None:
        await self._driver.close()

    async def run(self, cypher: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        try:
            with metrics.timed("graph", "query"):
                records, _, _ = await self._driver.execute_query(
                    cypher, dict(params or {}), database_=self._database)
        except Exception as exc:
            raise translate(exc) from exc
        return [record.data() for record in records]

    async def ensure_index(self, label: str, prop: str) -> None:
        label = checked_label(label)
        await self.run(f"CREATE INDEX IF NOT EXISTS FOR (n:{label}) ON (n.{prop})")

    async def ensure_unique(self, label: str, prop: str) -> None:
        label = checked_label(label)
        # A uniqueness constraint brings its own index in Neo4j 5.
        await self.run(f"CREATE CONSTRAINT IF NOT EXISTS FOR (n:{label}) REQUIRE n.{prop} IS UNIQUE")

    async def drop_all(self) -> None:
        await self.run("MATCH (n) DETACH DELETE n")
