"""Assessment results: rule 2 against sessions of the same learner, review status order, lists."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from google.protobuf import struct_pb2

from amauta.v1 import common_pb2
from amauta.v1 import learner_pb2 as pb
from server.runtime import Stores
from tests.server.learner.conftest import Catalog
from tests.server.learner.helpers import fails, outbox_rows, reason, unique
from tests.support import Tokens, bad_fields

DRAFT, FINAL, REVIEWED = (common_pb2.REVIEW_STATUS_DRAFT, common_pb2.REVIEW_STATUS_FINAL,
                          common_pb2.REVIEW_STATUS_REVIEWED)


def struct(**values: object) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    s.update(values)
    return s


async def session_of(stub, tokens: Tokens, learner: str, catalog: Catalog) -> str:
    reply = await stub.StartSession(pb.StartSessionRequest(
        learner_id=learner, session_type=common_pb2.SESSION_TYPE_ASSESSMENT, content_id=catalog.content),
        metadata=tokens.md("admin"))
    return reply.session.session_id


def assessment(learner: str, session_id: str, **extra: object) -> pb.AssessmentResult:
    values: dict = {"assessment_type": "ethics_quiz", "results": struct(score=0.7)}
    values.update(extra)
    return pb.AssessmentResult(learner_id=learner, session_id=session_id, **values)


async def record(stub, tokens: Tokens, a: pb.AssessmentResult, key: str = "admin",
                 request_id: str = "") -> pb.AssessmentResult:
    reply = await stub.RecordAssessment(pb.RecordAssessmentRequest(assessment=a, request_id=request_id),
                                        metadata=tokens.md(key))
    return reply.assessment


async def test_record_defaults_and_outbox_row(stub, tokens: Tokens, stores: Stores, catalog: Catalog) -> None:
    learner = unique("rec")
    session_id = await session_of(stub, tokens, learner, catalog)
    a = await record(stub, tokens, assessment(learner, session_id, skill_assessments={"ethical_reasoning": 0.75},
                                              confidence_level=0.85, benchmark_comparisons=struct(peer=0.6)))
    assert a.assessment_id and a.review_status == FINAL and a.assessor == "admin"
    assert a.confidence_level == pytest.approx(0.85) and dict(a.skill_assessments) == {"ethical_reasoning": 0.75}
    assert a.HasField("assessment_timestamp") and dict(a.results) == {"score": 0.7}
    [row] = await outbox_rows(stores.postgres, a.assessment_id)
    assert row["event_type"] == "assessment_submit"
    assert row["payload"] == {
        "assessment_id": a.assessment_id, "session_id": session_id, "learner_id": learner,
        "assessment_type": "ethics_quiz", "assessment_timestamp": row["payload"]["assessment_timestamp"],
        "skill_assessments": {"ethical_reasoning": 0.75}, "confidence_level": 0.85, "review_status": "final"}
    got = await stub.GetAssessment(pb.GetAssessmentRequest(assessment_id=a.assessment_id), metadata=tokens.md("admin"))
    assert got.assessment == a


async def test_record_without_confidence_leaves_it_unset(stub, tokens: Tokens, catalog: Catalog) -> None:
    learner = unique("noconf")
    a = await record(stub, tokens, assessment(learner, await session_of(stub, tokens, learner, catalog),
                                              review_status=DRAFT, assessor="human-7"))
    assert not a.HasField("confidence_level") and a.review_status == DRAFT and a.assessor == "human-7"


async def test_assessment_against_another_learners_session_fails(stub, tokens: Tokens, catalog: Catalog) -> None:
    owner, other = unique("owner"), unique("other")
    session_id = await session_of(stub, tokens, owner, catalog)
    for target in (session_id, "00000000-0000-4000-8000-0000000000bb"):
        err = await fails(record(stub, tokens, assessment(other, target)), grpc.StatusCode.FAILED_PRECONDITION)
        assert reason(err) == "ASSESSMENT_SESSION_INVALID"
    listed = await stub.ListAssessments(pb.ListAssessmentsRequest(learner_id=other), metadata=tokens.md("admin"))
    assert not listed.assessments


async def test_record_validation(stub, tokens: Tokens) -> None:
    err = await fails(record(stub, tokens, pb.AssessmentResult(
        learner_id="", session_id="bad", assessment_type="", skill_assessments={"s": 1.5, "": 0.2},
        confidence_level=1.01)), grpc.StatusCode.INVALID_ARGUMENT)
    assert bad_fields(err) == {"assessment.learner_id", "assessment.session_id", "assessment.assessment_type",
                               "assessment.results", "assessment.skill_assessments[s]",
                               "assessment.skill_assessments[]", "assessment.confidence_level"}


async def test_record_is_idempotent_by_request_id(stub, tokens: Tokens, stores: Stores, catalog: Catalog) -> None:
    learner = unique("idem")
    a = assessment(learner, await session_of(stub, tokens, learner, catalog))
    first, second = await asyncio.gather(record(stub, tokens, a, request_id="a-1"),
                                         record(stub, tokens, a, request_id="a-1"))
    assert first == second
    listed = await stub.ListAssessments(pb.ListAssessmentsRequest(learner_id=learner), metadata=tokens.md("admin"))
    assert len(listed.assessments) == 1


async def test_review_status_moves_forward_only(stub, tokens: Tokens, catalog: Catalog) -> None:
    learner = unique("review")
    md = tokens.md("admin")
    a = await record(stub, tokens, assessment(learner, await session_of(stub, tokens, learner, catalog),
                                              review_status=DRAFT))

    async def move(status: int) -> pb.AssessmentResult:
        reply = await stub.SetAssessmentReviewStatus(pb.SetAssessmentReviewStatusRequest(
            assessment_id=a.assessment_id, review_status=status), metadata=md)
        return reply.assessment

    assert (await move(DRAFT)).review_status == DRAFT  # same status: no-op
    assert (await move(FINAL)).review_status == FINAL
    err = await fails(move(DRAFT), grpc.StatusCode.FAILED_PRECONDITION)
    assert reason(err) == "REVIEW_STATUS_BACKWARD"
    assert (await move(REVIEWED)).review_status == REVIEWED
    for back in (FINAL, DRAFT):
        await fails(move(back), grpc.StatusCode.FAILED_PRECONDITION)
    assert (await move(REVIEWED)).review_status == REVIEWED
    await fails(move(common_pb2.REVIEW_STATUS_UNSPECIFIED), grpc.StatusCode.INVALID_ARGUMENT)
    await fails(stub.SetAssessmentReviewStatus(pb.SetAssessmentReviewStatusRequest(
        assessment_id="00000000-0000-4000-8000-0000000000cc", review_status=FINAL), metadata=md),
        grpc.StatusCode.NOT_FOUND)


async def test_get_errors(stub, tokens: Tokens) -> None:
    md = tokens.md("admin")
    err = await fails(stub.GetAssessment(pb.GetAssessmentRequest(assessment_id="00000000-0000-4000-8000-0000000000dd"),
                                         metadata=md), grpc.StatusCode.NOT_FOUND)
    assert reason(err) == "ASSESSMENT_NOT_FOUND"
    await fails(stub.GetAssessment(pb.GetAssessmentRequest(assessment_id="x"), metadata=md),
                grpc.StatusCode.INVALID_ARGUMENT)


async def test_list_filters_and_pages(stub, tokens: Tokens, catalog: Catalog) -> None:
    learner = unique("list")
    md = tokens.md("admin")
    session_id = await session_of(stub, tokens, learner, catalog)
    made = [await record(stub, tokens, assessment(learner, session_id, assessment_type=kind))
            for kind in ("quiz", "quiz", "peer", "quiz")]
    seen, token = [], ""
    while True:
        reply = await stub.ListAssessments(pb.ListAssessmentsRequest(
            learner_id=learner, assessment_type="quiz", page_size=2, page_token=token), metadata=md)
        seen.extend(a.assessment_id for a in reply.assessments)
        token = reply.next_page_token
        if not token:
            break
    assert seen == [made[i].assessment_id for i in (0, 1, 3)]
    window = common_pb2.TimeRange(start=made[1].assessment_timestamp, end=made[3].assessment_timestamp)
    ranged = await stub.ListAssessments(pb.ListAssessmentsRequest(learner_id=learner, assessment_timestamp=window),
                                        metadata=md)
    assert [a.assessment_id for a in ranged.assessments] == [made[1].assessment_id, made[2].assessment_id]
    await fails(stub.ListAssessments(pb.ListAssessmentsRequest(page_size=-5), metadata=md),
                grpc.StatusCode.INVALID_ARGUMENT)
