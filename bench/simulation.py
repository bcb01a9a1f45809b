"""SimulationService: watch fan-out latency, idle watch streams' memory, and raw Redis stream latency.

1. WATCHERS watch one simulation while the bench updates it at RATE updates/s; every update carries
   its send time (wall clock, same machine), every watcher records update → receipt and checks that
   it saw every version exactly once. Watchers are spread over client processes: one Python gRPC
   client process cannot read 20k messages/s next to the node on this machine. In the same run, for
   every watcher count, the ceiling of this machine for the same work: a bare grpc.aio server in its
   own process (no stores, no interceptors) that encodes each update once with the node's own
   conversion and writes the same bytes to the same number of streams, read by the same client
   processes. The node's row carries the ceiling's rate as its raw rate.
2. IDLE watch streams are opened on one simulation; the node process's RSS (psutil) is read before
   and after (the embedded PostgreSQL and Redis are other processes and not counted).
3. In the same run, raw redis-py on the node's Redis: XADD closed loop, and XADD → XREAD BLOCK
   receipt latency, the floor under (1).
4. Catch-up beside live fan-out, one client process for both: BEHIND updates are written with nobody
   watching, then one watcher (and then CATCHING watchers at once) resumes from the first token and
   reads to the end from history; its rate (messages/s) is put beside the live fan-out rate of
   CATCHING watchers on the feed while 8 writers update as fast as they can.

`python -m bench.simulation client …` is the client process of (1) and (2);
`python -m bench.simulation ceiling` is the bare server of (1);
`python -m bench.simulation catchup [--quick]` runs (4) alone;
`python -m bench.simulation fanout [--quick] [--counts N …]` runs (1) alone.
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

import grpc
import psutil
import psycopg
import redis.asyncio as aioredis
from grpc import aio

from amauta.v1 import simulation_pb2 as pb
from amauta.v1 import simulation_pb2_grpc as pbg
from bench.harness import Result, measure, percentile
from bench.node import BenchNode, ceilings
from server.rpc import convert
from server.simulation import convert as sim_convert
from stores.redis.settings import SimulationSettings
from stores.redis.simulations import Entry

RATE = 20.0
PER_CHANNEL = 100
#: Watches a client process has opening at once.
OPENING = 200
#: Watcher counts of the fan-out runs (each against the ceiling and the node).
WATCHERS = (250, 500, 1000)
QUICK_WATCHERS = (100,)
#: The p99 goal of fan-out, and the share of the ceiling's rate it must reach.
P99_GOAL_MS = 100.0
CEILING_SHARE = 0.8


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
    last = 0.0  # wall clock of the last delta received
    ready = asyncio.Event()
    snapshots = 0

    # Opens ramp up: a burst of thousands of new calls exceeds grpc-core's pending-request limit
    # (grpc.server.max_pending_requests, 1000 by default) and the excess is CANCELLED.
    opening = asyncio.Semaphore(OPENING)

    async def one(i: int) -> None:
        nonlocal problems, received, snapshots, last
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
                last = now
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
                          "incomplete": len(pending), "last": last}), flush=True)
    else:
        sys.stdin.readline()  # hold the idle streams until the parent has measured
        for t in tasks:
            t.cancel()
    for ch in channels:
        await ch.close()


# ---- parent ------------------------------------------------------------------------------------

class Server:
    """Where the fan-out clients connect: the node, or the bare ceiling server."""

    def __init__(self, name: str, target: str, metadata: tuple[tuple[str, str], ...], pid: int) -> None:
        self.name = name
        self.target = target
        self.metadata = metadata
        self.pid = pid


def _node_server(node: BenchNode) -> Server:
    return Server("watch fan-out", node.target, node.metadata, node.proc.pid)


def _spawn(server: Server, sim_id: str, watchers: int, expect: int, timeout: float) -> subprocess.Popen[str]:
    env = {**os.environ, "BENCH_TOKEN": server.metadata[0][1].split(" ", 1)[1]}
    return subprocess.Popen([sys.executable, "-m", "bench.simulation", "client", "--target", server.target,
                             "--sim", sim_id, "--watchers", str(watchers), "--expect", str(expect),
                             "--timeout", str(timeout)], env=env, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)


# ---- the ceiling: a bare grpc.aio server doing the same fan-out --------------------------------

class _Ceiling:
    """WatchSimulation and UpdateSimulationState with nothing but grpc.aio: an update is encoded once
    (by the node's conversion) and its bytes are queued, bounded like the node's queues, for every
    stream; each stream writes its queue's bytes with context.write."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.streams: set[asyncio.Queue[bytes]] = set()
        self.version = 1
        self.dropped = 0

    async def watch(self, request: pb.WatchSimulationRequest, context: aio.ServicerContext) -> None:
        queue: asyncio.Queue[bytes] = asyncio.Queue(self.limit)
        self.streams.add(queue)
        try:
            snapshot = pb.Simulation(simulation_id=request.simulation_id, version=self.version)
            await context.write(pb.WatchSimulationResponse(
                token=f"0-{self.version}", snapshot=pb.SimulationSnapshot(simulation=snapshot)).SerializeToString())
            while True:
                await context.write(await queue.get())
        finally:
            self.streams.discard(queue)

    async def update(self, request: pb.UpdateSimulationStateRequest,
                     context: aio.ServicerContext) -> pb.UpdateSimulationStateResponse:
        self.version += 1
        now_ms = int(time.time() * 1000)
        entry = Entry(f"{now_ms}-{self.version}", "state", self.version, now_ms, "admin",
                      convert.struct_to_dict(request.state))
        data = sim_convert.delta(entry).SerializeToString()
        for queue in self.streams:
            try:
                queue.put_nowait(data)
            except asyncio.QueueFull:
                self.dropped += 1  # the client sees the gap
        return pb.UpdateSimulationStateResponse(version=self.version, token=entry.id)


async def _serve_ceiling() -> None:
    """Serve the ceiling on a free loopback port; print it; stop at the end of stdin."""
    ceiling = _Ceiling(SimulationSettings().queue_limit)
    server = aio.server(options=[("grpc.so_reuseport", 0), ("grpc.server.max_pending_requests", 20_000)])
    handlers = {
        "WatchSimulation": grpc.unary_stream_rpc_method_handler(
            ceiling.watch, request_deserializer=pb.WatchSimulationRequest.FromString),
        "UpdateSimulationState": grpc.unary_unary_rpc_method_handler(
            ceiling.update, request_deserializer=pb.UpdateSimulationStateRequest.FromString,
            response_serializer=pb.UpdateSimulationStateResponse.SerializeToString)}
    service = pb.DESCRIPTOR.services_by_name["SimulationService"].full_name
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(service, handlers),))
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    print(port, flush=True)
    await asyncio.to_thread(sys.stdin.readline)
    await server.stop(0)


