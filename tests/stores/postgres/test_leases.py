"""Leadership on real PostgreSQL sessions: one leader per lease key, takeover when it goes, scopes apart."""

from __future__ import annotations

import asyncio
import uuid

from server.app import Node
from stores.postgres.leases import Leadership


class Recorder:
    """Collects the on_change calls of one Leadership."""

    def __init__(self) -> None:
        self.changes: list[tuple[str, bool]] = []
        self.leading = asyncio.Event()

    async def __call__(self, name: str, leading: bool) -> None:
        self.changes.append((name, leading))
        if leading:
            self.leading.set()


async def _forever() -> None:
    await asyncio.sleep(3600)


def _url(node: Node) -> str:
    assert node.runtime is not None
    return node.runtime.settings.postgres_url


async def test_one_node_leads_and_a_standby_takes_over_when_it_goes(node: Node) -> None:
    name = f"test-{uuid.uuid4().hex[:8]}"
    first, second = Recorder(), Recorder()
    a = Leadership(_url(node), "node-a", retry_seconds=0.1, on_change=first)
    b = Leadership(_url(node), "node-b", retry_seconds=0.1, on_change=second)
    run_a = asyncio.create_task(a.run(name, _forever))
    await asyncio.wait_for(first.leading.wait(), 10)
    run_b = asyncio.create_task(b.run(name, _forever))
    try:
        await asyncio.sleep(0.5)
        assert (a.leading, b.leading) == ({name}, set())
        assert second.changes == [(name, False)]
        run_a.cancel()
        await asyncio.gather(run_a, return_exceptions=True)
        assert a.leading == set() and first.changes[-1] == (name, False)
        await asyncio.wait_for(second.leading.wait(), 10)
        assert b.leading == {name}
    finally:
        run_b.cancel()
        await asyncio.gather(run_a, run_b, return_exceptions=True)


async def test_work_that_ends_is_restarted_while_the_lease_is_held(node: Node) -> None:
    name = f"test-{uuid.uuid4().hex[:8]}"
    runs = 0
    third = asyncio.Event()

    async def short() -> None:
        nonlocal runs
        runs += 1
        if runs >= 3:
            third.set()

    lead = Leadership(_url(node), "node-a", retry_seconds=0.05)
    task = asyncio.create_task(lead.run(name, short))
    try:
        await asyncio.wait_for(third.wait(), 10)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_scopes_are_separate_leases(node: Node) -> None:
    name = f"test-{uuid.uuid4().hex[:8]}"
    first, second = Recorder(), Recorder()
    a = Leadership(_url(node), "node-a", retry_seconds=0.1, on_change=first)
    b = Leadership(_url(node), "node-b", retry_seconds=0.1, on_change=second)
    tasks = [asyncio.create_task(a.run(name, _forever, scope="redis-1")),
             asyncio.create_task(b.run(name, _forever, scope="redis-2"))]
    try:
        await asyncio.wait_for(asyncio.gather(first.leading.wait(), second.leading.wait()), 10)
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def test_an_unreachable_postgres_is_retried_not_raised() -> None:
    lead = Leadership("postgresql:///amauta?host=/nonexistent-socket-dir", "node-a", retry_seconds=0.05)
    task = asyncio.create_task(lead.run("test-unreachable", _forever))
    await asyncio.sleep(0.3)
    assert not task.done() and lead.leading == set()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
