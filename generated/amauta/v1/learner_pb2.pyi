import datetime

from amauta.v1 import common_pb2 as _common_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class LearnerProfile(_message.Message):
    __slots__ = ("profile_id", "learner_id", "learner_type", "current_capabilities", "learning_style", "performance_metrics", "learning_goals", "preferences", "constraints", "created_at", "updated_at", "last_activity", "profile_version")
    PROFILE_ID_FIELD_NUMBER: _ClassVar[int]
    LEARNER_ID_FIELD_NUMBER: _ClassVar[int]
    LEARNER_TYPE_FIELD_NUMBER: _ClassVar[int]
    CURRENT_CAPABILITIES_FIELD_NUMBER: _ClassVar[int]
    LEARNING_STYLE_FIELD_NUMBER: _ClassVar[int]
    PERFORMANCE_METRICS_FIELD_NUMBER: _ClassVar[int]
    LEARNING_GOALS_FIELD_NUMBER: _ClassVar[int]
    PREFERENCES_FIELD_NUMBER: _ClassVar[int]
    CONSTRAINTS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_ACTIVITY_FIELD_NUMBER: _ClassVar[int]
    PROFILE_VERSION_FIELD_NUMBER: _ClassVar[int]
    profile_id: str
    learner_id: str
    learner_type: str
    current_capabilities: _struct_pb2.Struct
    learning_style: _struct_pb2.Struct
    performance_metrics: _struct_pb2.Struct
    learning_goals: _struct_pb2.Struct
    preferences: _struct_pb2.Struct
    constraints: _struct_pb2.Struct
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    last_activity: _timestamp_pb2.Timestamp
    profile_version: int
    def __init__(self, profile_id: _Optional[str] = ..., learner_id: _Optional[str] = ..., learner_type: _Optional[str] = ..., current_capabilities: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., learning_style: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., performance_metrics: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., learning_goals: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., preferences: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., constraints: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_activity: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., profile_version: _Optional[int] = ...) -> None: ...

