"""The analytics read queries on every backend, against rows written directly into their tables."""

from __future__ import annotations

import pyarrow as pa
import pytest

from server.app import Node
from stores.analytics import AnalyticsBackend
from stores.analytics.queries import MEASURES, ExportFilter, content_ranking, export_events, learner_performance
from stores.postgres import PostgresStore
from stores.sync.cohorts import cohort_stats

HOUR = 3_600_000
T0 = 1_735_689_600_000  # 2025-01-01T00:00:00Z


async def _metrics(analytics: AnalyticsBackend, rows: list[tuple[int, str, str, float]]) -> None:
    await analytics.insert("performance_metrics", pa.table({
        "timestamp": pa.array([r[0] for r in rows], pa.timestamp("ms", tz="UTC")),
        "learner_id": [r[1] for r in rows], "metric_type": [r[2] for r in rows],
        "metric_value": pa.array([r[3] for r in rows], pa.float64()),
        "baseline_value": pa.array([0.5] * len(rows), pa.float64()),
        "improvement_rate": pa.array([0.1] * len(rows), pa.float64())}))


async def test_performance_is_bucketed_within_the_half_open_range(analytics: AnalyticsBackend) -> None:
    await _metrics(analytics, [(T0, "l", "accuracy", 0.2), (T0 + 10, "l", "accuracy", 0.4),
                               (T0 + HOUR, "l", "accuracy", 0.9), (T0 + 2 * HOUR, "l", "accuracy", 1.0),
                               (T0, "l", "speed", 5.0), (T0, "other", "accuracy", 0.0)])
    points = await learner_performance(analytics, learner_id="l", metric="accuracy", bucket="hour",
                                       start_ms=T0, end_ms=T0 + 2 * HOUR)
    assert [(p.bucket_start_ms, p.sample_count) for p in points] == [(T0, 2), (T0 + HOUR, 1)]
    first = points[0]
    assert first.value == pytest.approx(0.3) and (first.min_value, first.max_value) == (0.2, 0.4)
    assert (first.baseline_value, first.improvement_rate) == (0.5, 0.1)


async def _content(analytics: AnalyticsBackend, rows: list[tuple[str, int, float]]) -> None:
    await analytics.insert("content_effectiveness", pa.table({
        "timestamp": pa.array([T0] * len(rows), pa.timestamp("ms", tz="UTC")),
        "content_id": [r[0] for r in rows], "dataset_id": ["d"] * len(rows),
        "usage_count": pa.array([r[1] for r in rows], pa.uint32()),
        "success_rate": pa.array([r[2] for r in rows], pa.float64()),
        "average_completion_time": pa.array([10] * len(rows), pa.uint32())}))


async def test_content_is_ranked_by_usage_weighted_means_and_paged_by_keyset(analytics: AnalyticsBackend) -> None:
    await _content(analytics, [("a", 1, 1.0), ("a", 3, 0.0), ("b", 2, 0.5), ("c", 2, 0.5), ("rare", 1, 1.0)])
    top = await content_ranking(analytics, measure="success_rate", ascending=False, min_usage=2, dataset_id="",
                                start_ms=None, end_ms=None, limit=2, after=None)
    assert [(c.content_id, c.score, c.usage_count) for c in top] == [("b", 0.5, 2), ("c", 0.5, 2)]
    rest = await content_ranking(analytics, measure="success_rate", ascending=False, min_usage=2, dataset_id="",
                                 start_ms=None, end_ms=None, limit=2, after=(top[-1].score, top[-1].content_id))
    assert [(c.content_id, c.score) for c in rest] == [("a", 0.25)]
    up = await content_ranking(analytics, measure="success_rate", ascending=True, min_usage=0, dataset_id="other",
                               start_ms=None, end_ms=None, limit=10, after=None)
    assert up == []
    with pytest.raises(ValueError, match="'popularity'"):
        await content_ranking(analytics, measure="popularity", ascending=True, min_usage=0, dataset_id="",
                              start_ms=None, end_ms=None, limit=1, after=None)
    assert "success_rate" in MEASURES


async def test_cohort_percentiles_are_of_per_learner_means(analytics: AnalyticsBackend, node: Node,
                                                           pg: PostgresStore) -> None:
    await _metrics(analytics, [(T0, "c1", "retention", 0.0), (T0, "c1", "retention", 1.0),
                               (T0, "c2", "retention", 1.0), (T0, "c3", "retention", 0.2)])
    stats = await cohort_stats(analytics, pg, metric="retention", learner_type="", objective="", start_ms=T0,
                               end_ms=T0 + HOUR, percentiles=[0, 50, 100])
    assert (stats.learner_count, stats.sample_count) == (3, 4)
    assert stats.values == [pytest.approx(0.2), pytest.approx(0.5), pytest.approx(1.0)]
    nobody = await cohort_stats(analytics, pg, metric="retention", learner_type="no-such-type", objective="",
                                start_ms=T0, end_ms=T0 + HOUR, percentiles=[50])
    assert (nobody.learner_count, nobody.values) == (0, [0.0])


async def test_exports_come_in_batches_in_order(analytics: AnalyticsBackend) -> None:
    await analytics.execute(
        "INSERT INTO learning_events (timestamp, event_id, learner_id, session_id, event_type, event_data,"
        " performance_metrics) SELECT fromUnixTimestamp64Milli(toInt64({t0:Int64} + number), 'UTC'),"
        " toString(number), 'x', 's', 1, '{}', '{}' FROM numbers(5)", {"t0": T0})
    batches = [b async for b in export_events(analytics, ExportFilter(learner_id="x"), 2)]
    assert [len(b) for b in batches] == [2, 2, 1]
    assert [r["event_id"] for b in batches for r in b] == ["0", "1", "2", "3", "4"]
    assert [b async for b in export_events(analytics, ExportFilter(learner_id="y"), 2)] == []
    window = [r async for b in export_events(analytics, ExportFilter(start_ms=T0 + 1, end_ms=T0 + 3), 10) for r in b]
    assert [r["event_id"] for r in window] == ["1", "2"]
