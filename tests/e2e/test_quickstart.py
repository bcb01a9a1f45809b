"""The README's quick start, exactly as written, in a fresh clone with no AMAUTA_* variable set."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from tests.process import embedded_pids, health

ROOT = Path(__file__).resolve().parents[2]
PORT = 50051  # the README's address
GRACE_SECONDS = 10.0  # the default AMAUTA_GRACE_SECONDS: the README runs with no variable


def _blocks(section: str) -> list[str]:
    """The ```sh blocks of a README section (from its heading to the next heading of that level)."""
    text = (ROOT / "README.md").read_text()
    start = text.index(section)
    level = section.split(" ")[0]
    end = text.find(f"\n{level} ", start + len(section))
    return re.findall(r"```sh\n(.*?)```", text[start:end if end > 0 else None], re.S)


def _commands(block: str) -> list[str]:
    """Shell commands of a block: continuation lines joined, blank lines dropped."""
    return [c.strip() for c in block.replace("\\\n", " ").splitlines() if c.strip()]


def _port_free() -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", PORT)) != 0


@pytest.fixture
def clone(tmp_path: Path) -> Iterator[Path]:
    """A fresh clone of this repository, reusing this checkout's .venv to save the install."""
    target = tmp_path / "amauta-node"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(target)], check=True)
    (target / ".venv").symlink_to(ROOT / ".venv")
    # The clone's pyproject.toml is newer than the install stamp; touch it so make does not
    # reinstall (an editable install from the clone would repoint this checkout's venv).
    (ROOT / ".venv" / ".installed").touch()
    yield target
    for pid in embedded_pids(target / ".amauta"):
        psutil.Process(pid).kill()


def test_readme_quick_start_serves_answers_grpcurl_and_stops(clone: Path) -> None:
    quick = _commands(_blocks("## Quick start")[0])
    run = [c.split("#")[0].strip() for c in quick if c.startswith("make run")]
    assert run == ["make run"], quick
    grpcurl = _commands(_blocks("### grpcurl")[0])
    assert len(grpcurl) >= 3 and all(c.startswith("grpcurl") for c in grpcurl), grpcurl
    deadline = time.monotonic() + 30
    while not _port_free():  # a node of an earlier test may still be going away
        assert time.monotonic() < deadline, f"port {PORT} is taken: the README's address must be free"
        time.sleep(0.5)

    env = {k: v for k, v in os.environ.items() if not k.startswith(("AMAUTA_", "XDG_RUNTIME_DIR"))}
    log = (clone.parent / "make-run.log").open("w")
    started = time.monotonic()
    make = subprocess.Popen(["bash", "-c", run[0]], cwd=clone, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        while health(PORT) != 1:
            assert make.poll() is None, (clone.parent / "make-run.log").read_text()[-3000:]
            assert time.monotonic() - started < 120, (clone.parent / "make-run.log").read_text()[-3000:]
            time.sleep(0.2)
        print(f"quick start: SERVING after {time.monotonic() - started:.1f}s")
        node = next(p for p in psutil.Process(make.pid).children(recursive=True)
                    if "serve" in " ".join(p.cmdline()))
        shell_env = {**env, "PATH": f"{clone / '.venv' / 'bin'}{os.pathsep}{env.get('PATH', '')}"}
        for command in grpcurl:
            done = subprocess.run(["bash", "-c", command], cwd=clone, env=shell_env,
                                  capture_output=True, text=True, timeout=30)
            assert done.returncode == 0, (command, done.stdout, done.stderr)
            assert done.stdout.strip(), command
        output = (clone.parent / "make-run.log").read_text()
        assert "Warning" not in output, output  # no RuntimeDirWarning or the like on a clean start
        assert (clone / ".amauta" / "admin.token").exists()

        node.send_signal(signal.SIGTERM)  # as a service manager stops it; make reports its status
        stopping = time.monotonic()
        code = make.wait(GRACE_SECONDS + 10)
        print(f"quick start: exited {time.monotonic() - stopping:.1f}s after SIGTERM")
        assert code == 0, (clone.parent / "make-run.log").read_text()[-3000:]
    finally:
        if make.poll() is None:
            os.killpg(make.pid, signal.SIGKILL)
        log.close()
    assert embedded_pids(clone / ".amauta") == set(), "an embedded server outlived the node"
    assert not [p for p in psutil.process_iter(["cmdline"])
                if p.info["cmdline"] and str(clone) in " ".join(p.info["cmdline"])]
