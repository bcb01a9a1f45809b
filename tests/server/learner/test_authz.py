"""The authorisation matrix: every LearnerService RPC × {own node, other node, admin, no token}.

Every case targets records of learner "node-a": node_a is their owner, node_b another node.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import grpc
import pytest
from google.protobuf import struct_pb2

from amauta.v1 import common_pb2
from amauta.v1 import learner_pb2 as pb
from tests.server.learner.conftest import Catalog
from tests.server.learner.helpers import fails, unique
from tests.support import Tokens

OWNER = "node-a"
MISSING = "00000000-0000-4000-8000-00000000beef"


@dataclass
class Owned:
    """Records of node-a, and a way to make fresh ones."""

    session_id: str
    assessment_id: str
    fresh_session: Callable[[], Awaitable[str]]


@pytest.fixture(scope="module")
async def owned(stub, tokens: Tokens, catalog: Catalog) -> Owned:
    admin = tokens.md("admin")
    try:
        await stub.CreateLearnerProfile(pb.CreateLearnerProfileRequest(
            profile=pb.LearnerProfile(learner_id=OWNER, learner_type="analytical_node")), metadata=admin)
    except grpc.aio.AioRpcError as err:
        assert err.code() == grpc.StatusCode.ALREADY_EXISTS

    async def fresh_session() -> str:
        reply = await stub.StartSession(pb.StartSessionRequest(
            learner_id=OWNER, session_type=common_pb2.SESSION_TYPE_PRACTICE, content_id=catalog.content),
            metadata=admin)
        return reply.session.session_id

    session_id = await fresh_session()
    results = struct_pb2.Struct()
    results.update({"score": 1})
    recorded = await stub.RecordAssessment(pb.RecordAssessmentRequest(assessment=pb.AssessmentResult(
        learner_id=OWNER, session_id=session_id, assessment_type="quiz", results=results,
        review_status=common_pb2.REVIEW_STATUS_DRAFT)), metadata=admin)
    return Owned(session_id, recorded.assessment.assessment_id, fresh_session)


def _results() -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    s.update({"score": 0.5})
    return s


# RPC name → async factory of a request on node-a's records (fresh state where the call changes it).
Factory = Callable[[Owned, Catalog], Awaitable[Any]]


async def _create(o: Owned, c: Catalog) -> Any:
    return pb.CreateLearnerProfileRequest(profile=pb.LearnerProfile(learner_id=OWNER, learner_type="analytical_node"))


REQUESTS: dict[str, Factory] = {
    "CreateLearnerProfile": _create,
    "GetLearnerProfile": lambda o, c: _value(pb.GetLearnerProfileRequest(learner_id=OWNER)),
    "ListLearnerProfiles": lambda o, c: _value(pb.ListLearnerProfilesRequest(page_size=1000)),
    "UpdateLearnerProfile": lambda o, c: _value(pb.UpdateLearnerProfileRequest(
        profile=pb.LearnerProfile(learner_id=OWNER, learner_type="analytical_node"))),
    "StartSession": lambda o, c: _value(pb.StartSessionRequest(
        learner_id=OWNER, session_type=common_pb2.SESSION_TYPE_TRAINING, content_id=c.content)),
    "CompleteSession": lambda o, c: _fresh(o, pb.CompleteSessionRequest),
    "AbandonSession": lambda o, c: _fresh(o, pb.AbandonSessionRequest),
    "FailSession": lambda o, c: _fresh(o, pb.FailSessionRequest),
    "GetSession": lambda o, c: _value(pb.GetSessionRequest(session_id=o.session_id)),
    "ListSessions": lambda o, c: _value(pb.ListSessionsRequest(learner_id=OWNER)),
    "RecordAssessment": lambda o, c: _value(pb.RecordAssessmentRequest(assessment=pb.AssessmentResult(
        learner_id=OWNER, session_id=o.session_id, assessment_type="quiz", results=_results()))),
    "GetAssessment": lambda o, c: _value(pb.GetAssessmentRequest(assessment_id=o.assessment_id)),
    "ListAssessments": lambda o, c: _value(pb.ListAssessmentsRequest(learner_id=OWNER)),
    "SetAssessmentReviewStatus": lambda o, c: _value(pb.SetAssessmentReviewStatusRequest(
        assessment_id=o.assessment_id, review_status=common_pb2.REVIEW_STATUS_DRAFT)),
    "ReportProgress": lambda o, c: _value(pb.ReportProgressRequest(learner_id=OWNER, progress_percentage=10)),
    "GetProgress": lambda o, c: _value(pb.GetProgressRequest(learner_id=OWNER)),
    "EraseLearner": lambda o, c: _value(pb.EraseLearnerRequest(learner_id=OWNER)),
}


async def _value(request: Any) -> Any:
    return request


async def _fresh(o: Owned, kind: type) -> Any:
    return kind(session_id=await o.fresh_session())


def test_matrix_covers_every_rpc() -> None:
    names = set(pb.DESCRIPTOR.services_by_name["LearnerService"].methods_by_name)
    assert names == set(REQUESTS)


def _ok_codes(rpc: str) -> set[grpc.StatusCode]:
    # The profile may exist already (other tests use node-a): that is not an authorisation outcome.
    return {grpc.StatusCode.OK, grpc.StatusCode.ALREADY_EXISTS} if rpc == "CreateLearnerProfile" \
        else {grpc.StatusCode.OK}


async def _call(stub, rpc: str, request: Any, metadata: Any) -> tuple[grpc.StatusCode, Any]:
    try:
        return grpc.StatusCode.OK, await getattr(stub, rpc)(request, metadata=metadata)
    except grpc.aio.AioRpcError as err:
        return err.code(), None


@pytest.mark.parametrize("rpc", [r for r in REQUESTS if r != "EraseLearner"])
@pytest.mark.parametrize("caller", ["own", "other", "admin", "none"])
async def test_matrix(stub, tokens: Tokens, owned: Owned, catalog: Catalog, rpc: str, caller: str) -> None:
    key = {"own": "node_a", "other": "node_b", "admin": "admin", "none": "none"}[caller]
    code, reply = await _call(stub, rpc, await REQUESTS[rpc](owned, catalog), tokens.md(key))
    if caller == "none":
        assert code == grpc.StatusCode.UNAUTHENTICATED
    elif caller == "other" and rpc == "ListLearnerProfiles":
        # A node's list is scoped to itself: no error, and nothing of node-a in it.
        assert code == grpc.StatusCode.OK
        assert OWNER not in {p.learner_id for p in reply.profiles}
    elif caller == "other":
        assert code == grpc.StatusCode.PERMISSION_DENIED
    else:
        assert code in _ok_codes(rpc), code


@pytest.mark.parametrize("caller, expected", [
    ("own", grpc.StatusCode.PERMISSION_DENIED), ("other", grpc.StatusCode.PERMISSION_DENIED),
    ("admin", grpc.StatusCode.OK), ("none", grpc.StatusCode.UNAUTHENTICATED)])
async def test_matrix_erase_learner(stub, tokens: Tokens, caller: str, expected: grpc.StatusCode) -> None:
    key = {"own": "node_a", "other": "node_b", "admin": "admin", "none": "none"}[caller]
    # Admin erases a scratch learner: node-a's records stay for the other cases.
    target = unique("scratch") if caller == "admin" else OWNER
    code, _ = await _call(stub, "EraseLearner", pb.EraseLearnerRequest(learner_id=target), tokens.md(key))
    assert code == expected


async def test_denial_comes_before_existence(stub, tokens: Tokens) -> None:
    for rpc, request in (("GetSession", pb.GetSessionRequest(session_id=MISSING)),
                         ("CompleteSession", pb.CompleteSessionRequest(session_id=MISSING)),
                         ("GetAssessment", pb.GetAssessmentRequest(assessment_id=MISSING)),
                         ("SetAssessmentReviewStatus", pb.SetAssessmentReviewStatusRequest(
                             assessment_id=MISSING, review_status=common_pb2.REVIEW_STATUS_FINAL))):
        # A node cannot tell a missing record from another learner's: both are denied.
        for key in ("node_a", "node_b"):
            await fails(getattr(stub, rpc)(request, metadata=tokens.md(key)), grpc.StatusCode.PERMISSION_DENIED)
        await fails(getattr(stub, rpc)(request, metadata=tokens.md("admin")), grpc.StatusCode.NOT_FOUND)
    ghost = unique("ghost")
    await fails(stub.GetLearnerProfile(pb.GetLearnerProfileRequest(learner_id=ghost), metadata=tokens.md("node_b")),
                grpc.StatusCode.PERMISSION_DENIED)
    await fails(stub.GetProgress(pb.GetProgressRequest(learner_id=ghost), metadata=tokens.md("node_b")),
                grpc.StatusCode.PERMISSION_DENIED)


async def test_service_role_reaches_every_learner_and_others_none(stub, tokens: Tokens, owned: Owned) -> None:
    got = await stub.GetSession(pb.GetSessionRequest(session_id=owned.session_id), metadata=tokens.md("service"))
    assert got.session.learner_id == OWNER
    listed = await stub.ListSessions(pb.ListSessionsRequest(), metadata=tokens.md("service"))
    assert listed.sessions
    for key in ("analyst", "observer"):
        await fails(stub.GetSession(pb.GetSessionRequest(session_id=owned.session_id), metadata=tokens.md(key)),
                    grpc.StatusCode.PERMISSION_DENIED)
        await fails(stub.ListLearnerProfiles(pb.ListLearnerProfilesRequest(), metadata=tokens.md(key)),
                    grpc.StatusCode.PERMISSION_DENIED)


async def test_node_lists_need_its_own_learner_id(stub, tokens: Tokens) -> None:
    for request, rpc in ((pb.ListSessionsRequest(), "ListSessions"), (pb.ListAssessmentsRequest(), "ListAssessments")):
        await fails(getattr(stub, rpc)(request, metadata=tokens.md("node_a")), grpc.StatusCode.PERMISSION_DENIED)
    mine = await stub.ListSessions(pb.ListSessionsRequest(learner_id=OWNER), metadata=tokens.md("node_a"))
    assert mine.sessions and {s.learner_id for s in mine.sessions} == {OWNER}


async def test_an_assessment_cannot_point_at_another_nodes_session(stub, tokens: Tokens, owned: Owned) -> None:
    # node-b records for itself, against node-a's session: rule 2, not a leak of node-a's data.
    err = await fails(stub.RecordAssessment(pb.RecordAssessmentRequest(assessment=pb.AssessmentResult(
        learner_id="node-b", session_id=owned.session_id, assessment_type="quiz", results=_results())),
        metadata=tokens.md("node_b")), grpc.StatusCode.FAILED_PRECONDITION)
    assert err.details()