class LearningSession(_message.Message):
    __slots__ = ("session_id", "learner_id", "session_type", "content_id", "environment_id", "session_config", "start_time", "end_time", "duration", "completion_status", "performance_data", "learning_outcomes", "feedback", "session_metadata")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    LEARNER_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_TYPE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_ID_FIELD_NUMBER: _ClassVar[int]
    ENVIRONMENT_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_CONFIG_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    COMPLETION_STATUS_FIELD_NUMBER: _ClassVar[int]
    PERFORMANCE_DATA_FIELD_NUMBER: _ClassVar[int]
    LEARNING_OUTCOMES_FIELD_NUMBER: _ClassVar[int]
    FEEDBACK_FIELD_NUMBER: _ClassVar[int]
    SESSION_METADATA_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    learner_id: str
    session_type: _common_pb2.SessionType
    content_id: str
    environment_id: str
    session_config: _struct_pb2.Struct
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    duration: int
    completion_status: _common_pb2.CompletionStatus
    performance_data: _struct_pb2.Struct
    learning_outcomes: _struct_pb2.Struct
    feedback: _struct_pb2.Struct
    session_metadata: _struct_pb2.Struct
    def __init__(self, session_id: _Optional[str] = ..., learner_id: _Optional[str] = ..., session_type: _Optional[_Union[_common_pb2.SessionType, str]] = ..., content_id: _Optional[str] = ..., environment_id: _Optional[str] = ..., session_config: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., duration: _Optional[int] = ..., completion_status: _Optional[_Union[_common_pb2.CompletionStatus, str]] = ..., performance_data: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., learning_outcomes: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., feedback: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., session_metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class AssessmentResult(_message.Message):
    __slots__ = ("assessment_id", "learner_id", "session_id", "assessment_type", "assessment_scope", "assessment_criteria", "results", "skill_assessments", "improvement_recommendations", "benchmark_comparisons", "confidence_level", "assessor", "assessment_timestamp", "review_status")
    class SkillAssessmentsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    ASSESSMENT_ID_FIELD_NUMBER: _ClassVar[int]
    LEARNER_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    ASSESSMENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    ASSESSMENT_SCOPE_FIELD_NUMBER: _ClassVar[int]
    ASSESSMENT_CRITERIA_FIELD_NUMBER: _ClassVar[int]
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    SKILL_ASSESSMENTS_FIELD_NUMBER: _ClassVar[int]
    IMPROVEMENT_RECOMMENDATIONS_FIELD_NUMBER: _ClassVar[int]
    BENCHMARK_COMPARISONS_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_LEVEL_FIELD_NUMBER: _ClassVar[int]
    ASSESSOR_FIELD_NUMBER: _ClassVar[int]
    ASSESSMENT_TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    REVIEW_STATUS_FIELD_NUMBER: _ClassVar[int]
    assessment_id: str
    learner_id: str
    session_id: str
    assessment_type: str
    assessment_scope: _struct_pb2.Struct
    assessment_criteria: _struct_pb2.Struct
    results: _struct_pb2.Struct
    skill_assessments: _containers.ScalarMap[str, float]
    improvement_recommendations: _struct_pb2.Struct
    benchmark_comparisons: _struct_pb2.Struct
    confidence_level: float
    assessor: str
    assessment_timestamp: _timestamp_pb2.Timestamp
    review_status: _common_pb2.ReviewStatus
    def __init__(self, assessment_id: _Optional[str] = ..., learner_id: _Optional[str] = ..., session_id: _Optional[str] = ..., assessment_type: _Optional[str] = ..., assessment_scope: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., assessment_criteria: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., results: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., skill_assessments: _Optional[_Mapping[str, float]] = ..., improvement_recommendations: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., benchmark_comparisons: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., confidence_level: _Optional[float] = ..., assessor: _Optional[str] = ..., assessment_timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., review_status: _Optional[_Union[_common_pb2.ReviewStatus, str]] = ...) -> None: ...

class LearnerProgress(_message.Message):
    __slots__ = ("learner_id", "current_session", "current_objective", "progress_percentage", "last_activity", "streak_days", "today_activities")
    LEARNER_ID_FIELD_NUMBER: _ClassVar[int]
    CURRENT_SESSION_FIELD_NUMBER: _ClassVar[int]
    CURRENT_OBJECTIVE_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_PERCENTAGE_FIELD_NUMBER: _ClassVar[int]
    LAST_ACTIVITY_FIELD_NUMBER: _ClassVar[int]
    STREAK_DAYS_FIELD_NUMBER: _ClassVar[int]
    TODAY_ACTIVITIES_FIELD_NUMBER: _ClassVar[int]
    learner_id: str
    current_session: str
    current_objective: str
    progress_percentage: float
    last_activity: _timestamp_pb2.Timestamp
    streak_days: int
    today_activities: int
    def __init__(self, learner_id: _Optional[str] = ..., current_session: _Optional[str] = ..., current_objective: _Optional[str] = ..., progress_percentage: _Optional[float] = ..., last_activity: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., streak_days: _Optional[int] = ..., today_activities: _Optional[int] = ...) -> None: ...

class CreateLearnerProfileRequest(_message.Message):
    __slots__ = ("profile", "request_id")
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    profile: LearnerProfile
    request_id: str
    def __init__(self, profile: _Optional[_Union[LearnerProfile, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateLearnerProfileResponse(_message.Message):
    __slots__ = ("profile",)
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    profile: LearnerProfile
    def __init__(self, profile: _Optional[_Union[LearnerProfile, _Mapping]] = ...) -> None: ...

class GetLearnerProfileRequest(_message.Message):
    __slots__ = ("learner_id",)
    LEARNER_ID_FIELD_NUMBER: _ClassVar[int]
    learner_id: str
    def __init__(self, learner_id: _Optional[str] = ...) -> None: ...

class GetLearnerProfileResponse(_message.Message):
    __slots__ = ("profile",)
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    profile: LearnerProfile
    def __init__(self, profile: _Optional[_Union[LearnerProfile, _Mapping]] = ...) -> None: ...

class ListLearnerProfilesRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "learner_type", "last_activity")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    LEARNER_TYPE_FIELD_NUMBER: _ClassVar[int]
    LAST_ACTIVITY_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    learner_type: str
    last_activity: _common_pb2.TimeRange
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., learner_type: _Optional[str] = ..., last_activity: _Optional[_Union[_common_pb2.TimeRange, _Mapping]] = ...) -> None: ...

class ListLearnerProfilesResponse(_message.Message):
    __slots__ = ("profiles", "next_page_token", "resume_page_token")
    PROFILES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    RESUME_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    profiles: _containers.RepeatedCompositeFieldContainer[LearnerProfile]
    next_page_token: str
    resume_page_token: str
    def __init__(self, profiles: _Optional[_Iterable[_Union[LearnerProfile, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., resume_page_token: _Optional[str] = ...) -> None: ...

class UpdateLearnerProfileRequest(_message.Message):
    __slots__ = ("profile", "update_mask", "etag")
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    profile: LearnerProfile
    update_mask: _field_mask_pb2.FieldMask
    etag: int
    def __init__(self, profile: _Optional[_Union[LearnerProfile, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., etag: _Optional[int] = ...) -> None: ...

class UpdateLearnerProfileResponse(_message.Message):
    __slots__ = ("profile",)
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    profile: LearnerProfile
    def __init__(self, profile: _Optional[_Union[LearnerProfile, _Mapping]] = ...) -> None: ...

class StartSessionRequest(_message.Message):
    __slots__ = ("learner_id", "session_type", "content_id", "environment_id", "session_config", "session_metadata", "request_id")
    LEARNER_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_TYPE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_ID_FIELD_NUMBER: _ClassVar[int]
    ENVIRONMENT_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_CONFIG_FIELD_NUMBER: _ClassVar[int]
    SESSION_METADATA_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    learner_id: str
    session_type: _common_pb2.SessionType
    content_id: str
    environment_id: str
    session_config: _struct_pb2.Struct
    session_metadata: _struct_pb2.Struct
    request_id: str
    def __init__(self, learner_id: _Optional[str] = ..., session_type: _Optional[_Union[_common_pb2.SessionType, str]] = ..., content_id: _Optional[str] = ..., environment_id: _Optional[str] = ..., session_config: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., session_metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class StartSessionResponse(_message.Message):
    __slots__ = ("session",)
    SESSION_FIELD_NUMBER: _ClassVar[int]
    session: LearningSession
    def __init__(self, session: _Optional[_Union[LearningSession, _Mapping]] = ...) -> None: ...

class CompleteSessionRequest(_message.Message):
    __slots__ = ("session_id", "performance_data", "learning_outcomes", "feedback")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    PERFORMANCE_DATA_FIELD_NUMBER: _ClassVar[int]
    LEARNING_OUTCOMES_FIELD_NUMBER: _ClassVar[int]
    FEEDBACK_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    performance_data: _struct_pb2.Struct
    learning_outcomes: _struct_pb2.Struct
    feedback: _struct_pb2.Struct
    def __init__(self, session_id: _Optional[str] = ..., performance_data: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., learning_outcomes: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., feedback: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class CompleteSessionResponse(_message.Message):
    __slots__ = ("session",)
    SESSION_FIELD_NUMBER: _ClassVar[int]
    session: LearningSession
    def __init__(self, session: _Optional[_Union[LearningSession, _Mapping]] = ...) -> None: ...

class AbandonSessionRequest(_message.Message):
    __slots__ = ("session_id", "performance_data", "learning_outcomes", "feedback")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    PERFORMANCE_DATA_FIELD_NUMBER: _ClassVar[int]
    LEARNING_OUTCOMES_FIELD_NUMBER: _ClassVar[int]
    FEEDBACK_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    performance_data: _struct_pb2.Struct
    learning_outcomes: _struct_pb2.Struct
    feedback: _struct_pb2.Struct
    def __init__(self, session_id: _Optional[str] = ..., performance_data: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., learning_outcomes: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., feedback: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class AbandonSessionResponse(_message.Message):
    __slots__ = ("session",)
    SESSION_FIELD_NUMBER: _ClassVar[int]
    session: LearningSession
    def __init__(self, session: _Optional[_Union[LearningSession, _Mapping]] = ...) -> None: ...

class FailSessionRequest(_message.Message):
    __slots__ = ("session_id", "performance_data", "learning_outcomes", "feedback")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    PERFORMANCE_DATA_FIELD_NUMBER: _ClassVar[int]
    LEARNING_OUTCOMES_FIELD_NUMBER: _ClassVar[int]
    FEEDBACK_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    performance_data: _struct_pb2.Struct
    learning_outcomes: _struct_pb2.Struct
    feedback: _struct_pb2.Struct
    def __init__(self, session_id: _Optional[str] = ..., performance_data: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., learning_outcomes: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., feedback: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class FailSessionResponse(_message.Message):
    __slots__ = ("session",)
    SESSION_FIELD_NUMBER: _ClassVar[int]
    session: LearningSession
    def __init__(self, session: _Optional[_Union[LearningSession, _Mapping]] = ...) -> None: ...

class GetSessionRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class GetSessionResponse(_message.Message):
    __slots__ = ("session",)
    SESSION_FIELD_NUMBER: _ClassVar[int]
    session: LearningSession
    def __init__(self, session: _Optional[_Union[LearningSession, _Mapping]] = ...) -> None: ...

class ListSessionsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "learner_id", "session_type", "completion_status", "start_time")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    LEARNER_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_TYPE_FIELD_NUMBER: _ClassVar[int]
    COMPLETION_STATUS_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    learner_id: str
    session_type: _common_pb2.SessionType
    completion_status: _common_pb2.CompletionStatus
    start_time: _common_pb2.TimeRange
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., learner_id: _Optional[str] = ..., session_type: _Optional[_Union[_common_pb2.SessionType, str]] = ..., completion_status: _Optional[_Union[_common_pb2.CompletionStatus, str]] = ..., start_time: _Optional[_Union[_common_pb2.TimeRange, _Mapping]] = ...) -> None: ...

class ListSessionsResponse(_message.Message):
    __slots__ = ("sessions", "next_page_token", "resume_page_token")
    SESSIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    RESUME_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    sessions: _containers.RepeatedCompositeFieldContainer[LearningSession]
    next_page_token: str
    resume_page_token: str
    def __init__(self, sessions: _Optional[_Iterable[_Union[LearningSession, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., resume_page_token: _Optional[str] = ...) -> None: ...

class RecordAssessmentRequest(_message.Message):
    __slots__ = ("assessment", "request_id")
    ASSESSMENT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    assessment: AssessmentResult
    request_id: str
    def __init__(self, assessment: _Optional[_Union[AssessmentResult, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class RecordAssessmentResponse(_message.Message):
    __slots__ = ("assessment",)
    ASSESSMENT_FIELD_NUMBER: _ClassVar[int]
    assessment: AssessmentResult
    def __init__(self, assessment: _Optional[_Union[AssessmentResult, _Mapping]] = ...) -> None: ...

class GetAssessmentRequest(_message.Message):
    __slots__ = ("assessment_id",)
    ASSESSMENT_ID_FIELD_NUMBER: _ClassVar[int]
    assessment_id: str
    def __init__(self, assessment_id: _Optional[str] = ...) -> None: ...

class GetAssessmentResponse(_message.Message):
    __slots__ = ("assessment",)
    ASSESSMENT_FIELD_NUMBER: _ClassVar[int]
    assessment: AssessmentResult
    def __init__(self, assessment: _Optional[_Union[AssessmentResult, _Mapping]] = ...) -> None: ...

class ListAssessmentsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "learner_id", "assessment_type", "assessment_timestamp")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    LEARNER_ID_FIELD_NUMBER: _ClassVar[int]
    ASSESSMENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    ASSESSMENT_TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    learner_id: str
    assessment_type: str
    assessment_timestamp: _common_pb2.TimeRange
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., learner_id: _Optional[str] = ..., assessment_type: _Optional[str] = ..., assessment_timestamp: _Optional[_Union[_common_pb2.TimeRange, _Mapping]] = ...) -> None: ...

class ListAssessmentsResponse(_message.Message):
    __slots__ = ("assessments", "next_page_token", "resume_page_token")
    ASSESSMENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    RESUME_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    assessments: _containers.RepeatedCompositeFieldContainer[AssessmentResult]
    next_page_token: str
    resume_page_token: str
    def __init__(self, assessments: _Optional[_Iterable[_Union[AssessmentResult, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., resume_page_token: _Optional[str] = ...) -> None: ...

class SetAssessmentReviewStatusRequest(_message.Message):
    __slots__ = ("assessment_id", "review_status")
    ASSESSMENT_ID_FIELD_NUMBER: _ClassVar[int]
    REVIEW_STATUS_FIELD_NUMBER: _ClassVar[int]
    assessment_id: str
    review_status: _common_pb2.ReviewStatus
    def __init__(self, assessment_id: _Optional[str] = ..., review_status: _Optional[_Union[_common_pb2.ReviewStatus, str]] = ...) -> None: ...

class SetAssessmentReviewStatusResponse(_message.Message):
    __slots__ = ("assessment",)
    ASSESSMENT_FIELD_NUMBER: _ClassVar[int]
    assessment: AssessmentResult
    def __init__(self, assessment: _Optional[_Union[AssessmentResult, _Mapping]] = ...) -> None: ...

class ReportProgressRequest(_message.Message):
    __slots__ = ("learner_id", "progress_percentage", "current_objective")
    LEARNER_ID_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_PERCENTAGE_FIELD_NUMBER: _ClassVar[int]
    CURRENT_OBJECTIVE_FIELD_NUMBER: _ClassVar[int]
    learner_id: str
    progress_percentage: float
    current_objective: str
    def __init__(self, learner_id: _Optional[str] = ..., progress_percentage: _Optional[float] = ..., current_objective: _Optional[str] = ...) -> None: ...

class ReportProgressResponse(_message.Message):
    __slots__ = ("progress",)
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    progress: LearnerProgress
    def __init__(self, progress: _Optional[_Union[LearnerProgress, _Mapping]] = ...) -> None: ...

class GetProgressRequest(_message.Message):
    __slots__ = ("learner_id",)
    LEARNER_ID_FIELD_NUMBER: _ClassVar[int]
    learner_id: str
    def __init__(self, learner_id: _Optional[str] = ...) -> None: ...

class GetProgressResponse(_message.Message):
    __slots__ = ("progress",)
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    progress: LearnerProgress
    def __init__(self, progress: _Optional[_Union[LearnerProgress, _Mapping]] = ...) -> None: ...

class EraseLearnerRequest(_message.Message):
    __slots__ = ("learner_id",)
    LEARNER_ID_FIELD_NUMBER: _ClassVar[int]
    learner_id: str
    def __init__(self, learner_id: _Optional[str] = ...) -> None: ...

class StoreErasureReport(_message.Message):
    __slots__ = ("store", "removed_count", "done", "detail")
    STORE_FIELD_NUMBER: _ClassVar[int]
    REMOVED_COUNT_FIELD_NUMBER: _ClassVar[int]
    DONE_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    store: str
    removed_count: int
    done: bool
    detail: str
    def __init__(self, store: _Optional[str] = ..., removed_count: _Optional[int] = ..., done: _Optional[bool] = ..., detail: _Optional[str] = ...) -> None: ...

class EraseLearnerResponse(_message.Message):
    __slots__ = ("learner_id", "stores", "complete")
    LEARNER_ID_FIELD_NUMBER: _ClassVar[int]
    STORES_FIELD_NUMBER: _ClassVar[int]
    COMPLETE_FIELD_NUMBER: _ClassVar[int]
    learner_id: str
    stores: _containers.RepeatedCompositeFieldContainer[StoreErasureReport]
    complete: bool
    def __init__(self, learner_id: _Optional[str] = ..., stores: _Optional[_Iterable[_Union[StoreErasureReport, _Mapping]]] = ..., complete: _Optional[bool] = ...) -> None: ...
