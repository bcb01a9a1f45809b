"""AnalyticsService settings, read once from AMAUTA_ANALYTICS_* environment variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from server.analytics.ingest import IngestConfig
from server.analytics.validation import EventRules


@dataclass(frozen=True)
class AnalyticsConfig:
    """Ingest batching and limits, raw-event TTL, aggregation schedule and relay batch size."""

    ingest: IngestConfig = field(default_factory=IngestConfig)
    #: Days raw learning events are kept (ClickHouse TTL); 0 keeps them forever.
    event_ttl_days: int = 0
    #: Seconds between aggregation runs; 0 turns the scheduled aggregation off.
    aggregate_seconds: float = 60.0
    #: Outbox rows per relay batch.
    relay_batch: int = 1000

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> AnalyticsConfig:
        """Settings from the environment (or a mapping, for tests)."""
        env = os.environ if env is None else env

        def get(name: str, default: float) -> float:
            return float(env.get(f"AMAUTA_ANALYTICS_{name}", default))

        rules = EventRules(max_age=timedelta(days=get("MAX_EVENT_AGE_DAYS", 365)),
                           max_future=timedelta(seconds=get("MAX_EVENT_FUTURE_SECONDS", 3600)))
        ingest = IngestConfig(flush_rows=int(get("FLUSH_ROWS", 50_000)),
                              flush_seconds=get("FLUSH_MS", 200) / 1000,
                              max_stream_rows=int(get("MAX_STREAM_EVENTS", 50_000_000)), rules=rules)
        return cls(ingest=ingest, event_ttl_days=int(get("EVENT_TTL_DAYS", 0)),
                   aggregate_seconds=get("AGGREGATE_SECONDS", 60), relay_batch=int(get("RELAY_BATCH", 1000)))
