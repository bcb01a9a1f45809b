"""The one authorisation gate: which roles may call each RPC, and every object-level rule.

The role table (POLICY) is enforced by the interceptor before any handler runs; handlers do not
repeat it. The rules below need the request or a stored row, so handlers call them, but they are all
decided here:

- learner records: a node names only its own learner_id (interceptor, from the request); a record
  found by its own id (session, assessment) is looked up scoped to the node's learner (record_scope,
  scoped), so a node never learns whether another learner's record exists;
- owned catalog resources (OWNED): only the owner (created_by), service and admin may change them or add
  content to a dataset (NOT_OWNER, compared by the store under the row lock with owner_scope); a node
  creates only as itself (CREATED_BY_NOT_ALLOWED, creator);
- analytics: analysts read every learner's analytics; a node records and exports only its own events;
- simulations: a node acts on and reads one it takes part in, joins and leaves only as itself, by the join
  policy (NOT_INVITED); a member's watch ends when it leaves (server/simulation/watch.py).

Every RPC of every amauta.v1 service must have an entry: the authorisation matrix test fails otherwise.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from server.rpc.auth import Identity, Role, current_identity
from server.rpc.errors import permission_denied
from stores.errors import NotFound
from stores.sync.simulations import Check

if TYPE_CHECKING:
    # Message.DESCRIPTOR is this one when protobuf runs on its C (upb) backend.
    from google._upb._message import Descriptor as UpbDescriptor

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


def _learner_paths(desc: Descriptor | UpbDescriptor, depth: int = 1) -> tuple[tuple[str, ...], ...]:
    """Paths to the learner_id string fields of a request: top level and directly nested resources."""
    paths: list[tuple[str, ...]] = []
    for field in desc.fields:
        repeated = bool(getattr(field, "is_repeated", False))
        if field.name == "learner_id" and field.type == FieldDescriptor.TYPE_STRING and not repeated:
            paths.append((field.name,))
        elif (depth > 0 and field.type == FieldDescriptor.TYPE_MESSAGE and not repeated
              and field.message_type is not None and not field.message_type.full_name.startswith("google.")):
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


# Object-level rules: learner records and owned catalog resources.


def caller() -> Identity:
    """The authenticated identity of the current RPC."""
    identity = current_identity.get()
    if identity is None:  # the interceptor always sets it; this guards wiring mistakes
        raise permission_denied("no authenticated identity")
    return identity


def require_learner_access(learner_id: str) -> Identity:
    """Admins and services reach every learner; a node only its own records (checked before existence)."""
    identity = caller()
    if identity.is_privileged:
        return identity
    if identity.role is Role.NODE and identity.name == learner_id:
        return identity
    raise permission_denied(f"{identity.name} may not access records of learner {learner_id!r}")


#: created_by holds at most 100 characters; owners are compared in that form.
OWNER_CHARS = 100


def owner_name(identity: Identity) -> str:
    """An identity as the created_by of what it creates."""
    return identity.name[:OWNER_CHARS]


def owner_scope() -> str | None:
    """The owner whose resources the caller may change: None (every owner) for admin and service, the
    caller itself otherwise. Stores compare it with created_by under the row lock (NOT_OWNER)."""
    identity = caller()
    return None if identity.is_privileged else owner_name(identity)


def creator(values: Mapping[str, Any]) -> str:
    """The owner of a resource being created: the caller, or whom an admin or service names in
    created_by. A node naming another identity is PERMISSION_DENIED (CREATED_BY_NOT_ALLOWED)."""
    identity = caller()
    named = values.get("created_by") or ""
    if named and named != owner_name(identity) and not identity.is_privileged:
        raise permission_denied(f"{identity.name} may not create resources on behalf of {named!r}",
                                "CREATED_BY_NOT_ALLOWED", {"created_by": named})
    return named or owner_name(identity)


def record_scope() -> str | None:
    """The learner whose records the caller may reach: None (every learner) for admin and service,
    the caller's own id for a node; PERMISSION_DENIED for every other role."""
    identity = caller()
    if identity.is_privileged:
        return None
    if identity.role is Role.NODE:
        return identity.name
    raise permission_denied(f"role {identity.role.value} may not access learner records")


