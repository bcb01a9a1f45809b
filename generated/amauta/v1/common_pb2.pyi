import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DatasetType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DATASET_TYPE_UNSPECIFIED: _ClassVar[DatasetType]
    DATASET_TYPE_ANALYTICAL_SCENARIOS: _ClassVar[DatasetType]
    DATASET_TYPE_ETHICAL_DILEMMAS: _ClassVar[DatasetType]
    DATASET_TYPE_COORDINATION_CHALLENGES: _ClassVar[DatasetType]
    DATASET_TYPE_CREATIVE_PROBLEMS: _ClassVar[DatasetType]
    DATASET_TYPE_PERFORMANCE_BENCHMARKS: _ClassVar[DatasetType]
    DATASET_TYPE_ADVERSARIAL_CASES: _ClassVar[DatasetType]

class ValidationStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VALIDATION_STATUS_UNSPECIFIED: _ClassVar[ValidationStatus]
    VALIDATION_STATUS_PENDING: _ClassVar[ValidationStatus]
    VALIDATION_STATUS_VALIDATED: _ClassVar[ValidationStatus]
    VALIDATION_STATUS_REJECTED: _ClassVar[ValidationStatus]

class EnvironmentType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ENVIRONMENT_TYPE_UNSPECIFIED: _ClassVar[EnvironmentType]
    ENVIRONMENT_TYPE_NETWORK_COORDINATION: _ClassVar[EnvironmentType]
    ENVIRONMENT_TYPE_ETHICAL_DECISION_MAKING: _ClassVar[EnvironmentType]
    ENVIRONMENT_TYPE_RESOURCE_OPTIMIZATION: _ClassVar[EnvironmentType]
    ENVIRONMENT_TYPE_CONFLICT_RESOLUTION: _ClassVar[EnvironmentType]
    ENVIRONMENT_TYPE_CREATIVE_COLLABORATION: _ClassVar[EnvironmentType]
    ENVIRONMENT_TYPE_EMERGENCY_RESPONSE: _ClassVar[EnvironmentType]

class ComplexityLevel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    COMPLEXITY_LEVEL_UNSPECIFIED: _ClassVar[ComplexityLevel]
    COMPLEXITY_LEVEL_BASIC: _ClassVar[ComplexityLevel]
    COMPLEXITY_LEVEL_INTERMEDIATE: _ClassVar[ComplexityLevel]
    COMPLEXITY_LEVEL_ADVANCED: _ClassVar[ComplexityLevel]
    COMPLEXITY_LEVEL_EXPERT: _ClassVar[ComplexityLevel]

class SessionType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SESSION_TYPE_UNSPECIFIED: _ClassVar[SessionType]
    SESSION_TYPE_TRAINING: _ClassVar[SessionType]
    SESSION_TYPE_SIMULATION: _ClassVar[SessionType]
    SESSION_TYPE_ASSESSMENT: _ClassVar[SessionType]
    SESSION_TYPE_PRACTICE: _ClassVar[SessionType]

class CompletionStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    COMPLETION_STATUS_UNSPECIFIED: _ClassVar[CompletionStatus]
    COMPLETION_STATUS_IN_PROGRESS: _ClassVar[CompletionStatus]
    COMPLETION_STATUS_COMPLETED: _ClassVar[CompletionStatus]
    COMPLETION_STATUS_ABANDONED: _ClassVar[CompletionStatus]
    COMPLETION_STATUS_FAILED: _ClassVar[CompletionStatus]

class ReviewStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REVIEW_STATUS_UNSPECIFIED: _ClassVar[ReviewStatus]
    REVIEW_STATUS_DRAFT: _ClassVar[ReviewStatus]
    REVIEW_STATUS_FINAL: _ClassVar[ReviewStatus]
    REVIEW_STATUS_REVIEWED: _ClassVar[ReviewStatus]

