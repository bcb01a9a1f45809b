"""WatchSimulation: snapshot then deltas, heartbeats, exact resume, trimmed history, slow watchers, end, drain."""

from __future__ import annotations

import asyncio
import os
import random
import time
from pathlib import Path

import grpc
import pytest
from google.protobuf import unknown_fields
from grpc import aio

from amauta.v1 import simulation_pb2 as pb
from amauta.v1 import simulation_pb2_grpc as pbg
from server.app import Node
from stores.redis import RedisStore
from stores.redis.simulations import keys
from tests.server.simulation.conftest import Environments
from tests.server.simulation.support import CODE, new_id, reason, start, struct
from tests.support import Tokens, sibling_settings, start_node

K = pb.SimulationChangeKind


def watch(stub: pbg.SimulationServiceStub, md: Tokens, sim_id: str, token: str = "",
          role: str = "admin") -> aio.UnaryStreamCall:
    return stub.WatchSimulation(pb.WatchSimulationRequest(simulation_id=sim_id, resume_token=token),
                                metadata=md.md(role))


async def read(call: aio.UnaryStreamCall, timeout: float = 5.0) -> pb.WatchSimulationResponse:
    msg = await asyncio.wait_for(call.read(), timeout)
    assert msg is not aio.EOF, "stream ended early"
    return msg


async def set_state(stub: pbg.SimulationServiceStub, md: Tokens, sim_id: str, state: dict) -> pb.UpdateSimulationStateResponse:
    return await stub.UpdateSimulationState(pb.UpdateSimulationStateRequest(simulation_id=sim_id, state=struct(state)),
                                            metadata=md.md("admin"))


async def test_snapshot_then_deltas_in_order_then_ok_at_the_end(sim: pbg.SimulationServiceStub, md: Tokens,
                                                                envs: Environments, redis: RedisStore) -> None:
    env = await envs.create()
    sim_id = (await start(sim, md, env, ["node-a"], state={"phase": "briefing"})).simulation.simulation_id
    call = watch(sim, md, sim_id, role="node_a")
    first = await read(call)
    assert first.WhichOneof("event") == "snapshot"
    assert first.snapshot.simulation.version == 1 and first.token == (await redis.client.hget(keys(sim_id)[0],
                                                                                             "lastEventId"))
    observer = watch(sim, md, sim_id, role="observer")
    assert (await read(observer)).WhichOneof("event") == "snapshot"

    u = await set_state(sim, md, sim_id, {"round": 1})
    await sim.UpdateSimulationState(pb.UpdateSimulationStateRequest(simulation_id=sim_id, phase="play"),
                                    metadata=md.md("admin"))
    await sim.JoinSimulation(pb.JoinSimulationRequest(simulation_id=sim_id, learner_id="node-b"), metadata=md.md("admin"))
    await sim.LeaveSimulation(pb.LeaveSimulationRequest(simulation_id=sim_id, learner_id="node-b"), metadata=md.md("admin"))
    await sim.EndSimulation(pb.EndSimulationRequest(simulation_id=sim_id), metadata=md.md("admin"))
    for stream in (call, observer):
        got = [await read(stream) for _ in range(5)]
        assert [m.delta.kind for m in got] == [K.SIMULATION_CHANGE_KIND_STATE_UPDATED,
                                               K.SIMULATION_CHANGE_KIND_STATE_UPDATED,
                                               K.SIMULATION_CHANGE_KIND_PARTICIPANT_JOINED,
                                               K.SIMULATION_CHANGE_KIND_PARTICIPANT_LEFT,
                                               K.SIMULATION_CHANGE_KIND_ENDED]
        assert [m.delta.version for m in got] == [2, 3, 4, 5, 6]
        assert got[0].token == u.token and dict(got[0].delta.state) == {"round": 1}
        assert got[0].delta.actor == "admin" and not got[0].delta.HasField("phase")
        assert got[1].delta.phase == "play"
        assert got[2].delta.learner_id == "node-b"
        assert await asyncio.wait_for(stream.read(), 5) is aio.EOF
        assert await stream.code() == grpc.StatusCode.OK


