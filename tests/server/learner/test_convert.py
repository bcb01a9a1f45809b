"""LearnerService conversions: stored profiles, sessions, assessments, progress and erasure as messages."""

from __future__ import annotations

from datetime import datetime, timezone

from amauta.v1 import common_pb2, learner_pb2
from server.learner import convert
from stores.postgres.assessments import Assessment
from stores.postgres.learners import Profile
from stores.postgres.sessions import Session
from stores.redis.progress import Progress
from stores.sync.erasure import ErasureReport, StepReport

NOW = datetime(2025, 1, 1, tzinfo=timezone.utc)


def test_a_profile_with_null_json_fields_gives_empty_structs() -> None:
    msg = convert.profile(Profile("p", "l", "ai", {"a": 1}, None, None, None, None, None, NOW, NOW, None, 2))
    assert (msg.profile_id, msg.profile_version, dict(msg.current_capabilities)) == ("p", 2, {"a": 1.0})
    assert not msg.learning_style.fields and not msg.HasField("last_activity")


def test_a_session_maps_its_enums_and_nullable_ids() -> None:
    msg = convert.session(Session("s", "l", "simulation", None, "e", None, NOW, None, None, "in_progress", None,
                                  None, None, {"simulation_id": "x"}))
    assert (msg.content_id, msg.environment_id, dict(msg.session_metadata)) == ("", "e", {"simulation_id": "x"})
    assert msg.session_type != 0 and msg.completion_status != 0 and not msg.HasField("end_time")


def test_an_assessment_keeps_its_scores_and_review_status() -> None:
    msg = convert.assessment(Assessment("a", "l", None, "quiz", None, None, {"ok": True}, {"s": 0.5}, None, None,
                                        0.75, None, NOW, "reviewed"))
    assert (dict(msg.skill_assessments), msg.confidence_level, msg.session_id, msg.assessor) == (
        {"s": 0.5}, 0.75, "", "")
    assert msg.review_status == common_pb2.REVIEW_STATUS_REVIEWED


def test_progress_and_erasure_reports() -> None:
    progress = convert.progress(Progress("l", "s", "o", 40.0, NOW, 3, 1))
    assert (progress.streak_days, progress.progress_percentage) == (3, 40.0)
    report = convert.erasure(ErasureReport("l", [StepReport("postgresql", 3, True, "d"),
                                                 StepReport("redis", 0, False, "")]))
    assert isinstance(report, learner_pb2.EraseLearnerResponse) and not report.complete
    assert [(s.store, s.removed_count, s.done) for s in report.stores] == [("postgresql", 3, True), ("redis", 0, False)]
