"""Pure helpers of simulation state: merges with and without masks, stored times, synergy, skills."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

import pytest

from stores.redis.simulation_state import (
    NEUTRAL_SYNERGY,
    StateChange,
    apply_change,
    complementary_skills,
    epoch_ms,
    iso,
    now_utc,
    parse_iso,
    synergy_of,
    tidy_numbers,
)


def test_a_merge_without_a_mask_replaces_top_level_keys_and_none_removes() -> None:
    current = {"a": {"x": 1, "y": 2}, "b": 1, "c": 3}
    out = apply_change(current, StateChange({"a": {"x": 9}, "b": None, "d": [1]}, []))
    assert out == {"a": {"x": 9}, "c": 3, "d": [1]}
    assert current == {"a": {"x": 1, "y": 2}, "b": 1, "c": 3}  # the input is not touched


def test_a_mask_sets_and_removes_dot_paths() -> None:
    current = {"a": {"x": 1, "y": 2}, "s": 5}
    out = apply_change(current, StateChange({"a": {"x": 7}, "s": {"t": 1}}, ["a.x", "a.y", "s.t", "new.deep"]))
    # a.y is absent from state: removed; s was a scalar: replaced by an object; new.deep absent: no-op.
    assert out == {"a": {"x": 7}, "s": {"t": 1}}
    assert apply_change({"a": 1}, StateChange({}, ["a.b"])) == {"a": 1}


def test_the_phase_is_set_after_the_merge() -> None:
    assert apply_change({"phase": "one"}, StateChange({"phase": "state"}, [], phase="two")) == {"phase": "two"}
    assert apply_change({"phase": "one"}, StateChange({}, [], phase=None)) == {"phase": "one"}


def test_tidy_numbers_turns_integral_floats_back_into_ints_only() -> None:
    assert tidy_numbers({"a": [1.0, 1.5, {"b": -2.0}], "c": True, "d": 2.0**60}) == {
        "a": [1, 1.5, {"b": -2}], "c": True, "d": 2.0**60}
    assert type(tidy_numbers(3.0)) is int


def test_times_round_trip_at_millisecond_precision() -> None:
    now = now_utc()
    assert now.microsecond % 1000 == 0 and now.tzinfo is not None
    when = datetime(2025, 1, 2, 3, 4, 5, 678000, tzinfo=timezone(timedelta(hours=-5)))
    assert iso(when) == "2025-01-02T08:04:05.678Z"
    assert parse_iso(iso(when)) == when
    assert epoch_ms(datetime(1970, 1, 1, 0, 0, 1, tzinfo=timezone.utc)) == 1000
    assert parse_iso("") is None and parse_iso("yesterday") is None


def test_synergy_is_the_mean_of_finite_ratings_or_neutral() -> None:
    assert synergy_of([0.2, 0.4, None, math.nan]) == pytest.approx(0.3)
    assert synergy_of([None]) == NEUTRAL_SYNERGY
    assert synergy_of([]) == NEUTRAL_SYNERGY


def test_complementary_skills_are_shown_by_some_but_not_all() -> None:
    assert complementary_skills([{"skills": ["a", "b"]}, {"skills": {"b": 1, "c": 2}}, None]) == ["a", "b", "c"]
    assert complementary_skills([{"skills": ["a", "b"]}, {"skills": ["b", "a"]}]) == []
    assert complementary_skills([{"skills": ["a"]}]) == []
    assert complementary_skills([{"skills": "a"}, {"skills": [1, None]}]) == ["1"]
