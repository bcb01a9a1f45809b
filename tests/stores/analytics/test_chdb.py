"""ChdbBackend: errors as StoreError, database names checked, Arrow inputs and inserts with dedup tokens."""

from __future__ import annotations

import pyarrow as pa
import pytest

from server.app import Node
from stores.analytics import AnalyticsBackend, AnalyticsSettings
from stores.analytics.chdb import ChdbBackend
from stores.errors import StoreError


async def test_a_backend_that_is_not_open_says_so() -> None:
    backend = ChdbBackend(AnalyticsSettings(path="unused"))
    try:
        with pytest.raises(StoreError, match="not open"):
            await backend.query("SELECT 1")
    finally:
        await backend.close()


async def test_a_database_name_must_be_an_identifier(node: Node) -> None:
    backend = ChdbBackend(AnalyticsSettings(path=node.embedded.chdb_path(), database="x; DROP"))
    try:
        with pytest.raises(ValueError, match="bad database name"):
            await backend.open()
    finally:
        await backend.close()


async def test_engine_errors_become_store_errors_with_their_first_line(analytics: AnalyticsBackend) -> None:
    if analytics.dialect != "chdb":
        pytest.skip("chdb only")
    with pytest.raises(StoreError, match=r"analytics error: .*UNKNOWN_TABLE|analytics error: .*doesn't exist"):
        await analytics.query("SELECT * FROM no_such_table")


async def test_query_input_reads_an_arrow_table(analytics: AnalyticsBackend) -> None:
    data = pa.table({"x": pa.array([1, 2, 3], pa.int64())})
    rows = await analytics.query_input("SELECT sum(x) AS s FROM {input} WHERE x > {m:Int64}", data, {"m": 1})
    assert [int(r["s"]) for r in rows] == [5]


async def test_an_insert_with_a_repeated_token_adds_nothing(analytics: AnalyticsBackend) -> None:
    rows = pa.table({"timestamp": pa.array([0], pa.timestamp("ms", tz="UTC")),
                     "content_id": ["c-dedup"], "dataset_id": ["d"], "usage_count": pa.array([2], pa.uint32())})
    await analytics.insert("content_effectiveness", rows, dedup_token="tok-1")
    await analytics.insert("content_effectiveness", rows, dedup_token="tok-1")
    await analytics.insert("content_effectiveness", rows, dedup_token="tok-2")
    counted = await analytics.query("SELECT count() AS n FROM content_effectiveness WHERE content_id = 'c-dedup'")
    assert int(counted[0]["n"]) == 2
    with pytest.raises(ValueError):
        await analytics.insert("analytics_aggregation_state", rows)