class CeilingProcess:
    """The ceiling server in its own process, as the node is."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "bench.simulation", "ceiling"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        port = int(self.proc.stdout.readline())
        self.server = Server("bare grpc.aio ceiling", f"127.0.0.1:{port}", (("authorization", "Bearer -"),),
                             self.proc.pid)

    def stop(self) -> None:
        """End of stdin, and wait."""
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


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


async def _fanout(server: Server, sim_id: str, watchers: int, seconds: float) -> Result:
    """WATCHERS watches of sim_id on server, updated at RATE/s for seconds. The rate is deliveries
    per second from the first update to the last delivery (a server that falls behind stretches it)."""
    updates = int(seconds * RATE)
    processes = max(1, min(4, watchers // 100))
    share = [watchers // processes + (1 if i < watchers % processes else 0) for i in range(processes)]
    # A server that cannot keep up slows the updater down (each update waits for its answer): the
    # clients wait for every update as long as it takes at a fifth of the rate.
    patience = 5 * seconds + 60
    procs = [_spawn(server, sim_id, n, updates, patience) for n in share]
    try:
        async with aio.insecure_channel(server.target) as channel:
            stub = pbg.SimulationServiceStub(channel)
            for p in procs:
                assert await _line(p, 300) == "READY"
            cpu = [psutil.Process(server.pid), *(psutil.Process(p.pid) for p in procs)]
            cpu_before = [sum(c.cpu_times()[:2]) for c in cpu]
            began_wall = time.time()
            began = time.perf_counter()
            tick = began
            for i in range(updates):
                tick += 1 / RATE
                await asyncio.sleep(max(0.0, tick - time.perf_counter()))
                await stub.UpdateSimulationState(pb.UpdateSimulationStateRequest(
                    simulation_id=sim_id, state=convert.dict_to_struct({"t": time.time(), "i": i})),
                    metadata=server.metadata)
            elapsed = time.perf_counter() - began
            reports = [json.loads(await _line(p, patience + 60)) for p in procs]
            drained = time.perf_counter() - began
            cpu_used = [sum(c.cpu_times()[:2]) - b for c, b in zip(cpu, cpu_before, strict=True)]
    finally:
        for p in procs:
            p.kill() if p.poll() is None else None
    latencies = [us / 1000 for r in reports for us in r["latencies_us"]]
    received = sum(r["received"] for r in reports)
    delivering = max([elapsed, *(r["last"] - began_wall for r in reports)])
    missing = watchers * updates - received
    out_of_order = sum(r["problems"] for r in reports)
    return Result(f"{server.name}, {watchers} watchers @ {RATE:g}/s", watchers, received / delivering,
                  unit="msg/s", p50_ms=percentile(latencies, 50), p99_ms=percentile(latencies, 99),
                  count=received, errors=missing + out_of_order,
                  goal=f"p99 <= {P99_GOAL_MS:g} ms; every update to every watcher",
                  notes={"updates": updates, "watchers": watchers, "client_processes": processes,
                         "target_msg_s": watchers * RATE, "delivery_seconds": round(delivering, 2),
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
    procs = [_spawn(_node_server(node), sim_id, n, 0, 0) for n in share]
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
    result.ceilings = await ceilings(node, 8, total)
    return result


def _holds(ceiling: Result) -> bool:
    """The ceiling carried RATE updates/s to every watcher: everything delivered, in order, at the
    offered rate (within 5 %)."""
    return ceiling.errors == 0 and ceiling.rate >= 0.95 * ceiling.notes["target_msg_s"]


def _judged(node: Result, ceiling: Result) -> Result:
    """The node's row with the ceiling as its raw rate, and whether the goal is met at this count."""
    node.raw_rate = ceiling.rate
    node.baseline = "bare grpc.aio server, same bytes, same streams, same run"
    node.goal = (f"rate >= {CEILING_SHARE:.0%} of ceiling, nothing lost; p99 <= {P99_GOAL_MS:g} ms where "
                 f"the ceiling holds {RATE:g}/s")
    holds = _holds(ceiling)
    share = node.rate >= CEILING_SHARE * ceiling.rate and node.errors == 0
    node.notes.update({"ceiling_p99_ms": ceiling.p99_ms, "ceiling_errors": ceiling.errors,
                       "ceiling_holds_rate": holds, "share_goal_met": share,
                       "p99_goal_met": node.p99_ms <= P99_GOAL_MS if holds else None,
                       "goal_met": share and (node.p99_ms <= P99_GOAL_MS or not holds)})
    return node


