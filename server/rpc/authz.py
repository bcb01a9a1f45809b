"""Object-level authorisation: learner records and owned catalog resources.

The role gate (which roles may call an RPC) is server/rpc/policy.py, enforced by the interceptor before
any handler runs; handlers do not repeat it. What is decided here needs the request or a stored row.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from server.rpc.auth import Identity, Role, current_identity
from server.rpc.errors import permission_denied


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
