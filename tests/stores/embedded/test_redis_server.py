"""EmbeddedRedis: relative data directories, start failures that explain themselves, AOF compaction."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import redis

from stores.embedded.process import EmbeddedStartError
from stores.embedded.redis_server import EmbeddedRedis


def test_a_relative_data_directory_starts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    server = EmbeddedRedis(Path("relative"), "redis")
    server.start()
    try:
        with redis.Redis(port=server.port, password=server.password) as r:
            assert r.ping()
        assert (tmp_path / "relative" / "redis" / "redis.log").exists()
    finally:
        server.stop()


def test_a_failed_start_names_the_store_its_command_and_its_log(tmp_path: Path) -> None:
    blocker = tmp_path / "redis" / "appendonlydir"
    blocker.parent.mkdir()
    blocker.write_text("a file where the server wants its AOF directory")
    server = EmbeddedRedis(tmp_path, "redis")
    with pytest.raises(EmbeddedStartError) as failed:
        server.start()
    message = str(failed.value)
    assert "embedded redis failed to start: exited with code" in message
    assert "--appendonly" in message and "redis-server" in message
    assert "append only" in message.lower() or "appendonlydir" in message  # its own words, from its log
    assert server.password not in message
    assert server.pid is None


async def test_compaction_turns_the_replayed_tail_into_an_rdb_image(tmp_path: Path) -> None:
    server = EmbeddedRedis(tmp_path, "redis")
    server.start()
    try:
        with redis.Redis(port=server.port, password=server.password) as r:
            for i in range(1000):
                r.set(f"k{i}", "v" * 50)
            before = r.info("persistence")
            assert before["aof_current_size"] > before["aof_base_size"]
            assert await server.compact(wait=10)
            after = r.info("persistence")
            assert after["aof_rewrite_in_progress"] == 0
            assert after["aof_current_size"] == after["aof_base_size"] > 0  # nothing left to replay
            assert not await server.compact()  # no tail, no rewrite
        port = server.port
        server.stop()
        again = EmbeddedRedis(tmp_path, "redis", port=port)
        again.start()
        with redis.Redis(port=again.port, password=again.password) as r:
            assert r.dbsize() == 1000
        again.stop()
    finally:
        server.stop()
    assert os.path.exists(tmp_path / "redis" / "appendonlydir")
