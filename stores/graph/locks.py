"""Leases kept in the graph itself, for multi-step writes that must be serialised across nodes.

A check followed by a write (the prerequisite cycle check, then the MERGE) is two statements; a
per-process lock serialises it only within one node. The lease is one GraphLock node per name,
taken by a single MERGE-then-conditional-SET statement: FalkorDB runs write queries one at a
time and Neo4j holds the node's write lock to commit, so exactly one caller sees its token
come back. The lease expires, so a node that dies holding it blocks the others for ttl only.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from stores.errors import StoreUnavailable
from stores.graph.base import GraphBackend

_TAKE = ("MERGE (l:GraphLock {name: $name}) "
         "WITH l, timestamp() AS now "
         "WHERE l.owner IS NULL OR l.until < now "
         "SET l.owner = $token, l.until = now + $ttl "
         "RETURN l.owner AS owner")
_GIVE_BACK = ("MATCH (l:GraphLock {name: $name}) WHERE l.owner = $token "
              "SET l.owner = null, l.until = 0")


@asynccontextmanager
async def graph_lease(graph: GraphBackend, name: str, *, ttl_ms: int = 10_000,
                      wait_seconds: float = 10.0) -> AsyncIterator[None]:
    """Hold the lease `name` for the block; StoreUnavailable when it stays taken for wait_seconds.

    The block must end well within ttl_ms, or another node may take the lease meanwhile.
    """
    token = uuid.uuid4().hex
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_seconds
    delay = 0.002
    while not await graph.run(_TAKE, {"name": name, "token": token, "ttl": ttl_ms}):
        if loop.time() > deadline:
            raise StoreUnavailable(f"graph lease {name!r} is still held after {wait_seconds:.0f}s",
                                   reason="GRAPH_LEASE_BUSY", metadata={"lease": name})
        await asyncio.sleep(delay * (1 + random.random()))
        delay = min(delay * 2, 0.05)
    try:
        yield
    finally:
        await graph.run(_GIVE_BACK, {"name": name, "token": token})


__all__ = ["graph_lease"]
