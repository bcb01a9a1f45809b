"""Node settings, read once from AMAUTA_* environment variables: one Settings, with a section per service
whose knobs are many (simulation: AMAUTA_SIM_*, analytics: AMAUTA_ANALYTICS_*)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import timedelta
from pathlib import Path

from server.analytics.config import AnalyticsConfig
from server.analytics.ingest import IngestConfig
from server.analytics.validation import EventRules
from stores.redis.settings import SimulationSettings


def simulation_settings(env: Mapping[str, str]) -> SimulationSettings:
    """AMAUTA_SIM_<FIELD NAME> variables; unset ones keep their defaults."""
    values: dict[str, object] = {}
    for f in fields(SimulationSettings):
        raw = env.get(f"AMAUTA_SIM_{f.name.upper()}")
        if raw is None:
            continue
        kind = type(getattr(SimulationSettings, f.name))
        values[f.name] = raw.lower() in ("1", "true", "yes") if kind is bool else kind(raw)
    return SimulationSettings(**values)  # type: ignore[arg-type]


def analytics_settings(env: Mapping[str, str]) -> AnalyticsConfig:
    """AMAUTA_ANALYTICS_<NAME> variables; unset ones keep their defaults."""

    def number(name: str, default: float) -> float:
        return float(env.get(f"AMAUTA_ANALYTICS_{name}", default))

    rules = EventRules(max_age=timedelta(days=number("MAX_EVENT_AGE_DAYS", 365)),
                       max_future=timedelta(seconds=number("MAX_EVENT_FUTURE_SECONDS", 3600)))
    ingest = IngestConfig(flush_rows=int(number("FLUSH_ROWS", 50_000)),
                          flush_seconds=number("FLUSH_MS", 200) / 1000,
                          max_stream_rows=int(number("MAX_STREAM_EVENTS", 50_000_000)), rules=rules)
    return AnalyticsConfig(ingest=ingest, event_ttl_days=int(number("EVENT_TTL_DAYS", 0)),
                           aggregate_seconds=number("AGGREGATE_SECONDS", 60),
                           relay_batch=int(number("RELAY_BATCH", 1000)))


@dataclass(frozen=True)
class Settings:
    """Everything the node is configured with; an unset store URL means an embedded store."""

    grpc_address: str = "127.0.0.1:50051"
    data_dir: Path = Path(".amauta")
    postgres_url: str = ""
    postgres_read_url: str = ""
    redis_url: str = ""
    graph_url: str = ""
    clickhouse_url: str = ""
    #: ClickHouse cluster of the server at clickhouse_url: ON CLUSTER DDL, Replicated and Distributed tables.
    clickhouse_cluster: str = ""
    metrics_address: str = ""
    tokens_file: str = ""
    grace_seconds: float = 10.0
    health_interval_seconds: float = 2.0
    max_message_bytes: int = 16 * 1024 * 1024
    #: 0 leaves the number of concurrent RPCs (watch streams included) unbounded.
    max_concurrent_rpcs: int = 0
    tls_cert: str = ""
    tls_key: str = ""
    tls_client_ca: str = ""
    #: Per-identity calls per second for node, analyst and observer roles (0 = unlimited).
    rate_limit_rps: float = 500.0
    rate_limit_burst: float = 1000.0
    #: Seconds between refreshes of the learner_summaries materialized view.
    summary_refresh_seconds: float = 300.0
    #: Seconds between scheduled (report-only) consistency checks; 0 turns them off.
    consistency_interval_seconds: float = 3600.0
    #: Seconds a store that answers "loading" or "starting up" may take before the start fails.
    store_start_timeout_seconds: float = 300.0
    #: False (AMAUTA_ANALYTICS=off): no analytics engine, relay or aggregation on this node.
    analytics_enabled: bool = True
    #: This node's name in leases, logs and ownership records (default: host and pid).
    node_id: str = ""
    #: Seconds between AOF rewrites of the embedded Redis and FalkorDB (when they took writes).
    aof_compact_seconds: float = 60.0
    #: Sections. Settings built in code (tests) read them from the environment at construction too.
    simulation: SimulationSettings = field(default_factory=lambda: simulation_settings(os.environ))
    analytics: AnalyticsConfig = field(default_factory=lambda: analytics_settings(os.environ))

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Build settings from the environment (or a given mapping, for tests)."""
        env = os.environ if env is None else env
        return cls(
            grpc_address=env.get("AMAUTA_GRPC_ADDRESS", cls.grpc_address),
            data_dir=Path(env.get("AMAUTA_DATA_DIR", str(cls.data_dir))).expanduser().resolve(),
            postgres_url=env.get("AMAUTA_POSTGRES_URL", ""),
            postgres_read_url=env.get("AMAUTA_POSTGRES_READ_URL", ""),
            redis_url=env.get("AMAUTA_REDIS_URL", ""),
            graph_url=env.get("AMAUTA_GRAPH_URL", ""),
            clickhouse_url=env.get("AMAUTA_CLICKHOUSE_URL", ""),
            clickhouse_cluster=env.get("AMAUTA_CLICKHOUSE_CLUSTER", ""),
            metrics_address=env.get("AMAUTA_METRICS_ADDRESS", ""),
            tokens_file=env.get("AMAUTA_TOKENS_FILE", ""),
            grace_seconds=float(env.get("AMAUTA_GRACE_SECONDS", cls.grace_seconds)),
            health_interval_seconds=float(
                env.get("AMAUTA_HEALTH_INTERVAL_SECONDS", cls.health_interval_seconds)),
            max_message_bytes=int(env.get("AMAUTA_MAX_MESSAGE_BYTES", cls.max_message_bytes)),
            max_concurrent_rpcs=int(env.get("AMAUTA_MAX_CONCURRENT_RPCS", cls.max_concurrent_rpcs)),
            tls_cert=env.get("AMAUTA_TLS_CERT", ""),
            tls_key=env.get("AMAUTA_TLS_KEY", ""),
            tls_client_ca=env.get("AMAUTA_TLS_CLIENT_CA", ""),
            rate_limit_rps=float(env.get("AMAUTA_RATE_LIMIT_RPS", cls.rate_limit_rps)),
            rate_limit_burst=float(env.get("AMAUTA_RATE_LIMIT_BURST", cls.rate_limit_burst)),
            consistency_interval_seconds=float(
                env.get("AMAUTA_CONSISTENCY_INTERVAL_SECONDS", cls.consistency_interval_seconds)),
            summary_refresh_seconds=float(
                env.get("AMAUTA_SUMMARY_REFRESH_SECONDS", cls.summary_refresh_seconds)),
            store_start_timeout_seconds=float(
                env.get("AMAUTA_STORE_START_TIMEOUT_SECONDS", cls.store_start_timeout_seconds)),
            aof_compact_seconds=float(env.get("AMAUTA_AOF_COMPACT_SECONDS", cls.aof_compact_seconds)),
            analytics_enabled=_switch(env.get("AMAUTA_ANALYTICS", "on"), "AMAUTA_ANALYTICS"),
            node_id=env.get("AMAUTA_NODE_ID", ""),
            simulation=simulation_settings(env),
            analytics=analytics_settings(env),
        )


def _switch(value: str, name: str) -> bool:
    """on/off (also true/false, 1/0) as a bool; anything else is a configuration error."""
    lowered = value.strip().lower()
    if lowered in ("on", "true", "1", "yes"):
        return True
    if lowered in ("off", "false", "0", "no"):
        return False
    raise ValueError(f"{name} must be on or off, not {value!r}")
