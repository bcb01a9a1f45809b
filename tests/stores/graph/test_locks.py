"""graph_lease: one holder per name across callers, given back after the block, expiring after ttl."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from stores.errors import StoreUnavailable
from stores.graph import GraphBackend
from stores.graph.locks import graph_lease


async def test_a_held_lease_makes_the_next_caller_wait_then_fail(graph: GraphBackend) -> None:
    name = f"lease-{uuid.uuid4().hex[:8]}"
    async with graph_lease(graph, name):
        with pytest.raises(StoreUnavailable) as caught:
            async with graph_lease(graph, name, wait_seconds=0.1):
                raise AssertionError("two holders")
        assert (caught.value.reason, caught.value.metadata) == ("GRAPH_LEASE_BUSY", {"lease": name})
        async with graph_lease(graph, f"{name}-other", wait_seconds=0.1):
            pass  # another name is another lease
    async with graph_lease(graph, name, wait_seconds=0.1):
        pass  # given back


async def test_blocks_under_one_lease_never_overlap(graph: GraphBackend) -> None:
    name = f"lease-{uuid.uuid4().hex[:8]}"
    inside, most = 0, 0

    async def critical() -> None:
        nonlocal inside, most
        async with graph_lease(graph, name):
            inside += 1
            most = max(most, inside)
            await asyncio.sleep(0.01)
            inside -= 1

    await asyncio.gather(*(critical() for _ in range(5)))
    assert most == 1


async def test_an_expired_lease_can_be_taken_over(graph: GraphBackend) -> None:
    name = f"lease-{uuid.uuid4().hex[:8]}"
    await graph.run("MERGE (l:GraphLock {name: $name}) SET l.owner = 'dead-node', l.until = 0", {"name": name})
    async with graph_lease(graph, name, wait_seconds=0.5):
        rows = await graph.run("MATCH (l:GraphLock {name: $name}) RETURN l.owner AS owner", {"name": name})
        assert rows[0]["owner"] != "dead-node"
