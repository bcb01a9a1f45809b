import datetime

from amauta.v1 import common_pb2 as _common_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class LearnerNode(_message.Message):
    __slots__ = ("learner_id", "type")
    LEARNER_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    learner_id: str
    type: str
    def __init__(self, learner_id: _Optional[str] = ..., type: _Optional[str] = ...) -> None: ...

class SkillNode(_message.Message):
    __slots__ = ("skill_id", "category")
    SKILL_ID_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    skill_id: str
    category: str
    def __init__(self, skill_id: _Optional[str] = ..., category: _Optional[str] = ...) -> None: ...

class ContentNode(_message.Message):
    __slots__ = ("content_id", "type", "difficulty")
    CONTENT_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    DIFFICULTY_FIELD_NUMBER: _ClassVar[int]
    content_id: str
    type: str
    difficulty: float
    def __init__(self, content_id: _Optional[str] = ..., type: _Optional[str] = ..., difficulty: _Optional[float] = ...) -> None: ...

class ObjectiveNode(_message.Message):
    __slots__ = ("objective_id",)
    OBJECTIVE_ID_FIELD_NUMBER: _ClassVar[int]
    objective_id: str
    def __init__(self, objective_id: _Optional[str] = ...) -> None: ...

class HasSkill(_message.Message):
    __slots__ = ("learner_id", "skill_id", "proficiency_level", "last_assessed", "growth_rate", "confidence_level", "observation_count")
    LEARNER_ID_FIELD_NUMBER: _ClassVar[int]
    SKILL_ID_FIELD_NUMBER: _ClassVar[int]
    PROFICIENCY_LEVEL_FIELD_NUMBER: _ClassVar[int]
    LAST_ASSESSED_FIELD_NUMBER: _ClassVar[int]
    GROWTH_RATE_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_LEVEL_FIELD_NUMBER: _ClassVar[int]
    OBSERVATION_COUNT_FIELD_NUMBER: _ClassVar[int]
    learner_id: str
    skill_id: str
    proficiency_level: float
    last_assessed: _timestamp_pb2.Timestamp
    growth_rate: float
    confidence_level: float
    observation_count: int
    def __init__(self, learner_id: _Optional[str] = ..., skill_id: _Optional[str] = ..., proficiency_level: _Optional[float] = ..., last_assessed: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., growth_rate: _Optional[float] = ..., confidence_level: _Optional[float] = ..., observation_count: _Optional[int] = ...) -> None: ...

class PrerequisiteFor(_message.Message):
    __slots__ = ("from_content_id", "to_content_id", "strength", "optional_bypass", "average_transition_time")
    FROM_CONTENT_ID_FIELD_NUMBER: _ClassVar[int]
    TO_CONTENT_ID_FIELD_NUMBER: _ClassVar[int]
    STRENGTH_FIELD_NUMBER: _ClassVar[int]
    OPTIONAL_BYPASS_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_TRANSITION_TIME_FIELD_NUMBER: _ClassVar[int]
    from_content_id: str
    to_content_id: str
    strength: float
    optional_bypass: bool
    average_transition_time: float
    def __init__(self, from_content_id: _Optional[str] = ..., to_content_id: _Optional[str] = ..., strength: _Optional[float] = ..., optional_bypass: _Optional[bool] = ..., average_transition_time: _Optional[float] = ...) -> None: ...

class CollaboratedWith(_message.Message):
    __slots__ = ("learner_id", "collaborator_id", "session_count", "avg_synergy", "last_collaboration", "complementary_skills")
    LEARNER_ID_FIELD_NUMBER: _ClassVar[int]
    COLLABORATOR_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_COUNT_FIELD_NUMBER: _ClassVar[int]
    AVG_SYNERGY_FIELD_NUMBER: _ClassVar[int]
    LAST_COLLABORATION_FIELD_NUMBER: _ClassVar[int]
    COMPLEMENTARY_SKILLS_FIELD_NUMBER: _ClassVar[int]
    learner_id: str
    collaborator_id: str
    session_count: int
    avg_synergy: float
    last_collaboration: _timestamp_pb2.Timestamp
    complementary_skills: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, learner_id: _Optional[str] = ..., collaborator_id: _Optional[str] = ..., session_count: _Optional[int] = ..., avg_synergy: _Optional[float] = ..., last_collaboration: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., complementary_skills: _Optional[_Iterable[str]] = ...) -> None: ...

