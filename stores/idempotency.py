"""Request-id idempotency for creates: a retry finds the first result instead of creating again."""

from __future__ import annotations

from typing import Any

import psycopg


async def claim(conn: psycopg.AsyncConnection[Any], operation: str, request_id: str,
                resource_id: str, identity: str = "") -> str:
    """Record request_id → resource_id inside the caller's transaction; returns the winning resource id.

    When the request id was used before, the earlier resource id is returned and the caller must
    roll back its own insert (the transaction should then be abandoned).
    """
    cur = await conn.execute(
        "INSERT INTO idempotency_keys (operation, request_id, resource_id, identity)"
        " VALUES (%s, %s, %s, %s) ON CONFLICT (operation, request_id) DO NOTHING RETURNING resource_id",
        (operation, request_id, resource_id, identity))
    row = await cur.fetchone()
    if row is not None:
        return resource_id
    return await lookup(conn, operation, request_id) or resource_id


async def lookup(conn: psycopg.AsyncConnection[Any], operation: str, request_id: str) -> str | None:
    """The resource id a request id produced before, or None."""
    cur = await conn.execute(
        "SELECT resource_id FROM idempotency_keys WHERE operation = %s AND request_id = %s",
        (operation, request_id))
    row = await cur.fetchone()
    if row is None:
        return None
    return str(row["resource_id"] if isinstance(row, dict) else row[0])
