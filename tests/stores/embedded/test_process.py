"""Child-process helpers: redacted start errors, log tails, free ports, leftovers, waiting for a listener."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from stores.embedded.process import EmbeddedStartError, belongs_to, free_port, kill_leftover, tail, wait_for_listen


def test_a_start_error_hides_the_password_and_shows_the_log(tmp_path: Path) -> None:
    log = tmp_path / "redis.log"
    log.write_text("\n".join(f"line {i}" for i in range(20)))
    err = EmbeddedStartError("redis", ["redis-server", "--requirepass", "hunter2", "--port", "1"], log, "exit 1")
    text = str(err)
    assert "hunter2" not in text and "--requirepass *** --port 1" in text
    assert "    line 19" in text and "line 4\n" not in text
    assert (err.reason, err.metadata) == ("EMBEDDED_STORE_FAILED", {"store": "redis"})


def test_tail_of_a_missing_or_empty_log(tmp_path: Path) -> None:
    assert tail(tmp_path / "nope.log").startswith("    (no log: ")
    (tmp_path / "empty.log").write_text("")
    assert tail(tmp_path / "empty.log") == "    (empty)"


def test_a_free_port_can_be_bound() -> None:
    port = free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))


def _sleeper(cwd: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], cwd=cwd)


def test_kill_leftover_stops_only_a_process_of_this_directory(tmp_path: Path) -> None:
    mine, other = tmp_path / "mine", tmp_path / "other"
    mine.mkdir()
    other.mkdir()
    proc = _sleeper(mine)
    try:
        pidfile = tmp_path / "server.pid"
        pidfile.write_text(str(proc.pid))
        assert belongs_to(psutil.Process(proc.pid), str(mine))
        assert not kill_leftover(pidfile, str(other))
        assert proc.poll() is None and not pidfile.exists()
        pidfile.write_text(str(proc.pid))
        assert kill_leftover(pidfile, str(mine))
        assert proc.wait(5) is not None
        pidfile.write_text("not a pid")
        assert not kill_leftover(pidfile, str(mine))
        assert not kill_leftover(tmp_path / "absent.pid", str(mine))
    finally:
        proc.kill()
        proc.wait()


def test_wait_for_listen_fails_fast_for_an_exited_process_and_times_out_otherwise(tmp_path: Path) -> None:
    done = subprocess.Popen([sys.executable, "-c", "pass"])
    done.wait()
    with pytest.raises(ChildProcessError):
        wait_for_listen(done.pid, free_port(), 5)
    proc = _sleeper(tmp_path)
    try:
        with pytest.raises(TimeoutError, match="did not listen"):
            wait_for_listen(proc.pid, free_port(), 0.1)
    finally:
        proc.kill()
        proc.wait()


def test_wait_for_listen_returns_once_the_process_listens(tmp_path: Path) -> None:
    port = free_port()
    code = (f"import socket, time; s = socket.socket(); s.bind(('127.0.0.1', {port})); s.listen();"
            " time.sleep(60)")
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=tmp_path)
    try:
        wait_for_listen(proc.pid, port, 10)
    finally:
        proc.kill()
        proc.wait()
