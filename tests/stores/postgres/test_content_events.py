"""Outbox rows of content changes, built in SQL from the content and dataset rows."""

from __future__ import annotations

from typing import Any

from stores.postgres import PostgresStore, content_events
from tests.server.catalog.support import Catalog


async def _rows(conn: Any, aggregate_ids: list[str]) -> list[dict[str, Any]]:
    cur = await conn.execute("SELECT event_type, aggregate_id, payload FROM analytics_outbox"
                             " WHERE aggregate_id = ANY(%s) ORDER BY outbox_id", (aggregate_ids,))
    return list(await cur.fetchall())


async def test_one_row_per_content_with_the_datasets_type(cat: Catalog, pg: PostgresStore) -> None:
    ds = await cat.dataset()
    a = await cat.content(ds.dataset_id, difficulty_level=0.25)
    b = await cat.content(ds.dataset_id)
    ids = [a.content_id, b.content_id]
    async with pg.connection() as conn:
        seen = len(await _rows(conn, ids))
    async with pg.transaction() as conn:
        assert await content_events.content_changed(conn, content_events.UPSERTED, ids) == 2
        rows = (await _rows(conn, ids))[seen:]
    assert [(r["event_type"], r["aggregate_id"]) for r in rows] == [
        ("content_upserted", cid) for cid in sorted(ids)]
    by_id = {r["aggregate_id"]: r["payload"] for r in rows}
    assert by_id[a.content_id] == {"content_id": a.content_id, "dataset_id": ds.dataset_id,
                                   "content_type": "ethical_dilemmas", "difficulty_level": 0.25}
    assert by_id[b.content_id]["difficulty_level"] is None


async def test_a_dataset_change_covers_each_item_and_unknown_ids_none(cat: Catalog, pg: PostgresStore) -> None:
    ds = await cat.dataset()
    items = [await cat.content(ds.dataset_id) for _ in range(3)]
    async with pg.transaction() as conn:
        assert await content_events.dataset_changed(conn, content_events.DELETED, ds.dataset_id) == 3
        assert await content_events.content_changed(
            conn, content_events.UPSERTED, ["00000000-0000-4000-8000-000000000000"]) == 0
        rows = await _rows(conn, [i.content_id for i in items])
    assert [r["event_type"] for r in rows].count("content_deleted") == 3
