"""AnalyticsConfig: the defaults of the analytics section (read by server/config.py, tested there)."""

from __future__ import annotations

from datetime import timedelta

from server.analytics.config import AnalyticsConfig


def test_the_defaults() -> None:
    config = AnalyticsConfig()
    assert (config.event_ttl_days, config.aggregate_seconds, config.relay_batch) == (0, 60.0, 1000)
    assert (config.ingest.flush_rows, config.ingest.flush_seconds) == (50_000, 0.2)
    assert config.ingest.rules.max_age == timedelta(days=365)
    assert config.ingest.rules.max_future == timedelta(seconds=3600)
    # Each config has its own IngestConfig (a default_factory, not one shared instance).
    assert AnalyticsConfig().ingest is not config.ingest
