"""Tests mirror the source: every module under server/ and stores/ has a test module at the mirrored path.

server/rpc/paging.py is tested by tests/server/rpc/test_paging.py; a package __init__ that defines
something of its own by tests/<package>/test_init.py. A package __init__ that only re-exports (or holds a
docstring alone) and a __main__ need none.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("server", "stores")


def _only_reexports(path: Path) -> bool:
    """True when the module holds nothing but a docstring, imports and __all__."""
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            continue
        if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["__all__"]:
            continue
        return False
    return True


def mirrored(source: Path) -> Path | None:
    """The test module a source module needs (relative to ROOT), or None when it needs none."""
    if source.name == "__main__.py" or (source.name == "__init__.py" and _only_reexports(ROOT / source)):
        return None
    name = "test_init.py" if source.name == "__init__.py" else f"test_{source.name}"
    return Path("tests") / source.parent / name


def missing() -> list[str]:
    """Source modules without their mirrored test module."""
    found = []
    for top in SOURCES:
        for source in sorted((ROOT / top).rglob("*.py")):
            test = mirrored(source.relative_to(ROOT))
            if test is not None and not (ROOT / test).is_file():
                found.append(f"{source.relative_to(ROOT)} -> {test}")
    return found


def test_every_module_has_a_test_module_at_the_mirrored_path() -> None:
    assert missing() == []


def test_the_rule_names_the_path_and_its_exceptions() -> None:
    assert mirrored(Path("server/rpc/paging.py")) == Path("tests/server/rpc/test_paging.py")
    assert mirrored(Path("stores/postgres/sql.py")) == Path("tests/stores/postgres/test_sql.py")
    assert mirrored(Path("server/cli/__main__.py")) is None
    assert mirrored(Path("stores/postgres/__init__.py")) is None
    # An __init__ with a function of its own is a module like any other.
    assert mirrored(Path("stores/graph/__init__.py")) == Path("tests/stores/graph/test_init.py")


def test_every_test_directory_is_a_package() -> None:
    # Same-named test modules in two directories (test_service.py, test_convert.py) need packages.
    bare = [str(d.relative_to(ROOT)) for d in sorted((ROOT / "tests").rglob("*"))
            if d.is_dir() and any(d.glob("test_*.py")) and not (d / "__init__.py").is_file()]
    assert bare == []
