"""SimulationSettings from AMAUTA_SIM_*: types follow the defaults, bounds refuse zero."""

from __future__ import annotations

import pytest

from stores.redis.settings import SimulationSettings


def test_unset_variables_keep_the_defaults() -> None:
    assert SimulationSettings.from_env({}) == SimulationSettings()


def test_values_take_the_type_of_their_default() -> None:
    s = SimulationSettings.from_env({"AMAUTA_SIM_QUEUE_LIMIT": "8", "AMAUTA_SIM_HANG_SECONDS": "1.5",
                                     "AMAUTA_SIM_HANG_ABANDON": "yes", "AMAUTA_SIM_FAULT": "start:after_postgres",
                                     "AMAUTA_OTHER": "ignored"})
    assert (s.queue_limit, s.hang_seconds, s.hang_abandon, s.fault) == (8, 1.5, True, "start:after_postgres")
    assert SimulationSettings.from_env({"AMAUTA_SIM_HANG_ABANDON": "off"}).hang_abandon is False


@pytest.mark.parametrize("name", ["QUEUE_LIMIT", "READ_BATCH", "STREAM_MAXLEN"])
def test_a_bound_below_one_is_refused_by_name(name: str) -> None:
    with pytest.raises(ValueError, match=f"AMAUTA_SIM_{name} must be at least 1"):
        SimulationSettings.from_env({f"AMAUTA_SIM_{name}": "0"})


def test_a_malformed_number_is_an_error() -> None:
    with pytest.raises(ValueError):
        SimulationSettings.from_env({"AMAUTA_SIM_SYNC_SECONDS": "soon"})
