import datetime

from amauta.v1 import common_pb2 as _common_pb2
from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TimeBucket(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TIME_BUCKET_UNSPECIFIED: _ClassVar[TimeBucket]
    TIME_BUCKET_HOUR: _ClassVar[TimeBucket]
    TIME_BUCKET_DAY: _ClassVar[TimeBucket]
    TIME_BUCKET_WEEK: _ClassVar[TimeBucket]

class EffectivenessMeasure(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EFFECTIVENESS_MEASURE_UNSPECIFIED: _ClassVar[EffectivenessMeasure]
    EFFECTIVENESS_MEASURE_SUCCESS_RATE: _ClassVar[EffectivenessMeasure]
    EFFECTIVENESS_MEASURE_USAGE_COUNT: _ClassVar[EffectivenessMeasure]
    EFFECTIVENESS_MEASURE_AVERAGE_COMPLETION_TIME: _ClassVar[EffectivenessMeasure]
    EFFECTIVENESS_MEASURE_DIFFICULTY_PERCEPTION: _ClassVar[EffectivenessMeasure]
    EFFECTIVENESS_MEASURE_LEARNER_SATISFACTION: _ClassVar[EffectivenessMeasure]
    EFFECTIVENESS_MEASURE_LEARNING_OBJECTIVE_ACHIEVEMENT: _ClassVar[EffectivenessMeasure]
    EFFECTIVENESS_MEASURE_RETENTION_RATE: _ClassVar[EffectivenessMeasure]
    EFFECTIVENESS_MEASURE_IMPROVEMENT_CORRELATION: _ClassVar[EffectivenessMeasure]
TIME_BUCKET_UNSPECIFIED: TimeBucket
TIME_BUCKET_HOUR: TimeBucket
TIME_BUCKET_DAY: TimeBucket
TIME_BUCKET_WEEK: TimeBucket
EFFECTIVENESS_MEASURE_UNSPECIFIED: EffectivenessMeasure
EFFECTIVENESS_MEASURE_SUCCESS_RATE: EffectivenessMeasure
EFFECTIVENESS_MEASURE_USAGE_COUNT: EffectivenessMeasure
EFFECTIVENESS_MEASURE_AVERAGE_COMPLETION_TIME: EffectivenessMeasure
EFFECTIVENESS_MEASURE_DIFFICULTY_PERCEPTION: EffectivenessMeasure
EFFECTIVENESS_MEASURE_LEARNER_SATISFACTION: EffectivenessMeasure
EFFECTIVENESS_MEASURE_LEARNING_OBJECTIVE_ACHIEVEMENT: EffectivenessMeasure
EFFECTIVENESS_MEASURE_RETENTION_RATE: EffectivenessMeasure
EFFECTIVENESS_MEASURE_IMPROVEMENT_CORRELATION: EffectivenessMeasure

class LearningEvent(_message.Message):
    __slots__ = ("timestamp", "event_id", "learner_id", "session_id", "event_type", "event_data", "performance_metrics", "duration_ms", "success_indicator", "difficulty_level", "learning_objective", "content_type")
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    LEARNER_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    EVENT_DATA_FIELD_NUMBER: _ClassVar[int]
    PERFORMANCE_METRICS_FIELD_NUMBER: _ClassVar[int]
    DURATION_MS_FIELD_NUMBER: _ClassVar[int]
    SUCCESS_INDICATOR_FIELD_NUMBER: _ClassVar[int]
    DIFFICULTY_LEVEL_FIELD_NUMBER: _ClassVar[int]
    LEARNING_OBJECTIVE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    timestamp: _timestamp_pb2.Timestamp
    event_id: str
    learner_id: str
    session_id: str
    event_type: _common_pb2.EventType
    event_data: _struct_pb2.Struct
    performance_metrics: _struct_pb2.Struct
    duration_ms: int
    success_indicator: bool
    difficulty_level: float
    learning_objective: str
    content_type: str
    def __init__(self, timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., event_id: _Optional[str] = ..., learner_id: _Optional[str] = ..., session_id: _Optional[str] = ..., event_type: _Optional[_Union[_common_pb2.EventType, str]] = ..., event_data: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., performance_metrics: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., duration_ms: _Optional[int] = ..., success_indicator: _Optional[bool] = ..., difficulty_level: _Optional[float] = ..., learning_objective: _Optional[str] = ..., content_type: _Optional[str] = ...) -> None: ...

class PerformanceMetric(_message.Message):
    __slots__ = ("timestamp", "learner_id", "metric_type", "metric_value", "metric_context", "skill_category", "session_type", "content_difficulty", "baseline_value", "improvement_rate")
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    LEARNER_ID_FIELD_NUMBER: _ClassVar[int]
    METRIC_TYPE_FIELD_NUMBER: _ClassVar[int]
    METRIC_VALUE_FIELD_NUMBER: _ClassVar[int]
    METRIC_CONTEXT_FIELD_NUMBER: _ClassVar[int]
    SKILL_CATEGORY_FIELD_NUMBER: _ClassVar[int]
    SESSION_TYPE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_DIFFICULTY_FIELD_NUMBER: _ClassVar[int]
    BASELINE_VALUE_FIELD_NUMBER: _ClassVar[int]
    IMPROVEMENT_RATE_FIELD_NUMBER: _ClassVar[int]
    timestamp: _timestamp_pb2.Timestamp
    learner_id: str
    metric_type: _common_pb2.MetricType
    metric_value: float
    metric_context: _struct_pb2.Struct
    skill_category: str
    session_type: _common_pb2.SessionType
    content_difficulty: float
    baseline_value: float
    improvement_rate: float
    def __init__(self, timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., learner_id: _Optional[str] = ..., metric_type: _Optional[_Union[_common_pb2.MetricType, str]] = ..., metric_value: _Optional[float] = ..., metric_context: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., skill_category: _Optional[str] = ..., session_type: _Optional[_Union[_common_pb2.SessionType, str]] = ..., content_difficulty: _Optional[float] = ..., baseline_value: _Optional[float] = ..., improvement_rate: _Optional[float] = ...) -> None: ...

class ContentEffectiveness(_message.Message):
    __slots__ = ("timestamp", "content_id", "dataset_id", "usage_count", "success_rate", "average_completion_time", "difficulty_perception", "learner_satisfaction", "learning_objective_achievement", "retention_rate", "improvement_correlation")
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    CONTENT_ID_FIELD_NUMBER: _ClassVar[int]
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    USAGE_COUNT_FIELD_NUMBER: _ClassVar[int]
    SUCCESS_RATE_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_COMPLETION_TIME_FIELD_NUMBER: _ClassVar[int]
    DIFFICULTY_PERCEPTION_FIELD_NUMBER: _ClassVar[int]
    LEARNER_SATISFACTION_FIELD_NUMBER: _ClassVar[int]
    LEARNING_OBJECTIVE_ACHIEVEMENT_FIELD_NUMBER: _ClassVar[int]
    RETENTION_RATE_FIELD_NUMBER: _ClassVar[int]
    IMPROVEMENT_CORRELATION_FIELD_NUMBER: _ClassVar[int]
    timestamp: _timestamp_pb2.Timestamp
    content_id: str
    dataset_id: str
    usage_count: int
    success_rate: float
    average_completion_time: int
    difficulty_perception: float
    learner_satisfaction: float
    learning_objective_achievement: float
    retention_rate: float
    improvement_correlation: float
    def __init__(self, timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., content_id: _Optional[str] = ..., dataset_id: _Optional[str] = ..., usage_count: _Optional[int] = ..., success_rate: _Optional[float] = ..., average_completion_time: _Optional[int] = ..., difficulty_perception: _Optional[float] = ..., learner_satisfaction: _Optional[float] = ..., learning_objective_achievement: _Optional[float] = ..., retention_rate: _Optional[float] = ..., improvement_correlation: _Optional[float] = ...) -> None: ...

class EventColumns(_message.Message):
    __slots__ = ("timestamp", "event_id", "learner_id", "session_id", "event_type", "event_data", "performance_metrics", "duration_ms", "success_indicator", "difficulty_level", "learning_objective", "content_type")
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    LEARNER_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    EVENT_DATA_FIELD_NUMBER: _ClassVar[int]
    PERFORMANCE_METRICS_FIELD_NUMBER: _ClassVar[int]
    DURATION_MS_FIELD_NUMBER: _ClassVar[int]
    SUCCESS_INDICATOR_FIELD_NUMBER: _ClassVar[int]
    DIFFICULTY_LEVEL_FIELD_NUMBER: _ClassVar[int]
    LEARNING_OBJECTIVE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    timestamp: _containers.RepeatedScalarFieldContainer[int]
    event_id: _containers.RepeatedScalarFieldContainer[str]
    learner_id: _containers.RepeatedScalarFieldContainer[str]
    session_id: _containers.RepeatedScalarFieldContainer[str]
    event_type: _containers.RepeatedScalarFieldContainer[_common_pb2.EventType]
    event_data: _containers.RepeatedScalarFieldContainer[str]
    performance_metrics: _containers.RepeatedScalarFieldContainer[str]
    duration_ms: _containers.RepeatedScalarFieldContainer[int]
    success_indicator: _containers.RepeatedScalarFieldContainer[bool]
    difficulty_level: _containers.RepeatedScalarFieldContainer[float]
    learning_objective: _containers.RepeatedScalarFieldContainer[str]
    content_type: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, timestamp: _Optional[_Iterable[int]] = ..., event_id: _Optional[_Iterable[str]] = ..., learner_id: _Optional[_Iterable[str]] = ..., session_id: _Optional[_Iterable[str]] = ..., event_type: _Optional[_Iterable[_Union[_common_pb2.EventType, str]]] = ..., event_data: _Optional[_Iterable[str]] = ..., performance_metrics: _Optional[_Iterable[str]] = ..., duration_ms: _Optional[_Iterable[int]] = ..., success_indicator: _Optional[_Iterable[bool]] = ..., difficulty_level: _Optional[_Iterable[float]] = ..., learning_objective: _Optional[_Iterable[str]] = ..., content_type: _Optional[_Iterable[str]] = ...) -> None: ...

class RecordEventsRequest(_message.Message):
    __slots__ = ("batch_id", "events", "columns")
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    COLUMNS_FIELD_NUMBER: _ClassVar[int]
    batch_id: str
    events: _containers.RepeatedCompositeFieldContainer[LearningEvent]
    columns: EventColumns
    def __init__(self, batch_id: _Optional[str] = ..., events: _Optional[_Iterable[_Union[LearningEvent, _Mapping]]] = ..., columns: _Optional[_Union[EventColumns, _Mapping]] = ...) -> None: ...

class EventError(_message.Message):
    __slots__ = ("index", "field", "message")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    index: int
    field: str
    message: str
    def __init__(self, index: _Optional[int] = ..., field: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class RecordEventsResponse(_message.Message):
    __slots__ = ("accepted_count", "duplicate_count", "rejected_count", "errors", "errors_truncated")
    ACCEPTED_COUNT_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_COUNT_FIELD_NUMBER: _ClassVar[int]
    REJECTED_COUNT_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    ERRORS_TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    accepted_count: int
    duplicate_count: int
    rejected_count: int
    errors: _containers.RepeatedCompositeFieldContainer[EventError]
    errors_truncated: bool
    def __init__(self, accepted_count: _Optional[int] = ..., duplicate_count: _Optional[int] = ..., rejected_count: _Optional[int] = ..., errors: _Optional[_Iterable[_Union[EventError, _Mapping]]] = ..., errors_truncated: _Optional[bool] = ...) -> None: ...

class RecordEventRequest(_message.Message):
    __slots__ = ("event",)
    EVENT_FIELD_NUMBER: _ClassVar[int]
    event: LearningEvent
    def __init__(self, event: _Optional[_Union[LearningEvent, _Mapping]] = ...) -> None: ...

class RecordEventResponse(_message.Message):
    __slots__ = ("event_id", "duplicate")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    duplicate: bool
    def __init__(self, event_id: _Optional[str] = ..., duplicate: _Optional[bool] = ...) -> None: ...

class GetLearnerPerformanceRequest(_message.Message):
    __slots__ = ("learner_id", "metric_type", "bucket", "time_range")
    LEARNER_ID_FIELD_NUMBER: _ClassVar[int]
    METRIC_TYPE_FIELD_NUMBER: _ClassVar[int]
    BUCKET_FIELD_NUMBER: _ClassVar[int]
    TIME_RANGE_FIELD_NUMBER: _ClassVar[int]
    learner_id: str
    metric_type: _common_pb2.MetricType
    bucket: TimeBucket
    time_range: _common_pb2.TimeRange
    def __init__(self, learner_id: _Optional[str] = ..., metric_type: _Optional[_Union[_common_pb2.MetricType, str]] = ..., bucket: _Optional[_Union[TimeBucket, str]] = ..., time_range: _Optional[_Union[_common_pb2.TimeRange, _Mapping]] = ...) -> None: ...

class PerformancePoint(_message.Message):
    __slots__ = ("bucket_start", "value", "min_value", "max_value", "sample_count", "baseline_value", "improvement_rate")
    BUCKET_START_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    MIN_VALUE_FIELD_NUMBER: _ClassVar[int]
    MAX_VALUE_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_COUNT_FIELD_NUMBER: _ClassVar[int]
    BASELINE_VALUE_FIELD_NUMBER: _ClassVar[int]
    IMPROVEMENT_RATE_FIELD_NUMBER: _ClassVar[int]
    bucket_start: _timestamp_pb2.Timestamp
    value: float
    min_value: float
    max_value: float
    sample_count: int
    baseline_value: float
    improvement_rate: float
    def __init__(self, bucket_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., value: _Optional[float] = ..., min_value: _Optional[float] = ..., max_value: _Optional[float] = ..., sample_count: _Optional[int] = ..., baseline_value: _Optional[float] = ..., improvement_rate: _Optional[float] = ...) -> None: ...

class GetLearnerPerformanceResponse(_message.Message):
    __slots__ = ("points",)
    POINTS_FIELD_NUMBER: _ClassVar[int]
    points: _containers.RepeatedCompositeFieldContainer[PerformancePoint]
    def __init__(self, points: _Optional[_Iterable[_Union[PerformancePoint, _Mapping]]] = ...) -> None: ...

class GetContentEffectivenessRequest(_message.Message):
    __slots__ = ("rank_by", "ascending", "min_usage", "dataset_id", "time_range", "page_size", "page_token")
    RANK_BY_FIELD_NUMBER: _ClassVar[int]
    ASCENDING_FIELD_NUMBER: _ClassVar[int]
    MIN_USAGE_FIELD_NUMBER: _ClassVar[int]
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    TIME_RANGE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    rank_by: EffectivenessMeasure
    ascending: bool
    min_usage: int
    dataset_id: str
    time_range: _common_pb2.TimeRange
    page_size: int
    page_token: str
    def __init__(self, rank_by: _Optional[_Union[EffectivenessMeasure, str]] = ..., ascending: _Optional[bool] = ..., min_usage: _Optional[int] = ..., dataset_id: _Optional[str] = ..., time_range: _Optional[_Union[_common_pb2.TimeRange, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class RankedContentEffectiveness(_message.Message):
    __slots__ = ("rank", "score", "effectiveness")
    RANK_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVENESS_FIELD_NUMBER: _ClassVar[int]
    rank: int
    score: float
    effectiveness: ContentEffectiveness
    def __init__(self, rank: _Optional[int] = ..., score: _Optional[float] = ..., effectiveness: _Optional[_Union[ContentEffectiveness, _Mapping]] = ...) -> None: ...

class GetContentEffectivenessResponse(_message.Message):
    __slots__ = ("items", "next_page_token")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[RankedContentEffectiveness]
    next_page_token: str
    def __init__(self, items: _Optional[_Iterable[_Union[RankedContentEffectiveness, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetCohortStatsRequest(_message.Message):
    __slots__ = ("metric_type", "learner_type", "learning_objective", "time_range", "percentiles")
    METRIC_TYPE_FIELD_NUMBER: _ClassVar[int]
    LEARNER_TYPE_FIELD_NUMBER: _ClassVar[int]
    LEARNING_OBJECTIVE_FIELD_NUMBER: _ClassVar[int]
    TIME_RANGE_FIELD_NUMBER: _ClassVar[int]
    PERCENTILES_FIELD_NUMBER: _ClassVar[int]
    metric_type: _common_pb2.MetricType
    learner_type: str
    learning_objective: str
    time_range: _common_pb2.TimeRange
    percentiles: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, metric_type: _Optional[_Union[_common_pb2.MetricType, str]] = ..., learner_type: _Optional[str] = ..., learning_objective: _Optional[str] = ..., time_range: _Optional[_Union[_common_pb2.TimeRange, _Mapping]] = ..., percentiles: _Optional[_Iterable[float]] = ...) -> None: ...

class PercentileValue(_message.Message):
    __slots__ = ("percentile", "value")
    PERCENTILE_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    percentile: float
    value: float
    def __init__(self, percentile: _Optional[float] = ..., value: _Optional[float] = ...) -> None: ...

class GetCohortStatsResponse(_message.Message):
    __slots__ = ("learner_count", "sample_count", "mean", "values")
    LEARNER_COUNT_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_COUNT_FIELD_NUMBER: _ClassVar[int]
    MEAN_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    learner_count: int
    sample_count: int
    mean: float
    values: _containers.RepeatedCompositeFieldContainer[PercentileValue]
    def __init__(self, learner_count: _Optional[int] = ..., sample_count: _Optional[int] = ..., mean: _Optional[float] = ..., values: _Optional[_Iterable[_Union[PercentileValue, _Mapping]]] = ...) -> None: ...

class ExportEventsRequest(_message.Message):
    __slots__ = ("learner_id", "session_id", "event_type", "time_range", "batch_size")
    LEARNER_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    TIME_RANGE_FIELD_NUMBER: _ClassVar[int]
    BATCH_SIZE_FIELD_NUMBER: _ClassVar[int]
    learner_id: str
    session_id: str
    event_type: _common_pb2.EventType
    time_range: _common_pb2.TimeRange
    batch_size: int
    def __init__(self, learner_id: _Optional[str] = ..., session_id: _Optional[str] = ..., event_type: _Optional[_Union[_common_pb2.EventType, str]] = ..., time_range: _Optional[_Union[_common_pb2.TimeRange, _Mapping]] = ..., batch_size: _Optional[int] = ...) -> None: ...

class ExportEventsResponse(_message.Message):
    __slots__ = ("events",)
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[LearningEvent]
    def __init__(self, events: _Optional[_Iterable[_Union[LearningEvent, _Mapping]]] = ...) -> None: ...

class ReconcileAnalyticsRequest(_message.Message):
    __slots__ = ("start_month", "end_month", "max_examples")
    START_MONTH_FIELD_NUMBER: _ClassVar[int]
    END_MONTH_FIELD_NUMBER: _ClassVar[int]
    MAX_EXAMPLES_FIELD_NUMBER: _ClassVar[int]
    start_month: int
    end_month: int
    max_examples: int
    def __init__(self, start_month: _Optional[int] = ..., end_month: _Optional[int] = ..., max_examples: _Optional[int] = ...) -> None: ...

class PartitionDrift(_message.Message):
    __slots__ = ("month", "source_count", "analytics_count", "source_checksum", "analytics_checksum", "missing_ids", "extra_ids", "in_sync", "pending_count")
    MONTH_FIELD_NUMBER: _ClassVar[int]
    SOURCE_COUNT_FIELD_NUMBER: _ClassVar[int]
    ANALYTICS_COUNT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_CHECKSUM_FIELD_NUMBER: _ClassVar[int]
    ANALYTICS_CHECKSUM_FIELD_NUMBER: _ClassVar[int]
    MISSING_IDS_FIELD_NUMBER: _ClassVar[int]
    EXTRA_IDS_FIELD_NUMBER: _ClassVar[int]
    IN_SYNC_FIELD_NUMBER: _ClassVar[int]
    PENDING_COUNT_FIELD_NUMBER: _ClassVar[int]
    month: int
    source_count: int
    analytics_count: int
    source_checksum: str
    analytics_checksum: str
    missing_ids: _containers.RepeatedScalarFieldContainer[str]
    extra_ids: _containers.RepeatedScalarFieldContainer[str]
    in_sync: bool
    pending_count: int
    def __init__(self, month: _Optional[int] = ..., source_count: _Optional[int] = ..., analytics_count: _Optional[int] = ..., source_checksum: _Optional[str] = ..., analytics_checksum: _Optional[str] = ..., missing_ids: _Optional[_Iterable[str]] = ..., extra_ids: _Optional[_Iterable[str]] = ..., in_sync: _Optional[bool] = ..., pending_count: _Optional[int] = ...) -> None: ...

class ReconcileAnalyticsResponse(_message.Message):
    __slots__ = ("partitions", "pending_count", "relay_lag")
    PARTITIONS_FIELD_NUMBER: _ClassVar[int]
    PENDING_COUNT_FIELD_NUMBER: _ClassVar[int]
    RELAY_LAG_FIELD_NUMBER: _ClassVar[int]
    partitions: _containers.RepeatedCompositeFieldContainer[PartitionDrift]
    pending_count: int
    relay_lag: _duration_pb2.Duration
    def __init__(self, partitions: _Optional[_Iterable[_Union[PartitionDrift, _Mapping]]] = ..., pending_count: _Optional[int] = ..., relay_lag: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...
