#!/usr/bin/env python3
"""Write the hash-pinned lock files from pyproject.toml (`make lock`), or check them (--check).

requirements/lock.txt      the service with the [embedded] and [dev] extras: make run, make test, CI
requirements/production.txt the service alone, at the same versions: the Dockerfile

Each file records the digest of the dependency lists it was made from, so --check (run by the test
suite, offline) notices a pyproject.toml edited without `make lock`; it also checks that every pin
satisfies the requirement that asked for it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"
LOCKS: dict[str, tuple[str, ...]] = {
    "requirements/lock.txt": ("embedded", "dev"),
    "requirements/production.txt": (),
}
DIGEST_PREFIX = "# pyproject.toml dependencies sha256: "
PYTHON_VERSION = "3.11"


def requirements(extras: tuple[str, ...]) -> list[str]:
    """The requirement strings of the project plus the given extras, as pyproject.toml lists them."""
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    found = list(project["dependencies"])
    for extra in extras:
        found += project["optional-dependencies"][extra]
    return found


def digest(extras: tuple[str, ...]) -> str:
    """sha256 of the requirement lists a lock is made from (order and spacing of the file ignored)."""
    doc = {"python": PYTHON_VERSION, "extras": list(extras), "requirements": sorted(requirements(extras))}
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()


def pins(text: str) -> dict[str, list[tuple[str, str]]]:
    """name → [(version, marker)] of a lock file's `name==version ; marker` lines."""
    from packaging.utils import canonicalize_name

    found: dict[str, list[tuple[str, str]]] = {}
    for line in text.splitlines():
        if not line or line[0] in "# " or "==" not in line:
            continue
        spec, _, marker = line.rstrip(" \\").partition(";")
        name, _, version = spec.strip().partition("==")
        found.setdefault(canonicalize_name(name), []).append((version.strip(), marker.strip()))
    return found


def problems(path: str, extras: tuple[str, ...]) -> list[str]:
    """What is wrong with one lock file; empty when it matches pyproject.toml."""
    from packaging.markers import Marker
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    lock = ROOT / path
    if not lock.exists():
        return [f"{path} is missing"]
    text = lock.read_text(encoding="utf-8")
    found = []
    if f"{DIGEST_PREFIX}{digest(extras)}" not in text:
        found.append(f"{path} was not made from this pyproject.toml")
    locked = pins(text)
    env = {"python_version": PYTHON_VERSION, "python_full_version": f"{PYTHON_VERSION}.0",
           "sys_platform": "linux", "platform_system": "Linux", "implementation_name": "cpython",
           "platform_python_implementation": "CPython", "platform_machine": "x86_64", "os_name": "posix",
           "extra": ""}
    for raw in requirements(extras):
        req = Requirement(raw)
        versions = [v for v, marker in locked.get(canonicalize_name(req.name), [])
                    if not marker or Marker(marker).evaluate(env)]
        if not versions:
            found.append(f"{path}: {req.name} is not pinned")
        elif not all(req.specifier.contains(v, prereleases=True) for v in versions):
            found.append(f"{path}: {req.name}=={versions[0]} does not satisfy {raw}")
    return found


def compile_locks() -> None:
    """Resolve with uv; the production lock is constrained to the full lock's versions."""
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if uv is None:
        raise SystemExit("uv is not installed (pip install uv, or make .venv/.installed)")
    full = "requirements/lock.txt"
    for path, extras in LOCKS.items():
        cmd = [uv, "pip", "compile", "pyproject.toml", "--quiet", "--generate-hashes", "--universal",
               "--python-version", PYTHON_VERSION, "--custom-compile-command", "make lock",
               "--output-file", path, *(f"--extra={e}" for e in extras)]
        if path != full:
            cmd += ["--constraint", full]
        subprocess.run(cmd, cwd=ROOT, check=True)
        lock = ROOT / path
        lines = lock.read_text(encoding="utf-8").splitlines(keepends=True)
        header = 2 if len(lines) > 1 and lines[1].startswith("#") else 0
        lines.insert(header, f"{DIGEST_PREFIX}{digest(extras)}\n")
        lock.write_text("".join(lines), encoding="utf-8")
        print(f"wrote {path}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="check the locks against pyproject.toml")
    args = parser.parse_args()
    if not args.check:
        compile_locks()
    errors = [p for path, extras in LOCKS.items() for p in problems(path, extras)]
    for error in errors:
        print(error, file=sys.stderr)
    if errors:
        print("run `make lock` and commit requirements/", file=sys.stderr)
        return 1
    print("locks match pyproject.toml")
    return 0


if __name__ == "__main__":
    sys.exit(main())
