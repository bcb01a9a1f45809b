"""The "analytics" outbox consumer: session and assessment rows become learning_events rows.

Each source row becomes exactly one event whose event_id is the outbox event_id and whose timestamp
is analytics_event_time() of the row (PostgreSQL migration 0030, shared with rule 5). Delivery goes
through EventStore.record(), which inserts only the (event_id, timestamp) keys not yet stored, with
a dedup token derived from them: a batch delivered again after a crash (before the relay marked it)
adds nothing, and a batch cut short between two partition parts is completed.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from stores.analytics.events import EVENT_TYPES, EventStore, RecordOutcome, build_events
from stores.postgres import PostgresStore
from stores.postgres.outbox import OutboxRow

_TIMES = ("SELECT outbox_id, analytics_event_time(event_type, payload, created_at) AS at"
          " FROM analytics_outbox WHERE outbox_id = ANY(%s)")
_DATASETS = ("SELECT content_id::text AS content_id, dataset_id::text AS dataset_id"
             " FROM training_content WHERE content_id = ANY(%s::uuid[])")
#: Event-data fields copied from each payload (the rest of a payload stays in PostgreSQL).
_DATA_FIELDS = {
    "session_start": ("session_type", "content_id", "environment_id"),
    "session_end": ("session_type", "content_id", "environment_id", "completion_status",
                    "learning_outcomes"),
    "assessment_submit": ("assessment_id", "assessment_type", "skill_assessments", "confidence_level",
                          "review_status"),
}


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _ms(when: datetime) -> int:
    """Milliseconds since the epoch, in integer arithmetic (floats would round .123 to .122)."""
    aware = when if when.tzinfo else when.replace(tzinfo=timezone.utc)
    return (aware - _EPOCH) // timedelta(milliseconds=1)


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def _unit(value: Any) -> float:
    """A number clamped to [0, 1]; 0 for anything else."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        return 0.0
    return min(1.0, max(0.0, float(value)))


def assessment_score(payload: dict[str, Any]) -> float | None:
    """Mean of the numeric skill scores of an assessment payload (None when it has none)."""
    scores = payload.get("skill_assessments")
    values = [float(v) for v in scores.values()
              if isinstance(v, (int, float)) and not isinstance(v, bool)] if isinstance(scores, dict) else []
    return sum(values) / len(values) if values else None


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


class AnalyticsConsumer:
    """OutboxConsumer "analytics": session_start, session_end and assessment_submit → learning_events."""

    name = "analytics"
    event_types = frozenset({"session_start", "session_end", "assessment_submit"})

    def __init__(self, postgres: PostgresStore, events: EventStore,
                 on_delivered: Callable[[RecordOutcome], None] | None = None) -> None:
        self.postgres = postgres
        self.events = events
        #: Called with the outcome of each delivered batch (progress reports, crash tests).
        self.on_delivered = on_delivered

    async def deliver(self, rows: Sequence[OutboxRow]) -> None:
        """Insert the events of rows that are not stored yet; returns once they are durable."""
        times, datasets = await self._lookups(rows)
        columns: dict[str, list[Any]] = {name: [] for name in (
            "timestamp_ms", "event_id", "learner_id", "session_id", "event_type", "event_data",
            "performance_metrics", "duration_ms", "success_indicator", "difficulty_level",
            "learning_objective", "content_type")}
        for row in rows:
            for name, value in self.event_of(row, times.get(row.outbox_id), datasets).items():
                columns[name].append(value)
        batch = build_events(len(rows), **columns)
        outcome = await self.events.record(batch)
        if outcome.invalid:  # payload JSON comes from JSONB, so this means a bug, not bad input
            raise ValueError(f"outbox rows produced invalid events: {outcome.invalid[:3]}")
        if self.on_delivered is not None:
            self.on_delivered(outcome)

    async def _lookups(self, rows: Sequence[OutboxRow]) -> tuple[dict[int, datetime], dict[str, str]]:
        contents = sorted({c for r in rows if isinstance(c := r.payload.get("content_id"), str)
                           and _is_uuid(c)})
        async with self.postgres.connection() as conn:
            cur = await conn.execute(_TIMES, ([r.outbox_id for r in rows],))
            times = {int(r["outbox_id"]): r["at"] for r in await cur.fetchall()}
            datasets: dict[str, str] = {}
            if contents:
                cur = await conn.execute(_DATASETS, (contents,))
                datasets = {r["content_id"]: r["dataset_id"] for r in await cur.fetchall()}
        return times, datasets

    @staticmethod
    def event_of(row: OutboxRow, at: datetime | None, datasets: dict[str, str]) -> dict[str, Any]:
        """The learning_events columns of one outbox row (at: analytics_event_time of the row)."""
        p = row.payload
        kind = row.event_type
        data = {k: p[k] for k in _DATA_FIELDS[kind] if k in p and p[k] is not None}
        content = p.get("content_id") or ""
        if kind != "assessment_submit" and content:
            data["dataset_id"] = datasets.get(content, "")
        success = False
        duration_ms = 0
        metrics: dict[str, Any] = {}
        if kind == "session_end":
            success = p.get("completion_status") == "completed"
            seconds = p.get("duration_seconds")
            duration_ms = int(seconds) * 1000 if isinstance(seconds, (int, float)) and seconds > 0 else 0
            performance = p.get("performance_data")
            metrics = performance if isinstance(performance, dict) else {}
        elif kind == "assessment_submit":
            score = assessment_score(p)
            success = score is not None and score >= 0.5
            metrics = {"score": score} if score is not None else {}
        return {
            "timestamp_ms": _ms(at or row.created_at),
            "event_id": row.event_id,
            "learner_id": str(row.learner_id or p.get("learner_id") or ""),
            "session_id": str(p.get("session_id") or (row.aggregate_id if kind != "assessment_submit" else "")),
            "event_type": EVENT_TYPES.index(kind) + 1,
            "event_data": _json(data),
            "performance_metrics": _json(metrics),
            "duration_ms": duration_ms,
            "success_indicator": success,
            "difficulty_level": _unit(p.get("difficulty_level")),
            "learning_objective": str(p.get("learning_objective") or ""),
            "content_type": str(p.get("content_type") or ""),
        }
