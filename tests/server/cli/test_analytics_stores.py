"""The analytics tools' stores: PostgreSQL and the analytics engine from settings, closed after use."""

from __future__ import annotations

from pathlib import Path

from server.app import Node
from server.cli.analytics_stores import analytics_stores
from server.config import Settings


async def test_configured_stores_are_opened_migrated_and_closed(node: Node, tmp_path: Path) -> None:
    assert node.runtime is not None
    settings = Settings(data_dir=tmp_path, postgres_url=node.runtime.settings.postgres_url,
                        clickhouse_url=f"chdb://{node.embedded.chdb_path()}")
    async with analytics_stores(settings, migrate=True) as stores:
        async with stores.postgres.connection() as conn:
            assert await (await conn.execute("SELECT 1 AS ok")).fetchone() == {"ok": 1}
        rows = await stores.analytics.query("SELECT count() AS n FROM system.tables"
                                            " WHERE name = 'learning_events'")
        assert int(rows[0]["n"]) >= 1
    # Nothing embedded was started for configured URLs: the data directory holds no server.
    assert not (tmp_path / "postgres").exists()
