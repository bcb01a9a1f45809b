"""FalkorDB backend over the Redis protocol (the embedded default)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote, urlsplit

from falkordb.asyncio import FalkorDB
from falkordb.helpers import stringify_param_value
from redis import exceptions as rexc

from stores import metrics
from stores.errors import AlreadyExists, StoreError, StoreStarting, StoreUnavailable
from stores.graph.base import GraphBackend, GraphSettings, Row, checked_label


def translate(exc: Exception) -> StoreError:
    """Map FalkorDB / redis-py errors onto the store exception hierarchy."""
    text = str(exc)
    if isinstance(exc, rexc.BusyLoadingError):  # a subclass of ConnectionError: test it first
        return StoreStarting(f"graph is loading its data set: {text}")
    if isinstance(exc, (rexc.ConnectionError, rexc.TimeoutError, OSError)):
        return StoreUnavailable(f"graph unavailable: {text}")
    if "query timed out" in text.lower():  # the server's own time limit: the store is overloaded
        return StoreUnavailable(f"graph query timed out: {text}", reason="GRAPH_QUERY_TIMEOUT")
    if "unique constraint" in text.lower() or "already exists" in text.lower():
        return AlreadyExists(f"graph constraint violation: {text}")
    return StoreError(f"graph error: {text}")


def literal(value: Any) -> str:
    """value as a literal of the CYPHER parameter header, as the client would write it.

    The client walks every value in Python, which dominates large UNWIND batches. A list whose JSON
    holds no map and needs no escape (no quote, backslash or control character in its strings) is
    already that literal, written by one C call.
    """
    if isinstance(value, list):
        try:
            text = json.dumps(value, ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError):  # not JSON, or not finite: the client's own form
            text = "{"
        if "\\" not in text and "{" not in text:
            return text
    return str(stringify_param_value(value))


class FalkorBackend(GraphBackend):
    """Cypher on FalkorDB; no datetime(), so times are epoch milliseconds from timestamp()."""

    dialect = "falkordb"

    def __init__(self, settings: GraphSettings) -> None:
        super().__init__(settings)
        parts = urlsplit(settings.url)
        self._db = FalkorDB(host=parts.hostname or "127.0.0.1", port=parts.port or 6379,
                            password=unquote(parts.password) if parts.password else None,
                            username=unquote(parts.username) if parts.username else None,
                            max_connections=settings.max_connections,
                            socket_timeout=settings.query_timeout_ms / 1000 + 5)
        self._graph = self._db.select_graph(settings.graph_name)

    async def open(self) -> None:
        await self.ping()

    async def close(self) -> None:
        await self._db.connection.aclose()

    async def run(self, cypher: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        try:
            with metrics.timed("graph", "query"):
                header = "".join(f"`{k}`={literal(v)} " for k, v in (params or {}).items())
                result = await self._graph.query(f"CYPHER {header}{cypher}" if header else cypher,
                                                 timeout=self.settings.query_timeout_ms)
        except Exception as exc:  # the client raises bare ResponseError for Cypher errors
            raise translate(exc) from exc
        names = [col[1] if isinstance(col, (list, tuple)) else col for col in result.header]
        return [dict(zip(names, row, strict=True)) for row in result.result_set]

    async def ensure_index(self, label: str, prop: str) -> None:
        label = checked_label(label)
        try:
            await self._graph.query(f"CREATE INDEX FOR (n:{label}) ON (n.{prop})")
        except Exception as exc:
            if "already indexed" not in str(exc).lower():
                raise translate(exc) from exc
        # Adding a property rebuilds the label's index in the background; a MERGE during the
        # rebuild can miss an existing node, so wait until the index is operational again.
        await self._wait_operational("db.indexes()", label, prop, "index")

    async def _wait_operational(self, procedure: str, label: str, prop: str, what: str) -> None:
        for _ in range(400):
            rows = await self.run(f"CALL {procedure} YIELD label, properties, status"
                                  " RETURN label, properties, status")
            if any(r["label"] == label and prop in r["properties"] and r["status"] == "OPERATIONAL"
                   for r in rows):
                return
            await asyncio.sleep(0.05)
        raise StoreError(f"{what} on {label}.{prop} did not become operational")

    async def ensure_unique(self, label: str, prop: str) -> None:
        label = checked_label(label)
        await self.ensure_index(label, prop)
        try:
            await self._db.connection.execute_command(
                "GRAPH.CONSTRAINT", "CREATE", self.settings.graph_name, "UNIQUE", "NODE",
                label, "PROPERTIES", 1, prop)
        except Exception as exc:
            if "already exists" not in str(exc).lower():
                raise translate(exc) from exc
        # Constraints build asynchronously; wait until this one is operational.
        await self._wait_operational("db.constraints()", label, prop, "unique constraint")

    async def drop_all(self) -> None:
        await self.run("MATCH (n) DETACH DELETE n")
