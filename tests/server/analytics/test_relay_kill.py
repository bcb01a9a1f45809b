"""The analytics relay killed with SIGKILL at random points over 10k source rows: 12 times in `make test`,
50 times in `make test-faults` (AMAUTA_TEST_RELAY_KILLS).

Each relay runs as `amauta-node relay` in a subprocess on a PostgreSQL database of its own (on the
session node's server) and a chdb directory of its own, reused by every run (a killed process
releases it). A final subprocess lists the stored events; the reconcile CLI checks every month.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import sql

from server.app import Node
from stores.migrator import migrate_postgres
from stores.postgres import PostgresSettings, PostgresStore
from tests.server.analytics.helpers import add_outbox, iso

SOURCE_ROWS = 10_000
OTHER_ROWS = 500
KILLS = int(os.environ.get("AMAUTA_TEST_RELAY_KILLS", "12"))
COUNT_SCRIPT = """
import json, sys, chdb.session
s = chdb.session.Session(sys.argv[1])
out = s.query("SELECT event_id, toUnixTimestamp64Milli(timestamp) AS ts FROM amauta.learning_events", "JSONEachRow")
rows = [json.loads(line) for line in out.bytes().splitlines() if line]
print(json.dumps([[r["event_id"], int(r["ts"])] for r in rows]))
"""


def _database_url(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


@pytest.fixture
async def source_db(node: Node) -> AsyncIterator[str]:
    """A fresh, migrated PostgreSQL database on the node's server; dropped afterwards."""
    assert node.runtime is not None
    main = node.runtime.settings.postgres_url
    name = f"relay_kill_{uuid.uuid4().hex[:8]}"
    async with await psycopg.AsyncConnection.connect(main, autocommit=True) as conn:
        await conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = _database_url(main, name)
    store = PostgresStore(PostgresSettings(url, min_size=1, max_size=2))
    await store.open()
    await migrate_postgres(store)
    await store.close()
    yield url
    async with await psycopg.AsyncConnection.connect(main, autocommit=True) as conn:
        await conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def _rows(rnd: random.Random) -> tuple[list[dict], set[str]]:
    """10k session/assessment rows over three months of 2002, plus rows of other types."""
    start = datetime(2002, 1, 20, tzinfo=timezone.utc)
    rows, source = [], set()
    for i in range(SOURCE_ROWS):
        kind = rnd.choice(["session_start", "session_end", "assessment_submit"])
        when = iso(int((start + timedelta(seconds=rnd.randrange(70 * 86_400))).timestamp() * 1000)
                   + rnd.randrange(1000))
        learner = f"kill-{i % 97}"
        payload = {"session_id": str(uuid.uuid4()), "learner_id": learner, "start_time": when,
                   "end_time": when, "assessment_timestamp": when, "completion_status": "completed",
                   "duration_seconds": rnd.randrange(60, 4000), "assessment_id": str(uuid.uuid4()),
                   "skill_assessments": {"s": rnd.random()}}
        event_id = str(uuid.uuid4())
        rows.append({"event_id": event_id, "event_type": kind, "aggregate_id": payload["session_id"],
                     "learner_id": learner, "payload": payload})
        source.add(event_id)
    for i in range(OTHER_ROWS):
        rows.insert(rnd.randrange(len(rows)), {"event_id": str(uuid.uuid4()), "event_type": "profile_upserted",
                                               "aggregate_id": f"kill-{i}", "learner_id": f"kill-{i}",
                                               "payload": {"learner_type": "agent"}})
    return rows, source


async def _cli(env: dict[str, str], *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "server.cli", *args, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)


async def _published(url: str) -> int:
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        cur = await conn.execute("SELECT count(*) FROM analytics_outbox WHERE outbox_id NOT IN"
                                 " (SELECT outbox_id FROM outbox_pending WHERE consumer = 'analytics')")
        row = await cur.fetchone()
        assert row is not None
        return int(row[0])


async def test_relay_killed_again_and_again_leaves_one_row_per_source_row(source_db: str, tmp_path: Path) -> None:
    rnd = random.Random(2002)
    rows, source = _rows(rnd)
    store = PostgresStore(PostgresSettings(source_db, min_size=1, max_size=2))
    await store.open()
    for i in range(0, len(rows), 2_000):
        await add_outbox(store, rows[i:i + 2_000])
    await store.close()
    chdb_dir = tmp_path / "chdb"
    env = {**os.environ, "AMAUTA_POSTGRES_URL": source_db, "AMAUTA_CLICKHOUSE_URL": f"chdb://{chdb_dir}",
           "AMAUTA_DATA_DIR": str(tmp_path / "data"), "AMAUTA_LOG_LEVEL": "WARNING"}
    redelivered, progress = 0, [0]
    # Kill after a random delay sized from the measured delivery rate, so that the kills spread
    # over the whole delivery on any machine, each at a random point of a batch.
    rate, target = 500.0, 0.85 * len(rows) / KILLS  # rows per second (first guess), rows per run
    for _ in range(KILLS):
        proc = await _cli(env, "relay", "--consumer", "analytics", "--batch-size", "40", "--verbose")
        assert proc.stdout is not None
        ready = await asyncio.wait_for(proc.stdout.readline(), 60)
        assert b'"ready"' in ready, (ready, await proc.stderr.read() if proc.stderr else b"")
        delay = max(0.02, rnd.uniform(0.2, 1.8) * target / rate)
        await asyncio.sleep(delay)
        proc.kill()
        out, _ = await proc.communicate()
        assert proc.returncode == -9
        lines = [json.loads(line) for line in out.splitlines() if line.startswith(b"{")]
        redelivered += sum(1 for line in lines if line.get("duplicates"))
        progress.append(await _published(source_db))
        if progress[-1] > progress[-2]:
            rate = 0.7 * rate + 0.3 * (progress[-1] - progress[-2]) / delay
    # At least the first half of the kills landed while rows were still pending (timing varies by machine).
    assert 0 < progress[KILLS // 2] < len(rows) and progress[KILLS // 2] <= progress[-1], progress
    drain = await _cli(env, "relay", "--consumer", "analytics", "--drain")
    out, err = await drain.communicate()
    assert drain.returncode == 0, err.decode()[-2000:]
    assert await _published(source_db) == len(rows)

    counter = await asyncio.create_subprocess_exec(sys.executable, "-c", COUNT_SCRIPT, str(chdb_dir),
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await counter.communicate()
    assert counter.returncode == 0, err.decode()[-2000:]
    stored = json.loads(out)
    ids = [event_id for event_id, _ in stored]
    assert len(ids) == len(set(ids)) == SOURCE_ROWS  # exactly one analytics row per source row
    assert set(ids) == source

    check = await _cli(env, "reconcile-analytics", "--start", "200201", "--end", "200204", "--json")
    out, err = await check.communicate()
    assert check.returncode == 0, (out.decode(), err.decode()[-2000:])
    months = [json.loads(line) for line in out.splitlines()]
    assert [m["in_sync"] for m in months] == [True] * 4
    assert sum(m["source_count"] for m in months) == SOURCE_ROWS
    print(f"\n{KILLS} kills; {redelivered} batches delivered again after a kill between insert and commit;"
          f" rows marked delivered after each kill: {progress[1:]}")
