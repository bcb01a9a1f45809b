"""Helpers of the SimulationService tests."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import grpc
from google.protobuf import struct_pb2
from google.rpc import error_details_pb2
from grpc import aio
from grpc_status import rpc_status

from amauta.v1 import simulation_pb2 as pb
from amauta.v1 import simulation_pb2_grpc as pbg
from server.rpc import convert
from stores.postgres import PostgresStore
from tests.support import Tokens


def struct(value: dict[str, Any]) -> struct_pb2.Struct:
    """A dict as a Struct."""
    return convert.dict_to_struct(value)


def new_id(prefix: str = "t") -> str:
    """A fresh simulation id."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def reason(err: aio.AioRpcError) -> str:
    """The ErrorInfo reason of a failed call."""
    status = rpc_status.from_call(err)  # type: ignore[arg-type]
    if status is None:
        return ""
    for detail in status.details:
        info = error_details_pb2.ErrorInfo()
        if detail.Unpack(info):
            return info.reason
    return ""


def violations(err: aio.AioRpcError) -> set[str]:
    """Fields of the BadRequest detail."""
    status = rpc_status.from_call(err)  # type: ignore[arg-type]
    out: set[str] = set()
    for detail in status.details if status else []:
        bad = error_details_pb2.BadRequest()
        if detail.Unpack(bad):
            out |= {v.field for v in bad.field_violations}
    return out


async def start(stub: pbg.SimulationServiceStub, tokens: Tokens, env_id: str, participants: list[str], *,
                role: str = "admin", state: dict[str, Any] | None = None, sim_id: str | None = None,
                **kw: Any) -> pb.StartSimulationResponse:
    """StartSimulation with a fresh id."""
    return await stub.StartSimulation(pb.StartSimulationRequest(
        simulation_id=sim_id or new_id(), environment_id=env_id, participants=participants,
        initial_state=struct(state or {"phase": "briefing"}), **kw), metadata=tokens.md(role))


async def sessions_of(pg: PostgresStore, simulation_id: str) -> list[dict[str, Any]]:
    """The learning_sessions rows of a simulation, by learner."""
    async with pg.connection() as conn:
        cur = await conn.execute(
            "SELECT session_id::text AS session_id, learner_id, session_type, environment_id::text AS environment_id,"
            " completion_status, session_config, session_metadata, performance_data, learning_outcomes"
            " FROM learning_sessions WHERE session_metadata->>'simulation_id' = %s ORDER BY learner_id, start_time",
            (simulation_id,))
        return list(await cur.fetchall())


async def record_of(pg: PostgresStore, simulation_id: str) -> dict[str, Any] | None:
    """The simulations row."""
    async with pg.connection() as conn:
        cur = await conn.execute("SELECT * FROM simulations WHERE simulation_id = %s", (simulation_id,))
        return await cur.fetchone()


async def outbox_rows(pg: PostgresStore, aggregate_id: str, event_type: str) -> list[dict[str, Any]]:
    """Outbox rows of one aggregate and type."""
    async with pg.connection() as conn:
        cur = await conn.execute("SELECT payload FROM analytics_outbox WHERE aggregate_id = %s AND event_type = %s"
                                 " ORDER BY outbox_id", (aggregate_id, event_type))
        return [r["payload"] for r in await cur.fetchall()]


CODE = grpc.StatusCode


async def next_change(call: Any, timeout: float = 5.0) -> Any:
    """The next watch message that is not a heartbeat (an idle watch beats every heartbeat_seconds, so
    a slow step in between must not decide what a test reads)."""
    while True:
        message = await asyncio.wait_for(call.read(), timeout)
        if message is aio.EOF or message.WhichOneof("event") != "heartbeat":
            return message
