"""Request-id idempotency (AIP-155): a retry finds the first result instead of creating again.

A key is scoped to the caller's identity and the operation, so two callers never share one, and it
remembers a fingerprint of the request: the same key with a different request is REQUEST_ID_REUSED.
"""

from __future__ import annotations

import hashlib
from typing import Any

import psycopg

from stores.errors import request_id_reused


def request_key(identity: str, request_id: str) -> str:
    """The stored key of a caller's request id; scoped per identity so callers cannot collide."""
    key = f"{identity}:{request_id}"
    # idempotency_keys.request_id holds 200 characters; longer pairs become a digest.
    return key if len(key) <= 200 else "sha256:" + hashlib.sha256(key.encode()).hexdigest()


async def claim(conn: psycopg.AsyncConnection[Any], operation: str, request_id: str, resource_id: str,
                identity: str, fingerprint: str = "", *, field: str = "request_id") -> str:
    """Record the caller's request_id → resource_id inside the caller's transaction; returns the winning
    resource id. When the caller used request_id before, the earlier resource id is returned and the
    caller must roll back its own insert (the transaction should then be abandoned); InvalidData
    (REQUEST_ID_REUSED) when that earlier request had another fingerprint. An empty fingerprint (keys
    stored before fingerprints existed) matches anything.
    """
    key = request_key(identity, request_id)
    # A concurrent claim of the same key waits here for the other transaction, then sees its row.
    cur = await conn.execute(
        "INSERT INTO idempotency_keys (operation, request_id, resource_id, identity, fingerprint)"
        " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (operation, request_id) DO NOTHING RETURNING resource_id",
        (operation, key, resource_id, identity[:100], fingerprint))
    if await cur.fetchone() is not None:
        return resource_id
    cur = await conn.execute(
        "SELECT resource_id, fingerprint FROM idempotency_keys WHERE operation = %s AND request_id = %s",
        (operation, key))
    row = await cur.fetchone()
    if row is None:  # the other claim rolled back after all; claim again
        return await claim(conn, operation, request_id, resource_id, identity, fingerprint, field=field)
    stored = row["fingerprint"] if isinstance(row, dict) else row[1]
    if fingerprint and stored and stored != fingerprint:
        raise request_id_reused(request_id, field)
    return str(row["resource_id"] if isinstance(row, dict) else row[0])
