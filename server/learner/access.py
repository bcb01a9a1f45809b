"""Object-level authorisation of learner records addressed by their own id (session, assessment).

The owner of such a record is only known after a lookup, so the lookup is scoped instead: a node
caller asks the store for records of its own learner id only, and "missing" and "someone else's"
both become PERMISSION_DENIED. A node therefore never learns whether another learner's record exists.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from server.rpc.auth import Role
from server.rpc.authz import caller, require_learner_access
from server.rpc.errors import permission_denied
from stores.errors import NotFound


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
