"""Access that changes while calls are open: join policies, a member's watch after it leaves, and tokens
removed from (or expiring in) the tokens file while a watch stream and a unary call loop use them.

The 5 s bounds are the contract (the mechanism takes about a second: one recheck plus one stat of the
file), so they leave room for a loaded machine.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import grpc
import pytest
from grpc import aio

from amauta.v1 import simulation_pb2 as pb
from amauta.v1 import simulation_pb2_grpc as pbg
from tests.server.simulation.conftest import Environments
from tests.server.simulation.support import CODE, reason, start
from tests.support import Tokens

K = pb.SimulationChangeKind
LIMIT_SECONDS = 5.0


def _rewrite(path: Path, change: object) -> None:
    """Apply change(list of token entries) to the tokens file, replacing it in one rename."""
    doc = json.loads(path.read_text())
    change(doc["tokens"])  # type: ignore[operator]
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(doc))
    os.replace(tmp, path)


@contextmanager
def extra_token(path: Path, identity: str, role: str, expires_at: datetime | None = None) -> Iterator[str]:
    """A token added to the session's tokens file for the duration of a test."""
    token = secrets.token_urlsafe(16)
    entry: dict[str, str] = {"identity": identity, "role": role, "token": token}
    if expires_at is not None:
        entry["expires_at"] = expires_at.isoformat()
    _rewrite(path, lambda tokens: tokens.append(entry))
    try:
        yield token
    finally:
        remove_token(path, token)


def remove_token(path: Path, token: str) -> None:
    _rewrite(path, lambda tokens: tokens.__setitem__(slice(None), [t for t in tokens if t.get("token") != token]))


def bearer(token: str) -> tuple[tuple[str, str], ...]:
    return (("authorization", f"Bearer {token}"),)


async def wait_accepted(stub: pbg.SimulationServiceStub, sim_id: str, token: str) -> None:
    """Until the node has read the new token (it follows the file within a fraction of a second)."""
    deadline = time.monotonic() + 10
    while True:
        try:
            await stub.GetSimulation(pb.GetSimulationRequest(simulation_id=sim_id), metadata=bearer(token))
            return
        except aio.AioRpcError as exc:
            assert exc.code() == CODE.UNAUTHENTICATED and time.monotonic() < deadline, exc.details()
            await asyncio.sleep(0.05)


async def stream_error(call: aio.UnaryStreamCall, timeout: float) -> aio.AioRpcError:
    """Read (heartbeats too) until the stream fails, for at most timeout seconds; an OK end or a stream
    still open at the deadline is a test failure."""
    async def drain() -> None:
        while True:
            msg = await call.read()
            assert msg is not aio.EOF, "the stream ended OK"

    with pytest.raises(aio.AioRpcError) as err:
        try:
            await asyncio.wait_for(drain(), timeout)
        except TimeoutError:
            call.cancel()
            pytest.fail(f"the stream was still open after {timeout} s")
    return err.value


async def unary_loop(stub: pbg.SimulationServiceStub, sim_id: str, token: str) -> tuple[aio.AioRpcError, float]:
    """GetSimulation every 50 ms until one fails; that error and when it came."""
    while True:
        try:
            await stub.GetSimulation(pb.GetSimulationRequest(simulation_id=sim_id), metadata=bearer(token))
        except aio.AioRpcError as exc:
            return exc, time.monotonic()
        await asyncio.sleep(0.05)


async def _revoked_while_in_use(sim: pbg.SimulationServiceStub, md: Tokens, envs: Environments, token: str,
                                revoke: object) -> None:
    env = await envs.create()
    sim_id = (await start(sim, md, env, ["node-a"])).simulation.simulation_id
    await wait_accepted(sim, sim_id, token)
    call = sim.WatchSimulation(pb.WatchSimulationRequest(simulation_id=sim_id), metadata=bearer(token))
    assert (await asyncio.wait_for(call.read(), 10)).WhichOneof("event") == "snapshot"
    loop = asyncio.create_task(unary_loop(sim, sim_id, token))
    await asyncio.sleep(0.3)
    assert not loop.done(), "the unary loop failed before the token was revoked"
    began = await revoke()  # type: ignore[operator]
    err = await stream_error(call, timeout=15)
    ended = time.monotonic() - began
    assert (err.code(), reason(err)) == (CODE.UNAUTHENTICATED, "CREDENTIALS_REVOKED"), err.details()
    assert ended < LIMIT_SECONDS, f"the stream outlived its token by {ended:.2f} s"
    unary, failed_at = await asyncio.wait_for(loop, 15)
    assert unary.code() == CODE.UNAUTHENTICATED and failed_at - began < LIMIT_SECONDS
    with pytest.raises(aio.AioRpcError) as again:
        await sim.GetSimulation(pb.GetSimulationRequest(simulation_id=sim_id), metadata=bearer(token))
    assert again.value.code() == CODE.UNAUTHENTICATED
    # Other callers are untouched.
    await sim.GetSimulation(pb.GetSimulationRequest(simulation_id=sim_id), metadata=md.md("node_a"))


