"""UpdateSimulationState: merges, masks, phases, versions, and the hash and stream written in one step."""

from __future__ import annotations

import asyncio
import json

import pytest
from google.protobuf import field_mask_pb2
from grpc import aio

from amauta.v1 import simulation_pb2 as pb
from amauta.v1 import simulation_pb2_grpc as pbg
from stores.redis import RedisStore
from stores.redis.simulation_state import StateChange, apply_change
from stores.redis.simulations import keys
from tests.server.simulation.conftest import Environments
from tests.server.simulation.support import CODE, new_id, reason, start, struct, violations
from tests.support import Tokens


def update(sim_id: str, state: dict | None = None, *, mask: list[str] | None = None, phase: str | None = None,
           expected: int = 0) -> pb.UpdateSimulationStateRequest:
    req = pb.UpdateSimulationStateRequest(simulation_id=sim_id, state=struct(state or {}), expected_version=expected,
                                          update_mask=field_mask_pb2.FieldMask(paths=mask or []))
    if phase is not None:
        req.phase = phase
    return req


def test_merge_rules() -> None:
    current = {"phase": "a", "score": {"x": 1, "y": 2}, "keep": True}
    assert apply_change(current, StateChange({"score": {"z": 3}, "keep": None}, [])) == {
        "phase": "a", "score": {"z": 3}}
    assert apply_change(current, StateChange({"score": {"x": 9}}, ["score.x", "gone", "new.deep"], "b")) == {
        "phase": "b", "score": {"x": 9, "y": 2}, "keep": True}
    assert apply_change(current, StateChange({"keep": {"n": 1}}, ["keep.n"])) == {
        "phase": "a", "score": {"x": 1, "y": 2}, "keep": {"n": 1}}
    assert current == {"phase": "a", "score": {"x": 1, "y": 2}, "keep": True}  # untouched


async def test_update_writes_hash_and_stream_in_one_step(sim: pbg.SimulationServiceStub, md: Tokens,
                                                         envs: Environments, redis: RedisStore) -> None:
    env = await envs.create()
    sim_id = (await start(sim, md, env, ["node-a"], state={"phase": "briefing", "round": 1})).simulation.simulation_id
    r1 = await sim.UpdateSimulationState(update(sim_id, {"round": 2, "board": {"a": 1}}, expected=1),
                                         metadata=md.md("node_a"))
    assert r1.version == 2 and r1.token.endswith("-2")
    r2 = await sim.UpdateSimulationState(update(sim_id, {"board": {"b": 5}}, mask=["board.b"], phase="play"),
                                         metadata=md.md("admin"))
    assert r2.version == 3
    got = (await sim.GetSimulation(pb.GetSimulationRequest(simulation_id=sim_id), metadata=md.md("admin"))).simulation
    assert json.loads(json.dumps(dict(got.current_state), default=dict)) == {
        "phase": "play", "round": 2, "board": {"a": 1, "b": 5}}
    assert got.version == 3 and got.last_update.ToMilliseconds() == r2.last_update.ToMilliseconds()
    raw = await redis.client.hgetall(keys(sim_id)[0])
    assert raw["lastEventId"] == r2.token and json.loads(raw["currentState"])["round"] == 2
    entries = await redis.client.xrange(keys(sim_id)[2])
    assert [e[0] for e in entries][-2:] == [r1.token, r2.token]
    last = entries[-1][1]
    assert (last["k"], last["v"], last["a"], last["p"], json.loads(last["m"])) == (
        "state", "3", "admin", "play", ["board.b"])


async def test_stale_expected_version_is_aborted(sim: pbg.SimulationServiceStub, md: Tokens,
                                                 envs: Environments) -> None:
    env = await envs.create()
    sim_id = (await start(sim, md, env, ["a"])).simulation.simulation_id
    await sim.UpdateSimulationState(update(sim_id, {"x": 1}, expected=1), metadata=md.md("admin"))
    with pytest.raises(aio.AioRpcError) as err:
        await sim.UpdateSimulationState(update(sim_id, {"x": 2}, expected=1), metadata=md.md("admin"))
    assert (err.value.code(), reason(err.value)) == (CODE.ABORTED, "VERSION_MISMATCH")

    # Racing writers that all expect version 2: exactly one wins, the others see ABORTED.
    async def write(i: int) -> str:
        try:
            await sim.UpdateSimulationState(update(sim_id, {"w": i}, expected=2), metadata=md.md("admin"))
            return "ok"
        except aio.AioRpcError as e:
            return e.code().name
    outcomes = await asyncio.gather(*(write(i) for i in range(20)))
    assert outcomes.count("ok") == 1 and outcomes.count("ABORTED") == 19

    # Without a version check concurrent writers merge; none is lost.
    await asyncio.gather(*(sim.UpdateSimulationState(update(sim_id, {f"k{i}": i}), metadata=md.md("admin"))
                           for i in range(20)))
    got = (await sim.GetSimulation(pb.GetSimulationRequest(simulation_id=sim_id), metadata=md.md("admin"))).simulation
    assert {f"k{i}" for i in range(20)} <= set(got.current_state.keys())
    assert got.version == 23


async def test_bad_updates(sim: pbg.SimulationServiceStub, md: Tokens, envs: Environments) -> None:
    env = await envs.create()
    sim_id = (await start(sim, md, env, ["a"])).simulation.simulation_id
    with pytest.raises(aio.AioRpcError) as err:
        await sim.UpdateSimulationState(update(sim_id), metadata=md.md("admin"))
    assert err.value.code() == CODE.INVALID_ARGUMENT and "state" in violations(err.value)
    with pytest.raises(aio.AioRpcError) as err:
        await sim.UpdateSimulationState(update(sim_id, {"a": 1}, mask=["a..b"], expected=-1), metadata=md.md("admin"))
    assert {"update_mask.paths[0]", "expected_version"} <= violations(err.value)
    with pytest.raises(aio.AioRpcError) as err:
        await sim.UpdateSimulationState(update(new_id(), {"a": 1}), metadata=md.md("admin"))
    assert err.value.code() == CODE.NOT_FOUND
    big = "x" * 60_000
    for i in range(6):  # each request is within limits; the merged state is not
        try:
            await sim.UpdateSimulationState(update(sim_id, {f"blob{i}": big}), metadata=md.md("admin"))
        except aio.AioRpcError as e:
            assert (e.code(), reason(e)) == (CODE.INVALID_ARGUMENT, "STATE_TOO_LARGE")
            break
    else:
        pytest.fail("the merged state was never refused")
    with pytest.raises(aio.AioRpcError) as err:  # a non-participant node
        await sim.UpdateSimulationState(update(sim_id, {"a": 1}), metadata=md.md("node_b"))
    assert err.value.code() == CODE.PERMISSION_DENIED