async def test_watch_bytes_are_the_generated_message_and_shared_by_watchers(
        tuned: Node, tuned_sim: pbg.SimulationServiceStub, md: Tokens, envs: Environments) -> None:
    """The hub writes pre-encoded bytes: on the wire each is a WatchSimulationResponse, nothing more,
    whatever its kind; a delta's bytes are the same for every watcher."""
    env = await envs.create()
    sim_id = (await start(tuned_sim, md, env, ["a"])).simulation.simulation_id
    async with aio.insecure_channel(f"127.0.0.1:{tuned.port}") as channel:
        raw = channel.unary_stream("/amauta.v1.SimulationService/WatchSimulation",
                                   request_serializer=pb.WatchSimulationRequest.SerializeToString)

        def open_raw(token: str = "") -> aio.UnaryStreamCall:
            return raw(pb.WatchSimulationRequest(simulation_id=sim_id, resume_token=token), metadata=md.md("admin"))

        async def next_bytes(call: aio.UnaryStreamCall) -> tuple[bytes, pb.WatchSimulationResponse]:
            data = await asyncio.wait_for(call.read(), 5)
            assert isinstance(data, bytes)
            message = pb.WatchSimulationResponse.FromString(data)
            # Every byte is a known field of the message (a Struct's map may re-encode in another order).
            assert not unknown_fields.UnknownFieldSet(message) and message.ByteSize() == len(data)
            return data, message

        calls = [open_raw() for _ in range(2)]
        for call in calls:
            _, snap = await next_bytes(call)
            assert snap.WhichOneof("event") == "snapshot" and snap.snapshot.simulation.version == 1
        u = await set_state(tuned_sim, md, sim_id, {"round": 1, "who": ["x", "y"]})
        deltas = [await next_bytes(call) for call in calls]
        data, delta = deltas[0]
        assert (delta.token, delta.delta.version, delta.delta.actor) == (u.token, 2, "admin")
        assert dict(delta.delta.state) == {"round": 1, "who": ["x", "y"]}
        assert deltas[1][0] == data  # every watcher is handed the same encoding
        _, beat = await next_bytes(calls[0])  # heartbeat_seconds is 0.3 on the tuned node
        assert beat.WhichOneof("event") == "heartbeat" and beat.token == u.token
        future = open_raw(f"{int(time.time() * 1000)}-999")
        _, reset = await next_bytes(future)
        assert reset.reset.reason == pb.SIMULATION_RESET_REASON_STREAM_RECREATED
        for call in (*calls, future):
            call.cancel()


async def test_watch_access_and_bad_requests(sim: pbg.SimulationServiceStub, md: Tokens, envs: Environments) -> None:
    env = await envs.create()
    sim_id = (await start(sim, md, env, ["node-a"])).simulation.simulation_id
    for role, token, code in (("node_b", "", CODE.PERMISSION_DENIED), ("analyst", "", CODE.PERMISSION_DENIED),
                              ("admin", "not-a-token", CODE.INVALID_ARGUMENT)):
        call = watch(sim, md, sim_id, token, role=role)
        with pytest.raises(aio.AioRpcError) as err:
            await read(call)
        assert err.value.code() == code, role
    with pytest.raises(aio.AioRpcError) as err:
        await read(watch(sim, md, new_id()))
    assert err.value.code() == CODE.NOT_FOUND


async def test_idle_watch_gets_heartbeats_with_the_latest_token(tuned_sim: pbg.SimulationServiceStub, md: Tokens,
                                                                envs: Environments) -> None:
    env = await envs.create()
    sim_id = (await start(tuned_sim, md, env, ["a"])).simulation.simulation_id
    call = watch(tuned_sim, md, sim_id)
    await read(call)
    u = await set_state(tuned_sim, md, sim_id, {"x": 1})
    assert (await read(call)).token == u.token
    beats = [await read(call, timeout=2) for _ in range(2)]  # heartbeat_seconds is 0.3 on the tuned node
    assert all(m.WhichOneof("event") == "heartbeat" for m in beats)
    assert all(m.token == u.token and m.heartbeat.version == 2 for m in beats)
    call.cancel()


