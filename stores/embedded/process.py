"""Child-process helpers shared by the embedded servers: free ports, leftovers, parent-death signal."""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import time
from pathlib import Path

import psutil

_PR_SET_PDEATHSIG = 1


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
        return directory in " ".join(proc.cmdline()) or proc.cwd().startswith(directory)
    except psutil.Error:
        return False


def wait_for_port(host: str, port: int, timeout: float) -> None:
    """Block until host:port accepts TCP connections; raise TimeoutError otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((host, port), timeout=0.2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"nothing listens on {host}:{port} after {timeout:.0f}s") from None
            time.sleep(0.02)
