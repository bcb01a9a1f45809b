"""What servicers and background workers share: settings, open stores and a task group."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from server.config import Settings
from stores.analytics.base import AnalyticsBackend
from stores.base import Store
from stores.graph.base import GraphBackend
from stores.postgres import PostgresStore
from stores.postgres.leases import Leadership
from stores.redis import RedisStore

log = logging.getLogger(__name__)


@dataclass
class Stores:
    """The four open stores of a node."""

    postgres: PostgresStore
    redis: RedisStore
    graph: GraphBackend
    analytics: AnalyticsBackend

    def all(self) -> tuple[Store, ...]:
        """Every store, in start order."""
        return (self.postgres, self.redis, self.graph, self.analytics)


@dataclass
class Runtime:
    """Dependencies handed to every service module at registration."""

    settings: Settings
    stores: Stores
    tasks: list[asyncio.Task[Any]] = field(default_factory=list)
    #: Set when the node starts draining; long-lived streams end on it.
    draining: asyncio.Event = field(default_factory=asyncio.Event)
    #: Leases of the singleton work; None runs it here unconditionally (a node on its own).
    leadership: Leadership | None = None

    def spawn(self, name: str, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run a background worker until the node stops; a crash is logged, not swallowed silently."""
        task = asyncio.create_task(coro, name=name)
        task.add_done_callback(_report)
        self.tasks.append(task)
        return task

    def spawn_singleton(self, name: str, work: Callable[[], Coroutine[Any, Any, Any]],
                        scope: str = "") -> asyncio.Task[Any]:
        """Run work once per deployment: on this node only while it holds the lease of name (within
        scope, see Leadership.run)."""
        if self.leadership is None:
            return self.spawn(name, work())
        return self.spawn(name, self.leadership.run(name, work, scope))

    async def cancel_tasks(self, timeout: float = 3.0) -> list[str]:
        """Cancel every background worker and wait up to timeout seconds for them to end.

        A task still running then (a driver call that ignores cancellation) is logged by name and
        left behind, so that a stop always ends; returns the names of those left behind.
        """
        tasks, self.tasks = self.tasks, []
        for task in tasks:
            task.cancel()
        if not tasks:
            return []
        _, pending = await asyncio.wait(tasks, timeout=timeout)
        stuck = sorted(task.get_name() for task in pending)
        if stuck:
            log.error("background tasks did not stop in %.1fs; left behind", timeout,
                      extra={"tasks": stuck})
        return stuck


def _report(task: asyncio.Task[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("background task %s failed", task.get_name(), exc_info=task.exception())
