"""Object-level authorisation: learner access, owner scopes and created_by, for each role."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import grpc
import pytest

from server.rpc.auth import Identity, Role, current_identity
from server.rpc.authz import OWNER_CHARS, caller, creator, owner_name, owner_scope, require_learner_access
from server.rpc.errors import ApiError


@contextmanager
def as_caller(name: str, role: Role) -> Iterator[Identity]:
    identity = Identity(name, role)
    token = current_identity.set(identity)
    try:
        yield identity
    finally:
        current_identity.reset(token)


def test_no_identity_is_denied_not_trusted() -> None:
    with pytest.raises(ApiError) as caught:
        caller()
    assert caught.value.code is grpc.StatusCode.PERMISSION_DENIED


@pytest.mark.parametrize("role", [Role.ADMIN, Role.SERVICE])
def test_privileged_callers_reach_every_learner_and_every_owner(role: Role) -> None:
    with as_caller("svc", role) as me:
        assert require_learner_access("anyone") is me
        assert owner_scope() is None
        assert creator({"created_by": "node-x"}) == "node-x"
        assert creator({}) == "svc"


def test_a_node_reaches_only_its_own_records() -> None:
    with as_caller("node-a", Role.NODE):
        assert require_learner_access("node-a").name == "node-a"
        with pytest.raises(ApiError) as caught:
            require_learner_access("node-b")
        assert "node-b" in caught.value.message
        assert owner_scope() == "node-a"
        assert creator({"created_by": "node-a"}) == "node-a"
        with pytest.raises(ApiError) as other:
            creator({"created_by": "node-b"})
        assert (other.value.reason, dict(other.value.metadata)) == ("CREATED_BY_NOT_ALLOWED",
                                                                    {"created_by": "node-b"})


@pytest.mark.parametrize("role", [Role.ANALYST, Role.OBSERVER])
def test_read_only_roles_reach_no_learner_records(role: Role) -> None:
    with as_caller("someone", role), pytest.raises(ApiError):
        require_learner_access("someone")


def test_owner_names_are_cut_to_the_column() -> None:
    long = Identity("n" * (OWNER_CHARS + 20), Role.NODE)
    assert owner_name(long) == "n" * OWNER_CHARS
    with as_caller(long.name, Role.NODE):
        assert owner_scope() == "n" * OWNER_CHARS
        assert creator({"created_by": "n" * OWNER_CHARS}) == "n" * OWNER_CHARS
