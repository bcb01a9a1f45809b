"""Elected singletons: work that runs once per deployment, on the node holding a PostgreSQL lease.

The lease is a session-level advisory lock held on a dedicated connection (not a pooled one:
the lock lives exactly as long as that session). When the holder dies, PostgreSQL ends its
session and frees the lock, and a standby's next attempt takes it over.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import psycopg

from stores.tasks import stop_requested

log = logging.getLogger(__name__)

#: Called with (work name, leading) whenever this node starts or stops leading some work.
OnChange = Callable[[str, bool], Awaitable[None]]


async def _noop(name: str, leading: bool) -> None:
    return None


class Leadership:
    """Runs each named piece of work only while this node holds its lease."""

    def __init__(self, url: str, node_id: str, *, retry_seconds: float = 2.0,
                 on_change: OnChange = _noop) -> None:
        self.url = url
        self.node_id = node_id
        self.retry_seconds = retry_seconds
        self.on_change = on_change
        #: Work names this node leads right now.
        self.leading: set[str] = set()

    async def run(self, name: str, work: Callable[[], Coroutine[Any, Any, Any]], scope: str = "") -> None:
        """Contend for the lease of name forever; while held, run work() (restarted if it ends).

        scope narrows the lease to what the work covers beyond PostgreSQL (say, one Redis): nodes
        that share PostgreSQL but not that store each lead their own.
        """
        await self.on_change(name, False)  # a standby until the lease says otherwise
        while not stop_requested():
            try:
                await self._term(name, work, f"{name}@{scope}" if scope else name)
            except asyncio.CancelledError:
                raise
            except (psycopg.Error, OSError, TimeoutError) as exc:
                log.warning("lease %s: postgres unavailable (%s); retrying", name, exc)
            await asyncio.sleep(self.retry_seconds)

    async def _term(self, name: str, work: Callable[[], Coroutine[Any, Any, Any]], key: str) -> None:
        """One attempt: take the lease key, and lead until the session or the work ends."""
        async with await psycopg.AsyncConnection.connect(
                self.url, autocommit=True, application_name=f"amauta-lease:{name}:{self.node_id}"[:63],
                connect_timeout=5) as conn:
            row = await (await conn.execute(
                "SELECT pg_try_advisory_lock(hashtext('amauta-lease'), hashtext(%s))", (key,))).fetchone()
            if not row or not row[0]:
                return
            await self._lead(name, work, conn)

    async def _lead(self, name: str, work: Callable[[], Coroutine[Any, Any, Any]],
                    conn: psycopg.AsyncConnection[Any]) -> None:
        self.leading.add(name)
        log.info("leading", extra={"work": name, "node": self.node_id})
        await self.on_change(name, True)
        task = asyncio.create_task(work(), name=f"{name}-leader")
        try:
            # stop_requested: a driver call that swallows the CancelledError (psycopg's execute may)
            # must not keep this loop, and with it the lease, alive.
            while not task.done() and not stop_requested():
                # The session is the lease: a dead connection means another node may lead now.
                await asyncio.wait({task}, timeout=self.retry_seconds)
                if not task.done():
                    await asyncio.wait_for(conn.execute("SELECT 1"), timeout=5.0)
        finally:
            task.cancel()
            await asyncio.wait({task}, timeout=2.0)
            self.leading.discard(name)
            log.info("no longer leading", extra={"work": name, "node": self.node_id})
            await self.on_change(name, False)


__all__ = ["Leadership", "OnChange"]
