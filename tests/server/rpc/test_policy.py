"""Every RPC of every service × {own node, other node, admin, analyst, no token, malformed, expired}.

Generated from the service descriptors and server.rpc.policy: a new RPC without a policy entry fails here.
"""

from __future__ import annotations

import asyncio
from typing import Any

import grpc
import pytest
from google.protobuf import descriptor
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass
from google.rpc import error_details_pb2
from grpc import aio
from grpc_status import rpc_status

from amauta.v1 import (analytics_pb2, catalog_pb2, graph_pb2, learner_pb2, operations_pb2,
                       simulation_pb2)
from server.rpc.auth import Role
from server.rpc.policy import POLICY
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
            except asyncio.TimeoutError:
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
    for caller in CALLERS:
        request = GetMessageClass(method.input_type)()
        target = {"own_node": node_a, "other_node": node_b}.get(caller, MATRIX_LEARNER)
        names_learner = _set_learner(request, target)
        key = {"own_node": "node_a", "other_node": "node_a"}.get(caller, caller)
        err = await _invoke(channel, method, request, tokens.md(key))
        code = err.code() if err else grpc.StatusCode.OK
        where = f"{_path(method)} as {caller}: {code.name} {err.details() if err else ''}"
        assert code not in (grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN), where
        if caller in ("none", "malformed", "expired"):
            assert code == grpc.StatusCode.UNAUTHENTICATED, where
            continue
        role = Role(IDENTITIES[key][1])
        if role not in roles:
            assert code == grpc.StatusCode.PERMISSION_DENIED and _reason(err) == "ROLE_NOT_ALLOWED", where
            continue
        assert code != grpc.StatusCode.UNAUTHENTICATED, where
        assert not (err and _reason(err) == "ROLE_NOT_ALLOWED"), where
        if caller == "other_node" and names_learner:
            assert code == grpc.StatusCode.PERMISSION_DENIED, where
        if caller == "own_node" and names_learner:
            assert code != grpc.StatusCode.PERMISSION_DENIED, where
