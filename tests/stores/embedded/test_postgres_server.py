"""EmbeddedPostgres: a unix-socket server that needs its generated password, survives stale pid files,
and stops keeping its data."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest

from stores.embedded.postgres_server import DATABASE, EmbeddedPostgres
from stores.embedded.secrets import load_or_create


def test_a_server_with_a_stale_pid_file_starts_requires_its_password_and_keeps_its_data(tmp_path: Path) -> None:
    server = EmbeddedPostgres(tmp_path)
    server.start()
    try:
        url = server.url()
        assert "host=" in url and f"/{DATABASE}?" in url and "@localhost" not in url
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE TABLE kept (v int)")
            conn.execute("INSERT INTO kept VALUES (7)")
            assert conn.execute("SHOW listen_addresses").fetchone() == ("",)
        password = quote(load_or_create(tmp_path, "postgres"), safe="")
        assert password in url
        wrong = url.replace(password, "wrong", 1)
        with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
            psycopg.connect(wrong).close()
        assert server.pid is not None
    finally:
        server.stop()
    assert server.pid is None
    # A killed server's pid file names a process that is gone: the next start must not trust it.
    (server.pgdata / "postmaster.pid").write_text("999999\n")
    again = EmbeddedPostgres(tmp_path)
    again.start()
    try:
        with psycopg.connect(again.url()) as conn:
            assert conn.execute("SELECT v FROM kept").fetchall() == [(7,)]
    finally:
        again.stop()
    again.stop()  # stopping a stopped server is a no-op
