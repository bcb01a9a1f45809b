"""The analytics backend of a node started with AMAUTA_ANALYTICS=off: every call says where to go."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from stores.analytics.base import AnalyticsBackend, AnalyticsSettings, Row
from stores.errors import StoreUnavailable


class DisabledBackend(AnalyticsBackend):
    """No engine at all: calls answer UNAVAILABLE naming the node that holds the analytics."""

    dialect = "off"

    def __init__(self, settings: AnalyticsSettings) -> None:
        super().__init__(settings)
        #: Where the analytics live (the owner's address), once known; shown to callers.
        self.analytics_node = ""

    async def open(self) -> None:
        return None

    async def ping(self) -> None:
        return None  # nothing to reach: a node without analytics is healthy

    def _refuse(self) -> StoreUnavailable:
        where = f" (the analytics node serves on {self.analytics_node})" if self.analytics_node else ""
        return StoreUnavailable(f"analytics is off on this node{where}", reason="ANALYTICS_OFF",
                                metadata={"analytics_node": self.analytics_node})

    def _execute_sync(self, sql: str, params: dict[str, Any]) -> None:
        raise self._refuse()

    def _query_sync(self, sql: str, params: dict[str, Any]) -> list[Row]:
        raise self._refuse()

    def _insert_sync(self, table: str, data: pa.Table, dedup_token: str | None) -> None:
        raise self._refuse()

    def _query_input_sync(self, sql: str, data: pa.Table, params: dict[str, Any]) -> list[Row]:
        raise self._refuse()