async def _fanouts(node: BenchNode, env: str, counts: tuple[int, ...], seconds: float) -> list[Result]:
    """Per watcher count the ceiling, then the node, one after the other in the same run; and the
    largest count at which the ceiling holds RATE updates/s."""
    ceiling = CeilingProcess()
    results: list[Result] = []
    held = 0
    try:
        async with aio.insecure_channel(node.target) as channel:
            stub = pbg.SimulationServiceStub(channel)
            for n in counts:
                bare = await _fanout(ceiling.server, "ceiling", n, seconds)
                ours = _judged(await _fanout(_node_server(node), await _start(stub, node, env), n, seconds), bare)
                results += [ours, bare]
                held = max(held, n) if _holds(bare) else held
    finally:
        ceiling.stop()
    results.append(Result(f"watchers the ceiling carries at {RATE:g}/s", 0, held, unit="watchers",
                          goal="largest count measured", notes={"counts": list(counts)}))
    return results


async def run(quick: bool) -> list[Result]:
    """The measurements on one node (quick: 100 watchers, 1,000 idle streams)."""
    node = BenchNode()
    try:
        env = await _environment(node)
        async with aio.insecure_channel(node.target) as channel:
            stub = pbg.SimulationServiceStub(channel)
            raw = await _raw_redis(node, 500 if quick else 2000)
            results = await _fanouts(node, env, QUICK_WATCHERS if quick else WATCHERS, 10 if quick else 30)
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


async def _fanout_only(quick: bool, counts: list[int]) -> None:
    node = BenchNode()
    try:
        chosen = tuple(counts) or (QUICK_WATCHERS if quick else WATCHERS)
        for r in await _fanouts(node, await _environment(node), chosen, 10 if quick else 30):
            print(json.dumps(r.as_dict()))
    finally:
        node.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.simulation")
    parser.add_argument("mode", choices=["client", "catchup", "ceiling", "fanout"])
    parser.add_argument("--target")
    parser.add_argument("--sim")
    parser.add_argument("--watchers", type=int, default=0)
    parser.add_argument("--expect", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--counts", type=int, nargs="*", default=[], help="fanout: watcher counts")
    parsed = parser.parse_args()
    if parsed.mode == "catchup":
        asyncio.run(_catchup_only(parsed.quick))
    elif parsed.mode == "ceiling":
        asyncio.run(_serve_ceiling())
    elif parsed.mode == "fanout":
        asyncio.run(_fanout_only(parsed.quick, parsed.counts))
    else:
        asyncio.run(_client(parsed))
