"""LearnerServicer over the session's channel: profile, session and progress RPCs through one servicer."""

from __future__ import annotations

from typing import TypeAlias

import grpc

from amauta.v1 import common_pb2, learner_pb2, learner_pb2_grpc
from tests.server.learner.conftest import Catalog
from tests.server.learner.helpers import fails, reason, unique
from tests.support import Tokens

Stub: TypeAlias = learner_pb2_grpc.LearnerServiceStub


async def test_a_profile_is_created_read_and_refused_twice(stub: Stub, tokens: Tokens) -> None:
    learner = unique("svc")
    made = await stub.CreateLearnerProfile(learner_pb2.CreateLearnerProfileRequest(
        profile=learner_pb2.LearnerProfile(learner_id=learner, learner_type="ai")), metadata=tokens.md("admin"))
    got = await stub.GetLearnerProfile(learner_pb2.GetLearnerProfileRequest(learner_id=learner),
                                       metadata=tokens.md("admin"))
    assert got.profile == made.profile and made.profile.profile_version == 1
    err = await fails(stub.CreateLearnerProfile(learner_pb2.CreateLearnerProfileRequest(
        profile=learner_pb2.LearnerProfile(learner_id=learner, learner_type="ai")), metadata=tokens.md("admin")),
        grpc.StatusCode.ALREADY_EXISTS)
    assert reason(err) == "LEARNER_PROFILE_EXISTS"


async def test_a_node_starts_and_completes_its_own_session(stub: Stub, tokens: Tokens, catalog: Catalog) -> None:
    started = await stub.StartSession(learner_pb2.StartSessionRequest(
        learner_id="node-a", session_type=common_pb2.SESSION_TYPE_TRAINING, content_id=catalog.content),
        metadata=tokens.md("node_a"))
    done = await stub.CompleteSession(learner_pb2.CompleteSessionRequest(session_id=started.session.session_id),
                                      metadata=tokens.md("node_a"))
    assert done.session.completion_status == common_pb2.COMPLETION_STATUS_COMPLETED
    err = await fails(stub.StartSession(learner_pb2.StartSessionRequest(
        learner_id="node-a", session_type=common_pb2.SESSION_TYPE_TRAINING, content_id=catalog.pending_content),
        metadata=tokens.md("node_a")), grpc.StatusCode.FAILED_PRECONDITION)
    assert reason(err) == "CONTENT_NOT_VALIDATED"


async def test_progress_reports_are_counted(stub: Stub, tokens: Tokens) -> None:
    learner = unique("svc")
    reply = await stub.ReportProgress(learner_pb2.ReportProgressRequest(learner_id=learner, progress_percentage=25),
                                      metadata=tokens.md("admin"))
    assert (reply.progress.progress_percentage, reply.progress.today_activities) == (25.0, 1)
    got = await stub.GetProgress(learner_pb2.GetProgressRequest(learner_id=learner), metadata=tokens.md("admin"))
    assert got.progress.progress_percentage == 25.0
