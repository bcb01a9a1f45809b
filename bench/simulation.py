"""SimulationService: watch fan-out latency, idle watch streams' memory, and raw Redis stream latency.

1. WATCHERS watch one simulation while the bench updates it at RATE updates/s; every update carries
   its send time (wall clock, same machine), every watcher records update → receipt and checks that
   it saw every version exactly once. Watchers are spread over client processes: one Python gRPC
   client process cannot read 20k messages/s next to the node on this machine.
2. IDLE watch streams are opened on one simulation; the node process's RSS (psutil) is read before
   and after (the embedded PostgreSQL and Redis are other processes and not counted).
3. In the same run, raw redis-py on the node's Redis: XADD closed loop, and XADD → XREAD BLOCK
   receipt latency, the floor under (1).
4. Catch-up beside live fan-out, one client process for both: BEHIND updates are written with nobody
   watching, then one watcher (and then CATCHING watchers at once) resumes from the first token and
   reads to the end from history; its rate (messages/s) is put beside the live fan-out rate of
   CATCHING watchers on the feed while 8 writers update as fast as they can.

`python -m bench.simulation client …` is the client process of (1) and (2);
`python -m bench.simulation catchup [--quick]` runs (4) alone.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
import uuid

import psutil
import psycopg
import redis.asyncio as aioredis
from grpc import aio

from amauta.v1 import simulation_pb2 as pb
from amauta.v1 import simulation_pb2_grpc as pbg
from bench.harness import Result, measure, percentile
from bench.node import BenchNode
from server.rpc import convert

RATE = 20.0
PER_CHANNEL = 100
#: Watches a client process has opening at once.
OPENING = 200


# ---- client process -----------------------------------------------------------------------------

async def _client(args: argparse.Namespace) -> None:
    """Open args.watchers watches; report READY, then (fan-out) record every delta until args.expect."""
    metadata = (("authorization", f"Bearer {os.environ['BENCH_TOKEN']}"),)
    # A local subchannel pool per channel: each channel gets its own connection (else they share one).
    channels = [aio.insecure_channel(args.target, options=[("grpc.use_local_subchannel_pool", 1)])
                for _ in range(max(1, -(-args.watchers // PER_CHANNEL)))]
    stubs = [pbg.SimulationServiceStub(ch) for ch in channels]
    latencies: list[int] = []   # microseconds
    problems = 0
    received = 0
    ready = asyncio.Event()
    snapshots = 0

    # Opens ramp up: a burst of thousands of new calls exceeds grpc-core's pending-request limit
    # (grpc.server.max_pending_requests, 1000 by default) and the excess is CANCELLED.
    opening = asyncio.Semaphore(OPENING)

    async def one(i: int) -> None:
        nonlocal problems, received, snapshots
        await opening.acquire()
        call = stubs[i % len(stubs)].WatchSimulation(pb.WatchSimulationRequest(simulation_id=args.sim),
                                                    metadata=metadata)
        version = 0
        got = 0
        async for m in call:
            kind = m.WhichOneof("event")
            if kind == "snapshot":
                opening.release()
                version = m.snapshot.simulation.version
                snapshots += 1
                if snapshots == args.watchers:
                    ready.set()
            elif kind == "delta":
                now = time.time()
                if m.delta.version != version + 1:
                    problems += 1
                version = m.delta.version
                latencies.append(int((now - m.delta.state["t"]) * 1e6))
                got += 1
                received += 1
                if got >= args.expect:
                    call.cancel()
                    return

    tasks = [asyncio.create_task(one(i)) for i in range(args.watchers)]
    try:
        await asyncio.wait_for(ready.wait(), 300)
    except TimeoutError:
        failed = [t.exception() for t in tasks if t.done() and not t.cancelled() and t.exception()]
        sys.exit(f"only {snapshots} of {args.watchers} watches started; errors: {failed[:3]}")
    print("READY", flush=True)
    if args.expect:
        _, pending = await asyncio.wait(tasks, timeout=args.timeout)
        for t in pending:
            t.cancel()
        print(json.dumps({"latencies_us": latencies, "problems": problems, "received": received,
                          "incomplete": len(pending)}), flush=True)
    else:
        sys.stdin.readline()  # hold the idle streams until the parent has measured
        for t in tasks:
            t.cancel()
    for ch in channels:
        await ch.close()


# ---- parent ------------------------------------------------------------------------------------

def _spawn(node: BenchNode, sim_id: str, watchers: int, expect: int, timeout: float) -> subprocess.Popen[str]:
    env = {**os.environ, "BENCH_TOKEN": node.metadata[0][1].split(" ", 1)[1]}
    return subprocess.Popen([sys.executable, "-m", "bench.simulation", "client", "--target", node.target,
                             "--sim", sim_id, "--watchers", str(watchers), "--expect", str(expect),
                             "--timeout", str(timeout)], env=env, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)


async def _line(proc: subprocess.Popen[str], timeout: float) -> str:
    assert proc.stdout is not None
    line = await asyncio.wait_for(asyncio.to_thread(proc.stdout.readline), timeout)
    if not line:
        raise RuntimeError(f"bench client exited with {proc.wait()}")
    return line.strip()


async def _environment(node: BenchNode) -> str:
    async with await psycopg.AsyncConnection.connect(node.endpoints["postgres"], autocommit=True) as conn:
        cur = await conn.execute(
            "INSERT INTO simulation_environments (name, environment_type, max_participants, environment_config)"
            " VALUES ('bench', 'network_coordination', 100, '{\"duration\": 3600}'::jsonb)"
            " RETURNING environment_id::text")
        row = await cur.fetchone()
    assert row is not None
    return str(row[0])


async def _start(stub: pbg.SimulationServiceStub, node: BenchNode, env: str) -> str:
    reply = await stub.StartSimulation(pb.StartSimulationRequest(
        simulation_id=f"bench-{uuid.uuid4().hex[:8]}", environment_id=env, participants=["b1", "b2"],
        initial_state=convert.dict_to_struct({"phase": "bench"})), metadata=node.metadata)
    return reply.simulation.simulation_id


async def _fanout(node: BenchNode, stub: pbg.SimulationServiceStub, env: str, watchers: int,
                  seconds: float) -> Result:
    sim_id = await _start(stub, node, env)
    updates = int(seconds * RATE)
    processes = max(1, min(4, watchers // 100))
    share = [watchers // processes + (1 if i < watchers % processes else 0) for i in range(processes)]
    procs = [_spawn(node, sim_id, n, updates, seconds + 60) for n in share]
    try:
        for p in procs:
            assert await _line(p, 300) == "READY"
        cpu = [psutil.Process(node.proc.pid), *(psutil.Process(p.pid) for p in procs)]
        cpu_before = [sum(c.cpu_times()[:2]) for c in cpu]
        began = time.perf_counter()
        tick = began
        for i in range(updates):
            tick += 1 / RATE
            await asyncio.sleep(max(0.0, tick - time.perf_counter()))
            await stub.UpdateSimulationState(pb.UpdateSimulationStateRequest(
                simulation_id=sim_id, state=convert.dict_to_struct({"t": time.time(), "i": i})),
                metadata=node.metadata)
        elapsed = time.perf_counter() - began
        reports = [json.loads(await _line(p, seconds + 120)) for p in procs]
        drained = time.perf_counter() - began
        cpu_used = [sum(c.cpu_times()[:2]) - b for c, b in zip(cpu, cpu_before, strict=True)]
    finally:
        for p in procs:
            p.kill() if p.poll() is None else None
    latencies = [us / 1000 for r in reports for us in r["latencies_us"]]
    received = sum(r["received"] for r in reports)
    missing = watchers * updates - received
    out_of_order = sum(r["problems"] for r in reports)
    return Result(f"watch fan-out, {watchers} watchers @ {RATE:g}/s", watchers, received / elapsed,
                  unit="msg/s", p50_ms=percentile(latencies, 50), p99_ms=percentile(latencies, 99),
                  count=received, errors=missing + out_of_order,
                  goal="p99 <= 100 ms; every update to every watcher",
                  notes={"updates": updates, "watchers": watchers, "client_processes": processes,
                         "missing_deliveries": missing, "out_of_order": out_of_order,
                         "p999_ms": percentile(latencies, 99.9), "max_ms": max(latencies, default=0.0),
                         "incomplete_watchers": sum(r["incomplete"] for r in reports),
                         "achieved_update_rate": round(updates / elapsed, 2),
                         "node_cpu_percent": round(100 * cpu_used[0] / drained, 1),
                         "clients_cpu_percent": round(100 * sum(cpu_used[1:]) / drained, 1),
                         "node_cpu_us_per_delivery": round(1e6 * cpu_used[0] / max(received, 1), 1)})


async def _idle(node: BenchNode, stub: pbg.SimulationServiceStub, env: str, streams: int) -> Result:
    sim_id = await _start(stub, node, env)
    proc = psutil.Process(node.proc.pid)
    before = proc.memory_info().rss
    processes = max(1, min(4, streams // 1000))
    share = [streams // processes + (1 if i < streams % processes else 0) for i in range(processes)]
    began = time.perf_counter()
    procs = [_spawn(node, sim_id, n, 0, 0) for n in share]
    try:
        for p in procs:
            assert await _line(p, 600) == "READY"
        opened = time.perf_counter() - began
        await asyncio.sleep(2 * 5.0)  # two heartbeat rounds, so steady-state buffers are in use
        after = proc.memory_info().rss
    finally:
        for p in procs:
            if p.stdin:
                p.stdin.write("\n")
                p.stdin.flush()
        for p in procs:
            try:
                p.wait(60)
            except subprocess.TimeoutExpired:
                p.kill()
    mib = after / 2**20
    return Result("idle watch streams, node RSS", streams, mib, unit="MiB", count=streams,
                  goal="<= 2048 MiB", notes={"rss_before_mib": round(before / 2**20, 1),
                                             "rss_after_mib": round(mib, 1),
                                             "kib_per_stream": round((after - before) / 1024 / streams, 2),
                                             "open_seconds": round(opened, 2), "client_processes": processes})


async def _raw_redis(node: BenchNode, samples: int) -> list[Result]:
    client = aioredis.Redis.from_url(node.endpoints["redis"], decode_responses=True)
    reader = aioredis.Redis.from_url(node.endpoints["redis"], decode_responses=True)
    key = "bench:raw:{stream}"
    try:
        xadd = await measure("raw redis-py XADD MAXLEN~", lambda i: client.xadd(
            key, {"t": "0", "i": str(i)}, maxlen=10_000, approximate=True), concurrency=1, total=samples,
            warmup=100, goal="baseline")
        last = await client.xadd(key, {"t": "0"})
        lat: list[float] = []
        for i in range(samples):
            waiting = asyncio.ensure_future(reader.xread({key: last}, block=5000, count=1))
            await asyncio.sleep(0.0005)  # the XREAD is blocked at the server before the XADD
            sent = time.perf_counter()
            last = await client.xadd(key, {"t": "1", "i": str(i)}, maxlen=10_000, approximate=True)
            await waiting
            lat.append((time.perf_counter() - sent) * 1000)
        xread = Result("raw redis-py XADD -> XREAD BLOCK", 1, 1000 / max(percentile(lat, 50), 1e-6),
                       p50_ms=percentile(lat, 50), p99_ms=percentile(lat, 99), count=samples, goal="baseline")
        await client.delete(key)
        return [xadd, xread]
    finally:
        await client.aclose()
        await reader.aclose()


async def _write(node: BenchNode, stub: pbg.SimulationServiceStub, sim_id: str, total: int, writers: int = 8) -> None:
    async def writer(w: int) -> None:
        for i in range(w, total, writers):
            await stub.UpdateSimulationState(pb.UpdateSimulationStateRequest(
                simulation_id=sim_id, state=convert.dict_to_struct({"i": i})), metadata=node.metadata)
    await asyncio.gather(*(writer(w) for w in range(writers)))


async def _read_deltas(stub: pbg.SimulationServiceStub, node: BenchNode, sim_id: str, token: str, count: int,
                       opened: asyncio.Event | None = None) -> tuple[float, float, int]:
    """(time of the first delta, time of the last, problems): reads count deltas after token (or after
    the snapshot when token is empty, setting opened once it arrived)."""
    call = stub.WatchSimulation(pb.WatchSimulationRequest(simulation_id=sim_id, resume_token=token),
                                metadata=node.metadata)
    first = last = 0.0
    got = problems = 0
    expected = 0
    async for m in call:
        kind = m.WhichOneof("event")
        if kind == "snapshot":
            expected = m.snapshot.simulation.version + 1
            if opened is not None:
                opened.set()
            continue
        if kind != "delta":
            if kind != "heartbeat":
                problems += 1
            continue
        now = time.perf_counter()
        first = first or now
        last = now
        if expected and m.delta.version != expected:
            problems += 1
        expected = m.delta.version + 1
        got += 1
        if got == count:
            break
    call.cancel()
    return first, last, problems


async def _catchup(node: BenchNode, stub: pbg.SimulationServiceStub, env: str, behind: int,
                   watchers: int) -> list[Result]:
    sim_id = await _start(stub, node, env)
    token = ""
    async for m in stub.WatchSimulation(pb.WatchSimulationRequest(simulation_id=sim_id), metadata=node.metadata):
        token = m.token
        break
    await _write(node, stub, sim_id, behind)
    results = []
    for n in (1, watchers):
        began = time.perf_counter()
        runs = await asyncio.gather(*(_read_deltas(stub, node, sim_id, token, behind) for _ in range(n)))
        elapsed = time.perf_counter() - began
        problems = sum(r[2] for r in runs)
        results.append(Result(f"watch catch-up from history, {n} watcher(s) {behind:,} behind", n,
                              n * behind / elapsed, unit="msg/s", count=n * behind, errors=problems,
                              notes={"per_watcher_msg_s": round(behind / elapsed, 1)}))
    # Live: watchers attached to the feed first, then 8 writers as fast as they can.
    live_sim = await _start(stub, node, env)
    opened = [asyncio.Event() for _ in range(watchers)]
    readers = [asyncio.create_task(_read_deltas(stub, node, live_sim, "", behind, o)) for o in opened]
    await asyncio.gather(*(o.wait() for o in opened))
    began = time.perf_counter()
    await _write(node, stub, live_sim, behind)
    wrote = time.perf_counter() - began
    runs = await asyncio.gather(*readers)
    elapsed = max(r[1] for r in runs) - began
    results.append(Result(f"watch live fan-out, {watchers} watchers, {behind:,} updates", watchers,
                          watchers * behind / elapsed, unit="msg/s", count=watchers * behind,
                          errors=sum(r[2] for r in runs),
                          notes={"per_watcher_msg_s": round(behind / elapsed, 1),
                                 "update_rate": round(behind / wrote, 1)}))
    return results


async def _updates(node: BenchNode, stub: pbg.SimulationServiceStub, env: str, total: int,
                   raw: Result) -> Result:
    sim_id = await _start(stub, node, env)
    result = await measure("UpdateSimulationState (merge + Lua CAS)", lambda i: stub.UpdateSimulationState(
        pb.UpdateSimulationStateRequest(simulation_id=sim_id, state=convert.dict_to_struct({"i": i})),
        metadata=node.metadata), concurrency=8, total=total, warmup=100)
    result.raw_rate = raw.rate
    result.baseline = "raw redis-py XADD, 1 in flight"
    return result


async def run(quick: bool) -> list[Result]:
    """The three measurements on one node (quick: 100 watchers, 1,000 idle streams)."""
    node = BenchNode()
    try:
        env = await _environment(node)
        async with aio.insecure_channel(node.target) as channel:
            stub = pbg.SimulationServiceStub(channel)
            raw = await _raw_redis(node, 500 if quick else 2000)
            results = [await _fanout(node, stub, env, 100 if quick else 1000, 10 if quick else 30)]
            if not quick:  # a load this 2-core machine can carry beside its clients, for comparison
                results.append(await _fanout(node, stub, env, 250, 30))
            results.append(await _idle(node, stub, env, 1000 if quick else 10_000))
            results.append(await _updates(node, stub, env, 1000 if quick else 5000, raw[0]))
            results += await _catchup(node, stub, env, 2000 if quick else 10_000, 10)
            return results + raw
    finally:
        node.stop()


async def _catchup_only(quick: bool) -> None:
    node = BenchNode()
    try:
        env = await _environment(node)
        async with aio.insecure_channel(node.target) as channel:
            for r in await _catchup(node, pbg.SimulationServiceStub(channel), env, 2000 if quick else 10_000, 10):
                print(json.dumps(r.as_dict()))
    finally:
        node.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.simulation")
    parser.add_argument("mode", choices=["client", "catchup"])
    parser.add_argument("--target")
    parser.add_argument("--sim")
    parser.add_argument("--watchers", type=int, default=0)
    parser.add_argument("--expect", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--quick", action="store_true")
    parsed = parser.parse_args()
    if parsed.mode == "catchup":
        asyncio.run(_catchup_only(parsed.quick))
    else:
        asyncio.run(_client(parsed))
