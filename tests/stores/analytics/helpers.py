"""Test helpers: oracle events as event batches."""

from __future__ import annotations

import json

import pyarrow as pa

from stores.analytics.events import EVENT_TYPES, build_events
from tests.stores.analytics.oracle import Event


def to_batch(events: list[Event]) -> pa.Table:
    """An event batch (stores.analytics.events.SCHEMA) of events."""
    return build_events(
        len(events), timestamp_ms=[e.ts_ms for e in events], event_id=[e.event_id for e in events],
        learner_id=[e.learner_id for e in events],
        event_type=[EVENT_TYPES.index(e.event_type) + 1 for e in events],
        session_id=[e.session_id for e in events],
        event_data=[json.dumps(e.event_data) for e in events],
        performance_metrics=[json.dumps(e.performance_metrics) for e in events],
        duration_ms=[e.duration_ms for e in events], success_indicator=[e.success for e in events],
        difficulty_level=[e.difficulty for e in events], learning_objective=[e.objective for e in events],
        content_type=[e.content_type for e in events])