async def test_resume_over_10k_updates_is_gap_free_and_duplicate_free(
        sim: pbg.SimulationServiceStub, md: Tokens, envs: Environments, redis: RedisStore) -> None:
    if redis.cluster and os.environ.get("AMAUTA_TEST_CLUSTER") != "full":
        pytest.skip("the cluster form of this 20 s test runs in `make test-cluster`")
    env = await envs.create()
    sim_id = (await start(sim, md, env, ["a"])).simulation.simulation_id
    writers, per_writer = 4, 2500
    total = writers * per_writer

    async def writer(w: int) -> None:
        for i in range(per_writer):
            await set_state(sim, md, sim_id, {"w": w, "i": i})

    writing = asyncio.gather(*(writer(w) for w in range(writers)))
    rng = random.Random(6)
    versions: list[int] = []
    seen: set[tuple[int, int]] = set()
    token, resumes = "", 0
    try:
        while len(seen) < total:
            call = watch(sim, md, sim_id, token)
            budget = rng.randint(300, 2500)  # cancel mid-stream after this many deltas
            while budget > 0 and len(seen) < total:
                m = await read(call, timeout=20)
                if m.WhichOneof("event") == "snapshot":
                    assert not token, "a snapshot after a resume means history was lost"
                    versions.append(m.snapshot.simulation.version)
                elif m.WhichOneof("event") == "delta":
                    versions.append(m.delta.version)
                    key = (int(m.delta.state["w"]), int(m.delta.state["i"]))
                    assert key not in seen
                    seen.add(key)
                    budget -= 1
                else:
                    assert m.WhichOneof("event") == "heartbeat"
                token = m.token
            call.cancel()
            resumes += 1
    finally:
        await writing
    assert versions == list(range(1, total + 2))  # the snapshot's v1, then every version once, in order
    assert len(seen) == total and resumes >= 4


async def test_trimmed_history_resets_with_a_new_snapshot(sim: pbg.SimulationServiceStub, md: Tokens,
                                                          envs: Environments, redis: RedisStore) -> None:
    env = await envs.create()
    sim_id = (await start(sim, md, env, ["a"])).simulation.simulation_id
    call = watch(sim, md, sim_id)
    old = (await read(call)).token
    call.cancel()
    tokens = [(await set_state(sim, md, sim_id, {"n": i})).token for i in range(40)]
    await redis.client.xtrim(keys(sim_id)[2], maxlen=10, approximate=False)

    # A token inside the kept history resumes without a reset.
    kept = watch(sim, md, sim_id, tokens[-5])
    assert [(await read(kept)).delta.version for _ in range(4)] == [38, 39, 40, 41]
    kept.cancel()

    # A token the trim passed gets a reset, then a snapshot, then live deltas.
    call = watch(sim, md, sim_id, old)
    reset = await read(call)
    assert reset.WhichOneof("event") == "reset" and reset.token == ""
    assert reset.reset.reason == pb.SIMULATION_RESET_REASON_HISTORY_TRIMMED
    snap = await read(call)
    assert snap.WhichOneof("event") == "snapshot" and snap.snapshot.simulation.version == 41
    assert snap.token == tokens[-1]
    u = await set_state(sim, md, sim_id, {"n": "after"})
    nxt = await read(call)
    assert (nxt.delta.version, nxt.token) == (42, u.token)
    call.cancel()

    # A token from the future (say, Redis lost the stream and it was recreated) also resets.
    future = watch(sim, md, sim_id, f"{int(time.time() * 1000)}-999")
    assert (await read(future)).reset.reason == pb.SIMULATION_RESET_REASON_STREAM_RECREATED
    assert (await read(future)).snapshot.simulation.version == 42
    future.cancel()


