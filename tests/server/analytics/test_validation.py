"""AnalyticsService validation: event rows checked column-wise, and each query's fields with defaults."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pyarrow as pa
import pytest

from amauta.v1 import analytics_pb2
from server.analytics.validation import (
    EventRules,
    cohort_query,
    effectiveness_query,
    export_query,
    performance_query,
    reconcile_query,
    row_errors,
)
from server.rpc.errors import ApiError
from stores.analytics.events import EVENT_TYPES, build_events

NOW = datetime(2025, 6, 15, tzinfo=timezone.utc)
NOW_MS = int(NOW.timestamp() * 1000)


def _batch(**overrides: list[object]) -> pa.Table:
    n = len(next(iter(overrides.values()))) if overrides else 1
    values: dict[str, list[object]] = {
        "timestamp_ms": [NOW_MS] * n, "event_id": ["e"] * n, "learner_id": ["l"] * n,
        "event_type": [EVENT_TYPES.index("interaction") + 1] * n, "session_id": [""] * n, "event_data": ["{}"] * n,
        "performance_metrics": ["{}"] * n, "duration_ms": [0] * n, "success_indicator": [False] * n,
        "difficulty_level": [0.5] * n, "learning_objective": [""] * n, "content_type": [""] * n}
    values.update(overrides)
    return build_events(n, **values)  # type: ignore[arg-type]


def _fields(query: object, request: object) -> list[str]:
    with pytest.raises(ApiError) as caught:
        query(request, NOW)  # type: ignore[operator]
    return [v.field for v in caught.value.violations]


def test_each_bad_row_is_reported_once_with_its_first_problem() -> None:
    batch = _batch(learner_id=["ok", "", " lead", "ok", "ok"], timestamp_ms=[NOW_MS, NOW_MS, NOW_MS, 0, NOW_MS],
                   difficulty_level=[0.5, 0.5, 0.5, 0.5, 2.0])
    valid, errors = row_errors(batch, EventRules(), NOW)
    assert list(valid) == [True, False, False, False, False]
    assert [(i, f) for i, f, _ in errors] == [(1, "learner_id"), (2, "learner_id"), (3, "timestamp"),
                                             (4, "difficulty_level")]


def test_events_the_outbox_derives_are_refused() -> None:
    batch = _batch(event_type=[EVENT_TYPES.index("session_start") + 1])
    _, errors = row_errors(batch, EventRules(), NOW)
    assert [(f, "LearnerService" in m) for _, f, m in errors] == [("event_type", True)]


def test_performance_query_defaults_its_range_and_bounds_the_buckets() -> None:
    query = performance_query(analytics_pb2.GetLearnerPerformanceRequest(learner_id="l", metric_type=1), NOW)
    assert query["end_ms"] == NOW_MS and query["start_ms"] < NOW_MS and query["bucket"] == "day"  # unset: day
    assert set(_fields(performance_query, analytics_pb2.GetLearnerPerformanceRequest(bucket=99))) == {
        "learner_id", "metric_type", "bucket"}
    hourly = analytics_pb2.GetLearnerPerformanceRequest(learner_id="l", metric_type=1,
                                                        bucket=analytics_pb2.TIME_BUCKET_HOUR)
    hourly.time_range.start.FromDatetime(NOW - timedelta(days=3000))
    assert _fields(performance_query, hourly) == ["time_range"]


def test_effectiveness_cohort_and_export_queries_name_bad_fields() -> None:
    assert _fields(effectiveness_query, analytics_pb2.GetContentEffectivenessRequest(rank_by=99, min_usage=-1,
                                                                                       dataset_id="x")) == [
        "rank_by", "min_usage", "dataset_id"]
    cohort = cohort_query(analytics_pb2.GetCohortStatsRequest(metric_type=1), NOW)
    assert cohort["percentiles"] == [50.0, 90.0, 99.0]
    assert "percentiles[0]" in _fields(cohort_query, analytics_pb2.GetCohortStatsRequest(metric_type=1,
                                                                                         percentiles=[101]))
    flt, size = export_query(analytics_pb2.ExportEventsRequest(), NOW)
    assert (size, flt["start_ms"], flt["end_ms"]) == (10_000, None, None)
    assert _fields(export_query, analytics_pb2.ExportEventsRequest(batch_size=50_001, session_id="x")) == [
        "session_id", "batch_size"]


def test_reconcile_months_default_to_now_and_stay_ordered_and_bounded() -> None:
    assert reconcile_query(analytics_pb2.ReconcileAnalyticsRequest(), NOW) == {
        "start_month": 202506, "end_month": 202506, "max_examples": 10}
    assert _fields(reconcile_query, analytics_pb2.ReconcileAnalyticsRequest(start_month=202513)) == ["start_month"]
    assert _fields(reconcile_query, analytics_pb2.ReconcileAnalyticsRequest(start_month=202505,
                                                                            end_month=202501)) == ["start_month"]
    assert _fields(reconcile_query, analytics_pb2.ReconcileAnalyticsRequest(start_month=199001,
                                                                            end_month=202501)) == ["end_month"]
