"""Analytics contract fixtures: chdb always (in this process's one engine), a ClickHouse server when set."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import pytest

from server.app import Node
from stores.analytics import AnalyticsBackend, AnalyticsSettings, create_backend
from stores.migrator import migrate_analytics

CLICKHOUSE_URL = os.environ.get("AMAUTA_TEST_CLICKHOUSE_URL", "")


@pytest.fixture(params=["chdb", "clickhouse"])
async def analytics(request: pytest.FixtureRequest, node: Node) -> AsyncIterator[AnalyticsBackend]:
    """A migrated analytics backend in a database of its own."""
    database = f"contract_{uuid.uuid4().hex[:8]}"
    if request.param == "clickhouse":
        if not CLICKHOUSE_URL:
            pytest.skip("ClickHouse contract: set AMAUTA_TEST_CLICKHOUSE_URL (docker-compose provides one)")
        settings = AnalyticsSettings(url=CLICKHOUSE_URL, database=database)
    else:
        # chdb opens one data directory per process: share the node's engine, use another database.
        settings = AnalyticsSettings(path=node.embedded.chdb_path(), database=database)
    backend = create_backend(settings)
    await backend.open()
    await migrate_analytics(backend)
    yield backend
    await backend.execute(f"DROP DATABASE IF EXISTS {database}")
    await backend.close()