async def test_a_removed_token_ends_its_stream_and_its_calls(sim: pbg.SimulationServiceStub, md: Tokens,
                                                            envs: Environments, data_root: Path) -> None:
    path = data_root / "tokens.json"
    with extra_token(path, "node-a", "node") as token:
        async def revoke() -> float:
            remove_token(path, token)
            return time.monotonic()
        await _revoked_while_in_use(sim, md, envs, token, revoke)


async def test_an_expiring_token_ends_its_stream_and_its_calls(sim: pbg.SimulationServiceStub, md: Tokens,
                                                              envs: Environments, data_root: Path) -> None:
    expires = datetime.now(UTC) + timedelta(seconds=4)
    with extra_token(data_root / "tokens.json", "node-a", "node", expires_at=expires) as token:
        async def expiry() -> float:
            delay = (expires - datetime.now(UTC)).total_seconds()
            assert delay > 0, "setup took longer than the token's life; nothing was tested"
            now = time.monotonic()
            return now + delay
        await _revoked_while_in_use(sim, md, envs, token, expiry)


async def test_leaving_ends_the_learners_own_watch(sim: pbg.SimulationServiceStub, md: Tokens,
                                                   envs: Environments) -> None:
    env = await envs.create()
    sim_id = (await start(sim, md, env, ["node-a", "node-b"])).simulation.simulation_id
    mine = sim.WatchSimulation(pb.WatchSimulationRequest(simulation_id=sim_id), metadata=md.md("node_a"))
    theirs = sim.WatchSimulation(pb.WatchSimulationRequest(simulation_id=sim_id), metadata=md.md("node_b"))
    for call in (mine, theirs):
        assert (await asyncio.wait_for(call.read(), 10)).WhichOneof("event") == "snapshot"
    began = time.monotonic()
    await sim.LeaveSimulation(pb.LeaveSimulationRequest(simulation_id=sim_id, learner_id="node-a"),
                              metadata=md.md("node_a"))
    left = await asyncio.wait_for(mine.read(), 10)
    assert left.delta.kind == K.SIMULATION_CHANGE_KIND_PARTICIPANT_LEFT and left.delta.learner_id == "node-a"
    err = await stream_error(mine, timeout=10)
    assert (err.code(), reason(err)) == (CODE.PERMISSION_DENIED, "ACCESS_REVOKED")
    assert time.monotonic() - began < LIMIT_SECONDS
    # The remaining participant keeps watching: it sees the leave and the next change.
    assert (await asyncio.wait_for(theirs.read(), 10)).delta.kind == K.SIMULATION_CHANGE_KIND_PARTICIPANT_LEFT
    await sim.UpdateSimulationState(pb.UpdateSimulationStateRequest(simulation_id=sim_id, phase="debrief"),
                                    metadata=md.md("node_b"))
    assert (await asyncio.wait_for(theirs.read(), 10)).delta.kind == K.SIMULATION_CHANGE_KIND_STATE_UPDATED
    theirs.cancel()


async def _join(sim: pbg.SimulationServiceStub, md: Tokens, sim_id: str, who: str, learner: str) -> pb.Simulation:
    return (await sim.JoinSimulation(pb.JoinSimulationRequest(simulation_id=sim_id, learner_id=learner),
                                     metadata=md.md(who))).simulation


