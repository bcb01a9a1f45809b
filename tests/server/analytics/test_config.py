"""AnalyticsConfig from AMAUTA_ANALYTICS_*: defaults, units (milliseconds to seconds, days), event rules."""

from __future__ import annotations

from datetime import timedelta

import pytest

from server.analytics.config import AnalyticsConfig


def test_the_defaults() -> None:
    config = AnalyticsConfig.from_env({})
    assert (config.event_ttl_days, config.aggregate_seconds, config.relay_batch) == (0, 60.0, 1000)
    assert (config.ingest.flush_rows, config.ingest.flush_seconds) == (50_000, 0.2)
    assert config.ingest.rules.max_age == timedelta(days=365)
    assert config.ingest.rules.max_future == timedelta(seconds=3600)


def test_variables_override_with_their_units() -> None:
    config = AnalyticsConfig.from_env({
        "AMAUTA_ANALYTICS_FLUSH_MS": "50", "AMAUTA_ANALYTICS_FLUSH_ROWS": "10",
        "AMAUTA_ANALYTICS_MAX_EVENT_AGE_DAYS": "7", "AMAUTA_ANALYTICS_MAX_EVENT_FUTURE_SECONDS": "5",
        "AMAUTA_ANALYTICS_EVENT_TTL_DAYS": "30", "AMAUTA_ANALYTICS_AGGREGATE_SECONDS": "0",
        "AMAUTA_ANALYTICS_RELAY_BATCH": "5", "AMAUTA_ANALYTICS_MAX_STREAM_EVENTS": "100"})
    assert (config.ingest.flush_seconds, config.ingest.flush_rows, config.ingest.max_stream_rows) == (0.05, 10, 100)
    assert (config.ingest.rules.max_age, config.ingest.rules.max_future) == (timedelta(days=7), timedelta(seconds=5))
    assert (config.event_ttl_days, config.aggregate_seconds, config.relay_batch) == (30, 0.0, 5)


def test_a_malformed_number_is_an_error() -> None:
    with pytest.raises(ValueError):
        AnalyticsConfig.from_env({"AMAUTA_ANALYTICS_FLUSH_MS": "fast"})
