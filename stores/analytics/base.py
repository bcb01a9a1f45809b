"""The analytics backend interface: ClickHouse SQL with {name:Type} parameters, run off the event loop."""

from __future__ import annotations

import abc
import asyncio
import re
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import pyarrow as pa

from stores import metrics
from stores.analytics.cluster import cluster_statements
from stores.base import Store

T = TypeVar("T")
Row = dict[str, Any]

_STRING_PARAM = re.compile(r"\{(\w+):String\}")


def bind(sql: str, params: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """sql and params with every {name:String} value sent as hex and decoded by the engine.

    Both engines parse a parameter in ClickHouse's escaped text form, where a backslash, a tab or
    a newline changes its meaning (chdb; clickhouse-driver escapes for that form itself, with a map
    that must match the server's). Hex digits mean the same in every form, so the engine reads
    exactly the bytes the caller sent; unhex() of a constant folds before index analysis, so
    primary keys and projections still serve the filters.
    """
    bound = dict(params)

    def rewrite(match: re.Match[str]) -> str:
        name = match.group(1)
        value = bound.get(name)
        if not isinstance(value, str):
            return match.group(0)
        return f"unhex({{{name}:String}})"

    text = _STRING_PARAM.sub(rewrite, sql)
    for name, value in bound.items():
        if isinstance(value, str) and f"{{{name}:String}}" in sql:
            bound[name] = value.encode("utf-8").hex()
    return text, bound


@dataclass(frozen=True)
class AnalyticsSettings:
    """Settings of the analytics store; url empty or chdb://PATH means embedded chdb."""

    url: str = ""
    #: Directory of the embedded engine (used when url is empty).
    path: str = ""
    database: str = "amauta"
    #: Threads that may run blocking driver calls at once.
    workers: int = 4
    #: ClickHouse cluster name (AMAUTA_CLICKHOUSE_CLUSTER): DDL goes ON CLUSTER, tables are
    #: Replicated per shard with a Distributed table for reads (stores/analytics/cluster.py).
    cluster: str = ""


class AnalyticsBackend(Store):
    """ClickHouse dialect store; blocking drivers run in a bounded executor."""

    name = "analytics"
    #: Backend name for reports and test ids.
    dialect: str = "abstract"

    def __init__(self, settings: AnalyticsSettings) -> None:
        self.settings = settings
        self._executor = ThreadPoolExecutor(max_workers=settings.workers,
                                            thread_name_prefix=f"analytics-{self.dialect}")

    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a blocking driver call in the executor."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    async def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        """Run a statement that returns no rows."""
        with metrics.timed("analytics", "execute"):
            await self._call(self._execute_sync, *bind(sql, params or {}))

    async def execute_ddl(self, sql: str) -> None:
        """Run a schema statement written for one server; on a cluster, its cluster form."""
        if not self.settings.cluster:
            await self.execute(sql)
            return
        for statement in cluster_statements(sql, self.settings.cluster):
            await self.execute(statement)

    async def query(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        """Run a SELECT and return its rows as dicts of Python values, the same from every backend:
        Bool → bool, integers → int, floats → float, String → str (the contract test checks it)."""
        with metrics.timed("analytics", "query"):
            return await self._call(self._query_sync, *bind(sql, params or {}))

    async def insert(self, table: str, data: pa.Table, dedup_token: str | None = None) -> None:
        """Insert an Arrow table; a repeated dedup_token makes the insert a no-op."""
        with metrics.timed("analytics", "insert"):
            await self._call(self._insert_sync, table, data, dedup_token)

    async def query_input(self, sql: str, data: pa.Table,
                          params: Mapping[str, Any] | None = None) -> list[Row]:
        """Run a SELECT that reads the Arrow table data wherever sql says {input}; returns dicts."""
        text, bound = bind(sql, params or {})
        return await self._call(self._query_input_sync, text, data, bound)

    async def ping(self) -> None:
        await self.query("SELECT 1 AS ok")

    async def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    @abc.abstractmethod
    def _execute_sync(self, sql: str, params: dict[str, Any]) -> None: ...

    @abc.abstractmethod
    def _query_sync(self, sql: str, params: dict[str, Any]) -> list[Row]: ...

    @abc.abstractmethod
    def _insert_sync(self, table: str, data: pa.Table, dedup_token: str | None) -> None: ...

    def _query_input_sync(self, sql: str, data: pa.Table, params: dict[str, Any]) -> list[Row]:
        # Not abstract, so backends written before query_input() still load.
        raise NotImplementedError(f"{self.dialect} backend cannot read an input table")


#: The only tables that inserts may name.
TABLES = ("learning_events", "performance_metrics", "content_effectiveness")


def checked_table(name: str) -> str:
    """Return name when it is one of the analytics tables; raise ValueError otherwise."""
    if name not in TABLES:
        raise ValueError(f"table {name!r} is not allowed")
    return name
