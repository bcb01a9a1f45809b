"""Conversions between AnalyticsService messages and analytics store values."""

from __future__ import annotations

import json
from typing import Any, cast

from google.protobuf import timestamp_pb2

from amauta.v1 import analytics_pb2, common_pb2
from stores.analytics.base import Row
from stores.analytics.queries import CohortStats, ContentScore, PerformancePoint
from stores.sync.reconcile import PartitionDrift, ReconcileReport


def _ts(ms: int) -> timestamp_pb2.Timestamp:
    out = timestamp_pb2.Timestamp()
    out.FromMilliseconds(ms)
    return out


def _object(text: str) -> dict[str, Any]:
    """A JSON column as a dict ({} for text that is not a JSON object)."""
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def learning_event(row: Row) -> analytics_pb2.LearningEvent:
    """An exported learning_events row as a LearningEvent."""
    event = analytics_pb2.LearningEvent(
        timestamp=_ts(int(row["ts"])), event_id=row["event_id"], learner_id=row["learner_id"],
        session_id=row["session_id"], event_type=cast(common_pb2.EventType, int(row["type"])),
        duration_ms=int(row["duration_ms"]),
        success_indicator=bool(row["success_indicator"]), difficulty_level=float(row["difficulty_level"]),
        learning_objective=row["learning_objective"], content_type=row["content_type"])
    for name in ("event_data", "performance_metrics"):
        value = _object(row[name])
        if value:
            getattr(event, name).update(value)
    return event


def performance_point(p: PerformancePoint) -> analytics_pb2.PerformancePoint:
    """A store bucket as a PerformancePoint."""
    return analytics_pb2.PerformancePoint(
        bucket_start=_ts(p.bucket_start_ms), value=p.value, min_value=p.min_value, max_value=p.max_value,
        sample_count=p.sample_count, baseline_value=p.baseline_value, improvement_rate=p.improvement_rate)


def ranked_content(c: ContentScore, rank: int) -> analytics_pb2.RankedContentEffectiveness:
    """A ranked content aggregate."""
    return analytics_pb2.RankedContentEffectiveness(rank=rank, score=c.score, effectiveness=(
        analytics_pb2.ContentEffectiveness(
            timestamp=_ts(c.latest_ms), content_id=c.content_id, dataset_id=c.dataset_id,
            usage_count=min(c.usage_count, 2**32 - 1), success_rate=c.success_rate,
            average_completion_time=c.average_completion_time,
            difficulty_perception=c.difficulty_perception, learner_satisfaction=c.learner_satisfaction,
            learning_objective_achievement=c.learning_objective_achievement,
            retention_rate=c.retention_rate, improvement_correlation=c.improvement_correlation)))


def cohort_response(stats: CohortStats, percentiles: list[float]) -> analytics_pb2.GetCohortStatsResponse:
    """Cohort statistics with the percentiles in request order."""
    return analytics_pb2.GetCohortStatsResponse(
        learner_count=stats.learner_count, sample_count=stats.sample_count, mean=stats.mean,
        values=[analytics_pb2.PercentileValue(percentile=p, value=v)
                for p, v in zip(percentiles, stats.values, strict=True)])


def partition_drift(d: PartitionDrift) -> analytics_pb2.PartitionDrift:
    """A month's drift as a PartitionDrift."""
    return analytics_pb2.PartitionDrift(
        month=d.month, source_count=d.source_count, analytics_count=d.analytics_count,
        source_checksum=d.source_checksum, analytics_checksum=d.analytics_checksum,
        missing_ids=d.missing_ids, extra_ids=d.extra_ids, in_sync=d.in_sync, pending_count=d.pending_count)


def reconcile_response(report: ReconcileReport) -> analytics_pb2.ReconcileAnalyticsResponse:
    """A rule-5 report with the relay's backlog."""
    out = analytics_pb2.ReconcileAnalyticsResponse(
        partitions=[partition_drift(d) for d in report.partitions], pending_count=report.pending_count)
    out.relay_lag.FromMilliseconds(int(report.relay_lag_seconds * 1000))
    return out
