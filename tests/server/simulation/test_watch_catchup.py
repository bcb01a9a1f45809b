"""Watch catch-up: a resumer far behind is fed from history at its own pace until it reaches the live
feed, with any allowed queue limit; past trimmed history it gets a reset and a snapshot, never a livelock."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from grpc import aio

from amauta.v1 import simulation_pb2 as pb
from amauta.v1 import simulation_pb2_grpc as pbg
from server.app import Node
from stores.redis import RedisStore
from stores.redis.simulations import keys
from tests.server.simulation.conftest import Environments
from tests.server.simulation.support import start
from tests.server.simulation.test_watch import read, set_state, watch
from tests.support import Tokens, sibling_settings, start_node

#: The smallest queue limit the settings allow (SimulationSettings rejects 0).
SMALLEST_ENV = {"AMAUTA_SIM_QUEUE_LIMIT": "1", "AMAUTA_SIM_HEARTBEAT_SECONDS": "0.3",
                "AMAUTA_SIM_WRITE_STALL_SECONDS": "0.3", "AMAUTA_SIM_SYNC_SECONDS": "3600",
                "AMAUTA_SIM_RECONCILE_SECONDS": "3600"}


@pytest.fixture(scope="module")
async def smallest_sim(node: Node, data_root: Path) -> AsyncIterator[pbg.SimulationServiceStub]:
    """A SimulationService stub on a node (same stores) whose watch queues hold one message."""
    saved = {k: os.environ.get(k) for k in SMALLEST_ENV}
    os.environ.update(SMALLEST_ENV)
    try:
        sibling = await start_node(sibling_settings(node, data_root / "smallest", data_root / "tokens.json"))
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    try:
        async with aio.insecure_channel(f"127.0.0.1:{sibling.port}") as ch:
            yield pbg.SimulationServiceStub(ch)
    finally:
        await sibling.stop()


async def _updates(stub: pbg.SimulationServiceStub, md: Tokens, sim_id: str, total: int, writers: int = 4) -> None:
    async def writer(w: int) -> None:
        for i in range(w, total, writers):
            await set_state(stub, md, sim_id, {"w": w, "i": i})
    await asyncio.gather(*(writer(w) for w in range(writers)))


async def _next_delta(call: aio.UnaryStreamCall, timeout: float = 10.0) -> pb.WatchSimulationResponse:
    while True:
        m = await read(call, timeout)
        if m.WhichOneof("event") != "heartbeat":
            return m


async def _token_of_a_fresh_watch(stub: pbg.SimulationServiceStub, md: Tokens, sim_id: str) -> str:
    call = watch(stub, md, sim_id)
    token = (await read(call)).token
    call.cancel()
    return token


async def test_resume_from_10k_behind_with_no_other_watcher(sim: pbg.SimulationServiceStub, md: Tokens,
                                                           envs: Environments) -> None:
    env = await envs.create()
    sim_id = (await start(sim, md, env, ["a"])).simulation.simulation_id
    token = await _token_of_a_fresh_watch(sim, md, sim_id)
    behind = 10_000
    await _updates(sim, md, sim_id, behind)  # nobody watches meanwhile
    resumed = watch(sim, md, sim_id, token)
    began = time.perf_counter()
    versions = []
    for _ in range(behind):
        m = await read(resumed, timeout=20)
        assert m.WhichOneof("event") == "delta", m.WhichOneof("event")
        versions.append(m.delta.version)
    elapsed = time.perf_counter() - began
    assert versions == list(range(2, behind + 2))  # every delta once, in order: no reset, no WATCH_TOO_SLOW
    u = await set_state(sim, md, sim_id, {"live": True})
    live = await _next_delta(resumed)
    assert (live.delta.version, live.token) == (behind + 2, u.token)
    resumed.cancel()
    print(f"\ncatch-up of {behind} messages: {behind / elapsed:,.0f} messages/s")


async def test_smallest_queue_limit_with_a_trimmed_token_resets_then_snapshots(
        smallest_sim: pbg.SimulationServiceStub, md: Tokens, envs: Environments, redis: RedisStore) -> None:
    env = await envs.create()
    sim_id = (await start(smallest_sim, md, env, ["a"])).simulation.simulation_id
    old = await _token_of_a_fresh_watch(smallest_sim, md, sim_id)
    await _updates(smallest_sim, md, sim_id, 600)  # more than one XREAD/XRANGE batch of 500
    await redis.client.xtrim(keys(sim_id)[2], maxlen=10, approximate=False)
    call = watch(smallest_sim, md, sim_id, old)
    reset = await read(call)
    assert reset.WhichOneof("event") == "reset" and reset.token == ""
    assert reset.reset.reason == pb.SIMULATION_RESET_REASON_HISTORY_TRIMMED
    snap = await read(call)
    assert snap.WhichOneof("event") == "snapshot" and snap.snapshot.simulation.version == 601
    # Then live deltas, though a burst overflows a queue of one at once: every one arrives, in order.
    writing = asyncio.create_task(_updates(smallest_sim, md, sim_id, 300))
    got = [(await _next_delta(call)).delta.version for _ in range(300)]
    await writing
    assert got == list(range(602, 902))
    call.cancel()


async def test_smallest_queue_limit_far_behind_with_live_writes_converges_to_the_end(
        smallest_sim: pbg.SimulationServiceStub, md: Tokens, envs: Environments) -> None:
    env = await envs.create()
    sim_id = (await start(smallest_sim, md, env, ["a"])).simulation.simulation_id
    token = await _token_of_a_fresh_watch(smallest_sim, md, sim_id)
    await _updates(smallest_sim, md, sim_id, 1500)
    # Two resumers from the same old token, while the simulation keeps changing, then ends.
    calls = [watch(smallest_sim, md, sim_id, token) for _ in range(2)]

    async def more_then_end() -> None:
        await _updates(smallest_sim, md, sim_id, 500)
        await smallest_sim.EndSimulation(pb.EndSimulationRequest(simulation_id=sim_id), metadata=md.md("admin"))

    async def drain(call: aio.UnaryStreamCall) -> list[int]:
        versions = []
        while (m := await asyncio.wait_for(call.read(), 20)) is not aio.EOF:
            if m.WhichOneof("event") == "delta":
                versions.append(m.delta.version)
            else:
                assert m.WhichOneof("event") == "heartbeat", m.WhichOneof("event")
        assert await call.code() == grpc.StatusCode.OK
        return versions

    writing = asyncio.create_task(more_then_end())
    results = await asyncio.gather(*(drain(c) for c in calls))
    await writing
    for versions in results:
        assert versions == list(range(2, 2003))  # 2,000 updates and the ENDED delta
