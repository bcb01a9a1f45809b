"""Per-learner summaries: a materialized view refreshed concurrently on a schedule."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from stores.postgres import PostgresStore
from stores.tasks import stop_requested

log = logging.getLogger(__name__)


async def refresh(postgres: PostgresStore) -> None:
    """Recompute learner_summaries without blocking readers."""
    async with postgres.connection() as conn:
        await conn.execute("REFRESH MATERIALIZED VIEW CONCURRENTLY learner_summaries")


async def get(postgres: PostgresStore, learner_id: str) -> dict[str, Any] | None:
    """The last refreshed summary of one learner (may lag by one refresh interval)."""
    async with postgres.read_connection() as conn:
        cur = await conn.execute("SELECT * FROM learner_summaries WHERE learner_id = %s", (learner_id,))
        return await cur.fetchone()


async def refresh_forever(postgres: PostgresStore, interval_seconds: float) -> None:
    """Refresh every interval; failures are logged and retried next time."""
    while not stop_requested():
        await asyncio.sleep(interval_seconds)
        try:
            await refresh(postgres)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.warning("learner_summaries refresh failed", exc_info=True)
