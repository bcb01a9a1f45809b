"""Stores of the analytics command-line tools: PostgreSQL and the analytics backend, nothing else."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from server.config import Settings
from stores.analytics import AnalyticsBackend, AnalyticsSettings, create_backend
from stores.embedded.lock import DataDirLock
from stores.embedded.postgres_server import EmbeddedPostgres
from stores.embedded.stack import EmbeddedStack
from stores.migrator import migrate_analytics
from stores.postgres import PostgresSettings, PostgresStore


@dataclass
class CliStores:
    """The two stores rule 5 and the analytics relay need."""

    postgres: PostgresStore
    analytics: AnalyticsBackend


@asynccontextmanager
async def analytics_stores(settings: Settings, *, migrate: bool) -> AsyncIterator[CliStores]:
    """Open PostgreSQL and ClickHouse from settings (embedded when unset); closes them after.

    An embedded chdb directory opens in one process only: with a node running on it, use the
    node's RPC instead (ReconcileAnalytics), or point AMAUTA_CLICKHOUSE_URL elsewhere.
    """
    stack = EmbeddedStack(settings.data_dir)
    lock = DataDirLock(settings.data_dir)
    # A running node's embedded PostgreSQL is borrowed, and must be left running.
    borrowed = not settings.postgres_url and EmbeddedPostgres(settings.data_dir).pid is not None
    if not settings.postgres_url and not borrowed:
        lock.acquire("relay")  # it starts the embedded server, so it must own the directory
    try:
        url = settings.postgres_url or stack.start_postgres()
        postgres = PostgresStore(PostgresSettings(url, min_size=1, max_size=4))
        analytics = create_backend(AnalyticsSettings(url=settings.clickhouse_url, path=stack.chdb_path(),
                                                     cluster=settings.clickhouse_cluster))
        await postgres.open()
        try:
            try:
                await analytics.open()
            except RuntimeError as exc:  # chdb: the directory is open in another process
                raise SystemExit(f"cannot open the analytics store ({exc}); is a node running on it?"
                                 " Call the node's AnalyticsService instead.") from exc
            try:
                if migrate:
                    await migrate_analytics(analytics)
                yield CliStores(postgres, analytics)
            finally:
                await analytics.close()
        finally:
            await postgres.close()
    finally:
        if not borrowed:
            stack.stop()
        lock.release()