async def test_a_slow_watcher_falls_back_to_history_without_delaying_a_fast_one(
        tuned_sim: pbg.SimulationServiceStub, md: Tokens, envs: Environments) -> None:
    env = await envs.create()
    sim_id = (await start(tuned_sim, md, env, ["a"])).simulation.simulation_id
    slow = watch(tuned_sim, md, sim_id)
    await read(slow)  # then it stops reading
    fast = watch(tuned_sim, md, sim_id)
    await read(fast)
    blob = "y" * 16_000  # big deltas fill the transport buffers quickly
    n = 1000
    sent: dict[int, float] = {}
    lags: list[float] = []

    async def reader() -> None:
        while len(lags) < n:
            m = await read(fast, timeout=10)
            if m.WhichOneof("event") == "delta":
                lags.append(time.perf_counter() - sent.get(m.delta.version, time.perf_counter()))

    reading = asyncio.create_task(reader())
    for i in range(n):
        sent[i + 2] = time.perf_counter()
        await set_state(tuned_sim, md, sim_id, {"i": i, "blob": blob})
    await asyncio.wait_for(reading, 30)
    assert len(lags) == n
    assert sorted(lags)[int(n * 0.99)] < 0.5, "the fast watcher was held up"
    # The slow one overflowed its queue of 64 long ago; once it reads, it gets what was queued for it,
    # then the rest from history at its own pace: every delta, in order, on the same stream.
    # A heartbeat may come between them: the feed beats an attached watcher with nothing queued
    # whenever the stream is quiet for heartbeat_seconds (0.3 s here, a pause a loaded machine makes).
    versions: list[int] = []
    while len(versions) < n:
        m = await read(slow, timeout=10)
        if m.WhichOneof("event") != "heartbeat":
            versions.append(m.delta.version)
    assert versions == list(range(2, n + 2))
    u = await set_state(tuned_sim, md, sim_id, {"after": True})
    live = await read(slow)
    while live.WhichOneof("event") == "heartbeat":  # heartbeats while idle are fine
        live = await read(slow)
    assert (live.delta.version, live.token) == (n + 2, u.token)  # and it goes on with live deltas
    slow.cancel()
    fast.cancel()


async def test_late_resumer_gets_the_final_events_after_the_end(sim: pbg.SimulationServiceStub, md: Tokens,
                                                                envs: Environments, redis: RedisStore) -> None:
    env = await envs.create()
    sim_id = (await start(sim, md, env, ["node-a"])).simulation.simulation_id
    call = watch(sim, md, sim_id, role="node_a")
    token = (await read(call)).token
    call.cancel()
    await set_state(sim, md, sim_id, {"last": True})
    await sim.EndSimulation(pb.EndSimulationRequest(simulation_id=sim_id), metadata=md.md("admin"))
    assert await redis.client.ttl(keys(sim_id)[2]) > 0  # kept for a while, not forever
    late = watch(sim, md, sim_id, token, role="node_a")
    assert (await read(late)).delta.version == 2
    assert (await read(late)).delta.kind == K.SIMULATION_CHANGE_KIND_ENDED
    assert await asyncio.wait_for(late.read(), 5) is aio.EOF and await late.code() == grpc.StatusCode.OK
    with pytest.raises(aio.AioRpcError) as err:  # without a token there is nothing to snapshot
        await read(watch(sim, md, sim_id))
    assert err.value.code() == CODE.NOT_FOUND


async def test_draining_ends_watches_with_unavailable(node: Node, data_root: Path, md: Tokens,
                                                      envs: Environments) -> None:
    sibling = await start_node(sibling_settings(node, data_root / "drain", data_root / "tokens.json"))
    async with aio.insecure_channel(f"127.0.0.1:{sibling.port}") as ch:
        stub = pbg.SimulationServiceStub(ch)
        env = await envs.create()
        sim_id = (await start(stub, md, env, ["a"])).simulation.simulation_id
        calls = [watch(stub, md, sim_id) for _ in range(3)]
        for c in calls:
            await read(c)
        began = time.perf_counter()
        stopping = asyncio.create_task(sibling.stop())
        for c in calls:
            with pytest.raises(aio.AioRpcError) as err:
                await read(c)
            assert (err.value.code(), reason(err.value)) == (CODE.UNAVAILABLE, "DRAINING")
        assert time.perf_counter() - began < 1.5  # before the 2 s grace period ran out
        await stopping