async def test_invite_only_refuses_the_uninvited_and_accepts_the_invited(
        sim: pbg.SimulationServiceStub, md: Tokens, envs: Environments) -> None:
    env = await envs.create()
    started = (await start(sim, md, env, ["node-b"])).simulation  # invite-only by default
    assert started.join_policy == pb.JOIN_POLICY_INVITE_ONLY and list(started.invited_learner_ids) == ["node-b"]
    with pytest.raises(aio.AioRpcError) as err:
        await _join(sim, md, started.simulation_id, "node_a", "node-a")
    assert (err.value.code(), reason(err.value)) == (CODE.PERMISSION_DENIED, "NOT_INVITED")
    current = (await sim.GetSimulation(pb.GetSimulationRequest(simulation_id=started.simulation_id),
                                       metadata=md.md("admin"))).simulation
    assert list(current.participants) == ["node-b"] and current.version == 1  # the refusal changed nothing
    # Only a participant (or service, admin) may invite.
    with pytest.raises(aio.AioRpcError) as err:
        await sim.InviteToSimulation(pb.InviteToSimulationRequest(
            simulation_id=started.simulation_id, learner_ids=["node-a"]), metadata=md.md("node_a"))
    assert err.value.code() == CODE.PERMISSION_DENIED
    invited = (await sim.InviteToSimulation(pb.InviteToSimulationRequest(
        simulation_id=started.simulation_id, learner_ids=["node-a"]), metadata=md.md("node_b"))).simulation
    assert list(invited.invited_learner_ids) == ["node-a", "node-b"]
    joined = await _join(sim, md, started.simulation_id, "node_a", "node-a")
    assert list(joined.participants) == ["node-a", "node-b"]
    # Initial participants stay invited: leaving and joining again is allowed.
    await sim.LeaveSimulation(pb.LeaveSimulationRequest(simulation_id=started.simulation_id, learner_id="node-b"),
                              metadata=md.md("node_b"))
    assert "node-b" in (await _join(sim, md, started.simulation_id, "node_b", "node-b")).participants


async def test_invitations_given_at_start_and_admin_joins_bypass_the_policy(
        sim: pbg.SimulationServiceStub, md: Tokens, envs: Environments) -> None:
    env = await envs.create()
    sim_id = (await start(sim, md, env, ["x"], join_policy=pb.JOIN_POLICY_INVITE_ONLY,
                          invited_learner_ids=["node-a"])).simulation.simulation_id
    assert "node-a" in (await _join(sim, md, sim_id, "node_a", "node-a")).participants
    with pytest.raises(aio.AioRpcError) as err:
        await _join(sim, md, sim_id, "node_b", "node-b")
    assert reason(err.value) == "NOT_INVITED"
    assert "node-b" in (await _join(sim, md, sim_id, "admin", "node-b")).participants


async def test_open_simulations_accept_any_node(sim: pbg.SimulationServiceStub, md: Tokens,
                                                envs: Environments) -> None:
    env = await envs.create()
    started = (await start(sim, md, env, ["x"], join_policy=pb.JOIN_POLICY_OPEN)).simulation
    assert started.join_policy == pb.JOIN_POLICY_OPEN
    assert list((await _join(sim, md, started.simulation_id, "node_a", "node-a")).participants) == ["node-a", "x"]


async def test_invitation_validation(sim: pbg.SimulationServiceStub, md: Tokens, envs: Environments) -> None:
    env = await envs.create()
    with pytest.raises(aio.AioRpcError) as err:
        await start(sim, md, env, ["x"], join_policy=7, invited_learner_ids=["a", "a", ""])
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    sim_id = (await start(sim, md, env, ["x"])).simulation.simulation_id
    with pytest.raises(aio.AioRpcError) as err:
        await sim.InviteToSimulation(pb.InviteToSimulationRequest(simulation_id=sim_id), metadata=md.md("admin"))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(aio.AioRpcError) as err:
        await sim.InviteToSimulation(pb.InviteToSimulationRequest(simulation_id="nope", learner_ids=["a"]),
                                     metadata=md.md("admin"))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND


async def test_being_removed_by_an_admin_ends_the_watch_too(sim: pbg.SimulationServiceStub, md: Tokens,
                                                            envs: Environments) -> None:
    env = await envs.create()
    sim_id = (await start(sim, md, env, ["node-a", "node-b"])).simulation.simulation_id
    call = sim.WatchSimulation(pb.WatchSimulationRequest(simulation_id=sim_id), metadata=md.md("node_b"))
    assert (await asyncio.wait_for(call.read(), 10)).WhichOneof("event") == "snapshot"
    await sim.LeaveSimulation(pb.LeaveSimulationRequest(simulation_id=sim_id, learner_id="node-b"),
                              metadata=md.md("admin"))
    err = await stream_error(call, timeout=LIMIT_SECONDS)
    assert (err.code(), reason(err)) == (CODE.PERMISSION_DENIED, "ACCESS_REVOKED")
    with pytest.raises(aio.AioRpcError) as again:  # and a new watch is refused as well
        await sim.WatchSimulation(pb.WatchSimulationRequest(simulation_id=sim_id), metadata=md.md("node_b")).read()
    assert again.value.code() == CODE.PERMISSION_DENIED
