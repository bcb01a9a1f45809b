"""AnalyticsService conversions: exported rows, buckets, ranks, cohorts and rule-5 reports as messages."""

from __future__ import annotations

from amauta.v1 import analytics_pb2
from server.analytics import convert
from stores.analytics.queries import CohortStats, ContentScore, PerformancePoint
from stores.sync.reconcile import PartitionDrift, ReconcileReport

ROW = {"ts": 1_700_000_000_123, "event_id": "e1", "learner_id": "l1", "session_id": "", "type": 4,
       "duration_ms": 50, "success_indicator": True, "difficulty_level": 0.5, "learning_objective": "o",
       "content_type": "quiz", "event_data": '{"a": 1}', "performance_metrics": "[1, 2]"}


def test_an_exported_row_becomes_a_learning_event() -> None:
    event = convert.learning_event(ROW)
    assert (event.timestamp.ToMilliseconds(), event.event_id, event.event_type, event.success_indicator) == (
        1_700_000_000_123, "e1", 4, True)
    assert dict(event.event_data) == {"a": 1.0}
    assert not event.HasField("performance_metrics")  # not a JSON object: left empty
    for falsy in (False, 0):  # every backend hands back a bool or an int (the analytics contract test)
        assert not convert.learning_event({**ROW, "success_indicator": falsy}).success_indicator
    assert not convert.learning_event({**ROW, "event_data": "not json"}).HasField("event_data")


def test_buckets_ranks_and_cohorts() -> None:
    point = convert.performance_point(PerformancePoint(3_600_000, 0.5, 0.1, 0.9, 4, 0.3, 0.2))
    assert (point.bucket_start.ToMilliseconds(), point.sample_count, point.max_value) == (3_600_000, 4, 0.9)
    ranked = convert.ranked_content(ContentScore("c", "d", 5, 2**40, 0.5, 10, 0.1, 0.2, 0.3, 0.4, 0.6, 0.7), 3)
    assert (ranked.rank, ranked.score, ranked.effectiveness.usage_count) == (3, 0.7, 2**32 - 1)
    cohort = convert.cohort_response(CohortStats(2, 5, 0.4, [0.1, 0.9]), [10.0, 90.0])
    assert [(v.percentile, v.value) for v in cohort.values] == [(10.0, 0.1), (90.0, 0.9)]
    assert isinstance(cohort, analytics_pb2.GetCohortStatsResponse)


def test_a_reconcile_report_keeps_sync_state_backlog_and_lag() -> None:
    report = ReconcileReport([PartitionDrift(202501, 2, 1, "aa", "bb", ["m"], [], 3),
                              PartitionDrift(202502, 0, 0, "0", "0")], pending_count=3, relay_lag_seconds=1.25)
    out = convert.reconcile_response(report)
    assert [(p.month, p.in_sync, list(p.missing_ids), p.pending_count) for p in out.partitions] == [
        (202501, False, ["m"], 3), (202502, True, [], 0)]
    assert (out.pending_count, out.relay_lag.ToMilliseconds()) == (3, 1250)