def list_scope(learner_id: str | None) -> None:
    """A list filtered by learner_id: privileged callers may omit it; a node must name itself."""
    if record_scope() is not None:
        require_learner_access(learner_id or "")


@contextmanager
def scoped(scope: str | None, what: str) -> Iterator[None]:
    """Turn NOT_FOUND of a scoped lookup into PERMISSION_DENIED for a node caller."""
    try:
        yield
    except NotFound:
        if scope is None:
            raise
        raise permission_denied(f"{scope} may not access this {what}") from None


# Simulations: a Check receives the participants, read by the domain under the simulation's lock.

def may_change(identity: Identity) -> Check:
    """Admins and services change any simulation; a node only one it takes part in."""
    def check(participants: Collection[str]) -> None:
        if identity.is_privileged or (identity.role is Role.NODE and identity.name in participants):
            return
        raise permission_denied(f"{identity.name} may not change this simulation")
    return check


def may_read(identity: Identity) -> Check:
    """Admins, services and observers read or watch any simulation; a node only one it takes part in."""
    def check(participants: Collection[str]) -> None:
        if identity.is_privileged or identity.role is Role.OBSERVER:
            return
        if identity.role is Role.NODE and identity.name in participants:
            return
        raise permission_denied(f"{identity.name} may not read this simulation")
    return check


def require_self(identity: Identity, learner_id: str) -> None:
    """A node joins and leaves only as itself; admins and services act for anyone."""
    if not identity.is_privileged and not (identity.role is Role.NODE and identity.name == learner_id):
        raise permission_denied(f"{identity.name} may not act for learner {learner_id!r}")


def watch_member(identity: Identity) -> str:
    """Whose leave ends a watch: a node reads only as a participant; other roles read anyway ("")."""
    return identity.name if identity.role is Role.NODE else ""


def simulation_list_scope(identity: Identity, participant: str | None) -> str | None:
    """The participant a list is narrowed to: as asked for admins, services and observers; a node
    lists only simulations it takes part in (itself, whatever it asked for; another name is denied)."""
    if identity.is_privileged or identity.role is Role.OBSERVER:
        return participant
    if identity.role is not Role.NODE or participant not in (None, identity.name):
        raise permission_denied(f"{identity.name} may list only simulations it takes part in")
    return identity.name


# Learner-scoped reads of the graph and analytics.

def own_learner() -> str | None:
    """The one learner a node sees in a list of learners (itself); None for every other role."""
    identity = caller()
    return identity.name if identity.role is Role.NODE else None


def read_learner(learner_id: str) -> None:
    """Any role may read learner-scoped graph data, except that a node reads only its own."""
    if caller().role is Role.NODE:
        require_learner_access(learner_id)


def require_analytics_reader(learner_id: str) -> Identity:
    """Analysts read every learner's analytics; otherwise the learner-record rule applies."""
    identity = caller()
    if identity.role is Role.ANALYST:
        return identity
    return require_learner_access(learner_id)


def require_export_scope(learner_id: str) -> None:
    """A node exports only its own events, and must say so with learner_id."""
    identity = caller()
    if identity.role is Role.NODE and learner_id != identity.name:
        raise permission_denied(f"{identity.name} may export only its own events: set learner_id")


def require_event_writer(batch: pa.Table, identity: Identity) -> None:
    """A node writes events only for itself: PERMISSION_DENIED when a row names another learner."""
    if identity.role is not Role.NODE or batch.num_rows == 0:
        return
    learners = batch.column("learner_id")
    foreign = pc.and_(pc.not_equal(learners, identity.name), pc.not_equal(learners, ""))
    if pc.any(foreign).as_py():
        raise permission_denied(f"{identity.name} may record events only for learner {identity.name!r}")
