"""The ClickHouse-server backend's SQL, parsed and run by the ClickHouse engine in chdb.

No ClickHouse server can run here, but the same engine runs in-process. `StandInClient` takes the
place of clickhouse_driver.Client under ClickHouseBackend (its driver boundary): every statement the
backend sends is recorded, parsed with `EXPLAIN AST`, and (unless the client only records) run by
chdb in the backend's database, with the driver's external tables and columnar inserts replayed
as Arrow tables.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from stores.analytics.base import AnalyticsSettings
from stores.analytics.chdb import ChdbBackend
from stores.analytics.clickhouse import ClickHouseBackend

_PARAM = re.compile(r"\{(\w+):([^}]+)\}")
_INSERT = re.compile(r"^INSERT INTO (\w+) \(([^)]*)\) VALUES$")


def placeholders(sql: str) -> dict[str, str]:
    """A value of the declared type for each {name:Type} parameter, so the text can be parsed alone."""
    out = {}
    for name, kind in _PARAM.findall(sql):
        out[name] = "[]" if kind.startswith("Array") else "x" if "String" in kind else "0"
    return out


def explain_ast(engine: ChdbBackend, sql: str, params: dict[str, Any] | None = None) -> str:
    """The engine's parse tree of sql (StoreError when it does not parse)."""
    bound = {**placeholders(sql), **(params or {})}
    return str(engine._run(f"EXPLAIN AST {sql}", bound, "TSV").bytes().decode())


@dataclass
class Sent:
    """One statement as the backend sent it."""

    sql: str
    params: dict[str, Any]
    settings: dict[str, Any]


class StandInClient:
    """Enough of clickhouse_driver.Client for ClickHouseBackend, backed by a chdb engine."""

    def __init__(self, backend: StandInBackend) -> None:
        self.backend = backend
        self.engine = backend.engine
        self.sent = backend.sent
        self.run = backend.executes
        self.settings: dict[str, Any] = {}

    def execute(self, sql: str, params: dict[str, Any] | None = None, *, with_column_types: bool = False,
                external_tables: list[dict[str, Any]] | None = None, columnar: bool = False,
                settings: dict[str, Any] | None = None) -> Any:
        if sql.startswith("USE "):  # the stand-in engine runs every statement in its own database
            return []
        insert = _INSERT.match(sql)
        self.sent.append(Sent(sql, dict(params) if isinstance(params, dict) else {}, dict(settings or {})))
        explain_ast(self.engine, sql, params if isinstance(params, dict) else None)
        refused = self.backend.refused
        if refused and sql.startswith(refused):
            raise RuntimeError(f"Code: 48. DB::Exception: {refused} is not supported by this stand-in")
        if not self.run:
            return ([], []) if with_column_types else []
        if insert:
            table, cols = insert.group(1), [c.strip() for c in insert.group(2).split(",")]
            assert columnar and isinstance(params, list)
            data = pa.table(dict(zip(cols, params, strict=True)))
            self.engine._insert_sync(table, data, (settings or {}).get("insert_deduplication_token"))
            return []
        if external_tables:
            (ext,) = external_tables
            data = pa.Table.from_pylist(ext["data"]) if ext["data"] else pa.table(
                {name: pa.array([], type=pa.string()) for name, _ in ext["structure"]})
            rows = self.engine._query_input_sync(re.sub(rf"\b{ext['name']}\b", "{input}", sql), data,
                                                 params or {})
        else:
            rows = self.engine._query_sync(sql, params or {})
        if not with_column_types:
            return [tuple(r.values()) for r in rows]
        names = list(rows[0]) if rows else []
        return [tuple(r.values()) for r in rows], [(n, "") for n in names]


class StandInBackend(ClickHouseBackend):
    """ClickHouseBackend whose driver clients are stand-ins on a chdb engine; `sent` records its SQL."""

    def __init__(self, settings: AnalyticsSettings, engine: ChdbBackend, *, execute: bool = True) -> None:
        super().__init__(settings)
        self.engine = engine
        self.sent: list[Sent] = []
        self.executes = execute
        #: Statements starting with this prefix fail as on a server that refuses them (fallback paths).
        self.refused = ""

    def _client(self) -> Any:
        client = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = StandInClient(self)
        return client


__all__ = ["Sent", "StandInBackend", "StandInClient", "explain_ast", "placeholders"]
