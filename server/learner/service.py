"""LearnerService: profiles, sessions, assessments, real-time progress and erasure.

Every method is validate → authorise → one store call → convert. Validation lives in
server/learner/validation.py, object-level scoping in server/rpc/policy.py.
"""

from __future__ import annotations

from typing import Any

from grpc import aio

from amauta.v1 import learner_pb2 as pb
from amauta.v1 import learner_pb2_grpc
from server.bootstrap import Components
from server.learner import convert as out
from server.learner import validation as check
from server.rpc import paging
from server.rpc.policy import caller, list_scope, record_scope, require_learner_access, scoped
from server.rpc.validation import fingerprint
from stores.postgres import summaries
from stores.postgres.assessments import AssessmentQuery, AssessmentStore
from stores.postgres.learners import LearnerStore, ProfileQuery
from stores.postgres.sessions import SessionQuery
from stores.redis.progress import ProgressStore
from stores.sync.erasure import Eraser
from stores.sync.progress import LearnerSessions


class LearnerServicer(learner_pb2_grpc.LearnerServiceServicer):
    """The LearnerService RPCs over the learner store modules."""

    def __init__(self, profiles: LearnerStore, sessions: LearnerSessions, assessments: AssessmentStore,
                 progress: ProgressStore, eraser: Eraser) -> None:
        self.profiles = profiles
        self.sessions = sessions
        self.assessments = assessments
        self.progress = progress
        self.eraser = eraser

    # Profiles

    async def CreateLearnerProfile(self, request: pb.CreateLearnerProfileRequest,
                                   context: aio.ServicerContext[Any, Any]) -> pb.CreateLearnerProfileResponse:
        values, request_id = check.create_profile(request)
        identity = require_learner_access(values["learner_id"])
        profile = await self.profiles.create(values, request_id=request_id, identity=identity.name,
                                             fingerprint=fingerprint(request))
        return pb.CreateLearnerProfileResponse(profile=out.profile(profile))

    async def GetLearnerProfile(self, request: pb.GetLearnerProfileRequest,
                                context: aio.ServicerContext[Any, Any]) -> pb.GetLearnerProfileResponse:
        learner_id = check.learner_id(request.learner_id)
        require_learner_access(learner_id)
        return pb.GetLearnerProfileResponse(profile=out.profile(await self.profiles.get(learner_id)))

    async def ListLearnerProfiles(self, request: pb.ListLearnerProfilesRequest,
                                  context: aio.ServicerContext[Any, Any]) -> pb.ListLearnerProfilesResponse:
        flt = check.list_profiles(request)
        page = paging.open_page(request, (paging.INT,))
        rows = await self.profiles.list(ProfileQuery(
            page.fetch, flt.learner_type, record_scope(), flt.last_activity_from, flt.last_activity_to,
            page.after))
        shown, token, resume = page.cut(rows, lambda p: (p.list_seq,))
        return pb.ListLearnerProfilesResponse(profiles=[out.profile(p) for p in shown], next_page_token=token,
                                              resume_page_token=resume)

    async def UpdateLearnerProfile(self, request: pb.UpdateLearnerProfileRequest,
                                   context: aio.ServicerContext[Any, Any]) -> pb.UpdateLearnerProfileResponse:
        update = check.update_profile(request)
        require_learner_access(update.learner_id)
        profile = await self.profiles.update(update.learner_id, update.changes, update.etag)
        return pb.UpdateLearnerProfileResponse(profile=out.profile(profile))

    # Sessions

    async def StartSession(self, request: pb.StartSessionRequest,
                           context: aio.ServicerContext[Any, Any]) -> pb.StartSessionResponse:
        start = check.start_session(request)
        identity = require_learner_access(start.learner_id)
        started = await self.sessions.start(
            learner_id=start.learner_id, session_type=start.session_type, content_id=start.content_id,
            environment_id=start.environment_id, session_config=start.session_config,
            session_metadata=start.session_metadata, request_id=start.request_id, identity=identity.name,
            fingerprint=fingerprint(request))
        return pb.StartSessionResponse(session=out.session(started.session))

    async def _end(self, request: pb.CompleteSessionRequest | pb.AbandonSessionRequest | pb.FailSessionRequest,
                   status: str) -> pb.LearningSession:
        end = check.end_session(request)
        scope = record_scope()
        with scoped(scope, "session"):
            session = await self.sessions.end(end.session_id, status=status,
                                              performance_data=end.performance_data,
                                              learning_outcomes=end.learning_outcomes, feedback=end.feedback,
                                              learner_id=scope)
        return out.session(session)

    async def CompleteSession(self, request: pb.CompleteSessionRequest,
                              context: aio.ServicerContext[Any, Any]) -> pb.CompleteSessionResponse:
        return pb.CompleteSessionResponse(session=await self._end(request, "completed"))

    async def AbandonSession(self, request: pb.AbandonSessionRequest,
                             context: aio.ServicerContext[Any, Any]) -> pb.AbandonSessionResponse:
        return pb.AbandonSessionResponse(session=await self._end(request, "abandoned"))

    async def FailSession(self, request: pb.FailSessionRequest,
                          context: aio.ServicerContext[Any, Any]) -> pb.FailSessionResponse:
        return pb.FailSessionResponse(session=await self._end(request, "failed"))

    async def GetSession(self, request: pb.GetSessionRequest,
                         context: aio.ServicerContext[Any, Any]) -> pb.GetSessionResponse:
        session_id = check.resource_id(request.session_id, "session_id")
        scope = record_scope()
        with scoped(scope, "session"):
            session = await self.sessions.get(session_id, scope)
        return pb.GetSessionResponse(session=out.session(session))

    async def ListSessions(self, request: pb.ListSessionsRequest,
                           context: aio.ServicerContext[Any, Any]) -> pb.ListSessionsResponse:
        flt = check.list_sessions(request)
        list_scope(flt.learner_id)
        page = paging.open_page(request, (paging.INT,))
        rows = await self.sessions.list(SessionQuery(
            page.fetch, flt.learner_id, flt.session_type, flt.completion_status, flt.start_from, flt.start_to,
            page.after))
        shown, token, resume = page.cut(rows, lambda s: (s.list_seq,))
        return pb.ListSessionsResponse(sessions=[out.session(s) for s in shown], next_page_token=token,
                                       resume_page_token=resume)

    # Assessments

    async def RecordAssessment(self, request: pb.RecordAssessmentRequest,
                               context: aio.ServicerContext[Any, Any]) -> pb.RecordAssessmentResponse:
        values, request_id = check.record_assessment(request)
        identity = require_learner_access(values["learner_id"])
        values["assessor"] = values["assessor"] or identity.name
        assessment = await self.assessments.record(values, request_id=request_id, identity=identity.name,
                                                   fingerprint=fingerprint(request))
        return pb.RecordAssessmentResponse(assessment=out.assessment(assessment))

    async def GetAssessment(self, request: pb.GetAssessmentRequest,
                            context: aio.ServicerContext[Any, Any]) -> pb.GetAssessmentResponse:
        assessment_id = check.resource_id(request.assessment_id, "assessment_id")
        scope = record_scope()
        with scoped(scope, "assessment"):
            assessment = await self.assessments.get(assessment_id, scope)
        return pb.GetAssessmentResponse(assessment=out.assessment(assessment))

    async def ListAssessments(self, request: pb.ListAssessmentsRequest,
                              context: aio.ServicerContext[Any, Any]) -> pb.ListAssessmentsResponse:
        flt = check.list_assessments(request)
        list_scope(flt.learner_id)
        page = paging.open_page(request, (paging.INT,))
        rows = await self.assessments.list(AssessmentQuery(
            page.fetch, flt.learner_id, flt.assessment_type, flt.time_from, flt.time_to, page.after))
        shown, token, resume = page.cut(rows, lambda a: (a.list_seq,))
        return pb.ListAssessmentsResponse(assessments=[out.assessment(a) for a in shown], next_page_token=token,
                                          resume_page_token=resume)

    async def SetAssessmentReviewStatus(self, request: pb.SetAssessmentReviewStatusRequest,
                                        context: aio.ServicerContext[Any, Any]) -> pb.SetAssessmentReviewStatusResponse:
        assessment_id, status = check.review_status(request)
        scope = record_scope()
        with scoped(scope, "assessment"):
            assessment = await self.assessments.set_review_status(assessment_id, status, scope)
        return pb.SetAssessmentReviewStatusResponse(assessment=out.assessment(assessment))

    # Progress and erasure

    async def ReportProgress(self, request: pb.ReportProgressRequest,
                             context: aio.ServicerContext[Any, Any]) -> pb.ReportProgressResponse:
        report = check.report_progress(request)
        require_learner_access(report.learner_id)
        progress = await self.progress.report(report.learner_id, percentage=report.percentage,
                                              objective=report.objective)
        return pb.ReportProgressResponse(progress=out.progress(progress))

    async def GetProgress(self, request: pb.GetProgressRequest,
                          context: aio.ServicerContext[Any, Any]) -> pb.GetProgressResponse:
        learner_id = check.learner_id(request.learner_id)
        require_learner_access(learner_id)
        return pb.GetProgressResponse(progress=out.progress(await self.progress.get(learner_id)))

    async def EraseLearner(self, request: pb.EraseLearnerRequest,
                           context: aio.ServicerContext[Any, Any]) -> pb.EraseLearnerResponse:
        learner_id = check.learner_id(request.learner_id)
        identity = caller()
        return out.erasure(await self.eraser.erase(learner_id, identity.name))


def build(c: Components) -> LearnerServicer:
    """The servicer over the node's learner components."""
    p = c.learner
    return LearnerServicer(p.profiles, p.sessions, p.assessments, p.progress, p.eraser)


def workers(c: Components) -> None:
    """The scheduled refresh of the per-learner summaries (one node at a time)."""
    postgres, seconds = c.stores.postgres, c.runtime.settings.summary_refresh_seconds
    c.runtime.spawn_singleton("learner-summaries", lambda: summaries.refresh_forever(postgres, seconds))
