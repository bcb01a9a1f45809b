"""Settings from AMAUTA_* variables: defaults, types, the data directory made absolute, on/off switches."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from server.analytics.config import AnalyticsConfig
from server.config import Settings, analytics_settings, simulation_settings
from stores.redis.settings import SimulationSettings


def test_an_empty_environment_gives_the_defaults_with_an_absolute_data_dir() -> None:
    settings = Settings.from_env({})
    assert settings.grpc_address == "127.0.0.1:50051" and settings.postgres_url == ""
    assert settings.data_dir == Path(".amauta").resolve() and settings.data_dir.is_absolute()
    assert settings.analytics_enabled is True and settings.rate_limit_rps == 500.0


def test_values_are_read_with_their_types() -> None:
    settings = Settings.from_env({"AMAUTA_GRPC_ADDRESS": "0.0.0.0:7000", "AMAUTA_DATA_DIR": "~/amauta-data",
                                  "AMAUTA_MAX_MESSAGE_BYTES": "1024", "AMAUTA_GRACE_SECONDS": "2.5",
                                  "AMAUTA_REDIS_URL": "redis://h:1/0", "AMAUTA_NODE_ID": "n1"})
    assert (settings.grpc_address, settings.max_message_bytes, settings.grace_seconds) == ("0.0.0.0:7000", 1024, 2.5)
    assert settings.data_dir == (Path.home() / "amauta-data").resolve()
    assert (settings.redis_url, settings.node_id) == ("redis://h:1/0", "n1")


@pytest.mark.parametrize(("value", "enabled"), [("off", False), ("OFF ", False), ("0", False), ("no", False),
                                                ("on", True), ("true", True), ("1", True), ("yes", True)])
def test_the_analytics_switch(value: str, enabled: bool) -> None:
    assert Settings.from_env({"AMAUTA_ANALYTICS": value}).analytics_enabled is enabled


def test_a_bad_switch_or_number_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="AMAUTA_ANALYTICS must be on or off, not 'maybe'"):
        Settings.from_env({"AMAUTA_ANALYTICS": "maybe"})
    with pytest.raises(ValueError):
        Settings.from_env({"AMAUTA_GRACE_SECONDS": "soon"})


# Sections: AMAUTA_SIM_* and AMAUTA_ANALYTICS_*, read with the rest.

def test_settings_carry_their_sections() -> None:
    s = Settings.from_env({"AMAUTA_SIM_QUEUE_LIMIT": "8", "AMAUTA_ANALYTICS_RELAY_BATCH": "5"})
    assert s.simulation.queue_limit == 8 and s.analytics.relay_batch == 5
    assert Settings.from_env({}).simulation == SimulationSettings()
    assert Settings.from_env({}).analytics == AnalyticsConfig()


def test_unset_simulation_variables_keep_the_defaults() -> None:
    assert simulation_settings({}) == SimulationSettings()


def test_simulation_values_take_the_type_of_their_default() -> None:
    s = simulation_settings({"AMAUTA_SIM_QUEUE_LIMIT": "8", "AMAUTA_SIM_HANG_SECONDS": "1.5",
                                     "AMAUTA_SIM_HANG_ABANDON": "yes", "AMAUTA_OTHER": "ignored"})
    assert (s.queue_limit, s.hang_seconds, s.hang_abandon) == (8, 1.5, True)
    assert simulation_settings({"AMAUTA_SIM_HANG_ABANDON": "off"}).hang_abandon is False


@pytest.mark.parametrize("name", ["QUEUE_LIMIT", "READ_BATCH", "STREAM_MAXLEN"])
def test_a_simulation_bound_below_one_is_refused_by_name(name: str) -> None:
    with pytest.raises(ValueError, match=f"AMAUTA_SIM_{name} must be at least 1"):
        simulation_settings({f"AMAUTA_SIM_{name}": "0"})


def test_a_malformed_simulation_number_is_an_error() -> None:
    with pytest.raises(ValueError):
        simulation_settings({"AMAUTA_SIM_SYNC_SECONDS": "soon"})


def test_the_analytics_section_defaults() -> None:
    config = analytics_settings({})
    assert (config.event_ttl_days, config.aggregate_seconds, config.relay_batch) == (0, 60.0, 1000)
    assert (config.ingest.flush_rows, config.ingest.flush_seconds) == (50_000, 0.2)
    assert config.ingest.rules.max_age == timedelta(days=365)
    assert config.ingest.rules.max_future == timedelta(seconds=3600)


def test_analytics_variables_override_with_their_units() -> None:
    config = analytics_settings({
        "AMAUTA_ANALYTICS_FLUSH_MS": "50", "AMAUTA_ANALYTICS_FLUSH_ROWS": "10",
        "AMAUTA_ANALYTICS_MAX_EVENT_AGE_DAYS": "7", "AMAUTA_ANALYTICS_MAX_EVENT_FUTURE_SECONDS": "5",
        "AMAUTA_ANALYTICS_EVENT_TTL_DAYS": "30", "AMAUTA_ANALYTICS_AGGREGATE_SECONDS": "0",
        "AMAUTA_ANALYTICS_RELAY_BATCH": "5", "AMAUTA_ANALYTICS_MAX_STREAM_EVENTS": "100"})
    assert (config.ingest.flush_seconds, config.ingest.flush_rows, config.ingest.max_stream_rows) == (0.05, 10, 100)
    assert (config.ingest.rules.max_age, config.ingest.rules.max_future) == (timedelta(days=7), timedelta(seconds=5))
    assert (config.event_ttl_days, config.aggregate_seconds, config.relay_batch) == (30, 0.0, 5)


def test_a_malformed_analytics_number_is_an_error() -> None:
    with pytest.raises(ValueError):
        analytics_settings({"AMAUTA_ANALYTICS_FLUSH_MS": "fast"})
