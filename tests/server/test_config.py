"""Settings from AMAUTA_* variables: defaults, types, the data directory made absolute, on/off switches."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.config import Settings


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
