"""Authorisation rules: roles per method kind and object-level checks on learner records."""

from __future__ import annotations

from server.auth import Identity, Role, current_identity
from server.errors import permission_denied


def caller() -> Identity:
    """The authenticated identity of the current RPC."""
    identity = current_identity.get()
    if identity is None:  # the auth interceptor always sets it; this guards wiring mistakes
        raise permission_denied("no authenticated identity")
    return identity


def require_roles(*roles: Role) -> Identity:
    """PERMISSION_DENIED unless the caller has one of roles."""
    identity = caller()
    if identity.role not in roles:
        raise permission_denied(f"role {identity.role.value} may not call this method")
    return identity


def require_admin() -> Identity:
    """PERMISSION_DENIED unless the caller is an admin."""
    return require_roles(Role.ADMIN)


def require_learner_access(learner_id: str) -> Identity:
    """Admins and services reach every learner; a node only its own records (checked before existence)."""
    identity = caller()
    if identity.is_privileged:
        return identity
    if identity.role is Role.NODE and identity.name == learner_id:
        return identity
    raise permission_denied(f"{identity.name} may not access records of learner {learner_id!r}")


def require_writer() -> Identity:
    """Roles that may change catalog or graph data: admin, service and node."""
    return require_roles(Role.ADMIN, Role.SERVICE, Role.NODE)


def require_reader() -> Identity:
    """Every authenticated role may read shared catalog data."""
    return caller()
