"""SimulationServicer over a real channel (on each Redis deployment): start, read, update and end."""

from __future__ import annotations

from typing import TypeAlias

import grpc
import pytest
from grpc import aio

from amauta.v1 import simulation_pb2 as pb
from amauta.v1 import simulation_pb2_grpc as pbg
from tests.server.simulation.conftest import Environments
from tests.server.simulation.support import new_id, reason, start, struct, violations
from tests.support import Tokens

Stub: TypeAlias = pbg.SimulationServiceStub


async def test_a_simulation_is_started_read_updated_and_ended(sim: Stub, envs: Environments, md: Tokens) -> None:
    env = await envs.create()
    started = await start(sim, md, env, ["node-a", "node-b"])
    sid = started.simulation.simulation_id
    assert sorted(started.session_ids) == ["node-a", "node-b"] and started.simulation.version == 1
    got = await sim.GetSimulation(pb.GetSimulationRequest(simulation_id=sid), metadata=md.md("node_a"))
    assert got.simulation == started.simulation
    updated = await sim.UpdateSimulationState(pb.UpdateSimulationStateRequest(
        simulation_id=sid, state=struct({"phase": "play"})), metadata=md.md("node_a"))
    assert updated.version == 2
    ended = await sim.EndSimulation(pb.EndSimulationRequest(simulation_id=sid), metadata=md.md("admin"))
    assert len(ended.ended_session_ids) == 2
    with pytest.raises(aio.AioRpcError) as gone:
        await sim.GetSimulation(pb.GetSimulationRequest(simulation_id=sid), metadata=md.md("admin"))
    assert gone.value.code() == grpc.StatusCode.NOT_FOUND and reason(gone.value) == "SIMULATION_NOT_FOUND"


async def test_bad_requests_are_refused_by_field(sim: Stub, envs: Environments, md: Tokens) -> None:
    with pytest.raises(aio.AioRpcError) as caught:
        await sim.StartSimulation(pb.StartSimulationRequest(simulation_id="bad id", environment_id="x"),
                                  metadata=md.md("admin"))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert {"simulation_id", "environment_id", "participants"} <= violations(caught.value)
    with pytest.raises(aio.AioRpcError) as missing:
        await sim.GetSimulation(pb.GetSimulationRequest(simulation_id=new_id()), metadata=md.md("admin"))
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND
