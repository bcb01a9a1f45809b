"""Store records of LearnerService as protobuf messages."""

from __future__ import annotations

from typing import cast

from amauta.v1 import common_pb2, learner_pb2
from server.rpc import convert
from stores.postgres.assessments import Assessment
from stores.postgres.learners import JSON_FIELDS, Profile
from stores.postgres.sessions import Session
from stores.redis.progress import Progress
from stores.sync.erasure import ErasureReport

_SESSION_TYPE = common_pb2.SessionType.DESCRIPTOR
_COMPLETION = common_pb2.CompletionStatus.DESCRIPTOR
_REVIEW = common_pb2.ReviewStatus.DESCRIPTOR


def profile(p: Profile) -> learner_pb2.LearnerProfile:
    """A learner_profiles row as a LearnerProfile."""
    msg = learner_pb2.LearnerProfile(
        profile_id=p.profile_id, learner_id=p.learner_id, learner_type=p.learner_type,
        created_at=convert.to_timestamp(p.created_at), updated_at=convert.to_timestamp(p.updated_at),
        last_activity=convert.to_timestamp(p.last_activity), profile_version=p.profile_version)
    for name in JSON_FIELDS:
        getattr(msg, name).CopyFrom(convert.dict_to_struct(getattr(p, name)))
    return msg


def session(s: Session) -> learner_pb2.LearningSession:
    """A learning_sessions row as a LearningSession."""
    return learner_pb2.LearningSession(
        session_id=s.session_id, learner_id=s.learner_id,
        session_type=cast(common_pb2.SessionType, convert.enum_from_db(_SESSION_TYPE, s.session_type)),
        content_id=s.content_id or "", environment_id=s.environment_id or "",
        session_config=convert.dict_to_struct(s.session_config),
        start_time=convert.to_timestamp(s.start_time), end_time=convert.to_timestamp(s.end_time),
        duration=s.duration,
        completion_status=cast(common_pb2.CompletionStatus, convert.enum_from_db(_COMPLETION, s.completion_status)),
        performance_data=convert.dict_to_struct(s.performance_data),
        learning_outcomes=convert.dict_to_struct(s.learning_outcomes),
        feedback=convert.dict_to_struct(s.feedback),
        session_metadata=convert.dict_to_struct(s.session_metadata))


def assessment(a: Assessment) -> learner_pb2.AssessmentResult:
    """An assessment_results row as an AssessmentResult."""
    return learner_pb2.AssessmentResult(
        assessment_id=a.assessment_id, learner_id=a.learner_id, session_id=a.session_id or "",
        assessment_type=a.assessment_type,
        assessment_scope=convert.dict_to_struct(a.assessment_scope),
        assessment_criteria=convert.dict_to_struct(a.assessment_criteria),
        results=convert.dict_to_struct(a.results),
        skill_assessments={k: float(v) for k, v in (a.skill_assessments or {}).items()},
        improvement_recommendations=convert.dict_to_struct(a.improvement_recommendations),
        benchmark_comparisons=convert.dict_to_struct(a.benchmark_comparisons),
        confidence_level=a.confidence_level, assessor=a.assessor or "",
        assessment_timestamp=convert.to_timestamp(a.assessment_timestamp),
        review_status=cast(common_pb2.ReviewStatus, convert.enum_from_db(_REVIEW, a.review_status)))


def progress(p: Progress) -> learner_pb2.LearnerProgress:
    """A progress hash (day rule applied) as a LearnerProgress."""
    return learner_pb2.LearnerProgress(
        learner_id=p.learner_id, current_session=p.current_session, current_objective=p.current_objective,
        progress_percentage=p.progress_percentage, last_activity=convert.to_timestamp(p.last_activity),
        streak_days=p.streak_days, today_activities=p.today_activities)


def erasure(r: ErasureReport) -> learner_pb2.EraseLearnerResponse:
    """An erasure report as the EraseLearner response."""
    return learner_pb2.EraseLearnerResponse(
        learner_id=r.learner_id, complete=r.complete,
        stores=[learner_pb2.StoreErasureReport(store=s.store, removed_count=s.removed_count, done=s.done,
                                               detail=s.detail) for s in r.steps])
