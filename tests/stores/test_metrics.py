"""The node's metrics: timed store operations, pool gauges read at scrape time, and the HTTP listener."""

from __future__ import annotations

import urllib.request
from typing import ClassVar

import pytest
from prometheus_client import CollectorRegistry

from stores import metrics
from stores.metrics import PoolCollector, timed


def _sample(name: str, labels: dict[str, str]) -> float | None:
    return metrics.REGISTRY.get_sample_value(name, labels)


def test_timed_observes_also_a_failed_operation() -> None:
    labels = {"store": "test", "operation": "boom"}
    before = _sample("amauta_store_operation_duration_seconds_count", labels) or 0.0
    with timed("test", "boom"):
        pass
    with pytest.raises(RuntimeError), timed("test", "boom"):
        raise RuntimeError("failed")
    assert _sample("amauta_store_operation_duration_seconds_count", labels) == before + 2


def test_pool_gauges_skip_closed_pools() -> None:
    collector = PoolCollector()
    collector.add("pg", lambda: {"pool_size": 4, "pool_available": 1, "pool_max": 8, "requests_waiting": 2})

    def closed() -> dict[str, int]:
        raise RuntimeError("pool closed")

    collector.add("gone", closed)
    registry = CollectorRegistry()
    registry.register(collector)
    assert registry.get_sample_value("amauta_pool_size", {"pool": "pg"}) == 4
    assert registry.get_sample_value("amauta_pool_in_use", {"pool": "pg"}) == 3
    assert registry.get_sample_value("amauta_pool_utilization", {"pool": "pg"}) == 3 / 8
    assert registry.get_sample_value("amauta_pool_waiting", {"pool": "pg"}) == 2
    assert registry.get_sample_value("amauta_pool_size", {"pool": "gone"}) is None


def test_a_redis_pool_is_read_in_the_same_shape() -> None:
    class Pool:
        _in_use_connections: ClassVar[set[int]] = {1, 2}
        _available_connections: ClassVar[list[int]] = [3]
        max_connections = 10

    collector = PoolCollector()
    collector.add_redis("redis", Pool())
    registry = CollectorRegistry()
    registry.register(collector)
    assert registry.get_sample_value("amauta_pool_size", {"pool": "redis"}) == 3
    assert registry.get_sample_value("amauta_pool_in_use", {"pool": "redis"}) == 2
    assert registry.get_sample_value("amauta_pool_waiting", {"pool": "redis"}) == 0


def test_serve_binds_an_ephemeral_port_and_exposes_the_registry() -> None:
    port = metrics.serve("127.0.0.1:0")
    body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    assert "# HELP amauta_rpc_total RPCs by method and status code." in body