class EventType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EVENT_TYPE_UNSPECIFIED: _ClassVar[EventType]
    EVENT_TYPE_SESSION_START: _ClassVar[EventType]
    EVENT_TYPE_CONTENT_ACCESS: _ClassVar[EventType]
    EVENT_TYPE_INTERACTION: _ClassVar[EventType]
    EVENT_TYPE_ASSESSMENT_SUBMIT: _ClassVar[EventType]
    EVENT_TYPE_SESSION_END: _ClassVar[EventType]
    EVENT_TYPE_ERROR: _ClassVar[EventType]

class MetricType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    METRIC_TYPE_UNSPECIFIED: _ClassVar[MetricType]
    METRIC_TYPE_ACCURACY: _ClassVar[MetricType]
    METRIC_TYPE_SPEED: _ClassVar[MetricType]
    METRIC_TYPE_COMPLETION_RATE: _ClassVar[MetricType]
    METRIC_TYPE_RETENTION: _ClassVar[MetricType]
    METRIC_TYPE_ENGAGEMENT: _ClassVar[MetricType]
    METRIC_TYPE_IMPROVEMENT: _ClassVar[MetricType]

class GenerationPriority(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    GENERATION_PRIORITY_UNSPECIFIED: _ClassVar[GenerationPriority]
    GENERATION_PRIORITY_HIGH: _ClassVar[GenerationPriority]
    GENERATION_PRIORITY_NORMAL: _ClassVar[GenerationPriority]
    GENERATION_PRIORITY_LOW: _ClassVar[GenerationPriority]

class GenerationJobType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    GENERATION_JOB_TYPE_UNSPECIFIED: _ClassVar[GenerationJobType]
    GENERATION_JOB_TYPE_VARIATION: _ClassVar[GenerationJobType]
    GENERATION_JOB_TYPE_NEW_CONTENT: _ClassVar[GenerationJobType]

class GenerationJobState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    GENERATION_JOB_STATE_UNSPECIFIED: _ClassVar[GenerationJobState]
    GENERATION_JOB_STATE_QUEUED: _ClassVar[GenerationJobState]
    GENERATION_JOB_STATE_IN_PROGRESS: _ClassVar[GenerationJobState]
    GENERATION_JOB_STATE_SUCCEEDED: _ClassVar[GenerationJobState]
    GENERATION_JOB_STATE_FAILED: _ClassVar[GenerationJobState]

class MatchMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MATCH_MODE_UNSPECIFIED: _ClassVar[MatchMode]
    MATCH_MODE_ANY: _ClassVar[MatchMode]
    MATCH_MODE_ALL: _ClassVar[MatchMode]
DATASET_TYPE_UNSPECIFIED: DatasetType
DATASET_TYPE_ANALYTICAL_SCENARIOS: DatasetType
DATASET_TYPE_ETHICAL_DILEMMAS: DatasetType
DATASET_TYPE_COORDINATION_CHALLENGES: DatasetType
DATASET_TYPE_CREATIVE_PROBLEMS: DatasetType
DATASET_TYPE_PERFORMANCE_BENCHMARKS: DatasetType
DATASET_TYPE_ADVERSARIAL_CASES: DatasetType
VALIDATION_STATUS_UNSPECIFIED: ValidationStatus
VALIDATION_STATUS_PENDING: ValidationStatus
VALIDATION_STATUS_VALIDATED: ValidationStatus
VALIDATION_STATUS_REJECTED: ValidationStatus
ENVIRONMENT_TYPE_UNSPECIFIED: EnvironmentType
ENVIRONMENT_TYPE_NETWORK_COORDINATION: EnvironmentType
ENVIRONMENT_TYPE_ETHICAL_DECISION_MAKING: EnvironmentType
ENVIRONMENT_TYPE_RESOURCE_OPTIMIZATION: EnvironmentType
ENVIRONMENT_TYPE_CONFLICT_RESOLUTION: EnvironmentType
ENVIRONMENT_TYPE_CREATIVE_COLLABORATION: EnvironmentType
ENVIRONMENT_TYPE_EMERGENCY_RESPONSE: EnvironmentType
COMPLEXITY_LEVEL_UNSPECIFIED: ComplexityLevel
COMPLEXITY_LEVEL_BASIC: ComplexityLevel
COMPLEXITY_LEVEL_INTERMEDIATE: ComplexityLevel
COMPLEXITY_LEVEL_ADVANCED: ComplexityLevel
COMPLEXITY_LEVEL_EXPERT: ComplexityLevel
SESSION_TYPE_UNSPECIFIED: SessionType
SESSION_TYPE_TRAINING: SessionType
SESSION_TYPE_SIMULATION: SessionType
SESSION_TYPE_ASSESSMENT: SessionType
SESSION_TYPE_PRACTICE: SessionType
COMPLETION_STATUS_UNSPECIFIED: CompletionStatus
COMPLETION_STATUS_IN_PROGRESS: CompletionStatus
COMPLETION_STATUS_COMPLETED: CompletionStatus
COMPLETION_STATUS_ABANDONED: CompletionStatus
COMPLETION_STATUS_FAILED: CompletionStatus
REVIEW_STATUS_UNSPECIFIED: ReviewStatus
REVIEW_STATUS_DRAFT: ReviewStatus
REVIEW_STATUS_FINAL: ReviewStatus
REVIEW_STATUS_REVIEWED: ReviewStatus
EVENT_TYPE_UNSPECIFIED: EventType
EVENT_TYPE_SESSION_START: EventType
EVENT_TYPE_CONTENT_ACCESS: EventType
EVENT_TYPE_INTERACTION: EventType
EVENT_TYPE_ASSESSMENT_SUBMIT: EventType
EVENT_TYPE_SESSION_END: EventType
EVENT_TYPE_ERROR: EventType
METRIC_TYPE_UNSPECIFIED: MetricType
METRIC_TYPE_ACCURACY: MetricType
METRIC_TYPE_SPEED: MetricType
METRIC_TYPE_COMPLETION_RATE: MetricType
METRIC_TYPE_RETENTION: MetricType
METRIC_TYPE_ENGAGEMENT: MetricType
METRIC_TYPE_IMPROVEMENT: MetricType
GENERATION_PRIORITY_UNSPECIFIED: GenerationPriority
GENERATION_PRIORITY_HIGH: GenerationPriority
GENERATION_PRIORITY_NORMAL: GenerationPriority
GENERATION_PRIORITY_LOW: GenerationPriority
GENERATION_JOB_TYPE_UNSPECIFIED: GenerationJobType
GENERATION_JOB_TYPE_VARIATION: GenerationJobType
GENERATION_JOB_TYPE_NEW_CONTENT: GenerationJobType
GENERATION_JOB_STATE_UNSPECIFIED: GenerationJobState
GENERATION_JOB_STATE_QUEUED: GenerationJobState
GENERATION_JOB_STATE_IN_PROGRESS: GenerationJobState
GENERATION_JOB_STATE_SUCCEEDED: GenerationJobState
GENERATION_JOB_STATE_FAILED: GenerationJobState
MATCH_MODE_UNSPECIFIED: MatchMode
MATCH_MODE_ANY: MatchMode
MATCH_MODE_ALL: MatchMode

class DoubleRange(_message.Message):
    __slots__ = ("min", "max")
    MIN_FIELD_NUMBER: _ClassVar[int]
    MAX_FIELD_NUMBER: _ClassVar[int]
    min: float
    max: float
    def __init__(self, min: _Optional[float] = ..., max: _Optional[float] = ...) -> None: ...

class TimeRange(_message.Message):
    __slots__ = ("start", "end")
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    start: _timestamp_pb2.Timestamp
    end: _timestamp_pb2.Timestamp
    def __init__(self, start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class StringSetFilter(_message.Message):
    __slots__ = ("values", "mode")
    VALUES_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    values: _containers.RepeatedScalarFieldContainer[str]
    mode: MatchMode
    def __init__(self, values: _Optional[_Iterable[str]] = ..., mode: _Optional[_Union[MatchMode, str]] = ...) -> None: ...
