"""AnalyticsService settings (read from AMAUTA_ANALYTICS_* variables by server/config.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from server.analytics.ingest import IngestConfig


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
