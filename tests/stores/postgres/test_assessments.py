"""AssessmentStore on PostgreSQL: rule 2 (a session of the learner), scoped reads, forward-only review."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from stores.errors import InvalidData, NotFound, PreconditionFailed
from stores.postgres import PostgresStore
from stores.postgres.assessments import AssessmentQuery, AssessmentStore
from stores.postgres.sessions import insert_session
from tests.server.learner.helpers import insert_environment, outbox_rows, unique


async def _session(pg: PostgresStore, learner: str) -> str:
    env = await insert_environment(pg)
    async with pg.transaction() as conn:
        started = await insert_session(conn, learner_id=learner, session_type="assessment", environment_id=env)
    return started.session.session_id


def _values(learner: str, session: str, **more: Any) -> dict[str, Any]:
    return {"learner_id": learner, "session_id": session, "assessment_type": "skill_check",
            "results": {"ok": True}, **more}


async def test_record_needs_a_session_of_the_same_learner(pg: PostgresStore) -> None:
    store = AssessmentStore(pg)
    learner = unique("store-assess")
    session = await _session(pg, learner)
    made = await store.record(_values(learner, session, skill_assessments={"s": 0.5}, confidence_level=0.75),
                              request_id=None, identity="admin")
    assert (made.review_status, made.confidence_level, made.skill_assessments) == ("final", 0.75, {"s": 0.5})
    rows = await outbox_rows(pg, made.assessment_id)
    assert [r["event_type"] for r in rows] == ["assessment_submit"]
    assert rows[0]["payload"]["skill_assessments"] == {"s": 0.5}
    with pytest.raises(PreconditionFailed) as caught:
        await store.record(_values(unique("other"), session), request_id=None, identity="admin")
    assert caught.value.reason == "ASSESSMENT_SESSION_INVALID"


async def test_a_confidence_outside_the_check_is_invalid_data(pg: PostgresStore) -> None:
    learner = unique("store-assess")
    session = await _session(pg, learner)
    with pytest.raises(InvalidData):
        await AssessmentStore(pg).record(_values(learner, session, confidence_level=1.5), request_id=None,
                                         identity="admin")


async def test_get_is_scoped_to_the_learner(pg: PostgresStore) -> None:
    store = AssessmentStore(pg)
    learner = unique("store-assess")
    made = await store.record(_values(learner, await _session(pg, learner)), request_id=None, identity="admin")
    assert await store.get(made.assessment_id, learner) == made
    assert await store.get(made.assessment_id, None) == made
    with pytest.raises(NotFound) as caught:
        await store.get(made.assessment_id, unique("other"))
    assert caught.value.reason == "ASSESSMENT_NOT_FOUND"


async def test_review_status_moves_forward_only(pg: PostgresStore) -> None:
    store = AssessmentStore(pg)
    learner = unique("store-assess")
    made = await store.record(_values(learner, await _session(pg, learner), review_status="draft"),
                              request_id=None, identity="admin")
    assert (await store.set_review_status(made.assessment_id, "final", learner)).review_status == "final"
    assert (await store.set_review_status(made.assessment_id, "final", None)).review_status == "final"
    assert (await store.set_review_status(made.assessment_id, "reviewed", None)).review_status == "reviewed"
    with pytest.raises(PreconditionFailed) as caught:
        await store.set_review_status(made.assessment_id, "draft", None)
    assert (caught.value.reason, caught.value.metadata["review_status"]) == ("REVIEW_STATUS_BACKWARD", "reviewed")
    with pytest.raises(NotFound):
        await store.set_review_status(made.assessment_id, "reviewed", unique("other"))


async def test_list_filters_by_type_and_time(pg: PostgresStore) -> None:
    store = AssessmentStore(pg)
    learner = unique("store-assess")
    session = await _session(pg, learner)
    old = datetime(2020, 1, 1, tzinfo=timezone.utc)
    a = await store.record(_values(learner, session, assessment_timestamp=old), request_id=None, identity="admin")
    b = await store.record(_values(learner, session, assessment_type="peer"), request_id=None, identity="admin")
    assert [x.assessment_id for x in await store.list(AssessmentQuery(limit=10, learner_id=learner))] == [
        a.assessment_id, b.assessment_id]
    assert [x.assessment_id for x in await store.list(AssessmentQuery(
        limit=10, learner_id=learner, assessment_type="peer"))] == [b.assessment_id]
    assert [x.assessment_id for x in await store.list(AssessmentQuery(
        limit=10, learner_id=learner, time_to=datetime(2021, 1, 1, tzinfo=timezone.utc)))] == [a.assessment_id]