class Teaches(_message.Message):
    __slots__ = ("content_id", "skill_id", "weight")
    CONTENT_ID_FIELD_NUMBER: _ClassVar[int]
    SKILL_ID_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    content_id: str
    skill_id: str
    weight: float
    def __init__(self, content_id: _Optional[str] = ..., skill_id: _Optional[str] = ..., weight: _Optional[float] = ...) -> None: ...

class Requires(_message.Message):
    __slots__ = ("objective_id", "skill_id", "required_proficiency")
    OBJECTIVE_ID_FIELD_NUMBER: _ClassVar[int]
    SKILL_ID_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_PROFICIENCY_FIELD_NUMBER: _ClassVar[int]
    objective_id: str
    skill_id: str
    required_proficiency: float
    def __init__(self, objective_id: _Optional[str] = ..., skill_id: _Optional[str] = ..., required_proficiency: _Optional[float] = ...) -> None: ...

class SkillParameters(_message.Message):
    __slots__ = ("skill_id", "prior", "learn", "guess", "slip", "fitted", "log_likelihood", "observation_count", "fitted_at", "forget")
    SKILL_ID_FIELD_NUMBER: _ClassVar[int]
    PRIOR_FIELD_NUMBER: _ClassVar[int]
    LEARN_FIELD_NUMBER: _ClassVar[int]
    GUESS_FIELD_NUMBER: _ClassVar[int]
    SLIP_FIELD_NUMBER: _ClassVar[int]
    FITTED_FIELD_NUMBER: _ClassVar[int]
    LOG_LIKELIHOOD_FIELD_NUMBER: _ClassVar[int]
    OBSERVATION_COUNT_FIELD_NUMBER: _ClassVar[int]
    FITTED_AT_FIELD_NUMBER: _ClassVar[int]
    FORGET_FIELD_NUMBER: _ClassVar[int]
    skill_id: str
    prior: float
    learn: float
    guess: float
    slip: float
    fitted: bool
    log_likelihood: float
    observation_count: int
    fitted_at: _timestamp_pb2.Timestamp
    forget: float
    def __init__(self, skill_id: _Optional[str] = ..., prior: _Optional[float] = ..., learn: _Optional[float] = ..., guess: _Optional[float] = ..., slip: _Optional[float] = ..., fitted: _Optional[bool] = ..., log_likelihood: _Optional[float] = ..., observation_count: _Optional[int] = ..., fitted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., forget: _Optional[float] = ...) -> None: ...

class EdgeRecompute(_message.Message):
    __slots__ = ("total_edges", "recomputed_edges", "running", "error")
    TOTAL_EDGES_FIELD_NUMBER: _ClassVar[int]
    RECOMPUTED_EDGES_FIELD_NUMBER: _ClassVar[int]
    RUNNING_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    total_edges: int
    recomputed_edges: int
    running: bool
    error: str
    def __init__(self, total_edges: _Optional[int] = ..., recomputed_edges: _Optional[int] = ..., running: _Optional[bool] = ..., error: _Optional[str] = ...) -> None: ...

class UpsertLearnerNodeRequest(_message.Message):
    __slots__ = ("node",)
    NODE_FIELD_NUMBER: _ClassVar[int]
    node: LearnerNode
    def __init__(self, node: _Optional[_Union[LearnerNode, _Mapping]] = ...) -> None: ...

class UpsertLearnerNodeResponse(_message.Message):
    __slots__ = ("node", "created")
    NODE_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    node: LearnerNode
    created: bool
    def __init__(self, node: _Optional[_Union[LearnerNode, _Mapping]] = ..., created: _Optional[bool] = ...) -> None: ...

class GetLearnerNodeRequest(_message.Message):
    __slots__ = ("learner_id",)
    LEARNER_ID_FIELD_NUMBER: _ClassVar[int]
    learner_id: str
    def __init__(self, learner_id: _Optional[str] = ...) -> None: ...

class GetLearnerNodeResponse(_message.Message):
    __slots__ = ("node",)
    NODE_FIELD_NUMBER: _ClassVar[int]
    node: LearnerNode
    def __init__(self, node: _Optional[_Union[LearnerNode, _Mapping]] = ...) -> None: ...

class ListLearnerNodesRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "type")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    type: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., type: _Optional[str] = ...) -> None: ...

