"""The analytics consumer inside the node: outbox rows become learning_events rows, exactly once."""

from __future__ import annotations

import json
import random
import uuid
from datetime import datetime, timedelta, timezone

from server.runtime import Stores
from stores.analytics.events import EventStore, RecordOutcome
from stores.postgres.outbox import OutboxRow
from stores.sync.analytics_relay import AnalyticsConsumer
from tests.server.analytics.helpers import add_outbox, delivered, iso


def _ms(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)



async def _events(stores: Stores, ids: list[str]) -> dict[str, dict]:
    rows = await stores.analytics.query(
        "SELECT event_id, toUnixTimestamp64Milli(timestamp) AS ts, learner_id, session_id,"
        " toString(event_type) AS kind, event_data, performance_metrics, duration_ms, success_indicator,"
        " difficulty_level, learning_objective, content_type FROM learning_events"
        " WHERE event_id IN (SELECT arrayJoin(splitByChar(',', {ids:String})))", {"ids": ",".join(ids)})
    return {r["event_id"]: r for r in rows}


def _outbox(kind: str, learner: str, payload: dict) -> dict:
    return {"event_id": str(uuid.uuid4()), "event_type": kind, "learner_id": learner,
            "aggregate_id": payload.get("session_id") or payload.get("assessment_id") or learner,
            "payload": payload}


async def test_session_and_assessment_rows_reach_learning_events(stores: Stores) -> None:
    learner, session, content = f"relay-{uuid.uuid4().hex[:6]}", str(uuid.uuid4()), str(uuid.uuid4())
    start, end = "2001-03-05T10:00:00.123Z", "2001-03-05T10:30:00.456Z"
    common = {"session_id": session, "learner_id": learner, "session_type": "training", "content_id": content,
              "environment_id": "", "start_time": start, "difficulty_level": 0.4,
              "learning_objective": "ethics", "content_type": "ethical_dilemmas"}
    rows = [
        _outbox("session_start", learner, common),
        _outbox("session_end", learner, {**common, "completion_status": "completed", "end_time": end,
                                         "duration_seconds": 1800, "performance_data": {"satisfaction": 0.9},
                                         "learning_outcomes": {"ethics": 0.8}}),
        _outbox("assessment_submit", learner, {"assessment_id": str(uuid.uuid4()), "session_id": session,
                                               "learner_id": learner, "assessment_type": "quiz",
                                               "assessment_timestamp": "2001-03-05T10:31:00Z",
                                               "skill_assessments": {"a": 0.2, "b": 0.6},
                                               "confidence_level": 0.7, "review_status": "final"}),
        _outbox("assessment_submit", learner, {"assessment_id": str(uuid.uuid4()), "session_id": "",
                                               "learner_id": learner, "assessment_type": "quiz",
                                               "assessment_timestamp": "not a time", "skill_assessments": {}}),
        _outbox("profile_upserted", learner, {"learner_id": learner, "learner_type": "agent"}),
    ]
    await add_outbox(stores.postgres, rows)
    ids = [r["event_id"] for r in rows]
    await delivered(stores, ids)
    found = await _events(stores, ids)
    assert set(found) == set(ids[:4])  # profile_upserted is not an analytics event
    s, e, a, bad = (found[i] for i in ids[:4])
    assert (s["kind"], int(s["ts"]), s["session_id"], s["learner_id"]) == ("session_start", _ms(start), session, learner)
    assert (float(s["difficulty_level"]), s["learning_objective"], s["content_type"]) == (0.4, "ethics", "ethical_dilemmas")
    assert json.loads(s["event_data"]) == {"session_type": "training", "content_id": content,
                                           "environment_id": "", "dataset_id": ""}
    assert (e["kind"], int(e["ts"]), int(e["duration_ms"]), e["success_indicator"]) == ("session_end", _ms(end), 1_800_000, True)
    assert json.loads(e["performance_metrics"]) == {"satisfaction": 0.9}
    assert (a["kind"], int(a["ts"]), a["success_indicator"]) == ("assessment_submit", _ms("2001-03-05T10:31:00Z"), False)
    assert json.loads(a["performance_metrics"]) == {"score": 0.4}
    async with stores.postgres.connection() as conn:
        cur = await conn.execute("SELECT (extract(epoch FROM date_trunc('milliseconds', created_at)) * 1000)::bigint AS ms"
                                 " FROM analytics_outbox WHERE event_id = %s", (ids[3],))
        row = await cur.fetchone()
    assert row is not None
    created = row["ms"]
    assert int(bad["ts"]) == created  # an unusable payload time falls back to the row's created_at


async def test_a_batch_delivered_again_adds_nothing(stores: Stores) -> None:
    learner = f"again-{uuid.uuid4().hex[:6]}"
    now = datetime.now(timezone.utc)
    rows = [OutboxRow(outbox_id=-i, event_id=str(uuid.uuid4()), event_type="session_start",
                      aggregate_id=str(uuid.uuid4()), learner_id=learner,
                      payload={"start_time": iso(int(now.timestamp() * 1000) - i), "session_type": "practice"},
                      created_at=now) for i in range(1, 201)]
    outcomes: list[RecordOutcome] = []
    consumer = AnalyticsConsumer(stores.postgres, EventStore(stores.analytics), on_delivered=outcomes.append)
    await consumer.deliver(rows)
    await consumer.deliver(rows[:50] + rows[150:])  # a crash between insert and commit, then a new batch
    await consumer.deliver(rows)
    assert [(o.inserted, o.duplicates) for o in outcomes] == [(200, 0), (0, 100), (0, 200)]
    found = await _events(stores, [r.event_id for r in rows])
    assert len(found) == 200


async def test_a_spread_batch_delivered_again_adds_nothing(stores: Stores) -> None:
    # A backfill of session ends over a year: the store's lookup finds them by their exact times.
    # The rows are not in the outbox table, so each event's time is its row's created_at.
    learner = f"spread-{uuid.uuid4().hex[:6]}"
    now = datetime.now(timezone.utc)
    rnd = random.Random(5)
    ago = [rnd.randrange(365 * 86_400_000) for _ in range(400)]
    rows = [OutboxRow(outbox_id=-i, event_id=str(uuid.uuid4()), event_type="session_end",
                      aggregate_id=str(uuid.uuid4()), learner_id=learner, payload={"completion_status": "completed"},
                      created_at=now - timedelta(milliseconds=ms)) for i, ms in enumerate(ago, 1)]
    outcomes: list[RecordOutcome] = []
    consumer = AnalyticsConsumer(stores.postgres, EventStore(stores.analytics), on_delivered=outcomes.append)
    await consumer.deliver(rows)
    await consumer.deliver(rows[::-2])  # redelivered after a crash, in another order and size
    await consumer.deliver(rows)
    assert [(o.inserted, o.duplicates) for o in outcomes] == [(400, 0), (0, 200), (0, 400)]
    found = await _events(stores, [r.event_id for r in rows])
    now_ms = (now - datetime(1970, 1, 1, tzinfo=timezone.utc)) // timedelta(milliseconds=1)
    assert sorted(int(f["ts"]) for f in found.values()) == sorted(now_ms - ms for ms in ago)
