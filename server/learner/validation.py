"""Validation of LearnerService requests: each function checks one request and returns store inputs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from google.protobuf.message import Message

from amauta.v1 import common_pb2, learner_pb2
from server.rpc.validation import Checker
from stores.postgres.learners import JSON_FIELDS, MUTABLE_FIELDS

LEARNER_TYPE_CHARS = 50
ASSESSMENT_TYPE_CHARS = 50
OBJECTIVE_CHARS = 255
#: LearnerProfile fields the server sets; naming one in an update mask is INVALID_ARGUMENT.
OUTPUT_ONLY = ("profile_id", "created_at", "updated_at", "profile_version")

_SESSION_TYPE = common_pb2.SessionType.DESCRIPTOR
_COMPLETION = common_pb2.CompletionStatus.DESCRIPTOR
_REVIEW = common_pb2.ReviewStatus.DESCRIPTOR


class LearnerChecker(Checker):
    """Checker with the field kinds LearnerService adds: optional numbers, skill maps, request ids."""

    def optional_number(self, message: Message, name: str, field: str, low: float, high: float) -> float | None:
        """An `optional double` field within [low, high]; None when unset."""
        if not message.HasField(name):
            return None
        return self.number(getattr(message, name), field, low, high)

    def skill_scores(self, values: Mapping[str, float], field: str) -> dict[str, float] | None:
        """A skill id → score map: bounded size, ids 1 to 100 characters, scores within [0, 1]."""
        if not values:
            return None
        if len(values) > self.limits.list_items:
            self.fail(field, f"must have at most {self.limits.list_items} entries")
            return None
        for skill, score in values.items():
            self.identifier(skill, f"{field}[{skill[:40]}]")
            self.unit_interval(score, f"{field}[{skill[:40]}]")
        return dict(values)

    def request_id(self, value: str) -> str | None:
        """An idempotency key of at most 100 characters; None when empty."""
        self.identifier(value, "request_id", required=False)
        return value or None


def _profile_values(c: LearnerChecker, p: learner_pb2.LearnerProfile, names: tuple[str, ...]) -> dict[str, Any]:
    """Checked values of the named mutable profile fields (prefix 'profile.')."""
    out: dict[str, Any] = {}
    for name in names:
        field = f"profile.{name}"
        if name == "learner_type":
            out[name] = c.text(p.learner_type, field, required=True, max_chars=LEARNER_TYPE_CHARS)
        elif name == "last_activity":
            out[name] = c.timestamp(p.last_activity, field)
        else:
            out[name] = c.struct(getattr(p, name), field)
    return out


def create_profile(req: learner_pb2.CreateLearnerProfileRequest) -> tuple[dict[str, Any], str | None]:
    """Profile values (learner_id, learner_type, JSON fields, last_activity) and the request id."""
    c = LearnerChecker()
    values = _profile_values(c, req.profile, MUTABLE_FIELDS)
    values["learner_id"] = c.identifier(req.profile.learner_id, "profile.learner_id")
    request_id = c.request_id(req.request_id)
    c.done()
    return values, request_id


@dataclass(frozen=True)
class ProfileUpdate:
    """A checked UpdateLearnerProfile."""

    learner_id: str
    changes: dict[str, Any]
    etag: int | None


def _set_fields(p: learner_pb2.LearnerProfile) -> tuple[str, ...]:
    """Mutable fields holding a non-default value: the implicit mask."""
    names = []
    for name in MUTABLE_FIELDS:
        if name == "learner_type":
            present = bool(p.learner_type)
        elif name in JSON_FIELDS:
            present = bool(getattr(p, name).fields)
        else:
            present = p.HasField(name)
        if present:
            names.append(name)
    return tuple(names)


def update_profile(req: learner_pb2.UpdateLearnerProfileRequest) -> ProfileUpdate:
    """The learner, the masked changes (an empty Struct or timestamp clears the column) and the etag."""
    c = LearnerChecker()
    learner_id = c.identifier(req.profile.learner_id, "profile.learner_id")
    paths = list(req.update_mask.paths)
    names: list[str] = []
    for i, path in enumerate(paths):
        field = f"update_mask.paths[{i}]"
        if path == "learner_id":
            c.fail(field, "learner_id cannot change")
        elif path in OUTPUT_ONLY:
            c.fail(field, f"{path} is output only")
        elif path not in MUTABLE_FIELDS:
            c.fail(field, f"unknown field {path[:60]!r}; one of {', '.join(MUTABLE_FIELDS)}")
        elif path not in names:
            names.append(path)
    if not paths:
        names = list(_set_fields(req.profile))
        if not names:
            c.fail("update_mask", "nothing to update: set a field or name it in the mask")
    changes = _profile_values(c, req.profile, tuple(names))
    c.non_negative(req.etag, "etag")
    c.done()
    return ProfileUpdate(learner_id, changes, req.etag or None)


@dataclass(frozen=True)
class ProfileFilter:
    """Checked filters of ListLearnerProfiles."""

    learner_type: str | None
    last_activity_from: datetime | None
    last_activity_to: datetime | None


def list_profiles(req: learner_pb2.ListLearnerProfilesRequest) -> ProfileFilter:
    """Type and last_activity range."""
    c = LearnerChecker()
    c.text(req.learner_type, "learner_type", max_chars=LEARNER_TYPE_CHARS)
    start, end = c.time_range(req.last_activity, "last_activity")
    c.done()
    return ProfileFilter(req.learner_type or None, start, end)


def learner_id(value: str) -> str:
    """A required learner id."""
    c = LearnerChecker()
    c.identifier(value, "learner_id")
    c.done()
    return value


@dataclass(frozen=True)
class SessionStart:
    """A checked StartSession."""

    learner_id: str
    session_type: str
    content_id: str | None
    environment_id: str | None
    session_config: dict[str, Any] | None
    session_metadata: dict[str, Any] | None
    request_id: str | None


def start_session(req: learner_pb2.StartSessionRequest) -> SessionStart:
    """Learner, type, exactly one target, JSON fields and the request id."""
    c = LearnerChecker()
    learner = c.identifier(req.learner_id, "learner_id")
    session_type = c.enum(req.session_type, _SESSION_TYPE, "session_type")
    target = req.WhichOneof("target")
    content_id = environment_id = None
    if target is None:
        c.fail("target", "content_id or environment_id is required")
    elif target == "content_id":
        content_id = c.uuid(req.content_id, "content_id")
    else:
        environment_id = c.uuid(req.environment_id, "environment_id")
    config = c.struct(req.session_config, "session_config")
    metadata = c.struct(req.session_metadata, "session_metadata")
    request_id = c.request_id(req.request_id)
    c.done()
    assert session_type is not None
    return SessionStart(learner, session_type, content_id, environment_id, config, metadata, request_id)


@dataclass(frozen=True)
class SessionEnd:
    """A checked Complete/Abandon/FailSession."""

    session_id: str
    performance_data: dict[str, Any] | None
    learning_outcomes: dict[str, Any] | None
    feedback: dict[str, Any] | None


def end_session(req: learner_pb2.CompleteSessionRequest | learner_pb2.AbandonSessionRequest
                | learner_pb2.FailSessionRequest) -> SessionEnd:
    """The session id and the outcome fields."""
    c = LearnerChecker()
    session_id = c.uuid(req.session_id, "session_id")
    values = SessionEnd(session_id or "", c.struct(req.performance_data, "performance_data"),
                        c.struct(req.learning_outcomes, "learning_outcomes"), c.struct(req.feedback, "feedback"))
    c.done()
    return values


def resource_id(value: str, field: str) -> str:
    """A required UUID (session or assessment id), canonical."""
    c = LearnerChecker()
    out = c.uuid(value, field)
    c.done()
    assert out is not None
    return out


@dataclass(frozen=True)
class SessionFilter:
    """Checked filters of ListSessions."""

    learner_id: str | None
    session_type: str | None
    completion_status: str | None
    start_from: datetime | None
    start_to: datetime | None


def list_sessions(req: learner_pb2.ListSessionsRequest) -> SessionFilter:
    """Learner, type, status and start_time range, each optional."""
    c = LearnerChecker()
    c.identifier(req.learner_id, "learner_id", required=False)
    session_type = c.enum(req.session_type, _SESSION_TYPE, "session_type", required=False)
    status = c.enum(req.completion_status, _COMPLETION, "completion_status", required=False)
    start, end = c.time_range(req.start_time, "start_time")
    c.done()
    return SessionFilter(req.learner_id or None, session_type, status, start, end)


def record_assessment(req: learner_pb2.RecordAssessmentRequest) -> tuple[dict[str, Any], str | None]:
    """Assessment values for the store and the request id."""
    c = LearnerChecker()
    a = req.assessment
    values: dict[str, Any] = {
        "learner_id": c.identifier(a.learner_id, "assessment.learner_id"),
        "session_id": c.uuid(a.session_id, "assessment.session_id"),
        "assessment_type": c.text(a.assessment_type, "assessment.assessment_type", required=True,
                                  max_chars=ASSESSMENT_TYPE_CHARS),
        "results": c.struct(a.results, "assessment.results", required=True),
        "skill_assessments": c.skill_scores(a.skill_assessments, "assessment.skill_assessments"),
        "confidence_level": c.optional_number(a, "confidence_level", "assessment.confidence_level", 0.0, 1.0),
        "assessor": c.identifier(a.assessor, "assessment.assessor", required=False) or None,
        "assessment_timestamp": c.timestamp(a.assessment_timestamp, "assessment.assessment_timestamp"),
        "review_status": c.enum(a.review_status, _REVIEW, "assessment.review_status", required=False),
    }
    for name in ("assessment_scope", "assessment_criteria", "improvement_recommendations",
                 "benchmark_comparisons"):
        values[name] = c.struct(getattr(a, name), f"assessment.{name}")
    request_id = c.request_id(req.request_id)
    c.done()
    return values, request_id


@dataclass(frozen=True)
class AssessmentFilter:
    """Checked filters of ListAssessments."""

    learner_id: str | None
    assessment_type: str | None
    time_from: datetime | None
    time_to: datetime | None


def list_assessments(req: learner_pb2.ListAssessmentsRequest) -> AssessmentFilter:
    """Learner, type and assessment_timestamp range, each optional."""
    c = LearnerChecker()
    c.identifier(req.learner_id, "learner_id", required=False)
    c.text(req.assessment_type, "assessment_type", max_chars=ASSESSMENT_TYPE_CHARS)
    start, end = c.time_range(req.assessment_timestamp, "assessment_timestamp")
    c.done()
    return AssessmentFilter(req.learner_id or None, req.assessment_type or None, start, end)


def review_status(req: learner_pb2.SetAssessmentReviewStatusRequest) -> tuple[str, str]:
    """The assessment id and the new status."""
    c = LearnerChecker()
    assessment_id = c.uuid(req.assessment_id, "assessment_id")
    status = c.enum(req.review_status, _REVIEW, "review_status")
    c.done()
    assert assessment_id is not None and status is not None
    return assessment_id, status


@dataclass(frozen=True)
class ProgressReport:
    """A checked ReportProgress."""

    learner_id: str
    percentage: float | None
    objective: str | None


def report_progress(req: learner_pb2.ReportProgressRequest) -> ProgressReport:
    """Learner, optional percentage within [0, 100] and optional objective."""
    c = LearnerChecker()
    c.identifier(req.learner_id, "learner_id")
    percentage = c.optional_number(req, "progress_percentage", "progress_percentage", 0.0, 100.0)
    objective = None
    if req.HasField("current_objective"):
        objective = c.text(req.current_objective, "current_objective", max_chars=OBJECTIVE_CHARS)
    c.done()
    return ProgressReport(req.learner_id, percentage, objective)
