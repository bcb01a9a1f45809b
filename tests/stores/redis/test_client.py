"""The Redis client store: URL options, cluster URLs, error mapping, and writes that wait for replicas."""

from __future__ import annotations

import uuid

import pytest
import redis.exceptions as rexc

from server.app import Node
from stores import metrics
from stores.base import StoreStatus
from stores.errors import StoreError, StoreStarting, StoreUnavailable
from stores.redis import RedisSettings, RedisStore, parse_cluster_url, split_options, translate


def test_split_options_keeps_redis_py_options_and_takes_the_stores() -> None:
    assert split_options("redis://h:1/0?wait_replicas=2&socket_keepalive=true&wait_timeout_ms=50") == (
        "redis://h:1/0?socket_keepalive=true", {"wait_replicas": 2, "wait_timeout_ms": 50})
    assert split_options("redis://h:1") == ("redis://h:1", {})
    with pytest.raises(ValueError, match="wait_replicas must be a whole number, not 'two'"):
        split_options("redis://h:1?wait_replicas=two")


def test_settings_say_where_and_how_many_replicas_to_wait_for() -> None:
    plain = RedisSettings("redis://:secret@b:2,a:1/3?wait_timeout_ms=7")
    assert (plain.cluster, plain.where, plain.replicas_to_wait, plain.wait_ms) == (False, "a:1,b:2/3", 0, 7)
    cluster = RedisSettings("redis+cluster://:pw@h:7000")
    assert (cluster.cluster, cluster.replicas_to_wait, cluster.wait_ms) == (True, 1, 500)
    assert RedisSettings("redis+cluster://h:7000?wait_replicas=0").replicas_to_wait == 0
    assert RedisSettings("redis://h:1?wait_replicas=3", wait_replicas=1).replicas_to_wait == 1


def test_cluster_urls_are_parsed_and_bad_seeds_named() -> None:
    address = parse_cluster_url("rediss+cluster://us%40er:p%3Aw@[::1]:7000,h2:7001/0")
    assert (address.nodes, address.username, address.password, address.tls) == (
        [("::1", 7000), ("h2", 7001)], "us@er", "p:w", True)
    assert parse_cluster_url("redis+cluster://h:1").password is None
    with pytest.raises(ValueError, match="scheme 'redis'"):
        parse_cluster_url("redis://h:1")
    with pytest.raises(ValueError, match="'h2' is not host:port"):
        parse_cluster_url("redis+cluster://h:1,h2")


@pytest.mark.parametrize(("error", "kind"), [
    (rexc.BusyLoadingError("loading"), StoreStarting),
    (rexc.ConnectionError("refused"), StoreUnavailable),
    (rexc.TimeoutError("slow"), StoreUnavailable),
    (rexc.ClusterDownError("down"), StoreUnavailable),
    (rexc.ResponseError("WRONGTYPE"), StoreError),
])
def test_translate_maps_driver_errors(error: rexc.RedisError, kind: type[StoreError]) -> None:
    mapped = translate(error)
    assert type(mapped) is kind


def _url(node: Node) -> str:
    assert node.runtime is not None
    return node.runtime.settings.redis_url


async def test_a_write_waiting_for_absent_replicas_is_acknowledged_and_counted(node: Node) -> None:
    store = RedisStore(RedisSettings(_url(node) + ("&" if "?" in _url(node) else "?")
                                     + "wait_replicas=1&wait_timeout_ms=10"))
    await store.open()
    try:
        key = f"test:client:{uuid.uuid4()}"
        script = store.client.register_script("redis.call('SET', KEYS[1], ARGV[1]) return 'done'")
        before = metrics.REDIS_UNREPLICATED_WRITES._value.get()
        assert await store.eval_write(script, [key], ["v"]) == "done"
        assert metrics.REDIS_UNREPLICATED_WRITES._value.get() == before + 1
        assert await store.client.get(key) == "v"
        await store.client.delete(key)
    finally:
        await store.close()


async def test_status_and_memory_of_a_running_and_an_unreachable_server(node: Node) -> None:
    store = RedisStore(RedisSettings(_url(node)))
    await store.open()
    try:
        assert await store.status() is StoreStatus.SERVING
        await store.export_memory()
        assert metrics.REDIS_MEMORY._value.get() > 0
    finally:
        await store.close()
    gone = RedisStore(RedisSettings("redis://127.0.0.1:1/0", socket_timeout=1.0))
    with pytest.raises(StoreUnavailable):
        await gone.ping()
    assert await gone.status() is StoreStatus.NOT_SERVING
    await gone.close()
