"""LearnerService validation: profiles with masks, session starts with one target, assessments, progress."""

from __future__ import annotations

from typing import Any

import pytest

from amauta.v1 import learner_pb2
from server.learner import validation as v
from server.rpc.errors import ApiError

ID = "6f1d7c9e-3b1a-5a8e-9d0c-a3c4b5d6e7f8"


def _fields(fn: Any, request: Any) -> list[str]:
    with pytest.raises(ApiError) as caught:
        fn(request)
    return [x.field for x in caught.value.violations]


def test_a_profile_create_needs_an_id_and_a_type() -> None:
    assert _fields(v.create_profile, learner_pb2.CreateLearnerProfileRequest()) == [
        "profile.learner_type", "profile.learner_id"]
    values, request_id = v.create_profile(learner_pb2.CreateLearnerProfileRequest(
        profile=learner_pb2.LearnerProfile(learner_id="l", learner_type="ai"), request_id="r"))
    assert (values["learner_id"], values["learner_type"], values["preferences"], request_id) == ("l", "ai", None, "r")


def test_an_update_takes_the_mask_or_the_set_fields() -> None:
    profile = learner_pb2.LearnerProfile(learner_id="l", learner_type="human")
    implicit = v.update_profile(learner_pb2.UpdateLearnerProfileRequest(profile=profile, etag=3))
    assert (implicit.changes, implicit.etag) == ({"learner_type": "human"}, 3)
    masked = learner_pb2.UpdateLearnerProfileRequest(profile=profile)
    masked.update_mask.paths.extend(["preferences"])
    assert v.update_profile(masked).changes == {"preferences": None}  # an empty Struct clears the column
    bad = learner_pb2.UpdateLearnerProfileRequest(profile=profile)
    bad.update_mask.paths.extend(["learner_id", "created_at", "bogus"])
    assert _fields(v.update_profile, bad) == ["update_mask.paths[0]", "update_mask.paths[1]", "update_mask.paths[2]"]
    nothing = learner_pb2.UpdateLearnerProfileRequest(profile=learner_pb2.LearnerProfile(learner_id="l"))
    assert _fields(v.update_profile, nothing) == ["update_mask"]


def test_a_session_start_needs_exactly_one_valid_target() -> None:
    assert set(_fields(v.start_session, learner_pb2.StartSessionRequest())) == {"learner_id", "session_type",
                                                                                 "target"}
    assert _fields(v.start_session, learner_pb2.StartSessionRequest(learner_id="l", session_type=1,
                                                                    content_id="x")) == ["content_id"]
    start = v.start_session(learner_pb2.StartSessionRequest(learner_id="l", session_type=1,
                                                            environment_id=ID.upper()))
    assert (start.environment_id, start.content_id, start.request_id) == (ID, None, None)


def test_session_ends_and_resource_ids_are_canonical_uuids() -> None:
    assert v.end_session(learner_pb2.CompleteSessionRequest(session_id=ID)).session_id == ID
    assert _fields(v.end_session, learner_pb2.AbandonSessionRequest(session_id="x")) == ["session_id"]
    assert v.resource_id(ID.upper(), "assessment_id") == ID
    with pytest.raises(ApiError):
        v.learner_id(" padded")


def test_skill_scores_and_review_status() -> None:
    check = v.LearnerChecker()
    assert check.skill_scores({}, "skills") is None
    assert check.skill_scores({"a": 0.5, " b": 2.0}, "skills") == {"a": 0.5, " b": 2.0}
    assert [x.field for x in check.violations] == ["skills[ b]", "skills[ b]"]
    assert _fields(v.review_status, learner_pb2.SetAssessmentReviewStatusRequest()) == ["assessment_id",
                                                                                         "review_status"]


def test_progress_percentages_and_objectives_are_optional_but_bounded() -> None:
    report = v.report_progress(learner_pb2.ReportProgressRequest(learner_id="l"))
    assert (report.percentage, report.objective) == (None, None)
    assert _fields(v.report_progress, learner_pb2.ReportProgressRequest(learner_id="l",
                                                                        progress_percentage=101)) == [
        "progress_percentage"]
    ok = v.report_progress(learner_pb2.ReportProgressRequest(learner_id="l", progress_percentage=0,
                                                             current_objective=""))
    assert (ok.percentage, ok.objective) == (0.0, "")
