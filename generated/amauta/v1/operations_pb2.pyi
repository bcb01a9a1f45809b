import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ConsistencyRule(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONSISTENCY_RULE_UNSPECIFIED: _ClassVar[ConsistencyRule]
    CONSISTENCY_RULE_SESSION_INTEGRITY: _ClassVar[ConsistencyRule]
    CONSISTENCY_RULE_ASSESSMENT_COMPLETENESS: _ClassVar[ConsistencyRule]
    CONSISTENCY_RULE_CONTENT_VALIDATION: _ClassVar[ConsistencyRule]
    CONSISTENCY_RULE_PROFILE_COHERENCE: _ClassVar[ConsistencyRule]
    CONSISTENCY_RULE_ANALYTICS_ACCURACY: _ClassVar[ConsistencyRule]

class ConsistencyCheckStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONSISTENCY_CHECK_STATUS_UNSPECIFIED: _ClassVar[ConsistencyCheckStatus]
    CONSISTENCY_CHECK_STATUS_PASSED: _ClassVar[ConsistencyCheckStatus]
    CONSISTENCY_CHECK_STATUS_FINDINGS: _ClassVar[ConsistencyCheckStatus]
    CONSISTENCY_CHECK_STATUS_REPAIRED: _ClassVar[ConsistencyCheckStatus]
    CONSISTENCY_CHECK_STATUS_ERROR: _ClassVar[ConsistencyCheckStatus]
CONSISTENCY_RULE_UNSPECIFIED: ConsistencyRule
CONSISTENCY_RULE_SESSION_INTEGRITY: ConsistencyRule
CONSISTENCY_RULE_ASSESSMENT_COMPLETENESS: ConsistencyRule
CONSISTENCY_RULE_CONTENT_VALIDATION: ConsistencyRule
CONSISTENCY_RULE_PROFILE_COHERENCE: ConsistencyRule
CONSISTENCY_RULE_ANALYTICS_ACCURACY: ConsistencyRule
CONSISTENCY_CHECK_STATUS_UNSPECIFIED: ConsistencyCheckStatus
CONSISTENCY_CHECK_STATUS_PASSED: ConsistencyCheckStatus
CONSISTENCY_CHECK_STATUS_FINDINGS: ConsistencyCheckStatus
CONSISTENCY_CHECK_STATUS_REPAIRED: ConsistencyCheckStatus
CONSISTENCY_CHECK_STATUS_ERROR: ConsistencyCheckStatus

class RunConsistencyChecksRequest(_message.Message):
    __slots__ = ("rules", "repair", "max_examples")
    RULES_FIELD_NUMBER: _ClassVar[int]
    REPAIR_FIELD_NUMBER: _ClassVar[int]
    MAX_EXAMPLES_FIELD_NUMBER: _ClassVar[int]
    rules: _containers.RepeatedScalarFieldContainer[ConsistencyRule]
    repair: bool
    max_examples: int
    def __init__(self, rules: _Optional[_Iterable[_Union[ConsistencyRule, str]]] = ..., repair: _Optional[bool] = ..., max_examples: _Optional[int] = ...) -> None: ...

class ConsistencyFinding(_message.Message):
    __slots__ = ("kind", "count", "example_ids", "repaired_count", "repair_action")
    KIND_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    EXAMPLE_IDS_FIELD_NUMBER: _ClassVar[int]
    REPAIRED_COUNT_FIELD_NUMBER: _ClassVar[int]
    REPAIR_ACTION_FIELD_NUMBER: _ClassVar[int]
    kind: str
    count: int
    example_ids: _containers.RepeatedScalarFieldContainer[str]
    repaired_count: int
    repair_action: str
    def __init__(self, kind: _Optional[str] = ..., count: _Optional[int] = ..., example_ids: _Optional[_Iterable[str]] = ..., repaired_count: _Optional[int] = ..., repair_action: _Optional[str] = ...) -> None: ...

class ConsistencyRuleReport(_message.Message):
    __slots__ = ("rule", "status", "finding_count", "example_ids", "repair_count", "findings", "error_message", "duration_ms")
    RULE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    FINDING_COUNT_FIELD_NUMBER: _ClassVar[int]
    EXAMPLE_IDS_FIELD_NUMBER: _ClassVar[int]
    REPAIR_COUNT_FIELD_NUMBER: _ClassVar[int]
    FINDINGS_FIELD_NUMBER: _ClassVar[int]
    ERROR_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    DURATION_MS_FIELD_NUMBER: _ClassVar[int]
    rule: ConsistencyRule
    status: ConsistencyCheckStatus
    finding_count: int
    example_ids: _containers.RepeatedScalarFieldContainer[str]
    repair_count: int
    findings: _containers.RepeatedCompositeFieldContainer[ConsistencyFinding]
    error_message: str
    duration_ms: int
    def __init__(self, rule: _Optional[_Union[ConsistencyRule, str]] = ..., status: _Optional[_Union[ConsistencyCheckStatus, str]] = ..., finding_count: _Optional[int] = ..., example_ids: _Optional[_Iterable[str]] = ..., repair_count: _Optional[int] = ..., findings: _Optional[_Iterable[_Union[ConsistencyFinding, _Mapping]]] = ..., error_message: _Optional[str] = ..., duration_ms: _Optional[int] = ...) -> None: ...

class RunConsistencyChecksResponse(_message.Message):
    __slots__ = ("reports", "started_at", "finished_at")
    REPORTS_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    FINISHED_AT_FIELD_NUMBER: _ClassVar[int]
    reports: _containers.RepeatedCompositeFieldContainer[ConsistencyRuleReport]
    started_at: _timestamp_pb2.Timestamp
    finished_at: _timestamp_pb2.Timestamp
    def __init__(self, reports: _Optional[_Iterable[_Union[ConsistencyRuleReport, _Mapping]]] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., finished_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
