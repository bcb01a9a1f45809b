"""Every Cypher statement the Neo4j backend can send passes Neo4j's own semantic analysis.

No Neo4j server runs here, but Neo4j's Cypher linter does (npm @neo4j-cypher/language-support,
run by Node.js from cypher_lint/). The statements come from the code itself: the Neo4j backend's own
text (constraints, indexes, ping, drop_all) is recorded at its driver boundary while the real graph
migrations run through it, and the shared Cypher is resolved from every graph call site in stores/.
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

import stores.graph
from stores.graph.base import GraphSettings
from stores.graph.neo4j import Neo4jBackend
from stores.migrator import migrate_graph
from tests.stores.statements import resolve_call_sites

LINT_DIR = Path(__file__).with_name("cypher_lint")
#: Fewer would mean the call-site scan stopped finding the shared Cypher.
MIN_SHARED_STATEMENTS = 40


class RecordingDriver:
    """Stands in for neo4j.AsyncDriver: records each statement and answers with no records."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    async def execute_query(self, query: str, parameters: dict[str, Any] | None = None,
                            **_: Any) -> tuple[list[Any], None, None]:
        self.statements.append(query)
        return [], None, None

    async def close(self) -> None:
        pass


async def neo4j_backend_statements() -> list[str]:
    """The Neo4j backend's dialect-specific text, as its driver receives it."""
    backend = Neo4jBackend(GraphSettings("neo4j://127.0.0.1:7687"))
    await backend._driver.close()  # never connected: the driver connects lazily
    driver = RecordingDriver()
    backend._driver = driver  # type: ignore[assignment]
    await migrate_graph(backend)
    await backend.ping()
    await backend.drop_all()
    return driver.statements


def falkordb_forms() -> set[str]:
    """Texts of the statement dicts keyed by (dialect, ...) that only FalkorDB receives."""
    forms: set[str] = set()
    for info in pkgutil.iter_modules(stores.graph.__path__):
        module = importlib.import_module(f"stores.graph.{info.name}")
        for value in vars(module).values():
            if isinstance(value, dict) and value and all(isinstance(k, tuple) for k in value):
                forms |= {text for key, text in value.items() if key[0] == "falkordb"}
    return forms


def shared_statements() -> dict[str, str]:
    # The migrator's statements (some read from migration files) reach the recording driver above.
    found = resolve_call_sites(["stores", "server"], {"run"}, re.compile(r"(^|\.)(graph|backend)$"),
                               skip=["stores/migrator.py"],
                               builder_args=lambda module, fn: getattr(module, "NODES", {}).values())
    assert not found.unresolved, f"graph call sites the scan cannot resolve: {found.unresolved}"
    falkordb = falkordb_forms()
    assert falkordb, "no FalkorDB-only statement found: the dialect dicts moved"
    return {origin: text for origin, text in found.texts.items() if text not in falkordb}


@pytest.fixture(scope="module")
def linter() -> Path:
    """The linter's npm package, installed from its lock file on first use."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("Neo4j Cypher lint: Node.js and npm are not installed")
    if not (LINT_DIR / "node_modules" / "@neo4j-cypher" / "language-support").is_dir():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=LINT_DIR,
                       check=True, timeout=600)
    return LINT_DIR


#: Neo4j 5 runs Cypher 5 (the default here); Neo4j 2025 and later also accept Cypher 25, where
#: removals land first: AMAUTA_TEST_CYPHER_VERSIONS="5 25" lints under both (about 12 s of CPU each).
CYPHER_VERSIONS = tuple(os.environ.get("AMAUTA_TEST_CYPHER_VERSIONS", "5").split())


def lint(linter: Path, statements: list[str], version: str = "5") -> list[list[dict[str, Any]]]:
    """Diagnostics per statement (offsets into the statement), linted as `CYPHER <version> …`."""
    prefix = f"CYPHER {version} "
    done = subprocess.run(["node", "lint.mjs"], cwd=linter, input=json.dumps([prefix + s for s in statements]),
                          text=True, capture_output=True, timeout=300, check=True)
    result: list[list[dict[str, Any]]] = json.loads(done.stdout)
    for diagnostics in result:
        for d in diagnostics:
            if d.get("offsets"):
                d["offsets"] = {k: max(0, v - len(prefix)) for k, v in d["offsets"].items()}
    return result


def report(origin: str, text: str, diagnostics: list[dict[str, Any]]) -> str:
    lines = [f"{origin}: {text}"]
    for d in diagnostics:
        at = d.get("offsets") or {}
        lines.append(f"    {d['severity']}: {d['message']} at {at.get('start')}: "
                     f"{text[at.get('start', 0):at.get('end', 0)]!r}")
    return "\n".join(lines)


async def test_every_neo4j_statement_passes_the_linter(linter: Path) -> None:
    statements = {f"neo4j-backend#{i}": s for i, s in enumerate(await neo4j_backend_statements())}
    shared = shared_statements()
    assert len(shared) >= MIN_SHARED_STATEMENTS, sorted(shared)
    statements.update(shared)
    # The constraints and indexes of every graph migration went through the backend.
    assert sum("CREATE CONSTRAINT" in s for s in statements.values()) >= 5
    assert sum("CREATE INDEX" in s for s in statements.values()) >= 4
    origins = list(statements)
    bad = []
    for version in CYPHER_VERSIONS:
        diagnostics = lint(linter, [statements[o] for o in origins], version)
        bad += [report(f"CYPHER {version} {o}", statements[o], d) for o, d in zip(origins, diagnostics, strict=True) if d]
    assert not bad, f"{len(bad)} statements rejected by Neo4j's linter:\n" + "\n".join(bad)


def test_the_linter_rejects_neo4j_3_constraints_and_unknown_variables(linter: Path) -> None:
    # The check above can fail: the schema document's 3.x form, a plain mistake and a deprecation are
    # all caught, while undeclared parameters alone are not reported.
    old, typo, deprecated, params = lint(linter, [
        "CREATE CONSTRAINT ON (l:Learner) ASSERT l.learnerId IS UNIQUE",
        "MATCH (n:Skill) RETURN m",
        "MATCH (n:Skill) RETURN id(n) AS id",
        "MATCH (n:Skill {skillId: $id}) RETURN n.category AS category"])
    assert any("ASSERT" in d["message"] for d in old), old
    assert any("`m` not defined" in d["message"] for d in typo), typo
    assert any("deprecated" in d["message"] for d in deprecated), deprecated  # warnings fail too
    assert params == []
