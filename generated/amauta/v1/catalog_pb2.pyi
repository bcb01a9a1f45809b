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

class TrainingDataset(_message.Message):
    __slots__ = ("dataset_id", "name", "description", "dataset_type", "generation_method", "quality_metrics", "target_capabilities", "source_accords", "source_memories", "created_at", "updated_at", "created_by", "version", "validation_status", "usage_count", "quality_score", "validated_by", "validation_reason", "validated_at")
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    DATASET_TYPE_FIELD_NUMBER: _ClassVar[int]
    GENERATION_METHOD_FIELD_NUMBER: _ClassVar[int]
    QUALITY_METRICS_FIELD_NUMBER: _ClassVar[int]
    TARGET_CAPABILITIES_FIELD_NUMBER: _ClassVar[int]
    SOURCE_ACCORDS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_MEMORIES_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    VALIDATION_STATUS_FIELD_NUMBER: _ClassVar[int]
    USAGE_COUNT_FIELD_NUMBER: _ClassVar[int]
    QUALITY_SCORE_FIELD_NUMBER: _ClassVar[int]
    VALIDATED_BY_FIELD_NUMBER: _ClassVar[int]
    VALIDATION_REASON_FIELD_NUMBER: _ClassVar[int]
    VALIDATED_AT_FIELD_NUMBER: _ClassVar[int]
    dataset_id: str
    name: str
    description: str
    dataset_type: _common_pb2.DatasetType
    generation_method: _struct_pb2.Struct
    quality_metrics: _struct_pb2.Struct
    target_capabilities: _containers.RepeatedScalarFieldContainer[str]
    source_accords: _containers.RepeatedScalarFieldContainer[str]
    source_memories: _containers.RepeatedScalarFieldContainer[str]
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    created_by: str
    version: int
    validation_status: _common_pb2.ValidationStatus
    usage_count: int
    quality_score: float
    validated_by: str
    validation_reason: str
    validated_at: _timestamp_pb2.Timestamp
    def __init__(self, dataset_id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., dataset_type: _Optional[_Union[_common_pb2.DatasetType, str]] = ..., generation_method: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., quality_metrics: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., target_capabilities: _Optional[_Iterable[str]] = ..., source_accords: _Optional[_Iterable[str]] = ..., source_memories: _Optional[_Iterable[str]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_by: _Optional[str] = ..., version: _Optional[int] = ..., validation_status: _Optional[_Union[_common_pb2.ValidationStatus, str]] = ..., usage_count: _Optional[int] = ..., quality_score: _Optional[float] = ..., validated_by: _Optional[str] = ..., validation_reason: _Optional[str] = ..., validated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ContentUsageStatistics(_message.Message):
    __slots__ = ("attempts", "completions", "success_rate")
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    COMPLETIONS_FIELD_NUMBER: _ClassVar[int]
    SUCCESS_RATE_FIELD_NUMBER: _ClassVar[int]
    attempts: int
    completions: int
    success_rate: float
    def __init__(self, attempts: _Optional[int] = ..., completions: _Optional[int] = ..., success_rate: _Optional[float] = ...) -> None: ...

class TrainingContent(_message.Message):
    __slots__ = ("content_id", "dataset_id", "title", "content_data", "difficulty_level", "complexity_metrics", "learning_objectives", "success_criteria", "estimated_duration", "prerequisites", "tags", "variation_source", "variation_parameters", "created_at", "validation_results", "usage_statistics", "created_by")
    CONTENT_ID_FIELD_NUMBER: _ClassVar[int]
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_DATA_FIELD_NUMBER: _ClassVar[int]
    DIFFICULTY_LEVEL_FIELD_NUMBER: _ClassVar[int]
    COMPLEXITY_METRICS_FIELD_NUMBER: _ClassVar[int]
    LEARNING_OBJECTIVES_FIELD_NUMBER: _ClassVar[int]
    SUCCESS_CRITERIA_FIELD_NUMBER: _ClassVar[int]
    ESTIMATED_DURATION_FIELD_NUMBER: _ClassVar[int]
    PREREQUISITES_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    VARIATION_SOURCE_FIELD_NUMBER: _ClassVar[int]
    VARIATION_PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    VALIDATION_RESULTS_FIELD_NUMBER: _ClassVar[int]
    USAGE_STATISTICS_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    content_id: str
    dataset_id: str
    title: str
    content_data: _struct_pb2.Struct
    difficulty_level: float
    complexity_metrics: _struct_pb2.Struct
    learning_objectives: _containers.RepeatedScalarFieldContainer[str]
    success_criteria: _struct_pb2.Struct
    estimated_duration: int
    prerequisites: _containers.RepeatedScalarFieldContainer[str]
    tags: _containers.RepeatedScalarFieldContainer[str]
    variation_source: str
    variation_parameters: _struct_pb2.Struct
    created_at: _timestamp_pb2.Timestamp
    validation_results: _struct_pb2.Struct
    usage_statistics: ContentUsageStatistics
    created_by: str
    def __init__(self, content_id: _Optional[str] = ..., dataset_id: _Optional[str] = ..., title: _Optional[str] = ..., content_data: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., difficulty_level: _Optional[float] = ..., complexity_metrics: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., learning_objectives: _Optional[_Iterable[str]] = ..., success_criteria: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., estimated_duration: _Optional[int] = ..., prerequisites: _Optional[_Iterable[str]] = ..., tags: _Optional[_Iterable[str]] = ..., variation_source: _Optional[str] = ..., variation_parameters: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., validation_results: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., usage_statistics: _Optional[_Union[ContentUsageStatistics, _Mapping]] = ..., created_by: _Optional[str] = ...) -> None: ...

class SimulationEnvironment(_message.Message):
    __slots__ = ("environment_id", "name", "description", "environment_type", "complexity_level", "max_participants", "estimated_duration", "environment_config", "participant_roles", "success_criteria", "learning_objectives", "prerequisites", "resources_required", "created_at", "updated_at", "created_by", "version", "active_status", "usage_count")
    ENVIRONMENT_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    ENVIRONMENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    COMPLEXITY_LEVEL_FIELD_NUMBER: _ClassVar[int]
    MAX_PARTICIPANTS_FIELD_NUMBER: _ClassVar[int]
    ESTIMATED_DURATION_FIELD_NUMBER: _ClassVar[int]
    ENVIRONMENT_CONFIG_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_ROLES_FIELD_NUMBER: _ClassVar[int]
    SUCCESS_CRITERIA_FIELD_NUMBER: _ClassVar[int]
    LEARNING_OBJECTIVES_FIELD_NUMBER: _ClassVar[int]
    PREREQUISITES_FIELD_NUMBER: _ClassVar[int]
    RESOURCES_REQUIRED_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_STATUS_FIELD_NUMBER: _ClassVar[int]
    USAGE_COUNT_FIELD_NUMBER: _ClassVar[int]
    environment_id: str
    name: str
    description: str
    environment_type: _common_pb2.EnvironmentType
    complexity_level: _common_pb2.ComplexityLevel
    max_participants: int
    estimated_duration: int
    environment_config: _struct_pb2.Struct
    participant_roles: _struct_pb2.Struct
    success_criteria: _struct_pb2.Struct
    learning_objectives: _containers.RepeatedScalarFieldContainer[str]
    prerequisites: _containers.RepeatedScalarFieldContainer[str]
    resources_required: _struct_pb2.Struct
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    created_by: str
    version: int
    active_status: bool
    usage_count: int
    def __init__(self, environment_id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., environment_type: _Optional[_Union[_common_pb2.EnvironmentType, str]] = ..., complexity_level: _Optional[_Union[_common_pb2.ComplexityLevel, str]] = ..., max_participants: _Optional[int] = ..., estimated_duration: _Optional[int] = ..., environment_config: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., participant_roles: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., success_criteria: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., learning_objectives: _Optional[_Iterable[str]] = ..., prerequisites: _Optional[_Iterable[str]] = ..., resources_required: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_by: _Optional[str] = ..., version: _Optional[int] = ..., active_status: _Optional[bool] = ..., usage_count: _Optional[int] = ...) -> None: ...

class GenerationJob(_message.Message):
    __slots__ = ("request_id", "type", "priority", "parameters", "state", "requested_by", "worker_id", "attempts", "enqueued_at", "claimed_at", "lease_expires_at", "completed_at", "created_content_id", "error_message")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_BY_FIELD_NUMBER: _ClassVar[int]
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    ENQUEUED_AT_FIELD_NUMBER: _ClassVar[int]
    CLAIMED_AT_FIELD_NUMBER: _ClassVar[int]
    LEASE_EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_AT_FIELD_NUMBER: _ClassVar[int]
    CREATED_CONTENT_ID_FIELD_NUMBER: _ClassVar[int]
    ERROR_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    type: _common_pb2.GenerationJobType
    priority: _common_pb2.GenerationPriority
    parameters: _struct_pb2.Struct
    state: _common_pb2.GenerationJobState
    requested_by: str
    worker_id: str
    attempts: int
    enqueued_at: _timestamp_pb2.Timestamp
    claimed_at: _timestamp_pb2.Timestamp
    lease_expires_at: _timestamp_pb2.Timestamp
    completed_at: _timestamp_pb2.Timestamp
    created_content_id: str
    error_message: str
    def __init__(self, request_id: _Optional[str] = ..., type: _Optional[_Union[_common_pb2.GenerationJobType, str]] = ..., priority: _Optional[_Union[_common_pb2.GenerationPriority, str]] = ..., parameters: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., state: _Optional[_Union[_common_pb2.GenerationJobState, str]] = ..., requested_by: _Optional[str] = ..., worker_id: _Optional[str] = ..., attempts: _Optional[int] = ..., enqueued_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., claimed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., lease_expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., completed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_content_id: _Optional[str] = ..., error_message: _Optional[str] = ...) -> None: ...

class CreateDatasetRequest(_message.Message):
    __slots__ = ("dataset", "request_id")
    DATASET_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    dataset: TrainingDataset
    request_id: str
    def __init__(self, dataset: _Optional[_Union[TrainingDataset, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateDatasetResponse(_message.Message):
    __slots__ = ("dataset",)
    DATASET_FIELD_NUMBER: _ClassVar[int]
    dataset: TrainingDataset
    def __init__(self, dataset: _Optional[_Union[TrainingDataset, _Mapping]] = ...) -> None: ...

class GetDatasetRequest(_message.Message):
    __slots__ = ("dataset_id",)
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    dataset_id: str
    def __init__(self, dataset_id: _Optional[str] = ...) -> None: ...

class GetDatasetResponse(_message.Message):
    __slots__ = ("dataset",)
    DATASET_FIELD_NUMBER: _ClassVar[int]
    dataset: TrainingDataset
    def __init__(self, dataset: _Optional[_Union[TrainingDataset, _Mapping]] = ...) -> None: ...

class ListDatasetsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "dataset_type", "validation_status", "quality_score", "target_capabilities", "created_at")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    DATASET_TYPE_FIELD_NUMBER: _ClassVar[int]
    VALIDATION_STATUS_FIELD_NUMBER: _ClassVar[int]
    QUALITY_SCORE_FIELD_NUMBER: _ClassVar[int]
    TARGET_CAPABILITIES_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    dataset_type: _common_pb2.DatasetType
    validation_status: _common_pb2.ValidationStatus
    quality_score: _common_pb2.DoubleRange
    target_capabilities: _common_pb2.StringSetFilter
    created_at: _common_pb2.TimeRange
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., dataset_type: _Optional[_Union[_common_pb2.DatasetType, str]] = ..., validation_status: _Optional[_Union[_common_pb2.ValidationStatus, str]] = ..., quality_score: _Optional[_Union[_common_pb2.DoubleRange, _Mapping]] = ..., target_capabilities: _Optional[_Union[_common_pb2.StringSetFilter, _Mapping]] = ..., created_at: _Optional[_Union[_common_pb2.TimeRange, _Mapping]] = ...) -> None: ...

class ListDatasetsResponse(_message.Message):
    __slots__ = ("datasets", "next_page_token", "resume_page_token")
    DATASETS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    RESUME_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    datasets: _containers.RepeatedCompositeFieldContainer[TrainingDataset]
    next_page_token: str
    resume_page_token: str
    def __init__(self, datasets: _Optional[_Iterable[_Union[TrainingDataset, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., resume_page_token: _Optional[str] = ...) -> None: ...

class UpdateDatasetRequest(_message.Message):
    __slots__ = ("dataset", "update_mask", "etag")
    DATASET_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    dataset: TrainingDataset
    update_mask: _field_mask_pb2.FieldMask
    etag: int
    def __init__(self, dataset: _Optional[_Union[TrainingDataset, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., etag: _Optional[int] = ...) -> None: ...

class UpdateDatasetResponse(_message.Message):
    __slots__ = ("dataset",)
    DATASET_FIELD_NUMBER: _ClassVar[int]
    dataset: TrainingDataset
    def __init__(self, dataset: _Optional[_Union[TrainingDataset, _Mapping]] = ...) -> None: ...

class DeleteDatasetRequest(_message.Message):
    __slots__ = ("dataset_id", "etag")
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    dataset_id: str
    etag: int
    def __init__(self, dataset_id: _Optional[str] = ..., etag: _Optional[int] = ...) -> None: ...

class DeleteDatasetResponse(_message.Message):
    __slots__ = ("dataset_id", "deleted_content_count")
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    DELETED_CONTENT_COUNT_FIELD_NUMBER: _ClassVar[int]
    dataset_id: str
    deleted_content_count: int
    def __init__(self, dataset_id: _Optional[str] = ..., deleted_content_count: _Optional[int] = ...) -> None: ...

class ValidateDatasetRequest(_message.Message):
    __slots__ = ("dataset_id", "decision", "validator", "reason", "quality_score", "quality_metrics", "etag")
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    VALIDATOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    QUALITY_SCORE_FIELD_NUMBER: _ClassVar[int]
    QUALITY_METRICS_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    dataset_id: str
    decision: _common_pb2.ValidationStatus
    validator: str
    reason: str
    quality_score: float
    quality_metrics: _struct_pb2.Struct
    etag: int
    def __init__(self, dataset_id: _Optional[str] = ..., decision: _Optional[_Union[_common_pb2.ValidationStatus, str]] = ..., validator: _Optional[str] = ..., reason: _Optional[str] = ..., quality_score: _Optional[float] = ..., quality_metrics: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., etag: _Optional[int] = ...) -> None: ...

class ValidateDatasetResponse(_message.Message):
    __slots__ = ("dataset",)
    DATASET_FIELD_NUMBER: _ClassVar[int]
    dataset: TrainingDataset
    def __init__(self, dataset: _Optional[_Union[TrainingDataset, _Mapping]] = ...) -> None: ...

class CreateContentRequest(_message.Message):
    __slots__ = ("content", "request_id")
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    content: TrainingContent
    request_id: str
    def __init__(self, content: _Optional[_Union[TrainingContent, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateContentResponse(_message.Message):
    __slots__ = ("content",)
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    content: TrainingContent
    def __init__(self, content: _Optional[_Union[TrainingContent, _Mapping]] = ...) -> None: ...

class GetContentRequest(_message.Message):
    __slots__ = ("content_id",)
    CONTENT_ID_FIELD_NUMBER: _ClassVar[int]
    content_id: str
    def __init__(self, content_id: _Optional[str] = ...) -> None: ...

class GetContentResponse(_message.Message):
    __slots__ = ("content",)
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    content: TrainingContent
    def __init__(self, content: _Optional[_Union[TrainingContent, _Mapping]] = ...) -> None: ...

class ListContentRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "dataset_id", "difficulty_level", "tags", "learning_objectives", "prerequisites", "title_query")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    DIFFICULTY_LEVEL_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    LEARNING_OBJECTIVES_FIELD_NUMBER: _ClassVar[int]
    PREREQUISITES_FIELD_NUMBER: _ClassVar[int]
    TITLE_QUERY_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    dataset_id: str
    difficulty_level: _common_pb2.DoubleRange
    tags: _common_pb2.StringSetFilter
    learning_objectives: _common_pb2.StringSetFilter
    prerequisites: _common_pb2.StringSetFilter
    title_query: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., dataset_id: _Optional[str] = ..., difficulty_level: _Optional[_Union[_common_pb2.DoubleRange, _Mapping]] = ..., tags: _Optional[_Union[_common_pb2.StringSetFilter, _Mapping]] = ..., learning_objectives: _Optional[_Union[_common_pb2.StringSetFilter, _Mapping]] = ..., prerequisites: _Optional[_Union[_common_pb2.StringSetFilter, _Mapping]] = ..., title_query: _Optional[str] = ...) -> None: ...

class ListContentResponse(_message.Message):
    __slots__ = ("contents", "next_page_token", "resume_page_token")
    CONTENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    RESUME_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    contents: _containers.RepeatedCompositeFieldContainer[TrainingContent]
    next_page_token: str
    resume_page_token: str
    def __init__(self, contents: _Optional[_Iterable[_Union[TrainingContent, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., resume_page_token: _Optional[str] = ...) -> None: ...

class UpdateContentRequest(_message.Message):
    __slots__ = ("content", "update_mask")
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    content: TrainingContent
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, content: _Optional[_Union[TrainingContent, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class UpdateContentResponse(_message.Message):
    __slots__ = ("content",)
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    content: TrainingContent
    def __init__(self, content: _Optional[_Union[TrainingContent, _Mapping]] = ...) -> None: ...

class DeleteContentRequest(_message.Message):
    __slots__ = ("content_id",)
    CONTENT_ID_FIELD_NUMBER: _ClassVar[int]
    content_id: str
    def __init__(self, content_id: _Optional[str] = ...) -> None: ...

class DeleteContentResponse(_message.Message):
    __slots__ = ("content_id", "deleted_content_count")
    CONTENT_ID_FIELD_NUMBER: _ClassVar[int]
    DELETED_CONTENT_COUNT_FIELD_NUMBER: _ClassVar[int]
    content_id: str
    deleted_content_count: int
    def __init__(self, content_id: _Optional[str] = ..., deleted_content_count: _Optional[int] = ...) -> None: ...

class CreateVariationRequest(_message.Message):
    __slots__ = ("source_content_id", "variation_parameters", "overrides", "override_mask", "request_id")
    SOURCE_CONTENT_ID_FIELD_NUMBER: _ClassVar[int]
    VARIATION_PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    OVERRIDES_FIELD_NUMBER: _ClassVar[int]
    OVERRIDE_MASK_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    source_content_id: str
    variation_parameters: _struct_pb2.Struct
    overrides: TrainingContent
    override_mask: _field_mask_pb2.FieldMask
    request_id: str
    def __init__(self, source_content_id: _Optional[str] = ..., variation_parameters: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., overrides: _Optional[_Union[TrainingContent, _Mapping]] = ..., override_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateVariationResponse(_message.Message):
    __slots__ = ("content",)
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    content: TrainingContent
    def __init__(self, content: _Optional[_Union[TrainingContent, _Mapping]] = ...) -> None: ...

class ContentLineageEntry(_message.Message):
    __slots__ = ("content", "depth")
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    DEPTH_FIELD_NUMBER: _ClassVar[int]
    content: TrainingContent
    depth: int
    def __init__(self, content: _Optional[_Union[TrainingContent, _Mapping]] = ..., depth: _Optional[int] = ...) -> None: ...

class ListVariationsRequest(_message.Message):
    __slots__ = ("content_id", "max_depth", "page_size", "page_token")
    CONTENT_ID_FIELD_NUMBER: _ClassVar[int]
    MAX_DEPTH_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    content_id: str
    max_depth: int
    page_size: int
    page_token: str
    def __init__(self, content_id: _Optional[str] = ..., max_depth: _Optional[int] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListVariationsResponse(_message.Message):
    __slots__ = ("variations", "next_page_token", "resume_page_token")
    VARIATIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    RESUME_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    variations: _containers.RepeatedCompositeFieldContainer[ContentLineageEntry]
    next_page_token: str
    resume_page_token: str
    def __init__(self, variations: _Optional[_Iterable[_Union[ContentLineageEntry, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., resume_page_token: _Optional[str] = ...) -> None: ...

class GetLineageRequest(_message.Message):
    __slots__ = ("content_id", "max_depth")
    CONTENT_ID_FIELD_NUMBER: _ClassVar[int]
    MAX_DEPTH_FIELD_NUMBER: _ClassVar[int]
    content_id: str
    max_depth: int
    def __init__(self, content_id: _Optional[str] = ..., max_depth: _Optional[int] = ...) -> None: ...

class GetLineageResponse(_message.Message):
    __slots__ = ("ancestors",)
    ANCESTORS_FIELD_NUMBER: _ClassVar[int]
    ancestors: _containers.RepeatedCompositeFieldContainer[ContentLineageEntry]
    def __init__(self, ancestors: _Optional[_Iterable[_Union[ContentLineageEntry, _Mapping]]] = ...) -> None: ...

class ImportHeader(_message.Message):
    __slots__ = ("dataset_id", "request_id")
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    dataset_id: str
    request_id: str
    def __init__(self, dataset_id: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class ImportItems(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[TrainingContent]
    def __init__(self, items: _Optional[_Iterable[_Union[TrainingContent, _Mapping]]] = ...) -> None: ...

class ImportContentRequest(_message.Message):
    __slots__ = ("header", "items")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    header: ImportHeader
    items: ImportItems
    def __init__(self, header: _Optional[_Union[ImportHeader, _Mapping]] = ..., items: _Optional[_Union[ImportItems, _Mapping]] = ...) -> None: ...

class ImportError(_message.Message):
    __slots__ = ("index", "field", "message")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    index: int
    field: str
    message: str
    def __init__(self, index: _Optional[int] = ..., field: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class ImportContentResponse(_message.Message):
    __slots__ = ("received_count", "imported_count", "rejected_count", "duplicate_count", "errors", "errors_truncated")
    RECEIVED_COUNT_FIELD_NUMBER: _ClassVar[int]
    IMPORTED_COUNT_FIELD_NUMBER: _ClassVar[int]
    REJECTED_COUNT_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_COUNT_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    ERRORS_TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    received_count: int
    imported_count: int
    rejected_count: int
    duplicate_count: int
    errors: _containers.RepeatedCompositeFieldContainer[ImportError]
    errors_truncated: bool
    def __init__(self, received_count: _Optional[int] = ..., imported_count: _Optional[int] = ..., rejected_count: _Optional[int] = ..., duplicate_count: _Optional[int] = ..., errors: _Optional[_Iterable[_Union[ImportError, _Mapping]]] = ..., errors_truncated: _Optional[bool] = ...) -> None: ...

class CreateEnvironmentRequest(_message.Message):
    __slots__ = ("environment", "request_id")
    ENVIRONMENT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    environment: SimulationEnvironment
    request_id: str
    def __init__(self, environment: _Optional[_Union[SimulationEnvironment, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateEnvironmentResponse(_message.Message):
    __slots__ = ("environment",)
    ENVIRONMENT_FIELD_NUMBER: _ClassVar[int]
    environment: SimulationEnvironment
    def __init__(self, environment: _Optional[_Union[SimulationEnvironment, _Mapping]] = ...) -> None: ...

class GetEnvironmentRequest(_message.Message):
    __slots__ = ("environment_id",)
    ENVIRONMENT_ID_FIELD_NUMBER: _ClassVar[int]
    environment_id: str
    def __init__(self, environment_id: _Optional[str] = ...) -> None: ...

class GetEnvironmentResponse(_message.Message):
    __slots__ = ("environment",)
    ENVIRONMENT_FIELD_NUMBER: _ClassVar[int]
    environment: SimulationEnvironment
    def __init__(self, environment: _Optional[_Union[SimulationEnvironment, _Mapping]] = ...) -> None: ...

class ListEnvironmentsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "environment_type", "complexity_level", "active_status", "learning_objectives")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ENVIRONMENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    COMPLEXITY_LEVEL_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_STATUS_FIELD_NUMBER: _ClassVar[int]
    LEARNING_OBJECTIVES_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    environment_type: _common_pb2.EnvironmentType
    complexity_level: _common_pb2.ComplexityLevel
    active_status: bool
    learning_objectives: _common_pb2.StringSetFilter
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., environment_type: _Optional[_Union[_common_pb2.EnvironmentType, str]] = ..., complexity_level: _Optional[_Union[_common_pb2.ComplexityLevel, str]] = ..., active_status: _Optional[bool] = ..., learning_objectives: _Optional[_Union[_common_pb2.StringSetFilter, _Mapping]] = ...) -> None: ...

class ListEnvironmentsResponse(_message.Message):
    __slots__ = ("environments", "next_page_token", "resume_page_token")
    ENVIRONMENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    RESUME_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    environments: _containers.RepeatedCompositeFieldContainer[SimulationEnvironment]
    next_page_token: str
    resume_page_token: str
    def __init__(self, environments: _Optional[_Iterable[_Union[SimulationEnvironment, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., resume_page_token: _Optional[str] = ...) -> None: ...

class UpdateEnvironmentRequest(_message.Message):
    __slots__ = ("environment", "update_mask", "etag")
    ENVIRONMENT_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    environment: SimulationEnvironment
    update_mask: _field_mask_pb2.FieldMask
    etag: int
    def __init__(self, environment: _Optional[_Union[SimulationEnvironment, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., etag: _Optional[int] = ...) -> None: ...

class UpdateEnvironmentResponse(_message.Message):
    __slots__ = ("environment",)
    ENVIRONMENT_FIELD_NUMBER: _ClassVar[int]
    environment: SimulationEnvironment
    def __init__(self, environment: _Optional[_Union[SimulationEnvironment, _Mapping]] = ...) -> None: ...

class DeleteEnvironmentRequest(_message.Message):
    __slots__ = ("environment_id", "etag")
    ENVIRONMENT_ID_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    environment_id: str
    etag: int
    def __init__(self, environment_id: _Optional[str] = ..., etag: _Optional[int] = ...) -> None: ...

class DeleteEnvironmentResponse(_message.Message):
    __slots__ = ("environment_id", "deleted_environment_count")
    ENVIRONMENT_ID_FIELD_NUMBER: _ClassVar[int]
    DELETED_ENVIRONMENT_COUNT_FIELD_NUMBER: _ClassVar[int]
    environment_id: str
    deleted_environment_count: int
    def __init__(self, environment_id: _Optional[str] = ..., deleted_environment_count: _Optional[int] = ...) -> None: ...

class EnqueueGenerationRequest(_message.Message):
    __slots__ = ("request_id", "type", "priority", "parameters")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    type: _common_pb2.GenerationJobType
    priority: _common_pb2.GenerationPriority
    parameters: _struct_pb2.Struct
    def __init__(self, request_id: _Optional[str] = ..., type: _Optional[_Union[_common_pb2.GenerationJobType, str]] = ..., priority: _Optional[_Union[_common_pb2.GenerationPriority, str]] = ..., parameters: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class EnqueueGenerationResponse(_message.Message):
    __slots__ = ("job",)
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: GenerationJob
    def __init__(self, job: _Optional[_Union[GenerationJob, _Mapping]] = ...) -> None: ...

class ClaimGenerationJobRequest(_message.Message):
    __slots__ = ("worker_id", "wait_timeout_ms", "lease_ms")
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    WAIT_TIMEOUT_MS_FIELD_NUMBER: _ClassVar[int]
    LEASE_MS_FIELD_NUMBER: _ClassVar[int]
    worker_id: str
    wait_timeout_ms: int
    lease_ms: int
    def __init__(self, worker_id: _Optional[str] = ..., wait_timeout_ms: _Optional[int] = ..., lease_ms: _Optional[int] = ...) -> None: ...

class ClaimGenerationJobResponse(_message.Message):
    __slots__ = ("job",)
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: GenerationJob
    def __init__(self, job: _Optional[_Union[GenerationJob, _Mapping]] = ...) -> None: ...

class CompleteGenerationJobRequest(_message.Message):
    __slots__ = ("request_id", "worker_id", "success", "created_content_id", "error_message")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    SUCCESS_FIELD_NUMBER: _ClassVar[int]
    CREATED_CONTENT_ID_FIELD_NUMBER: _ClassVar[int]
    ERROR_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    worker_id: str
    success: bool
    created_content_id: str
    error_message: str
    def __init__(self, request_id: _Optional[str] = ..., worker_id: _Optional[str] = ..., success: _Optional[bool] = ..., created_content_id: _Optional[str] = ..., error_message: _Optional[str] = ...) -> None: ...

class CompleteGenerationJobResponse(_message.Message):
    __slots__ = ("job",)
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: GenerationJob
    def __init__(self, job: _Optional[_Union[GenerationJob, _Mapping]] = ...) -> None: ...

class GetQueueStatsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class PriorityQueueStats(_message.Message):
    __slots__ = ("priority", "depth", "oldest_age_ms")
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    DEPTH_FIELD_NUMBER: _ClassVar[int]
    OLDEST_AGE_MS_FIELD_NUMBER: _ClassVar[int]
    priority: _common_pb2.GenerationPriority
    depth: int
    oldest_age_ms: int
    def __init__(self, priority: _Optional[_Union[_common_pb2.GenerationPriority, str]] = ..., depth: _Optional[int] = ..., oldest_age_ms: _Optional[int] = ...) -> None: ...

class GetQueueStatsResponse(_message.Message):
    __slots__ = ("queues", "in_flight", "oldest_age_ms")
    QUEUES_FIELD_NUMBER: _ClassVar[int]
    IN_FLIGHT_FIELD_NUMBER: _ClassVar[int]
    OLDEST_AGE_MS_FIELD_NUMBER: _ClassVar[int]
    queues: _containers.RepeatedCompositeFieldContainer[PriorityQueueStats]
    in_flight: int
    oldest_age_ms: int
    def __init__(self, queues: _Optional[_Iterable[_Union[PriorityQueueStats, _Mapping]]] = ..., in_flight: _Optional[int] = ..., oldest_age_ms: _Optional[int] = ...) -> None: ...
