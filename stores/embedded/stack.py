"""Starts the embedded servers a node needs and stops the ones it started."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path

from stores.embedded.postgres_server import EmbeddedPostgres
from stores.embedded.redis_server import EmbeddedRedis

log = logging.getLogger(__name__)


@dataclass
class EmbeddedStack:
    """The embedded PostgreSQL, Redis and FalkorDB servers of one data directory."""

    data_dir: Path
    #: Seconds a server may take to become ready (PostgreSQL crash recovery can be long).
    start_timeout: float = 300.0
    postgres: EmbeddedPostgres | None = None
    redis: EmbeddedRedis | None = None
    falkordb: EmbeddedRedis | None = None
    _started: list[object] = field(default_factory=list, repr=False)

    def start_postgres(self) -> str:
        """Start PostgreSQL and return its URL."""
        self.postgres = EmbeddedPostgres(self.data_dir)
        self.postgres.start(self.start_timeout)
        self._started.append(self.postgres)
        return self.postgres.url()

    def start_redis(self) -> str:
        """Start the Redis server (AOF on) and return its URL."""
        self.redis = EmbeddedRedis(self.data_dir, "redis")
        self.redis.start()
        self._started.append(self.redis)
        return self.redis.url()

    def start_falkordb(self) -> str:
        """Start the FalkorDB server (Bolt off) and return its falkordb:// URL."""
        self.falkordb = EmbeddedRedis(self.data_dir, "falkordb", load_falkordb=True)
        self.falkordb.start()
        self._started.append(self.falkordb)
        return self.falkordb.url("falkordb")

    def chdb_path(self) -> str:
        """Directory of the embedded ClickHouse engine."""
        path = self.data_dir / "chdb"
        path.mkdir(parents=True, exist_ok=True)
        return str(path.resolve())

    async def compact(self, wait: float = 0.0) -> None:
        """Rewrite the AOF of each embedded Redis and FalkorDB that has a tail to replay."""
        await asyncio.gather(*(server.compact(wait=wait) for server in (self.redis, self.falkordb)
                               if server is not None and server in self._started))

    def revive(self) -> list[str]:
        """Restart embedded Redis servers that died (same port, password and data); returns their names.

        Runs on the thread that started them, so the children keep their parent-death signal.
        """
        revived = []
        for server in (self.redis, self.falkordb):
            if server is not None and server in self._started and server.pid is None:
                log.warning("embedded %s died; restarting it", server.name)
                server.start()
                revived.append(server.name)
        return revived

    def revive_postgres(self) -> bool:
        """Restart the embedded PostgreSQL when its postmaster is gone (blocking: call in a thread)."""
        if self.postgres is None or self.postgres not in self._started or self.postgres.pid is not None:
            return False
        log.warning("embedded postgres died; restarting it")
        self.postgres.restart()
        return True

    def stop(self) -> None:
        """Stop every server this stack started, newest first."""
        while self._started:
            server = self._started.pop()
            try:
                server.stop()  # type: ignore[attr-defined]
            except Exception:
                log.exception("stopping embedded %s failed", type(server).__name__)
