"""Validation of AnalyticsService requests: request fields through the Checker, event rows in bulk.

Event rows are checked column by column with Arrow compute (no Python loop per row); each bad row
is reported once, for the first column at fault in schema order. Whether JSON text parses is
checked by the store in the same round trip as the duplicate lookup (stores/analytics/events.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from amauta.v1 import analytics_pb2, common_pb2
from server.rpc.validation import Checker
from stores.analytics.events import EVENT_TYPES, SOURCE_EVENT_TYPES
from stores.analytics.queries import BUCKET_SECONDS
from stores.ids import CONTROL_RE2, EDGE_SEPARATOR_RE2, NO_CONTROL, NO_EDGE_SPACE

_UUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
_SOURCE_NUMBERS = sorted(EVENT_TYPES.index(t) + 1 for t in SOURCE_EVENT_TYPES)
_METRIC = common_pb2.MetricType.DESCRIPTOR
_EVENT_TYPE = common_pb2.EventType.DESCRIPTOR
#: TimeBucket numbers → store bucket names (UNSPECIFIED means day).
BUCKETS = {0: "day", analytics_pb2.TIME_BUCKET_HOUR: "hour", analytics_pb2.TIME_BUCKET_DAY: "day",
           analytics_pb2.TIME_BUCKET_WEEK: "week"}
#: EffectivenessMeasure numbers → store measure names (UNSPECIFIED means success_rate).
MEASURES = {0: "success_rate", 1: "success_rate", 2: "usage_count", 3: "average_completion_time",
            4: "difficulty_perception", 5: "learner_satisfaction", 6: "learning_objective_achievement",
            7: "retention_rate", 8: "improvement_correlation"}
MAX_BUCKETS = 10_000
MAX_PERCENTILES = 100
MAX_MONTHS = 120
DEFAULT_RANGE = timedelta(days=30)


@dataclass(frozen=True)
class EventRules:
    """Per-event limits of learning events (defaults: the proto's)."""

    max_age: timedelta = timedelta(days=365)
    max_future: timedelta = timedelta(hours=1)
    json_bytes: int = 64 * 1024
    id_chars: int = 100
    text_chars: int = 255
    batch_id_chars: int = 100


def _ms(when: datetime) -> int:
    return (when - datetime(1970, 1, 1, tzinfo=timezone.utc)) // timedelta(milliseconds=1)


def row_errors(batch: pa.Table, rules: EventRules, now: datetime) -> tuple[np.ndarray, list[tuple[int, str, str]]]:
    """(valid mask, [(row, field, message)]) of an event batch (stores.analytics.events.SCHEMA layout)."""
    n = batch.num_rows
    first = np.full(n, -1, dtype=np.int32)
    messages: list[tuple[str, str]] = []

    def rule(field: str, message: str, bad: pa.Array | pa.ChunkedArray) -> None:
        mask = np.asarray(pc.fill_null(bad, True).to_numpy(zero_copy_only=False), dtype=bool)
        hit = mask & (first < 0)
        if hit.any():
            first[hit] = len(messages)
        messages.append((field, message))

    ts = batch.column("timestamp").cast(pa.int64())
    rule("timestamp", "is required", pc.equal(ts, 0))
    rule("timestamp", f"must be at most {rules.max_age.days} days in the past and "
         f"{int(rules.max_future.total_seconds())} seconds in the future",
         pc.or_(pc.less(ts, _ms(now - rules.max_age)), pc.greater(ts, _ms(now + rules.max_future))))
    for name in ("event_id", "learner_id"):
        column = batch.column(name)
        rule(name, "is required", pc.equal(pc.utf8_length(column), 0))
        rule(name, f"must be at most {rules.id_chars} characters",
             pc.greater(pc.utf8_length(column), rules.id_chars))
        rule(name, "must not contain NUL characters", pc.match_substring(column, "\x00"))
    # Learner ids follow the id grammar (stores/ids.py); event ids only need to be storable.
    learners = batch.column("learner_id")
    rule("learner_id", NO_CONTROL, pc.match_substring_regex(learners, CONTROL_RE2))
    rule("learner_id", NO_EDGE_SPACE, pc.match_substring_regex(learners, EDGE_SEPARATOR_RE2))
    session = batch.column("session_id")
    rule("session_id", "must be a UUID (or empty)",
         pc.and_(pc.not_equal(session, ""), pc.invert(pc.match_substring_regex(session, _UUID))))
    kinds = batch.column("event_type")
    rule("event_type", "must be specified", pc.equal(kinds, 0))
    rule("event_type", f"must be one of {', '.join(EVENT_TYPES)}",
         pc.or_(pc.less(kinds, 0), pc.greater(kinds, len(EVENT_TYPES))))
    rule("event_type", "session_start, session_end and assessment_submit come from PostgreSQL through"
         " the outbox relay; record the session or assessment with LearnerService",
         pc.is_in(kinds, value_set=pa.array(_SOURCE_NUMBERS, pa.int32())))
    for name in ("event_data", "performance_metrics"):
        rule(name, f"must be at most {rules.json_bytes} bytes",
             pc.greater(pc.binary_length(batch.column(name)), rules.json_bytes))
    level = batch.column("difficulty_level")
    rule("difficulty_level", "must be between 0 and 1",
         pc.invert(pc.and_(pc.greater_equal(level, 0.0), pc.less_equal(level, 1.0))))
    for name in ("learning_objective", "content_type"):
        rule(name, f"must be at most {rules.text_chars} characters",
             pc.greater(pc.utf8_length(batch.column(name)), rules.text_chars))
    bad_rows = np.flatnonzero(first >= 0)
    return first < 0, [(int(i), *messages[first[i]]) for i in bad_rows]


class AnalyticsChecker(Checker):
    """Checker with the request fields of AnalyticsService."""

    def metric(self, value: int, field: str) -> str | None:
        """A required MetricType as its database string."""
        return self.enum(value, _METRIC, field)

    def range_ms(self, value: common_pb2.TimeRange, field: str, *, now: datetime,
                 default_span: timedelta | None) -> tuple[int | None, int | None]:
        """A TimeRange as epoch milliseconds; with default_span, unset end is now and unset start is end − span."""
        start = self.timestamp(value.start, f"{field}.start")
        end = self.timestamp(value.end, f"{field}.end")
        if start is not None and end is not None and start > end:
            self.fail(field, "start must not be after end")
        if default_span is not None:
            end = end or now
            start = start or end - default_span
        return (_ms(start) if start else None), (_ms(end) if end else None)

    def month(self, value: int, field: str, *, default: int) -> int:
        """A YYYYMM month partition; 0 means default."""
        if value == 0:
            return default
        year, mo = divmod(value, 100)
        if not (1970 <= year <= 2299 and 1 <= mo <= 12):
            self.fail(field, "must be a month as YYYYMM, e.g. 202406")
        return value

    def percentiles(self, values: list[float], field: str) -> list[float]:
        """Percentiles within [0, 100], at most 100; empty means 50, 90, 99."""
        if len(values) > MAX_PERCENTILES:
            self.fail(field, f"must have at most {MAX_PERCENTILES} items")
            return []
        for i, p in enumerate(values):
            if not math.isfinite(p) or not 0 <= p <= 100:
                self.fail(f"{field}[{i}]", "must be between 0 and 100")
        return list(values) or [50.0, 90.0, 99.0]


def performance_query(req: analytics_pb2.GetLearnerPerformanceRequest, now: datetime) -> dict[str, Any]:
    """Store arguments of GetLearnerPerformance."""
    check = AnalyticsChecker()
    learner = check.identifier(req.learner_id, "learner_id")
    metric = check.metric(req.metric_type, "metric_type")
    bucket = BUCKETS.get(req.bucket)
    if bucket is None:
        check.fail("bucket", "must be TIME_BUCKET_HOUR, TIME_BUCKET_DAY or TIME_BUCKET_WEEK")
    start, end = check.range_ms(req.time_range, "time_range", now=now, default_span=DEFAULT_RANGE)
    if (bucket and start is not None and end is not None
            and (end - start) / 1000 / BUCKET_SECONDS[bucket] > MAX_BUCKETS):
        check.fail("time_range", f"spans more than {MAX_BUCKETS} buckets of one {bucket}")
    check.done()
    return {"learner_id": learner, "metric": metric, "bucket": bucket, "start_ms": start, "end_ms": end}


def effectiveness_query(req: analytics_pb2.GetContentEffectivenessRequest, now: datetime) -> dict[str, Any]:
    """Store arguments of GetContentEffectiveness (without paging)."""
    check = AnalyticsChecker()
    measure = MEASURES.get(req.rank_by)
    if measure is None:
        check.fail("rank_by", "must be an EffectivenessMeasure")
    if req.min_usage < 0:
        check.fail("min_usage", "must not be negative")
    dataset = check.uuid(req.dataset_id, "dataset_id", required=False)
    start, end = check.range_ms(req.time_range, "time_range", now=now, default_span=None)
    check.done()
    return {"measure": measure, "ascending": req.ascending, "min_usage": req.min_usage,
            "dataset_id": dataset or "", "start_ms": start, "end_ms": end}


def cohort_query(req: analytics_pb2.GetCohortStatsRequest, now: datetime) -> dict[str, Any]:
    """Store arguments of GetCohortStats."""
    check = AnalyticsChecker()
    metric = check.metric(req.metric_type, "metric_type")
    learner_type = check.text(req.learner_type, "learner_type", max_chars=50)
    objective = check.text(req.learning_objective, "learning_objective")
    start, end = check.range_ms(req.time_range, "time_range", now=now, default_span=DEFAULT_RANGE)
    percentiles = check.percentiles(list(req.percentiles), "percentiles")
    check.done()
    return {"metric": metric, "learner_type": learner_type, "objective": objective, "start_ms": start,
            "end_ms": end, "percentiles": percentiles}


def export_query(req: analytics_pb2.ExportEventsRequest, now: datetime) -> tuple[dict[str, Any], int]:
    """ExportFilter fields and the batch size of ExportEvents."""
    check = AnalyticsChecker()
    learner = check.identifier(req.learner_id, "learner_id", required=False)
    session = check.uuid(req.session_id, "session_id", required=False)
    kind = check.enum(req.event_type, _EVENT_TYPE, "event_type", required=False)
    start, end = check.range_ms(req.time_range, "time_range", now=now, default_span=None)
    if not 0 <= req.batch_size <= 50_000:
        check.fail("batch_size", "must be between 0 and 50000")
    check.done()
    return ({"learner_id": learner, "session_id": session or "", "event_type": kind or "",
             "start_ms": start, "end_ms": end}, req.batch_size or 10_000)


def reconcile_query(req: analytics_pb2.ReconcileAnalyticsRequest, now: datetime) -> dict[str, Any]:
    """Store arguments of ReconcileAnalytics."""
    check = AnalyticsChecker()
    current = now.year * 100 + now.month
    start = check.month(req.start_month, "start_month", default=current)
    end = check.month(req.end_month, "end_month", default=current)
    if not 0 <= req.max_examples <= 1000:
        check.fail("max_examples", "must be between 0 and 1000")
    check.done()
    if start > end:
        check.fail("start_month", "must not be after end_month")
    elif (end // 100 - start // 100) * 12 + end % 100 - start % 100 + 1 > MAX_MONTHS:
        check.fail("end_month", f"must be at most {MAX_MONTHS} months after start_month")
    check.done()
    return {"start_month": start, "end_month": end, "max_examples": req.max_examples or 10}
