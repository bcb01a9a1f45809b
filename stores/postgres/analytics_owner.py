"""Ownership of an embedded analytics engine, recorded in PostgreSQL so that it is never split.

An embedded chdb lives inside one node's process and data directory. Two nodes that share
PostgreSQL but each embed their own engine would each hold part of the analytics, and rule 5
would report drift on both. The first node to embed an engine records itself here; any other
node with an embedded engine refuses to start.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from stores.errors import PreconditionFailed
from stores.postgres import PostgresStore

_CLAIM = ("INSERT INTO analytics_owner (owner_id, node_address) VALUES (%s, %s) "
          "ON CONFLICT (singleton) DO UPDATE SET node_address = EXCLUDED.node_address, heartbeat_at = now() "
          "WHERE analytics_owner.owner_id = EXCLUDED.owner_id RETURNING owner_id")
_CURRENT = "SELECT owner_id, node_address, heartbeat_at FROM analytics_owner"


@dataclass(frozen=True)
class Owner:
    """The node that embeds the deployment's analytics engine."""

    owner_id: str
    node_address: str
    heartbeat_at: datetime


class AnalyticsOwnedElsewhere(PreconditionFailed):
    """Another node embeds the analytics engine of this PostgreSQL."""

    reason = "ANALYTICS_OWNED_ELSEWHERE"


async def current(postgres: PostgresStore) -> Owner | None:
    """The recorded owner, if any (the table exists once migrations ran)."""
    async with postgres.connection() as conn:
        row = await (await conn.execute(_CURRENT)).fetchone()
    return Owner(row["owner_id"], row["node_address"], row["heartbeat_at"]) if row else None


async def claim(postgres: PostgresStore, owner_id: str, node_address: str) -> None:
    """Record owner_id as the owner (or refresh its heartbeat); AnalyticsOwnedElsewhere if another is."""
    async with postgres.connection() as conn:
        won = await (await conn.execute(_CLAIM, (owner_id, node_address))).fetchone()
    if won:
        return
    other = await current(postgres)
    assert other is not None  # the conflict that lost the insert is a row
    raise AnalyticsOwnedElsewhere(
        f"the embedded analytics of this PostgreSQL belongs to another node ({other.owner_id}, serving on"
        f" {other.node_address}, last seen {other.heartbeat_at:%Y-%m-%d %H:%M:%S %Z}); a second embedded"
        " engine would split the analytics. Set AMAUTA_CLICKHOUSE_URL to a ClickHouse server shared by"
        " every node, or start this node with AMAUTA_ANALYTICS=off",
        metadata={"owner": other.owner_id, "node_address": other.node_address})


__all__ = ["AnalyticsOwnedElsewhere", "Owner", "claim", "current"]
