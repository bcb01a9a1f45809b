import datetime

from amauta.v1 import common_pb2 as _common_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class JoinPolicy(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    JOIN_POLICY_UNSPECIFIED: _ClassVar[JoinPolicy]
    JOIN_POLICY_INVITE_ONLY: _ClassVar[JoinPolicy]
    JOIN_POLICY_OPEN: _ClassVar[JoinPolicy]

class SimulationChangeKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SIMULATION_CHANGE_KIND_UNSPECIFIED: _ClassVar[SimulationChangeKind]
    SIMULATION_CHANGE_KIND_STATE_UPDATED: _ClassVar[SimulationChangeKind]
    SIMULATION_CHANGE_KIND_PARTICIPANT_JOINED: _ClassVar[SimulationChangeKind]
    SIMULATION_CHANGE_KIND_PARTICIPANT_LEFT: _ClassVar[SimulationChangeKind]
    SIMULATION_CHANGE_KIND_ENDED: _ClassVar[SimulationChangeKind]

class SimulationResetReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SIMULATION_RESET_REASON_UNSPECIFIED: _ClassVar[SimulationResetReason]
    SIMULATION_RESET_REASON_HISTORY_TRIMMED: _ClassVar[SimulationResetReason]
    SIMULATION_RESET_REASON_STREAM_RECREATED: _ClassVar[SimulationResetReason]
JOIN_POLICY_UNSPECIFIED: JoinPolicy
JOIN_POLICY_INVITE_ONLY: JoinPolicy
JOIN_POLICY_OPEN: JoinPolicy
SIMULATION_CHANGE_KIND_UNSPECIFIED: SimulationChangeKind
SIMULATION_CHANGE_KIND_STATE_UPDATED: SimulationChangeKind
SIMULATION_CHANGE_KIND_PARTICIPANT_JOINED: SimulationChangeKind
SIMULATION_CHANGE_KIND_PARTICIPANT_LEFT: SimulationChangeKind
SIMULATION_CHANGE_KIND_ENDED: SimulationChangeKind
SIMULATION_RESET_REASON_UNSPECIFIED: SimulationResetReason
SIMULATION_RESET_REASON_HISTORY_TRIMMED: SimulationResetReason
SIMULATION_RESET_REASON_STREAM_RECREATED: SimulationResetReason

class Simulation(_message.Message):
    __slots__ = ("simulation_id", "environment_id", "participants", "current_state", "start_time", "last_update", "config", "version", "join_policy", "invited_learner_ids")
    SIMULATION_ID_FIELD_NUMBER: _ClassVar[int]
    ENVIRONMENT_ID_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANTS_FIELD_NUMBER: _ClassVar[int]
    CURRENT_STATE_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_UPDATE_FIELD_NUMBER: _ClassVar[int]
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    JOIN_POLICY_FIELD_NUMBER: _ClassVar[int]
    INVITED_LEARNER_IDS_FIELD_NUMBER: _ClassVar[int]
    simulation_id: str
    environment_id: str
    participants: _containers.RepeatedScalarFieldContainer[str]
    current_state: _struct_pb2.Struct
    start_time: _timestamp_pb2.Timestamp
    last_update: _timestamp_pb2.Timestamp
    config: _struct_pb2.Struct
    version: int
    join_policy: JoinPolicy
    invited_learner_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, simulation_id: _Optional[str] = ..., environment_id: _Optional[str] = ..., participants: _Optional[_Iterable[str]] = ..., current_state: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_update: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., config: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., version: _Optional[int] = ..., join_policy: _Optional[_Union[JoinPolicy, str]] = ..., invited_learner_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class StartSimulationRequest(_message.Message):
    __slots__ = ("simulation_id", "environment_id", "participants", "config", "initial_state", "request_id", "join_policy", "invited_learner_ids")
    SIMULATION_ID_FIELD_NUMBER: _ClassVar[int]
    ENVIRONMENT_ID_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANTS_FIELD_NUMBER: _ClassVar[int]
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    INITIAL_STATE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    JOIN_POLICY_FIELD_NUMBER: _ClassVar[int]
    INVITED_LEARNER_IDS_FIELD_NUMBER: _ClassVar[int]
    simulation_id: str
    environment_id: str
    participants: _containers.RepeatedScalarFieldContainer[str]
    config: _struct_pb2.Struct
    initial_state: _struct_pb2.Struct
    request_id: str
    join_policy: JoinPolicy
    invited_learner_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, simulation_id: _Optional[str] = ..., environment_id: _Optional[str] = ..., participants: _Optional[_Iterable[str]] = ..., config: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., initial_state: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., request_id: _Optional[str] = ..., join_policy: _Optional[_Union[JoinPolicy, str]] = ..., invited_learner_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class StartSimulationResponse(_message.Message):
    __slots__ = ("simulation", "session_ids")
    class SessionIdsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    SIMULATION_FIELD_NUMBER: _ClassVar[int]
    SESSION_IDS_FIELD_NUMBER: _ClassVar[int]
    simulation: Simulation
    session_ids: _containers.ScalarMap[str, str]
    def __init__(self, simulation: _Optional[_Union[Simulation, _Mapping]] = ..., session_ids: _Optional[_Mapping[str, str]] = ...) -> None: ...

class JoinSimulationRequest(_message.Message):
    __slots__ = ("simulation_id", "learner_id")
    SIMULATION_ID_FIELD_NUMBER: _ClassVar[int]
    LEARNER_ID_FIELD_NUMBER: _ClassVar[int]
    simulation_id: str
    learner_id: str
    def __init__(self, simulation_id: _Optional[str] = ..., learner_id: _Optional[str] = ...) -> None: ...

class JoinSimulationResponse(_message.Message):
    __slots__ = ("simulation", "session_id")
    SIMULATION_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    simulation: Simulation
    session_id: str
    def __init__(self, simulation: _Optional[_Union[Simulation, _Mapping]] = ..., session_id: _Optional[str] = ...) -> None: ...

class InviteToSimulationRequest(_message.Message):
    __slots__ = ("simulation_id", "learner_ids")
    SIMULATION_ID_FIELD_NUMBER: _ClassVar[int]
    LEARNER_IDS_FIELD_NUMBER: _ClassVar[int]
    simulation_id: str
    learner_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, simulation_id: _Optional[str] = ..., learner_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class InviteToSimulationResponse(_message.Message):
    __slots__ = ("simulation",)
    SIMULATION_FIELD_NUMBER: _ClassVar[int]
    simulation: Simulation
    def __init__(self, simulation: _Optional[_Union[Simulation, _Mapping]] = ...) -> None: ...

class LeaveSimulationRequest(_message.Message):
    __slots__ = ("simulation_id", "learner_id", "status", "performance_data", "learning_outcomes")
    SIMULATION_ID_FIELD_NUMBER: _ClassVar[int]
    LEARNER_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PERFORMANCE_DATA_FIELD_NUMBER: _ClassVar[int]
    LEARNING_OUTCOMES_FIELD_NUMBER: _ClassVar[int]
    simulation_id: str
    learner_id: str
    status: _common_pb2.CompletionStatus
    performance_data: _struct_pb2.Struct
    learning_outcomes: _struct_pb2.Struct
    def __init__(self, simulation_id: _Optional[str] = ..., learner_id: _Optional[str] = ..., status: _Optional[_Union[_common_pb2.CompletionStatus, str]] = ..., performance_data: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., learning_outcomes: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class LeaveSimulationResponse(_message.Message):
    __slots__ = ("simulation", "session_id")
    SIMULATION_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    simulation: Simulation
    session_id: str
    def __init__(self, simulation: _Optional[_Union[Simulation, _Mapping]] = ..., session_id: _Optional[str] = ...) -> None: ...

class UpdateSimulationStateRequest(_message.Message):
    __slots__ = ("simulation_id", "state", "update_mask", "expected_version", "phase")
    SIMULATION_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    PHASE_FIELD_NUMBER: _ClassVar[int]
    simulation_id: str
    state: _struct_pb2.Struct
    update_mask: _field_mask_pb2.FieldMask
    expected_version: int
    phase: str
    def __init__(self, simulation_id: _Optional[str] = ..., state: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., expected_version: _Optional[int] = ..., phase: _Optional[str] = ...) -> None: ...

class UpdateSimulationStateResponse(_message.Message):
    __slots__ = ("version", "token", "last_update")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    LAST_UPDATE_FIELD_NUMBER: _ClassVar[int]
    version: int
    token: str
    last_update: _timestamp_pb2.Timestamp
    def __init__(self, version: _Optional[int] = ..., token: _Optional[str] = ..., last_update: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class WatchSimulationRequest(_message.Message):
    __slots__ = ("simulation_id", "resume_token")
    SIMULATION_ID_FIELD_NUMBER: _ClassVar[int]
    RESUME_TOKEN_FIELD_NUMBER: _ClassVar[int]
    simulation_id: str
    resume_token: str
    def __init__(self, simulation_id: _Optional[str] = ..., resume_token: _Optional[str] = ...) -> None: ...

class SimulationSnapshot(_message.Message):
    __slots__ = ("simulation",)
    SIMULATION_FIELD_NUMBER: _ClassVar[int]
    simulation: Simulation
    def __init__(self, simulation: _Optional[_Union[Simulation, _Mapping]] = ...) -> None: ...

class SimulationDelta(_message.Message):
    __slots__ = ("kind", "version", "time", "actor", "state", "update_mask", "phase", "learner_id")
    KIND_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    PHASE_FIELD_NUMBER: _ClassVar[int]
    LEARNER_ID_FIELD_NUMBER: _ClassVar[int]
    kind: SimulationChangeKind
    version: int
    time: _timestamp_pb2.Timestamp
    actor: str
    state: _struct_pb2.Struct
    update_mask: _field_mask_pb2.FieldMask
    phase: str
    learner_id: str
    def __init__(self, kind: _Optional[_Union[SimulationChangeKind, str]] = ..., version: _Optional[int] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., actor: _Optional[str] = ..., state: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., phase: _Optional[str] = ..., learner_id: _Optional[str] = ...) -> None: ...

class SimulationHeartbeat(_message.Message):
    __slots__ = ("server_time", "version")
    SERVER_TIME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    server_time: _timestamp_pb2.Timestamp
    version: int
    def __init__(self, server_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., version: _Optional[int] = ...) -> None: ...

class SimulationReset(_message.Message):
    __slots__ = ("reason", "message")
    REASON_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    reason: SimulationResetReason
    message: str
    def __init__(self, reason: _Optional[_Union[SimulationResetReason, str]] = ..., message: _Optional[str] = ...) -> None: ...

class WatchSimulationResponse(_message.Message):
    __slots__ = ("token", "snapshot", "delta", "heartbeat", "reset")
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    SNAPSHOT_FIELD_NUMBER: _ClassVar[int]
    DELTA_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_FIELD_NUMBER: _ClassVar[int]
    RESET_FIELD_NUMBER: _ClassVar[int]
    token: str
    snapshot: SimulationSnapshot
    delta: SimulationDelta
    heartbeat: SimulationHeartbeat
    reset: SimulationReset
    def __init__(self, token: _Optional[str] = ..., snapshot: _Optional[_Union[SimulationSnapshot, _Mapping]] = ..., delta: _Optional[_Union[SimulationDelta, _Mapping]] = ..., heartbeat: _Optional[_Union[SimulationHeartbeat, _Mapping]] = ..., reset: _Optional[_Union[SimulationReset, _Mapping]] = ...) -> None: ...

class GetSimulationRequest(_message.Message):
    __slots__ = ("simulation_id",)
    SIMULATION_ID_FIELD_NUMBER: _ClassVar[int]
    simulation_id: str
    def __init__(self, simulation_id: _Optional[str] = ...) -> None: ...

class GetSimulationResponse(_message.Message):
    __slots__ = ("simulation",)
    SIMULATION_FIELD_NUMBER: _ClassVar[int]
    simulation: Simulation
    def __init__(self, simulation: _Optional[_Union[Simulation, _Mapping]] = ...) -> None: ...

class ListActiveSimulationsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "environment_id", "participant")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ENVIRONMENT_ID_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    environment_id: str
    participant: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., environment_id: _Optional[str] = ..., participant: _Optional[str] = ...) -> None: ...

class ListActiveSimulationsResponse(_message.Message):
    __slots__ = ("simulations", "next_page_token")
    SIMULATIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    simulations: _containers.RepeatedCompositeFieldContainer[Simulation]
    next_page_token: str
    def __init__(self, simulations: _Optional[_Iterable[_Union[Simulation, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ParticipantOutcome(_message.Message):
    __slots__ = ("learner_id", "performance_data", "learning_outcomes", "status", "synergy")
    LEARNER_ID_FIELD_NUMBER: _ClassVar[int]
    PERFORMANCE_DATA_FIELD_NUMBER: _ClassVar[int]
    LEARNING_OUTCOMES_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SYNERGY_FIELD_NUMBER: _ClassVar[int]
    learner_id: str
    performance_data: _struct_pb2.Struct
    learning_outcomes: _struct_pb2.Struct
    status: _common_pb2.CompletionStatus
    synergy: float
    def __init__(self, learner_id: _Optional[str] = ..., performance_data: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., learning_outcomes: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., status: _Optional[_Union[_common_pb2.CompletionStatus, str]] = ..., synergy: _Optional[float] = ...) -> None: ...

class EndSimulationRequest(_message.Message):
    __slots__ = ("simulation_id", "outcomes")
    SIMULATION_ID_FIELD_NUMBER: _ClassVar[int]
    OUTCOMES_FIELD_NUMBER: _ClassVar[int]
    simulation_id: str
    outcomes: _containers.RepeatedCompositeFieldContainer[ParticipantOutcome]
    def __init__(self, simulation_id: _Optional[str] = ..., outcomes: _Optional[_Iterable[_Union[ParticipantOutcome, _Mapping]]] = ...) -> None: ...

class EndSimulationResponse(_message.Message):
    __slots__ = ("simulation_id", "ended_session_ids", "collaboration_pair_count", "already_ended")
    SIMULATION_ID_FIELD_NUMBER: _ClassVar[int]
    ENDED_SESSION_IDS_FIELD_NUMBER: _ClassVar[int]
    COLLABORATION_PAIR_COUNT_FIELD_NUMBER: _ClassVar[int]
    ALREADY_ENDED_FIELD_NUMBER: _ClassVar[int]
    simulation_id: str
    ended_session_ids: _containers.RepeatedScalarFieldContainer[str]
    collaboration_pair_count: int
    already_ended: bool
    def __init__(self, simulation_id: _Optional[str] = ..., ended_session_ids: _Optional[_Iterable[str]] = ..., collaboration_pair_count: _Optional[int] = ..., already_ended: _Optional[bool] = ...) -> None: ...