class ListLearnerNodesResponse(_message.Message):
    __slots__ = ("nodes", "next_page_token")
    NODES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    nodes: _containers.RepeatedCompositeFieldContainer[LearnerNode]
    next_page_token: str
    def __init__(self, nodes: _Optional[_Iterable[_Union[LearnerNode, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpsertSkillNodeRequest(_message.Message):
    __slots__ = ("node",)
    NODE_FIELD_NUMBER: _ClassVar[int]
    node: SkillNode
    def __init__(self, node: _Optional[_Union[SkillNode, _Mapping]] = ...) -> None: ...

class UpsertSkillNodeResponse(_message.Message):
    __slots__ = ("node", "created")
    NODE_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    node: SkillNode
    created: bool
    def __init__(self, node: _Optional[_Union[SkillNode, _Mapping]] = ..., created: _Optional[bool] = ...) -> None: ...

class GetSkillNodeRequest(_message.Message):
    __slots__ = ("skill_id",)
    SKILL_ID_FIELD_NUMBER: _ClassVar[int]
    skill_id: str
    def __init__(self, skill_id: _Optional[str] = ...) -> None: ...

class GetSkillNodeResponse(_message.Message):
    __slots__ = ("node",)
    NODE_FIELD_NUMBER: _ClassVar[int]
    node: SkillNode
    def __init__(self, node: _Optional[_Union[SkillNode, _Mapping]] = ...) -> None: ...

class ListSkillNodesRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "category")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    category: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., category: _Optional[str] = ...) -> None: ...

class ListSkillNodesResponse(_message.Message):
    __slots__ = ("nodes", "next_page_token")
    NODES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    nodes: _containers.RepeatedCompositeFieldContainer[SkillNode]
    next_page_token: str
    def __init__(self, nodes: _Optional[_Iterable[_Union[SkillNode, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpsertContentNodeRequest(_message.Message):
    __slots__ = ("node",)
    NODE_FIELD_NUMBER: _ClassVar[int]
    node: ContentNode
    def __init__(self, node: _Optional[_Union[ContentNode, _Mapping]] = ...) -> None: ...

class UpsertContentNodeResponse(_message.Message):
    __slots__ = ("node", "created")
    NODE_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    node: ContentNode
    created: bool
    def __init__(self, node: _Optional[_Union[ContentNode, _Mapping]] = ..., created: _Optional[bool] = ...) -> None: ...

class GetContentNodeRequest(_message.Message):
    __slots__ = ("content_id",)
    CONTENT_ID_FIELD_NUMBER: _ClassVar[int]
    content_id: str
    def __init__(self, content_id: _Optional[str] = ...) -> None: ...

class GetContentNodeResponse(_message.Message):
    __slots__ = ("node",)
    NODE_FIELD_NUMBER: _ClassVar[int]
    node: ContentNode
    def __init__(self, node: _Optional[_Union[ContentNode, _Mapping]] = ...) -> None: ...

class ListContentNodesRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "type", "difficulty")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    DIFFICULTY_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    type: str
    difficulty: _common_pb2.DoubleRange
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., type: _Optional[str] = ..., difficulty: _Optional[_Union[_common_pb2.DoubleRange, _Mapping]] = ...) -> None: ...

class ListContentNodesResponse(_message.Message):
    __slots__ = ("nodes", "next_page_token")
    NODES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    nodes: _containers.RepeatedCompositeFieldContainer[ContentNode]
    next_page_token: str
    def __init__(self, nodes: _Optional[_Iterable[_Union[ContentNode, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpsertObjectiveNodeRequest(_message.Message):
    __slots__ = ("node",)
    NODE_FIELD_NUMBER: _ClassVar[int]
    node: ObjectiveNode
    def __init__(self, node: _Optional[_Union[ObjectiveNode, _Mapping]] = ...) -> None: ...

class UpsertObjectiveNodeResponse(_message.Message):
    __slots__ = ("node", "created")
    NODE_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    node: ObjectiveNode
    created: bool
    def __init__(self, node: _Optional[_Union[ObjectiveNode, _Mapping]] = ..., created: _Optional[bool] = ...) -> None: ...

class GetObjectiveNodeRequest(_message.Message):
    __slots__ = ("objective_id",)
    OBJECTIVE_ID_FIELD_NUMBER: _ClassVar[int]
    objective_id: str
    def __init__(self, objective_id: _Optional[str] = ...) -> None: ...

class GetObjectiveNodeResponse(_message.Message):
    __slots__ = ("node",)
    NODE_FIELD_NUMBER: _ClassVar[int]
    node: ObjectiveNode
    def __init__(self, node: _Optional[_Union[ObjectiveNode, _Mapping]] = ...) -> None: ...

class ListObjectiveNodesRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListObjectiveNodesResponse(_message.Message):
    __slots__ = ("nodes", "next_page_token")
    NODES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    nodes: _containers.RepeatedCompositeFieldContainer[ObjectiveNode]
    next_page_token: str
    def __init__(self, nodes: _Optional[_Iterable[_Union[ObjectiveNode, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class LinkContentSkillRequest(_message.Message):
    __slots__ = ("content_id", "skill_id", "weight")
    CONTENT_ID_FIELD_NUMBER: _ClassVar[int]
    SKILL_ID_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    content_id: str
    skill_id: str
    weight: float
    def __init__(self, content_id: _Optional[str] = ..., skill_id: _Optional[str] = ..., weight: _Optional[float] = ...) -> None: ...

class LinkContentSkillResponse(_message.Message):
    __slots__ = ("link",)
    LINK_FIELD_NUMBER: _ClassVar[int]
    link: Teaches
    def __init__(self, link: _Optional[_Union[Teaches, _Mapping]] = ...) -> None: ...

class LinkObjectiveSkillRequest(_message.Message):
    __slots__ = ("objective_id", "skill_id", "required_proficiency")
    OBJECTIVE_ID_FIELD_NUMBER: _ClassVar[int]
    SKILL_ID_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_PROFICIENCY_FIELD_NUMBER: _ClassVar[int]
    objective_id: str
    skill_id: str
    required_proficiency: float
    def __init__(self, objective_id: _Optional[str] = ..., skill_id: _Optional[str] = ..., required_proficiency: _Optional[float] = ...) -> None: ...

class LinkObjectiveSkillResponse(_message.Message):
    __slots__ = ("link",)
    LINK_FIELD_NUMBER: _ClassVar[int]
    link: Requires
    def __init__(self, link: _Optional[_Union[Requires, _Mapping]] = ...) -> None: ...

class GetLearnerSkillsRequest(_message.Message):
    __slots__ = ("learner_id", "category", "min_proficiency")
    LEARNER_ID_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    MIN_PROFICIENCY_FIELD_NUMBER: _ClassVar[int]
    learner_id: str
    category: str
    min_proficiency: float
    def __init__(self, learner_id: _Optional[str] = ..., category: _Optional[str] = ..., min_proficiency: _Optional[float] = ...) -> None: ...

class LearnerSkill(_message.Message):
    __slots__ = ("skill", "has_skill")
    SKILL_FIELD_NUMBER: _ClassVar[int]
    HAS_SKILL_FIELD_NUMBER: _ClassVar[int]
    skill: SkillNode
    has_skill: HasSkill
    def __init__(self, skill: _Optional[_Union[SkillNode, _Mapping]] = ..., has_skill: _Optional[_Union[HasSkill, _Mapping]] = ...) -> None: ...

class GetLearnerSkillsResponse(_message.Message):
    __slots__ = ("skills",)
    SKILLS_FIELD_NUMBER: _ClassVar[int]
    skills: _containers.RepeatedCompositeFieldContainer[LearnerSkill]
    def __init__(self, skills: _Optional[_Iterable[_Union[LearnerSkill, _Mapping]]] = ...) -> None: ...

class SetSkillAssessmentRequest(_message.Message):
    __slots__ = ("learner_id", "skill_id", "proficiency_level", "growth_rate", "confidence_level", "last_assessed")
    LEARNER_ID_FIELD_NUMBER: _ClassVar[int]
    SKILL_ID_FIELD_NUMBER: _ClassVar[int]
    PROFICIENCY_LEVEL_FIELD_NUMBER: _ClassVar[int]
    GROWTH_RATE_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_LEVEL_FIELD_NUMBER: _ClassVar[int]
    LAST_ASSESSED_FIELD_NUMBER: _ClassVar[int]
    learner_id: str
    skill_id: str
    proficiency_level: float
    growth_rate: float
    confidence_level: float
    last_assessed: _timestamp_pb2.Timestamp
    def __init__(self, learner_id: _Optional[str] = ..., skill_id: _Optional[str] = ..., proficiency_level: _Optional[float] = ..., growth_rate: _Optional[float] = ..., confidence_level: _Optional[float] = ..., last_assessed: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SetSkillAssessmentResponse(_message.Message):
    __slots__ = ("has_skill",)
    HAS_SKILL_FIELD_NUMBER: _ClassVar[int]
    has_skill: HasSkill
    def __init__(self, has_skill: _Optional[_Union[HasSkill, _Mapping]] = ...) -> None: ...

class FitSkillParametersRequest(_message.Message):
    __slots__ = ("skill_id", "max_iterations", "dry_run", "forgets")
    SKILL_ID_FIELD_NUMBER: _ClassVar[int]
    MAX_ITERATIONS_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    FORGETS_FIELD_NUMBER: _ClassVar[int]
    skill_id: str
    max_iterations: int
    dry_run: bool
    forgets: bool
    def __init__(self, skill_id: _Optional[str] = ..., max_iterations: _Optional[int] = ..., dry_run: _Optional[bool] = ..., forgets: _Optional[bool] = ...) -> None: ...

class FitSkillParametersResponse(_message.Message):
    __slots__ = ("parameters", "iterations", "converged", "learner_count", "recompute")
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    ITERATIONS_FIELD_NUMBER: _ClassVar[int]
    CONVERGED_FIELD_NUMBER: _ClassVar[int]
    LEARNER_COUNT_FIELD_NUMBER: _ClassVar[int]
    RECOMPUTE_FIELD_NUMBER: _ClassVar[int]
    parameters: SkillParameters
    iterations: int
    converged: bool
    learner_count: int
    recompute: EdgeRecompute
    def __init__(self, parameters: _Optional[_Union[SkillParameters, _Mapping]] = ..., iterations: _Optional[int] = ..., converged: _Optional[bool] = ..., learner_count: _Optional[int] = ..., recompute: _Optional[_Union[EdgeRecompute, _Mapping]] = ...) -> None: ...

class GetSkillParametersRequest(_message.Message):
    __slots__ = ("skill_id",)
    SKILL_ID_FIELD_NUMBER: _ClassVar[int]
    skill_id: str
    def __init__(self, skill_id: _Optional[str] = ...) -> None: ...

class GetSkillParametersResponse(_message.Message):
    __slots__ = ("parameters", "recompute")
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    RECOMPUTE_FIELD_NUMBER: _ClassVar[int]
    parameters: SkillParameters
    recompute: EdgeRecompute
    def __init__(self, parameters: _Optional[_Union[SkillParameters, _Mapping]] = ..., recompute: _Optional[_Union[EdgeRecompute, _Mapping]] = ...) -> None: ...

class SetPrerequisiteRequest(_message.Message):
    __slots__ = ("from_content_id", "to_content_id", "strength", "optional_bypass", "average_transition_time")
    FROM_CONTENT_ID_FIELD_NUMBER: _ClassVar[int]
    TO_CONTENT_ID_FIELD_NUMBER: _ClassVar[int]
    STRENGTH_FIELD_NUMBER: _ClassVar[int]
    OPTIONAL_BYPASS_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_TRANSITION_TIME_FIELD_NUMBER: _ClassVar[int]
    from_content_id: str
    to_content_id: str
    strength: float
    optional_bypass: bool
    average_transition_time: float
    def __init__(self, from_content_id: _Optional[str] = ..., to_content_id: _Optional[str] = ..., strength: _Optional[float] = ..., optional_bypass: _Optional[bool] = ..., average_transition_time: _Optional[float] = ...) -> None: ...

class SetPrerequisiteResponse(_message.Message):
    __slots__ = ("prerequisite", "created")
    PREREQUISITE_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    prerequisite: PrerequisiteFor
    created: bool
    def __init__(self, prerequisite: _Optional[_Union[PrerequisiteFor, _Mapping]] = ..., created: _Optional[bool] = ...) -> None: ...

class GetPrerequisitesRequest(_message.Message):
    __slots__ = ("content_id", "mandatory_only", "max_depth")
    CONTENT_ID_FIELD_NUMBER: _ClassVar[int]
    MANDATORY_ONLY_FIELD_NUMBER: _ClassVar[int]
    MAX_DEPTH_FIELD_NUMBER: _ClassVar[int]
    content_id: str
    mandatory_only: bool
    max_depth: int
    def __init__(self, content_id: _Optional[str] = ..., mandatory_only: _Optional[bool] = ..., max_depth: _Optional[int] = ...) -> None: ...

class PrerequisiteEntry(_message.Message):
    __slots__ = ("content", "depth")
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    DEPTH_FIELD_NUMBER: _ClassVar[int]
    content: ContentNode
    depth: int
    def __init__(self, content: _Optional[_Union[ContentNode, _Mapping]] = ..., depth: _Optional[int] = ...) -> None: ...

class GetPrerequisitesResponse(_message.Message):
    __slots__ = ("prerequisites", "edges")
    PREREQUISITES_FIELD_NUMBER: _ClassVar[int]
    EDGES_FIELD_NUMBER: _ClassVar[int]
    prerequisites: _containers.RepeatedCompositeFieldContainer[PrerequisiteEntry]
    edges: _containers.RepeatedCompositeFieldContainer[PrerequisiteFor]
    def __init__(self, prerequisites: _Optional[_Iterable[_Union[PrerequisiteEntry, _Mapping]]] = ..., edges: _Optional[_Iterable[_Union[PrerequisiteFor, _Mapping]]] = ...) -> None: ...

class GetLearningPathRequest(_message.Message):
    __slots__ = ("learner_id", "target_content_id", "mastery_threshold", "include_optional")
    LEARNER_ID_FIELD_NUMBER: _ClassVar[int]
    TARGET_CONTENT_ID_FIELD_NUMBER: _ClassVar[int]
    MASTERY_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_OPTIONAL_FIELD_NUMBER: _ClassVar[int]
    learner_id: str
    target_content_id: str
    mastery_threshold: float
    include_optional: bool
    def __init__(self, learner_id: _Optional[str] = ..., target_content_id: _Optional[str] = ..., mastery_threshold: _Optional[float] = ..., include_optional: _Optional[bool] = ...) -> None: ...

class LearningPathStep(_message.Message):
    __slots__ = ("content", "mastery", "estimated_time", "bypassable")
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    MASTERY_FIELD_NUMBER: _ClassVar[int]
    ESTIMATED_TIME_FIELD_NUMBER: _ClassVar[int]
    BYPASSABLE_FIELD_NUMBER: _ClassVar[int]
    content: ContentNode
    mastery: float
    estimated_time: float
    bypassable: bool
    def __init__(self, content: _Optional[_Union[ContentNode, _Mapping]] = ..., mastery: _Optional[float] = ..., estimated_time: _Optional[float] = ..., bypassable: _Optional[bool] = ...) -> None: ...

class GetLearningPathResponse(_message.Message):
    __slots__ = ("steps", "estimated_total_time")
    STEPS_FIELD_NUMBER: _ClassVar[int]
    ESTIMATED_TOTAL_TIME_FIELD_NUMBER: _ClassVar[int]
    steps: _containers.RepeatedCompositeFieldContainer[LearningPathStep]
    estimated_total_time: float
    def __init__(self, steps: _Optional[_Iterable[_Union[LearningPathStep, _Mapping]]] = ..., estimated_total_time: _Optional[float] = ...) -> None: ...

class RecommendNextRequest(_message.Message):
    __slots__ = ("learner_id", "k")
    LEARNER_ID_FIELD_NUMBER: _ClassVar[int]
    K_FIELD_NUMBER: _ClassVar[int]
    learner_id: str
    k: int
    def __init__(self, learner_id: _Optional[str] = ..., k: _Optional[int] = ...) -> None: ...

class Recommendation(_message.Message):
    __slots__ = ("content", "score", "reason", "difficulty_gap", "prerequisite_strength")
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DIFFICULTY_GAP_FIELD_NUMBER: _ClassVar[int]
    PREREQUISITE_STRENGTH_FIELD_NUMBER: _ClassVar[int]
    content: ContentNode
    score: float
    reason: str
    difficulty_gap: float
    prerequisite_strength: float
    def __init__(self, content: _Optional[_Union[ContentNode, _Mapping]] = ..., score: _Optional[float] = ..., reason: _Optional[str] = ..., difficulty_gap: _Optional[float] = ..., prerequisite_strength: _Optional[float] = ...) -> None: ...

class RecommendNextResponse(_message.Message):
    __slots__ = ("recommendations",)
    RECOMMENDATIONS_FIELD_NUMBER: _ClassVar[int]
    recommendations: _containers.RepeatedCompositeFieldContainer[Recommendation]
    def __init__(self, recommendations: _Optional[_Iterable[_Union[Recommendation, _Mapping]]] = ...) -> None: ...

class FindCollaboratorsRequest(_message.Message):
    __slots__ = ("learner_id", "objective_id", "skill_ids", "k")
    LEARNER_ID_FIELD_NUMBER: _ClassVar[int]
    OBJECTIVE_ID_FIELD_NUMBER: _ClassVar[int]
    SKILL_IDS_FIELD_NUMBER: _ClassVar[int]
    K_FIELD_NUMBER: _ClassVar[int]
    learner_id: str
    objective_id: str
    skill_ids: _containers.RepeatedScalarFieldContainer[str]
    k: int
    def __init__(self, learner_id: _Optional[str] = ..., objective_id: _Optional[str] = ..., skill_ids: _Optional[_Iterable[str]] = ..., k: _Optional[int] = ...) -> None: ...

class CollaboratorMatch(_message.Message):
    __slots__ = ("learner_id", "score", "complementary_skills", "past_synergy", "past_session_count")
    LEARNER_ID_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    COMPLEMENTARY_SKILLS_FIELD_NUMBER: _ClassVar[int]
    PAST_SYNERGY_FIELD_NUMBER: _ClassVar[int]
    PAST_SESSION_COUNT_FIELD_NUMBER: _ClassVar[int]
    learner_id: str
    score: float
    complementary_skills: _containers.RepeatedScalarFieldContainer[str]
    past_synergy: float
    past_session_count: int
    def __init__(self, learner_id: _Optional[str] = ..., score: _Optional[float] = ..., complementary_skills: _Optional[_Iterable[str]] = ..., past_synergy: _Optional[float] = ..., past_session_count: _Optional[int] = ...) -> None: ...

class FindCollaboratorsResponse(_message.Message):
    __slots__ = ("collaborators",)
    COLLABORATORS_FIELD_NUMBER: _ClassVar[int]
    collaborators: _containers.RepeatedCompositeFieldContainer[CollaboratorMatch]
    def __init__(self, collaborators: _Optional[_Iterable[_Union[CollaboratorMatch, _Mapping]]] = ...) -> None: ...

class GetSkillGapRequest(_message.Message):
    __slots__ = ("learner_id", "objective_id")
    LEARNER_ID_FIELD_NUMBER: _ClassVar[int]
    OBJECTIVE_ID_FIELD_NUMBER: _ClassVar[int]
    learner_id: str
    objective_id: str
    def __init__(self, learner_id: _Optional[str] = ..., objective_id: _Optional[str] = ...) -> None: ...

class SkillGap(_message.Message):
    __slots__ = ("skill", "required_proficiency", "current_proficiency", "missing", "gap")
    SKILL_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_PROFICIENCY_FIELD_NUMBER: _ClassVar[int]
    CURRENT_PROFICIENCY_FIELD_NUMBER: _ClassVar[int]
    MISSING_FIELD_NUMBER: _ClassVar[int]
    GAP_FIELD_NUMBER: _ClassVar[int]
    skill: SkillNode
    required_proficiency: float
    current_proficiency: float
    missing: bool
    gap: float
    def __init__(self, skill: _Optional[_Union[SkillNode, _Mapping]] = ..., required_proficiency: _Optional[float] = ..., current_proficiency: _Optional[float] = ..., missing: _Optional[bool] = ..., gap: _Optional[float] = ...) -> None: ...

class GetSkillGapResponse(_message.Message):
    __slots__ = ("gaps", "required_skill_count")
    GAPS_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_SKILL_COUNT_FIELD_NUMBER: _ClassVar[int]
    gaps: _containers.RepeatedCompositeFieldContainer[SkillGap]
    required_skill_count: int
    def __init__(self, gaps: _Optional[_Iterable[_Union[SkillGap, _Mapping]]] = ..., required_skill_count: _Optional[int] = ...) -> None: ...

class ListCollaborationsRequest(_message.Message):
    __slots__ = ("learner_id", "page_size", "page_token")
    LEARNER_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    learner_id: str
    page_size: int
    page_token: str
    def __init__(self, learner_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListCollaborationsResponse(_message.Message):
    __slots__ = ("collaborations", "next_page_token")
    COLLABORATIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    collaborations: _containers.RepeatedCompositeFieldContainer[CollaboratedWith]
    next_page_token: str
    def __init__(self, collaborations: _Optional[_Iterable[_Union[CollaboratedWith, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
