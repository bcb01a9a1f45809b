#!/usr/bin/env python3
"""Generate the Python code of protos/amauta/v1 into generated/, or check it (--check)."""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROTO_ROOT = ROOT / "protos"
PROTO_DIR = PROTO_ROOT / "amauta" / "v1"
OUT_ROOT = ROOT / "generated"
PACKAGE = Path("amauta")
INIT_FILES = {
    PACKAGE / "__init__.py": '"""Generated protobuf packages of the Amauta Node (do not edit)."""\n',
    PACKAGE / "v1" / "__init__.py": '"""Generated code of the amauta.v1 protobuf package (do not edit)."""\n',
}


def proto_files() -> list[Path]:
    """Return every .proto file under protos/amauta/v1, sorted."""
    files = sorted(PROTO_DIR.rglob("*.proto"))
    if not files:
        raise SystemExit(f"no .proto files under {PROTO_DIR.relative_to(ROOT)}")
    return files


def generate(out_root: Path) -> None:
    """Run grpc_tools.protoc for every proto into out_root and write the package __init__ files."""
    from grpc_tools import protoc  # type: ignore[import-untyped]

    well_known = Path(protoc.__file__).resolve().parent / "_proto"
    out_root.mkdir(parents=True, exist_ok=True)
    args = [
        "grpc_tools.protoc",
        f"--proto_path={PROTO_ROOT}",
        f"--proto_path={well_known}",
        f"--python_out={out_root}",
        f"--pyi_out={out_root}",
        f"--grpc_python_out={out_root}",
        *(str(path) for path in proto_files()),
    ]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed")
    for rel, text in INIT_FILES.items():
        (out_root / rel).parent.mkdir(parents=True, exist_ok=True)
        (out_root / rel).write_text(text, encoding="utf-8")


def tree(root: Path) -> dict[Path, bytes]:
    """Map each generated file under root/amauta (caches excluded) to its bytes."""
    base = root / PACKAGE
    if not base.is_dir():
        return {}
    return {
        path.relative_to(root): path.read_bytes()
        for path in sorted(base.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }


def differences(fresh: dict[Path, bytes], current: dict[Path, bytes]) -> list[str]:
    """List files that are missing, changed or extra in current compared with fresh."""
    lines = []
    for rel in sorted(fresh.keys() | current.keys()):
        if rel not in current:
            lines.append(f"missing: generated/{rel.as_posix()}")
        elif rel not in fresh:
            lines.append(f"extra:   generated/{rel.as_posix()}")
        elif fresh[rel] != current[rel]:
            lines.append(f"changed: generated/{rel.as_posix()}")
    return lines


def main(argv: list[str] | None = None) -> int:
    """Generate into generated/ (removing stale files), or with --check report staleness and exit 1."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if generated/ differs from a fresh generation")
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="gen_protos_") as tmp:
        fresh_root = Path(tmp)
        generate(fresh_root)
        fresh = tree(fresh_root)
        current = tree(OUT_ROOT)
        diff = differences(fresh, current)
        if options.check:
            if diff:
                print("generated/ is stale; run: python scripts/gen_protos.py", file=sys.stderr)
                print("\n".join(diff), file=sys.stderr)
                return 1
            print(f"generated/ is up to date ({len(fresh)} files)")
            return 0
        for rel in current.keys() - fresh.keys():
            (OUT_ROOT / rel).unlink()
        for rel in fresh:
            if current.get(rel) != fresh[rel]:
                (OUT_ROOT / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(fresh_root / rel, OUT_ROOT / rel)
        print(f"generated {len(fresh)} files, {len(diff)} changed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
