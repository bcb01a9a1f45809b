"""The authorisation table: which roles may call each RPC. Object-level rules (a node reaches only
its own learner records) are checked by the servicers; this table is the role gate in front of them.

Every RPC of every amauta.v1 service must have an entry: the authorisation matrix test fails otherwise.
"""

from __future__ import annotations

from server.auth import Role

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
        "StartSimulation": WRITERS, "JoinSimulation": WRITERS, "LeaveSimulation": WRITERS,
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
    },
    "OperationsService": {"RunConsistencyChecks": ADMIN},
}

#: Full gRPC method path → roles allowed, e.g. "/amauta.v1.CatalogService/GetContent".
POLICY: dict[str, frozenset[Role]] = {
    f"/amauta.v1.{service}/{method}": roles
    for service, methods in _TABLE.items() for method, roles in methods.items()
}


def allowed_roles(method: str) -> frozenset[Role] | None:
    """Roles that may call method; None for methods outside amauta.v1 (health, reflection)."""
    return POLICY.get(method)
