"""EmbeddedStack: starts the servers it is asked for, revives a dead Redis, stops what it started."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import redis

from stores.embedded.stack import EmbeddedStack


def _ping(url: str) -> bool:
    client = redis.Redis.from_url(url, socket_timeout=5)
    try:
        return bool(client.ping())
    finally:
        client.close()


async def test_redis_is_started_revived_and_stopped(tmp_path: Path) -> None:
    stack = EmbeddedStack(tmp_path)
    try:
        url = stack.start_redis()
        assert _ping(url)
        assert stack.revive() == [] and stack.revive_postgres() is False
        assert stack.redis is not None and stack.redis.pid is not None
        os.kill(stack.redis.pid, signal.SIGKILL)
        for _ in range(100):
            if stack.redis.pid is None:
                break
            await asyncio.sleep(0.05)
        assert stack.revive() == ["redis"]
        assert _ping(url)  # same port and password
        await stack.compact()
    finally:
        stack.stop()
    assert stack.redis.pid is None
    stack.stop()  # nothing left to stop


def test_the_chdb_directory_is_made_and_absolute(tmp_path: Path) -> None:
    path = Path(EmbeddedStack(tmp_path / "data").chdb_path())
    assert path.is_absolute() and path.is_dir() and path.name == "chdb"
