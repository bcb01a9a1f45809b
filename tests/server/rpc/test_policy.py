"""Every RPC of every service × {own node, other node, admin, analyst, no token, malformed, expired}.

Generated from the service descriptors and server.rpc.policy: a new RPC without a policy entry fails here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import grpc
import pyarrow as pa
import pytest
from google.protobuf import descriptor
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass
from google.rpc import error_details_pb2
from grpc import aio
from grpc_status import rpc_status

from amauta.v1 import analytics_pb2, catalog_pb2, graph_pb2, learner_pb2, operations_pb2, simulation_pb2
from server.rpc.auth import Identity, Role, current_identity
from server.rpc.errors import ApiError
from server.rpc.policy import (
    OWNER_CHARS,
    POLICY,
    caller,
    creator,
    list_scope,
    may_change,
    may_read,
    own_learner,
    owner_name,
    owner_scope,
    read_learner,
    record_scope,
    require_analytics_reader,
    require_event_writer,
    require_export_scope,
    require_learner_access,
    require_self,
    scoped,
    simulation_list_scope,
    watch_member,
)
from stores.errors import NotFound
from tests.support import IDENTITIES, Tokens

FILES = (catalog_pb2, learner_pb2, analytics_pb2, simulation_pb2, graph_pb2, operations_pb2)
METHODS = [m for f in FILES for s in f.DESCRIPTOR.services_by_name.values() for m in s.methods]
CALLERS = ("own_node", "other_node", "admin", "analyst", "none", "malformed", "expired")
MATRIX_LEARNER = "matrix-learner"


def _path(method: descriptor.MethodDescriptor) -> str:
    return f"/{method.containing_service.full_name}/{method.name}"


def _set_learner(msg: Message, learner_id: str, depth: int = 2) -> bool:
    """Set every learner_id field (top level and nested resources); True when one exists."""
    found = False
    for field in msg.DESCRIPTOR.fields:
        if field.name == "learner_id" and field.type == field.TYPE_STRING and not _repeated(field):
            setattr(msg, field.name, learner_id)
            found = True
        elif (depth > 0 and field.type == field.TYPE_MESSAGE and not _repeated(field)
              and not field.message_type.full_name.startswith("google.")):
            child = getattr(msg, field.name)
            if _set_learner(child, learner_id, depth - 1):
                found = True
            else:
                msg.ClearField(field.name)
    return found


def _repeated(field: descriptor.FieldDescriptor) -> bool:
    flag = getattr(field, "is_repeated", None)
    return bool(flag) if flag is not None else field.label == field.LABEL_REPEATED


def test_every_rpc_has_a_policy_entry() -> None:
    missing = [_path(m) for m in METHODS if _path(m) not in POLICY]
    assert missing == [], f"RPCs without an authorisation rule: {missing}"
    assert set(POLICY) == {_path(m) for m in METHODS}, "policy names RPCs that do not exist"


async def _invoke(channel: aio.Channel, method: descriptor.MethodDescriptor, request: Message,
                  md: tuple[tuple[str, str], ...]) -> aio.AioRpcError | None:
    out_cls = GetMessageClass(method.output_type)
    kwargs: dict[str, Any] = {"request_serializer": type(request).SerializeToString,
                              "response_deserializer": out_cls.FromString}
    path = _path(method)
    try:
        if method.client_streaming and method.server_streaming:
            raise AssertionError("no bidirectional RPCs are expected")
        if method.client_streaming:
            await channel.stream_unary(path, **kwargs)(iter([request]), metadata=md, timeout=15)
        elif method.server_streaming:
            call = channel.unary_stream(path, **kwargs)(request, metadata=md, timeout=15)
            try:
                await asyncio.wait_for(call.read(), 5)
            except TimeoutError:
                pass
            finally:
                call.cancel()
        else:
            await channel.unary_unary(path, **kwargs)(request, metadata=md, timeout=15)
    except aio.AioRpcError as exc:
        return exc
    return None


def _reason(err: aio.AioRpcError) -> str:
    status = rpc_status.from_call(err)
    info = error_details_pb2.ErrorInfo()
    if status is not None:
        for detail in status.details:
            if detail.Unpack(info):
                return info.reason
    return ""


@pytest.mark.parametrize("method", METHODS, ids=_path)
async def test_matrix(method: descriptor.MethodDescriptor, channel: aio.Channel, tokens: Tokens) -> None:
    roles = POLICY[_path(method)]
    node_a = IDENTITIES["node_a"][0]
    node_b = IDENTITIES["node_b"][0]
    for who in CALLERS:
        request = GetMessageClass(method.input_type)()
        target = {"own_node": node_a, "other_node": node_b}.get(who, MATRIX_LEARNER)
        names_learner = _set_learner(request, target)
        key = {"own_node": "node_a", "other_node": "node_a"}.get(who, who)
        err = await _invoke(channel, method, request, tokens.md(key))
        code = err.code() if err else grpc.StatusCode.OK
        where = f"{_path(method)} as {who}: {code.name} {err.details() if err else ''}"
        assert code not in (grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN), where
        if who in ("none", "malformed", "expired"):
            assert code == grpc.StatusCode.UNAUTHENTICATED, where
            continue
        role = Role(IDENTITIES[key][1])
        if role not in roles:
            assert code == grpc.StatusCode.PERMISSION_DENIED and _reason(err) == "ROLE_NOT_ALLOWED", where
            continue
        assert code != grpc.StatusCode.UNAUTHENTICATED, where
        assert not (err and _reason(err) == "ROLE_NOT_ALLOWED"), where
        if who == "other_node" and names_learner:
            assert code == grpc.StatusCode.PERMISSION_DENIED, where
        if who == "own_node" and names_learner:
            assert code != grpc.StatusCode.PERMISSION_DENIED, where

# Object-level rules, called by the handlers (the table above is enforced by the interceptor).

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


def test_simulation_rules_by_role() -> None:
    admin, node, observer = Identity("root", Role.ADMIN), Identity("node-a", Role.NODE), Identity("o", Role.OBSERVER)
    may_change(admin)(["x"])
    may_change(node)(["node-a", "x"])
    with pytest.raises(ApiError) as denied:
        may_change(node)(["x"])
    assert denied.value.code is grpc.StatusCode.PERMISSION_DENIED
    may_read(observer)([])
    with pytest.raises(ApiError):
        may_change(observer)([])
    require_self(node, "node-a")
    with pytest.raises(ApiError):
        require_self(node, "node-b")
    assert (watch_member(node), watch_member(observer)) == ("node-a", "")


def test_a_node_lists_only_its_own_simulations() -> None:
    node, observer = Identity("node-a", Role.NODE), Identity("o", Role.OBSERVER)
    assert simulation_list_scope(node, None) == "node-a"
    assert simulation_list_scope(node, "node-a") == "node-a"
    assert simulation_list_scope(observer, None) is None
    assert simulation_list_scope(observer, "node-b") == "node-b"
    with pytest.raises(ApiError):
        simulation_list_scope(node, "node-b")
    with pytest.raises(ApiError):
        simulation_list_scope(Identity("an", Role.ANALYST), None)


def test_learner_scoped_reads_of_graph_and_analytics() -> None:
    with as_caller("node-a", Role.NODE):
        assert own_learner() == "node-a"
        read_learner("node-a")
        with pytest.raises(ApiError):
            read_learner("node-b")
        with pytest.raises(ApiError):
            require_export_scope("")  # a node must name itself
        require_export_scope("node-a")
    with as_caller("an", Role.ANALYST):
        assert own_learner() is None
        read_learner("node-b")
        assert require_analytics_reader("node-b").name == "an"
        require_export_scope("")


def test_a_node_records_events_only_for_itself() -> None:
    node = Identity("node-a", Role.NODE)
    require_event_writer(pa.table({"learner_id": ["node-a", ""]}), node)  # "" is flagged by validation
    require_event_writer(pa.table({"learner_id": ["node-b"]}), Identity("svc", Role.SERVICE))
    with pytest.raises(ApiError) as denied:
        require_event_writer(pa.table({"learner_id": ["node-a", "node-b"]}), node)
    assert denied.value.code is grpc.StatusCode.PERMISSION_DENIED
