"""LearnerService: StartSession + CompleteSession and ReportProgress at 32 in flight, each against its
raw driver doing the same store work in the same run.

Sessions spread over CONTENTS content items (each in its own validated dataset) and LEARNERS
profiles: every start and end updates the content's, the dataset's and the profile's row, and those
row locks serialise sessions that share them, on both sides alike. The raw side runs the same SQL
statements in the same two transactions on a pool of the same size, pipelined as the service does
them (the ratio) and one round trip per statement (in notes). The gRPC side also checks each pooled
connection on borrow (the node's pool setting) and updates the Redis progress hash after each
commit (one script call), which the raw side does not.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import psycopg
import redis.asyncio as aioredis
from grpc import aio
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from amauta.v1 import common_pb2, learner_pb2_grpc
from amauta.v1 import learner_pb2 as pb
from bench.harness import Result, closed_loop, percentile
from bench.node import BenchNode, ceilings

CONCURRENCY = 32
CONTENTS = 16
LEARNERS = 64


async def _catalog(conn: psycopg.AsyncConnection[Any]) -> list[str]:
    """CONTENTS validated content items, each in a dataset of its own."""
    ids = []
    for _ in range(CONTENTS):
        cur = await conn.execute(
            "WITH d AS (INSERT INTO training_datasets (name, dataset_type, generation_method, validation_status)"
            " VALUES ('bench', 'analytical_scenarios', '{}'::jsonb, 'validated') RETURNING dataset_id)"
            " INSERT INTO training_content (dataset_id, title, content_data, difficulty_level, learning_objectives)"
            " SELECT dataset_id, 'bench', '{}'::jsonb, 0.5, ARRAY['analysis'] FROM d RETURNING content_id::text")
        ids.append((await cur.fetchone())["content_id"])
    return ids


async def _raw_pair(pool: AsyncConnectionPool, learner: str, content: str, pipelined: bool) -> None:
    """The statements of insert_session and end_session, hand-written, in the same two transactions;
    pipelined in the same order as the service, or one round trip per statement."""
    session_id = str(uuid.uuid4())
    start = datetime.now(timezone.utc)
    async with pool.connection() as conn, conn.transaction(), (conn.pipeline() if pipelined else nullcontext()):
        await conn.execute(
            "UPDATE training_content SET usage_statistics = jsonb_set(COALESCE(usage_statistics, '{}'::jsonb),"
            " '{attempts}', to_jsonb(COALESCE((usage_statistics->>'attempts')::numeric::bigint, 0) + 1))"
            " WHERE content_id = %s", (content,))
        await conn.execute("UPDATE training_datasets SET usage_count = COALESCE(usage_count, 0) + 1 WHERE"
                           " dataset_id = (SELECT dataset_id FROM training_content WHERE content_id = %s)", (content,))
        cur = await conn.execute(
            "SELECT c.difficulty_level, c.learning_objectives, d.validation_status, d.dataset_type"
            " FROM training_content c JOIN training_datasets d USING (dataset_id) WHERE c.content_id = %s", (content,))
        usable = await cur.fetchone()
        await conn.execute(
            "INSERT INTO learning_sessions (session_id, learner_id, session_type, content_id, start_time,"
            " completion_status) VALUES (%s, %s, 'training', %s, %s, 'in_progress')",
            (session_id, learner, content, start))
        await conn.execute("UPDATE learner_profiles SET last_activity = GREATEST(last_activity, %s)"
                           " WHERE learner_id = %s", (start, learner))
        out = await conn.execute(
            "INSERT INTO analytics_outbox (event_type, aggregate_id, learner_id, payload)"
            " VALUES ('session_start', %s, %s, %s) RETURNING outbox_id",
            (session_id, learner, Jsonb({"session_id": session_id, "learner_id": learner, "start_time": str(start),
                                         "difficulty_level": float(usable["difficulty_level"]),
                                         "content_type": usable["dataset_type"]})))
        await out.fetchone()
    async with pool.connection() as conn, conn.transaction(), (conn.pipeline() if pipelined else nullcontext()):
        cur = await conn.execute(
            "UPDATE learning_sessions SET end_time = GREATEST(now(), start_time),"
            " duration = floor(EXTRACT(EPOCH FROM GREATEST(now(), start_time) - start_time))::int,"
            " completion_status = 'completed', performance_data = %s WHERE session_id = %s"
            " AND completion_status = 'in_progress' RETURNING end_time, duration",
            (Jsonb({"score": 1}), session_id))
        end = await cur.fetchone()
        await conn.execute(
            "UPDATE training_content SET usage_statistics = jsonb_set(usage_statistics, '{completions}',"
            " to_jsonb(COALESCE((usage_statistics->>'completions')::numeric::bigint, 0) + 1))"
            " WHERE content_id = %s", (content,))
        await conn.execute("UPDATE learner_profiles SET last_activity = GREATEST(last_activity, %s)"
                           " WHERE learner_id = %s", (end["end_time"], learner))
        out = await conn.execute(
            "INSERT INTO analytics_outbox (event_type, aggregate_id, learner_id, payload)"
            " VALUES ('session_end', %s, %s, %s) RETURNING outbox_id",
            (session_id, learner, Jsonb({"session_id": session_id, "end_time": str(end["end_time"]),
                                         "duration_seconds": end["duration"]})))
        await out.fetchone()


@dataclass
class _Tally:
    """Calls, wall time, latencies and errors of one contender over all rounds."""

    count: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: int = 0

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0


async def _rounds(contenders: dict[str, Callable[[int], Awaitable[Any]]], *, total: int, rounds: int,
                  warmup: int) -> dict[str, _Tally]:
    """Each contender runs total/rounds calls per round, in turn, so load drift on a shared machine
    hits them alike; warm-up calls run once per contender before the first round."""
    tallies = {name: _Tally() for name in contenders}
    for call in contenders.values():
        await closed_loop(call, concurrency=CONCURRENCY, total=1, warmup=warmup)
    per_round = total // rounds
    for _ in range(rounds):
        for name, call in contenders.items():
            rate, latencies, errors = await closed_loop(call, concurrency=CONCURRENCY, total=per_round, warmup=0)
            t = tallies[name]
            t.count += per_round
            t.seconds += per_round / rate
            t.latencies += latencies
            t.errors += errors
    return tallies


def _result(operation: str, t: _Tally, raw: _Tally, **extra: Any) -> Result:
    return Result(operation, CONCURRENCY, t.rate, p50_ms=percentile(t.latencies, 50),
                  p99_ms=percentile(t.latencies, 99), count=t.count, errors=t.errors, raw_rate=raw.rate,
                  **extra)


async def run(quick: bool) -> list[Result]:
    """Sessions and progress over gRPC and raw, in one run on one node."""
    pairs, reports, rounds = (600, 3000, 3) if quick else (3000, 30000, 5)
    warm = 100 if quick else 300
    node = BenchNode()
    try:
        urls = node.endpoints
        pool = AsyncConnectionPool(urls["postgres"], min_size=16, max_size=16, open=False,
                                   kwargs={"autocommit": True, "row_factory": dict_row})
        await pool.open(wait=True)
        raw_redis = aioredis.Redis.from_url(urls["redis"], decode_responses=True, max_connections=64)
        async with pool.connection() as conn:
            contents = await _catalog(conn)
        learners = [f"bench-learner-{i}" for i in range(LEARNERS)]
        async with aio.insecure_channel(node.target) as channel:
            stub = learner_pb2_grpc.LearnerServiceStub(channel)
            md = node.metadata
            for learner in learners:
                await stub.CreateLearnerProfile(pb.CreateLearnerProfileRequest(
                    profile=pb.LearnerProfile(learner_id=learner, learner_type="bench")), metadata=md)

            async def grpc_pair(i: int) -> None:
                started = await stub.StartSession(pb.StartSessionRequest(
                    learner_id=learners[i % LEARNERS], session_type=common_pb2.SESSION_TYPE_TRAINING,
                    content_id=contents[i % CONTENTS]), metadata=md)
                done = pb.CompleteSessionRequest(session_id=started.session.session_id)
                done.performance_data.update({"score": 1})
                await stub.CompleteSession(done, metadata=md)

            async def raw_pair(i: int) -> None:
                await _raw_pair(pool, learners[i % LEARNERS], contents[i % CONTENTS], pipelined=True)

            async def raw_pair_serial(i: int) -> None:
                await _raw_pair(pool, learners[i % LEARNERS], contents[i % CONTENTS], pipelined=False)

            async def grpc_report(i: int) -> None:
                await stub.ReportProgress(pb.ReportProgressRequest(
                    learner_id=learners[i % LEARNERS], progress_percentage=i % 101), metadata=md)

            async def raw_hset(i: int) -> None:
                await raw_redis.hset(f"learning:progress:raw-{i % LEARNERS}",
                                     mapping={"progressPercentage": str(i % 101), "lastActivity": "x"})

            s = await _rounds({"grpc": grpc_pair, "raw": raw_pair, "serial": raw_pair_serial},
                              total=pairs, rounds=rounds, warmup=warm)
            sessions = _result("StartSession+CompleteSession", s["grpc"], s["raw"], unit="pairs/s",
                               baseline="raw psycopg, same statements, transactions and pipelining",
                               goal="ratio >= 0.5", notes={
                                   "contents": CONTENTS, "learners": LEARNERS, "rounds": rounds,
                                   "raw_p50_ms": percentile(s["raw"].latencies, 50),
                                   "raw_p99_ms": percentile(s["raw"].latencies, 99),
                                   "raw_serial_rate": s["serial"].rate,
                                   "raw_serial_p50_ms": percentile(s["serial"].latencies, 50),
                                   "ratio_vs_serial": s["grpc"].rate / s["serial"].rate})
            p = await _rounds({"grpc": grpc_report, "raw": raw_hset}, total=reports, rounds=rounds, warmup=warm)
            progress = _result("ReportProgress", p["grpc"], p["raw"], baseline="raw redis-py HSET of 2 fields",
                               goal="one Redis round trip", notes={
                                   "rounds": rounds, "raw_p50_ms": percentile(p["raw"].latencies, 50),
                                   "raw_p99_ms": percentile(p["raw"].latencies, 99)})
            sessions.ceilings = progress.ceilings = await ceilings(node, CONCURRENCY, reports // rounds)
        await raw_redis.aclose()
        await pool.close()
        return [sessions, progress]
    finally:
        node.stop()


if __name__ == "__main__":
    from bench.__main__ import table

    print(table(asyncio.run(run(quick=True))))
