"""The authorisation table: which roles may call each RPC (the interceptor enforces it before any
handler runs; handlers do not repeat it), and the object-level rules that need the request or a row:

- learner records: a node names only its own learner_id (the interceptor, from the request), and a
  record found by its own id is scoped to the node's learner (server/learner/access.py);
- owned catalog resources (OWNED): only the owner (created_by), service and admin may change them or
  add content to a dataset (NOT_OWNER, checked by the store under the row lock,
  server/authz.owner_scope); a node creates only as itself (CREATED_BY_NOT_ALLOWED, server/authz.creator);
- simulations: a node acts on and reads one it takes part in, joins by the join policy (NOT_INVITED)
  and a member's watch ends when it leaves (server/simulation/service.py, server/simulation/watch.py).

Every RPC of every amauta.v1 service must have an entry: the authorisation matrix test fails otherwise.
"""

from __future__ import annotations

from typing import Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from server.rpc.auth import Role

ALL = frozenset(Role)
WRITERS = frozenset({Role.ADMIN, Role.SERVICE, Role.NODE})
LEARNER = WRITERS  # learner-scoped: a node only for its own learner_id (checked in the servicer)
ANALYTICS_READ = frozenset({Role.ADMIN, Role.SERVICE, Role.NODE, Role.ANALYST})
PRIVILEGED = frozenset({Role.ADMIN, Role.SERVICE})
ADMIN = frozenset({Role.ADMIN})
WATCHERS = frozenset({Role.ADMIN, Role.SERVICE, Role.NODE, Role.OBSERVER})

_TABLE: dict[str, dict[str, frozenset[Role]]] = {
    "CatalogService": {
        "CreateDataset": WRITERS, "GetDataset": ALL, "ListDatasets": ALL, "UpdateDataset": WRITERS,
        "DeleteDataset": WRITERS, "ValidateDataset": PRIVILEGED,
        "CreateContent": WRITERS, "GetContent": ALL, "ListContent": ALL, "UpdateContent": WRITERS,
        "DeleteContent": WRITERS, "CreateVariation": WRITERS, "ListVariations": ALL, "GetLineage": ALL,
        "ImportContent": WRITERS,
        "CreateEnvironment": WRITERS, "GetEnvironment": ALL, "ListEnvironments": ALL,
        "UpdateEnvironment": WRITERS, "DeleteEnvironment": WRITERS,
        "EnqueueGeneration": WRITERS, "ClaimGenerationJob": PRIVILEGED,
        "CompleteGenerationJob": PRIVILEGED, "GetQueueStats": ALL,
    },
    "LearnerService": {
        "CreateLearnerProfile": LEARNER, "GetLearnerProfile": LEARNER, "ListLearnerProfiles": LEARNER,
        "UpdateLearnerProfile": LEARNER, "StartSession": LEARNER, "CompleteSession": LEARNER,
        "AbandonSession": LEARNER, "FailSession": LEARNER, "GetSession": LEARNER, "ListSessions": LEARNER,
        "RecordAssessment": LEARNER, "GetAssessment": LEARNER, "ListAssessments": LEARNER,
        "SetAssessmentReviewStatus": LEARNER, "ReportProgress": LEARNER, "GetProgress": LEARNER,
        "EraseLearner": ADMIN,
    },
    "AnalyticsService": {
        "RecordEvents": LEARNER, "RecordEvent": LEARNER, "GetLearnerPerformance": ANALYTICS_READ,
        "GetContentEffectiveness": ANALYTICS_READ, "GetCohortStats": ANALYTICS_READ,
        "ExportEvents": ANALYTICS_READ, "ReconcileAnalytics": PRIVILEGED,
    },
    "SimulationService": {
        "StartSimulation": WRITERS, "JoinSimulation": WRITERS, "InviteToSimulation": WRITERS,
        "LeaveSimulation": WRITERS,
        "UpdateSimulationState": WRITERS, "WatchSimulation": WATCHERS, "GetSimulation": ALL,
        "ListActiveSimulations": ALL, "EndSimulation": WRITERS,
    },
    "GraphService": {
        "UpsertLearnerNode": PRIVILEGED, "GetLearnerNode": ALL, "ListLearnerNodes": ALL,
        "UpsertSkillNode": PRIVILEGED, "GetSkillNode": ALL, "ListSkillNodes": ALL,
        "UpsertContentNode": PRIVILEGED, "GetContentNode": ALL, "ListContentNodes": ALL,
        "UpsertObjectiveNode": PRIVILEGED, "GetObjectiveNode": ALL, "ListObjectiveNodes": ALL,
        "LinkContentSkill": PRIVILEGED, "LinkObjectiveSkill": PRIVILEGED,
        "GetLearnerSkills": ALL, "SetSkillAssessment": ADMIN, "FitSkillParameters": ADMIN,
        "GetSkillParameters": ALL, "SetPrerequisite": PRIVILEGED, "GetPrerequisites": ALL,
        "GetLearningPath": ALL, "RecommendNext": ALL, "FindCollaborators": ALL, "GetSkillGap": ALL,
        "ListCollaborations": ALL,
    },
    "OperationsService": {"RunConsistencyChecks": ADMIN},
}

