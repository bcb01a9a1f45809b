"""Child-process helpers shared by the embedded servers: free ports, leftovers, parent-death signal, logs."""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import time
from pathlib import Path

import psutil

from stores.errors import StoreUnavailable

_PR_SET_PDEATHSIG = 1


class EmbeddedStartError(StoreUnavailable):
    """An embedded server did not start: names the store, its command line and its log's last lines."""

    reason = "EMBEDDED_STORE_FAILED"

    def __init__(self, store: str, command: list[str], log: Path, problem: str) -> None:
        shown = " ".join(_redacted(command))
        super().__init__(f"embedded {store} failed to start: {problem}\n  command: {shown}\n"
                         f"  log {log}, last lines:\n{tail(log)}", metadata={"store": store})


def _redacted(command: list[str]) -> list[str]:
    """The command line with the value after --requirepass hidden."""
    return ["***" if i > 0 and command[i - 1] == "--requirepass" else arg for i, arg in enumerate(command)]


def tail(path: Path, lines: int = 15) -> str:
    """The last lines of a log file, indented, or a note that it is missing."""
    try:
        text = path.read_text(errors="replace").splitlines()[-lines:]
    except OSError as exc:
        return f"    (no log: {exc.strerror})"
    return "\n".join(f"    {line}" for line in text) or "    (empty)"


def free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port that is free on host right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def die_with_parent() -> None:
    """preexec_fn: ask the kernel to SIGTERM the child when the node process dies."""
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    # Detach from the terminal's process group so Ctrl-C reaches only the node.
    os.setpgrp()


def kill_leftover(pidfile: Path, marker: str, timeout: float = 5.0) -> bool:
    """Stop a process named in pidfile whose command line contains marker; True when one was stopped."""
    try:
        pid = int(pidfile.read_text().strip())
    except (OSError, ValueError):
        return False
    try:
        proc = psutil.Process(pid)
        if not belongs_to(proc, marker):
            return False
        proc.terminate()
        try:
            proc.wait(timeout)
        except psutil.TimeoutExpired:
            proc.kill()
            proc.wait(timeout)
    except psutil.Error:
        return False
    finally:
        pidfile.unlink(missing_ok=True)
    return True


def belongs_to(proc: psutil.Process, directory: str) -> bool:
    """True when proc runs in or names directory (redis-server rewrites its title, so check its cwd)."""
    try:
        cwd, wanted = Path(proc.cwd()), Path(directory)
        return directory in " ".join(proc.cmdline()) or cwd == wanted or wanted in cwd.parents
    except psutil.Error:
        return False


def wait_for_listen(pid: int, port: int, timeout: float) -> None:
    """Block until process pid listens on TCP port: TimeoutError after timeout, ChildProcessError as
    soon as the process has exited (waiting longer cannot help).

    Asking the process rather than connecting to the port: another process may have taken a port
    that was free when we chose it, and a connect would then reach that one.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            proc = psutil.Process(pid)
            if proc.status() == psutil.STATUS_ZOMBIE:
                raise ChildProcessError("the server exited")
            if any(c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port == port
                   for c in proc.net_connections(kind="tcp")):
                return
        except psutil.NoSuchProcess:
            raise ChildProcessError("the server exited") from None
        if time.monotonic() > deadline:
            raise TimeoutError(f"the server did not listen on port {port} after {timeout:.0f}s")
        time.sleep(0.02)
