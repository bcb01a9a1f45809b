"""Fixtures of the Redis keyspace modules: a database of their own on the session's Redis server.

The node's workers (reaper, reconciler, sync) act on database 0; tests of a keyspace module use
database 9 of the same server, so neither sees the other's keys.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from server.app import Node
from stores.redis import RedisSettings, RedisStore

SCRATCH_DB = 9


@pytest.fixture(scope="session")
async def scratch_redis(node: Node) -> AsyncIterator[RedisStore]:
    """A RedisStore on SCRATCH_DB of the session's Redis server, emptied before and after."""
    assert node.runtime is not None
    url = node.runtime.settings.redis_url
    base, _, db = url.rpartition("/")
    assert db.isdigit() and int(db) != SCRATCH_DB
    store = RedisStore(RedisSettings(f"{base}/{SCRATCH_DB}"))
    await store.open()
    await store.client.flushdb()
    yield store
    await store.client.flushdb()
    await store.close()