#: Catalog RPCs that change an existing resource, and the kind of resource whose owner may call them
#: (besides service and admin). CreateContent, CreateVariation and ImportContent write into a dataset
#: (the item's, the variation's target, the header's), which the caller must own; UpdateContent that
#: moves an item needs the target dataset too. The ownership matrix test is generated from this table.
OWNED: dict[str, str] = {
    f"/amauta.v1.CatalogService/{method}": kind for method, kind in {
        "UpdateDataset": "dataset", "DeleteDataset": "dataset", "ValidateDataset": "dataset",
        "CreateContent": "dataset", "CreateVariation": "dataset", "ImportContent": "dataset",
        "UpdateContent": "content", "DeleteContent": "content",
        "UpdateEnvironment": "environment", "DeleteEnvironment": "environment",
    }.items()
}

#: Full gRPC method path → roles allowed, e.g. "/amauta.v1.CatalogService/GetContent".
POLICY: dict[str, frozenset[Role]] = {
    f"/amauta.v1.{service}/{method}": roles
    for service, methods in _TABLE.items() for method, roles in methods.items()
}


def _learner_paths(desc: Descriptor, depth: int = 1) -> tuple[tuple[str, ...], ...]:
    """Paths to the learner_id string fields of a request: top level and directly nested resources."""
    paths: list[tuple[str, ...]] = []
    for field in desc.fields:
        repeated = bool(getattr(field, "is_repeated", False))
        if field.name == "learner_id" and field.type == FieldDescriptor.TYPE_STRING and not repeated:
            paths.append((field.name,))
        elif (depth > 0 and field.type == FieldDescriptor.TYPE_MESSAGE and not repeated
              and not field.message_type.full_name.startswith("google.")):
            paths.extend((field.name, *p) for p in _learner_paths(field.message_type, depth - 1))
    return tuple(paths)


_PATHS: dict[str, tuple[tuple[str, ...], ...]] = {}


def named_learners(request: Message) -> set[str]:
    """Every learner id a request names in a learner_id field (the node rule compares them)."""
    desc = request.DESCRIPTOR
    paths = _PATHS.get(desc.full_name)
    if paths is None:
        paths = _PATHS[desc.full_name] = _learner_paths(desc)
    names = set()
    for path in paths:
        value: Any = request
        for part in path:
            value = getattr(value, part)
        names.add(value)
    return names


def allowed_roles(method: str) -> frozenset[Role] | None:
    """Roles that may call method; None for methods outside amauta.v1 (health, reflection)."""
    return POLICY.get(method)
