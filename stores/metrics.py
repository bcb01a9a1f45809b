"""Prometheus metrics of the node (stores and servicers record them; served on AMAUTA_METRICS_ADDRESS)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

#: The node's registry (not the global one, so tests can start several nodes in one process).
REGISTRY = CollectorRegistry(auto_describe=True)

_LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

RPC_DURATION = Histogram("amauta_rpc_duration_seconds", "RPC latency by method and status code.",
                         ["method", "code"], buckets=_LATENCY_BUCKETS, registry=REGISTRY)
RPC_TOTAL = Counter("amauta_rpc_total", "RPCs by method and status code.", ["method", "code"],
                    registry=REGISTRY)
STORE_DURATION = Histogram("amauta_store_operation_duration_seconds",
                           "Store operation latency by store and operation.", ["store", "operation"],
                           buckets=_LATENCY_BUCKETS, registry=REGISTRY)
STORE_UP = Gauge("amauta_store_up", "1 when the store answers its health probe.", ["store"],
                 registry=REGISTRY)
OUTBOX_LAG = Gauge("amauta_outbox_lag_seconds", "Age of the oldest undelivered outbox row.",
                   ["consumer"], registry=REGISTRY)
SYNC_LAG = Gauge("amauta_sync_lag_seconds",
                 "Age of the oldest live simulation state not yet copied to PostgreSQL.",
                 registry=REGISTRY)
CONSISTENCY_FINDINGS = Gauge("amauta_consistency_findings",
                             "Findings of the last consistency check, by rule.", ["rule"],
                             registry=REGISTRY)
CONTENT_QUALITY = Gauge("amauta_content_quality_recent",
                        "Average quality_score of datasets validated in the last 24 hours"
                        " (NaN before the first measurement and when none was validated).",
                        registry=REGISTRY)
LEADER = Gauge("amauta_leader", "1 while this node holds the lease of the singleton work.", ["work"],
               registry=REGISTRY)
# NaN, not 0.0, until the first consistency run measures it: 0.0 would read as bad quality and fire
# ContentGenerationQualityLow on every fresh node (NaN < 0.6 is false in PromQL).
CONTENT_QUALITY.set(float("nan"))
ACTIVE_SIMULATIONS = Gauge("amauta_simulations_active", "Live simulations in Redis.",
                           registry=REGISTRY)
HUNG_SIMULATIONS = Gauge("amauta_simulations_hung",
                         "Live simulations without a state update for longer than the hang timeout.",
                         registry=REGISTRY)
FAILED_SIMULATIONS = Counter("amauta_simulations_failed_total",
                             "Simulations that ended failed or were abandoned by the reconciler.",
                             registry=REGISTRY)
WATCHERS = Gauge("amauta_simulation_watchers", "Open WatchSimulation streams.", registry=REGISTRY)
QUEUE_DEPTH = Gauge("amauta_generation_queue_depth", "Queued generation jobs by priority.",
                    ["priority"], registry=REGISTRY)
QUEUE_OLDEST_AGE = Gauge("amauta_generation_queue_oldest_age_seconds",
                         "Age of the oldest queued generation job.", registry=REGISTRY)
REDIS_MEMORY = Gauge("amauta_redis_used_memory_bytes", "used_memory of the Redis server (INFO memory).",
                     registry=REGISTRY)
CACHE_REQUESTS = Counter("amauta_cache_requests_total", "Cache lookups by cache and result.",
                         ["cache", "result"], registry=REGISTRY)
LEARNING_LATENCY = Histogram(
    "amauta_learning_latency_seconds",
    "Learning-system latencies of §4.7.2: generation_response (enqueue → complete), "
    "simulation_startup, assessment_processing (recorded → HAS_SKILL updated), "
    "collaboration_responsiveness (state update → watcher receipt).",
    ["kind"], buckets=(*_LATENCY_BUCKETS, 30, 60, 300), registry=REGISTRY)
EDGE_RECOMPUTES = Counter(
    "amauta_has_skill_recomputes_total",
    "HAS_SKILL edges recomputed from history: cause late (an assessment sorting before ones applied, or "
    "a redelivery) or fit (new parameters).", ["cause"], registry=REGISTRY)
RECOMMEND_ANSWERS = Counter(
    "amauta_recommend_answers_total",
    "RecommendNext answers by source: frontier (the learner's FRONTIER edges were current) or history "
    "(answered from HAS_SKILL while they were not).", ["source"], registry=REGISTRY)
FRONTIER_REBUILDS = Counter(
    "amauta_frontier_rebuilds_total",
    "Learners whose RecommendNext frontier the repair worker rebuilt (never built, or not current after a "
    "catalog change, a hand-set skill or a writer that died).", registry=REGISTRY)
EDGE_RECOMPUTE_PENDING = Gauge(
    "amauta_skill_edge_recompute_pending",
    "HAS_SKILL edges of a skill still to be recomputed from history after its parameters were fitted.",
    ["skill"], registry=REGISTRY)
RATE_LIMITED = Counter("amauta_rate_limited_total", "Calls refused by the per-identity rate limit.",
                       ["identity"], registry=REGISTRY)
REDIS_FAILOVER_RETRIES = Counter("amauta_redis_failover_retries_total",
                                 "Redis Cluster commands retried while a master failed over.",
                                 registry=REGISTRY)
REDIS_UNREPLICATED_WRITES = Counter("amauta_redis_unreplicated_writes_total",
                                    "Redis writes acknowledged before the replicas they waited for had them.",
                                    registry=REGISTRY)


@contextmanager
def timed(store: str, operation: str) -> Iterator[None]:
    """Observe the duration of one store operation."""
    started = time.perf_counter()
    try:
        yield
    finally:
        STORE_DURATION.labels(store, operation).observe(time.perf_counter() - started)


class PoolCollector(Collector):
    """Pool size, connections in use and waiting requests, read at scrape time."""

    def __init__(self) -> None:
        self._sources: dict[str, Callable[[], dict[str, int]]] = {}

    def add(self, name: str, stats: Callable[[], dict[str, int]]) -> None:
        """Register a pool's stats function (psycopg_pool get_stats() shape)."""
        self._sources[name] = stats

    def add_redis(self, name: str, pool: Any) -> None:
        """Register a redis-py (asyncio) ConnectionPool, read in the psycopg_pool stats shape."""
        def stats() -> dict[str, int]:
            in_use = len(pool._in_use_connections)
            # redis-py makes connections on demand up to max_connections and never queues a
            # request (it fails with "Too many connections"), so nothing is ever waiting.
            return {"pool_size": in_use + len(pool._available_connections), "pool_available":
                    len(pool._available_connections), "pool_max": int(pool.max_connections),
                    "requests_waiting": 0}
        self._sources[name] = stats

    def collect(self) -> Iterator[GaugeMetricFamily]:
        size = GaugeMetricFamily("amauta_pool_size", "Connections held by the pool.", labels=["pool"])
        used = GaugeMetricFamily("amauta_pool_in_use", "Connections lent out.", labels=["pool"])
        util = GaugeMetricFamily("amauta_pool_utilization", "in_use / max_size.", labels=["pool"])
        waiting = GaugeMetricFamily("amauta_pool_waiting", "Requests waiting for a connection.",
                                    labels=["pool"])
        for name, source in list(self._sources.items()):
            try:
                stats = source()
            except Exception:  # a closed pool has nothing to report
                continue
            in_use = stats.get("pool_size", 0) - stats.get("pool_available", 0)
            size.add_metric([name], stats.get("pool_size", 0))
            used.add_metric([name], in_use)
            util.add_metric([name], in_use / max(stats.get("pool_max", 1), 1))
            waiting.add_metric([name], stats.get("requests_waiting", 0))
        yield from (size, used, util, waiting)


POOLS = PoolCollector()
REGISTRY.register(POOLS)


def serve(address: str) -> int:
    """Start the metrics HTTP listener on host:port; returns the bound port."""
    host, _, port = address.rpartition(":")
    server, _thread = start_http_server(int(port), addr=host.strip("[]") or "127.0.0.1",
                                        registry=REGISTRY)
    return int(server.server_port)
