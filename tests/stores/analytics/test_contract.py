"""One contract for every analytics backend: schema, parameters, Arrow inserts, deduplication."""

from __future__ import annotations

from datetime import datetime, timezone

import pyarrow as pa
import pytest

from stores.analytics import AnalyticsBackend
from stores.errors import StoreError

EVENT_COLUMNS = ["timestamp", "event_id", "learner_id", "session_id", "event_type", "event_data",
                 "performance_metrics", "duration_ms", "success_indicator", "difficulty_level",
                 "learning_objective", "content_type"]


def events(n: int, prefix: str = "e") -> pa.Table:
    ts = datetime(2026, 11, 1, tzinfo=timezone.utc)
    return pa.table({
        "timestamp": pa.array([ts] * n, pa.timestamp("ms", tz="UTC")),
        "event_id": [f"{prefix}{i}" for i in range(n)],
        "learner_id": ["l1"] * n,
        "session_id": ["s1"] * n,
        "event_type": ["interaction"] * n,
        "event_data": ["{}"] * n,
        "performance_metrics": ["{}"] * n,
        "duration_ms": pa.array([10] * n, pa.uint64()),
        "success_indicator": [True] * n,
        "difficulty_level": [0.5] * n,
        "learning_objective": ["o"] * n,
        "content_type": ["t"] * n,
    })


async def test_schema_has_the_documented_columns(analytics: AnalyticsBackend) -> None:
    rows = await analytics.query(
        "SELECT name, type FROM system.columns WHERE database = currentDatabase()"
        " AND table = 'learning_events' ORDER BY position")
    assert [r["name"] for r in rows] == EVENT_COLUMNS
    types = {r["name"]: r["type"] for r in rows}
    assert types["timestamp"] == "DateTime64(3)"
    assert types["success_indicator"] == "Bool"
    assert types["event_type"].startswith("Enum8('session_start' = 1")
    for table in ("performance_metrics", "content_effectiveness"):
        found = await analytics.query(
            "SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name = {t:String}",
            {"t": table})
        assert int(found[0]["n"]) == 1


async def test_parameters_are_bound_not_spliced(analytics: AnalyticsBackend) -> None:
    evil = "x'); DROP TABLE learning_events; --"
    rows = await analytics.query("SELECT {v:String} AS v", {"v": evil})
    assert rows == [{"v": evil}]


@pytest.mark.parametrize("value", ["q\\b", "q\\\\b", "q\\'", "tab\there", "nl\nx", "\\N", "nul\x00x",
                                   "\\t", "'", "\u200f\u202eabc", "{v:String}", ""])
async def test_string_parameters_reach_the_engine_byte_for_byte(analytics: AnalyticsBackend, value: str) -> None:
    # Both engines parse parameters in the escaped text form; the backend must not let that show.
    rows = await analytics.query("SELECT {v:String} AS v, length({v:String}) AS n, {v:String} = {w:String} AS same",
                                 {"v": value, "w": value + "x"})
    assert rows[0]["v"] == value and int(rows[0]["n"]) == len(value.encode())
    assert not int(rows[0]["same"])


async def test_insert_is_deduplicated_by_token(analytics: AnalyticsBackend) -> None:
    batch = events(100)
    for _ in range(3):
        await analytics.insert("learning_events", batch, dedup_token="batch-1")
    await analytics.insert("learning_events", events(5, "f"), dedup_token="batch-2")
    rows = await analytics.query("SELECT count() AS n FROM learning_events")
    assert int(rows[0]["n"]) == 105


async def test_bad_sql_raises_store_error(analytics: AnalyticsBackend) -> None:
    with pytest.raises(StoreError):
        await analytics.query("SELECT * FROM no_such_table")


async def test_inserts_only_into_known_tables(analytics: AnalyticsBackend) -> None:
    with pytest.raises(ValueError):
        await analytics.insert("system.users", events(1))


async def test_values_come_back_as_python_values_of_their_type(analytics: AnalyticsBackend) -> None:
    # Callers test flags and numbers directly: no backend may hand back "0", "true" or a quoted integer.
    rows = await analytics.query(
        "SELECT true AS flag, false AS unset, toUInt8(1) AS small, toUInt64(18446744073709551615) AS big,"
        " toInt64(-5) AS signed, toFloat64(0.25) AS ratio, 'x' AS text, 1 = 0 AS compared")
    row = rows[0]
    assert row["flag"] is True and row["unset"] is False
    assert row["small"] == 1 and isinstance(row["small"], int)
    assert row["big"] == 2**64 - 1 and isinstance(row["big"], int)
    assert row["signed"] == -5 and isinstance(row["signed"], int)
    assert row["ratio"] == 0.25 and row["text"] == "x"
    assert not row["compared"]
