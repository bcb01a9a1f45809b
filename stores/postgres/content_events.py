"""Outbox rows for content changes, written in the caller's transaction so the graph follows PostgreSQL.

Payload (stores/postgres/outbox.py conventions), for both event types: content_id, dataset_id,
content_type (the dataset's dataset_type) and difficulty_level (number or null). The rows are built
in SQL from the current content rows, so one statement covers one item or a whole dataset.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg

from stores.postgres.outbox import EVENT_TYPES

UPSERTED = "content_upserted"
DELETED = "content_deleted"

_PAYLOAD = ("jsonb_build_object('content_id', c.content_id::text, 'dataset_id', c.dataset_id::text,"
            " 'content_type', d.dataset_type, 'difficulty_level', c.difficulty_level)")


def _insert(event_type: str, source: str, where: str) -> str:
    assert event_type in EVENT_TYPES
    return ("INSERT INTO analytics_outbox (event_type, aggregate_id, payload)"
            f" SELECT '{event_type}', c.content_id::text, {_PAYLOAD}"
            f" FROM {source} c JOIN training_datasets d ON d.dataset_id = c.dataset_id WHERE {where}"
            " ORDER BY c.content_id")


async def content_changed(conn: psycopg.AsyncConnection[Any], event_type: str, content_ids: Sequence[str]) -> int:
    """One outbox row per content id (call after an upsert, or before a delete); returns the row count."""
    cur = await conn.execute(_insert(event_type, "training_content", "c.content_id = ANY(%s::uuid[])"),
                             (list(content_ids),))
    return cur.rowcount


async def dataset_changed(conn: psycopg.AsyncConnection[Any], event_type: str, dataset_id: str) -> int:
    """One outbox row per content item of a dataset (its type changed, or it is being deleted)."""
    cur = await conn.execute(_insert(event_type, "training_content", "c.dataset_id = %s"), (dataset_id,))
    return cur.rowcount


def upserted_from(cte: str) -> str:
    """SQL inserting content_upserted rows for the rows of a data-modifying CTE named cte
    (it must return content_id, dataset_id and difficulty_level)."""
    return _insert(UPSERTED, cte, "TRUE")
