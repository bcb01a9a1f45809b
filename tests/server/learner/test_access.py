"""Record scopes of learner records addressed by their own id: privileged callers see all, nodes their own,
and "missing" and "someone else's" look the same to a node."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import grpc
import pytest

from server.learner.access import list_scope, record_scope, scoped
from server.rpc.auth import Identity, Role, current_identity
from server.rpc.errors import ApiError
from stores.errors import NotFound


@contextmanager
def as_caller(name: str, role: Role) -> Iterator[None]:
    token = current_identity.set(Identity(name, role))
    try:
        yield
    finally:
        current_identity.reset(token)


def test_scopes_by_role() -> None:
    with as_caller("root", Role.ADMIN):
        assert record_scope() is None
        list_scope(None)
    with as_caller("node-a", Role.NODE):
        assert record_scope() == "node-a"
        list_scope("node-a")
        with pytest.raises(ApiError):
            list_scope(None)  # a node must name itself
        with pytest.raises(ApiError):
            list_scope("node-b")
    with as_caller("analyst-1", Role.ANALYST), pytest.raises(ApiError) as caught:
        record_scope()
    assert caught.value.code is grpc.StatusCode.PERMISSION_DENIED and "analyst" in caught.value.message


def test_a_scoped_miss_is_permission_denied_for_a_node_and_not_found_otherwise() -> None:
    with pytest.raises(ApiError) as denied, scoped("node-a", "session"):
        raise NotFound("session x not found")
    assert denied.value.code is grpc.StatusCode.PERMISSION_DENIED and "session" in denied.value.message
    with pytest.raises(NotFound), scoped(None, "session"):
        raise NotFound("session x not found")
    with scoped("node-a", "session"):
        pass  # nothing raised, nothing changed
