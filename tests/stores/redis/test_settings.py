"""SimulationSettings: the bounds refuse zero, by the variable's name (read by server/config.py)."""

from __future__ import annotations

import pytest

from stores.redis.settings import SimulationSettings


@pytest.mark.parametrize("name", ["queue_limit", "read_batch", "stream_maxlen"])
def test_a_bound_below_one_is_refused_by_name(name: str) -> None:
    with pytest.raises(ValueError, match=f"AMAUTA_SIM_{name.upper()} must be at least 1"):
        SimulationSettings(**{name: 0})  # type: ignore[arg-type]
    assert getattr(SimulationSettings(**{name: 1}), name) == 1  # type: ignore[arg-type]
