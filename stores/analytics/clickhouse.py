"""clickhouse-driver backend: the native protocol to a ClickHouse server (production option)."""

from __future__ import annotations

import threading
from typing import Any

import pyarrow as pa
from clickhouse_driver import Client
from clickhouse_driver import errors as cherr

from stores.analytics.base import AnalyticsBackend, AnalyticsSettings, Row, checked_table
from stores.analytics.cluster import checked_cluster
from stores.errors import StoreError, StoreUnavailable


def translate(exc: Exception) -> StoreError:
    """Map clickhouse-driver errors onto the store exception hierarchy."""
    if isinstance(exc, (cherr.NetworkError, cherr.SocketTimeoutError, EOFError, OSError)):
        return StoreUnavailable(f"analytics unavailable: {exc}")
    return StoreError(f"analytics error: {str(exc).splitlines()[0][:300]}")


_CH_TYPES = {pa.string(): "String", pa.int64(): "Int64", pa.int32(): "Int32", pa.uint64(): "UInt64",
             pa.float64(): "Float64", pa.bool_(): "Bool"}


def _ch_type(arrow_type: pa.DataType) -> str:
    """ClickHouse type of an external-table column."""
    if pa.types.is_timestamp(arrow_type):
        return "DateTime64(3, 'UTC')"
    try:
        return _CH_TYPES[arrow_type]
    except KeyError:
        raise ValueError(f"no ClickHouse type for input column type {arrow_type}") from None


class ClickHouseBackend(AnalyticsBackend):
    """One driver Client per executor thread (a Client is not thread-safe)."""

    dialect = "clickhouse"

    def __init__(self, settings: AnalyticsSettings) -> None:
        super().__init__(settings)
        if settings.cluster:
            checked_cluster(settings.cluster)  # refuse a bad name at start, not at the first DDL
        self._local = threading.local()

    def _client(self) -> Client:
        client = getattr(self._local, "client", None)
        if client is None:
            client = Client.from_url(self.settings.url)
            client.settings["server_side_params"] = True
            self._local.client = client
        return client

    async def open(self) -> None:
        db = self.settings.database
        await self._call(self._bootstrap, db)

    def _bootstrap(self, db: str) -> None:
        on_cluster = f" ON CLUSTER {self.settings.cluster}" if self.settings.cluster else ""
        try:
            self._client().execute(f"CREATE DATABASE IF NOT EXISTS {db}{on_cluster}")
            self._client().execute(f"USE {db}")
        except Exception as exc:
            raise translate(exc) from exc

    def _execute_sync(self, sql: str, params: dict[str, Any]) -> None:
        try:
            client = self._client()
            client.execute(f"USE {self.settings.database}")
            client.execute(sql, params or None)
        except Exception as exc:
            raise translate(exc) from exc

    def _query_sync(self, sql: str, params: dict[str, Any]) -> list[Row]:
        try:
            client = self._client()
            client.execute(f"USE {self.settings.database}")
            rows, columns = client.execute(sql, params or None, with_column_types=True)
        except Exception as exc:
            raise translate(exc) from exc
        names = [name for name, _ in columns]
        return [dict(zip(names, row, strict=True)) for row in rows]

    def _query_input_sync(self, sql: str, data: pa.Table, params: dict[str, Any]) -> list[Row]:
        # The input table travels as external data named _input (native protocol).
        external = [{"name": "_input", "structure": [(f.name, _ch_type(f.type)) for f in data.schema],
                     "data": data.to_pylist()}]
        try:
            client = self._client()
            client.execute(f"USE {self.settings.database}")
            rows, columns = client.execute(sql.replace("{input}", "_input"), params or None,
                                           with_column_types=True, external_tables=external)
        except Exception as exc:
            raise translate(exc) from exc
        names = [name for name, _ in columns]
        return [dict(zip(names, row, strict=True)) for row in rows]

    def _insert_sync(self, table: str, data: pa.Table, dedup_token: str | None) -> None:
        table = checked_table(table)
        cols = ", ".join(data.column_names)
        settings: dict[str, Any] = {"insert_deduplication_token": dedup_token} if dedup_token else {}
        if self.settings.cluster:
            # A Distributed table queues inserts by default; wait until the shard has the rows, so that
            # an acknowledged insert is stored (and a replayed token meets the replica's dedup window).
            settings["distributed_foreground_insert"] = 1
        try:
            client = self._client()
            client.execute(f"USE {self.settings.database}")
            client.execute(f"INSERT INTO {table} ({cols}) VALUES",
                           [col.to_pylist() for col in data.columns], columnar=True, settings=settings)
        except Exception as exc:
            raise translate(exc) from exc
