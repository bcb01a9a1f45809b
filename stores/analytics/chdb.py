"""chdb backend: the ClickHouse engine in-process (the embedded default; one data directory per process)."""

from __future__ import annotations

import json
import threading
from typing import Any

import pyarrow as pa

from stores.analytics.base import AnalyticsBackend, AnalyticsSettings, Row, checked_table
from stores.errors import StoreError


class ChdbBackend(AnalyticsBackend):
    """A chdb Session on settings.path with settings.database as its current database."""

    dialect = "chdb"

    def __init__(self, settings: AnalyticsSettings) -> None:
        super().__init__(settings)
        self._session: Any = None
        # One Session serialises queries anyway; the lock also keeps USE and the query together.
        self._lock = threading.Lock()

    async def open(self) -> None:
        await self._call(self._open_sync)

    def _open_sync(self) -> None:
        import chdb.session

        url_path = self.settings.url.removeprefix("chdb://") if self.settings.url else ""
        path = url_path or self.settings.path
        self._session = chdb.session.Session(path)
        db = self.settings.database
        if not db.replace("_", "").isalnum():
            raise ValueError(f"bad database name {db!r}")
        self._session.query(f"CREATE DATABASE IF NOT EXISTS {db}")

    async def close(self) -> None:
        await super().close()
        # The engine stays up for the process (chdb allows one directory per process).

    def _run(self, sql: str, params: dict[str, Any], fmt: str) -> Any:
        if self._session is None:
            raise StoreError("analytics store is not open")
        try:
            with self._lock:
                self._session.query(f"USE {self.settings.database}")
                return self._session.query(sql, fmt, params=params or None)
        except Exception as exc:  # chdb raises ChdbError / RuntimeError
            raise StoreError(f"analytics error: {str(exc).splitlines()[0][:300]}") from exc

    def _execute_sync(self, sql: str, params: dict[str, Any]) -> None:
        self._run(sql, params, "CSV")

    def _query_sync(self, sql: str, params: dict[str, Any]) -> list[Row]:
        result = self._run(sql, params, "JSONEachRow")
        data = result.bytes()
        return [json.loads(line) for line in data.splitlines() if line]

    def _query_input_sync(self, sql: str, data: pa.Table, params: dict[str, Any]) -> list[Row]:
        # chdb resolves Python(input_data) from this frame's locals, as _insert_sync does.
        input_data = data  # noqa: F841
        result = self._run(sql.replace("{input}", "Python(input_data)"), params, "JSONEachRow")
        return [json.loads(line) for line in result.bytes().splitlines() if line]

    def _insert_sync(self, table: str, data: pa.Table, dedup_token: str | None) -> None:
        table = checked_table(table)
        cols = ", ".join(data.column_names)
        settings = ""
        if dedup_token:
            settings = " SETTINGS insert_deduplication_token = {token:String}"
        # chdb resolves Python(arrow_data) from this frame's locals.
        arrow_data = data  # noqa: F841
        self._run(f"INSERT INTO {table} ({cols}){settings} SELECT {cols} FROM Python(arrow_data)",
                  {"token": dedup_token} if dedup_token else {}, "CSV")
