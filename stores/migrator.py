"""The one migration runner: applies numbered files per store in order and records each one."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable

from stores.analytics.base import AnalyticsBackend
from stores.graph.base import GraphBackend
from stores.postgres import PostgresStore

log = logging.getLogger(__name__)

# Serialises concurrent runners (two nodes starting at once) on one PostgreSQL.
_PG_LOCK_KEY = 0x616D61757461


@dataclass
class MigrationReport:
    """Names of the migrations applied by one run, per store."""

    applied: dict[str, list[str]] = field(default_factory=dict)


def _files(store: str, suffix: str) -> list[Traversable]:
    folder = resources.files("migrations") / store
    return sorted((f for f in folder.iterdir() if f.name.endswith(suffix)), key=lambda f: f.name)


def _checksum(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def split_statements(text: str) -> list[str]:
    """Split a SQL file on ';' line ends, dropping comment-only pieces."""
    pieces = [p.strip() for p in text.split(";\n")]
    out = []
    for piece in pieces:
        body = "\n".join(line for line in piece.splitlines() if not line.strip().startswith("--")).strip()
        if body:
            out.append(body.rstrip(";"))
    return out


async def migrate_postgres(store: PostgresStore) -> list[str]:
    """Apply pending PostgreSQL migrations, each in its own transaction."""
    applied: list[str] = []
    async with store.transaction() as conn:
        await conn.execute("SELECT pg_advisory_xact_lock(%s)", (_PG_LOCK_KEY,))
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, checksum TEXT NOT NULL,"
            " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
        cur = await conn.execute("SELECT name FROM schema_migrations")
        done = {row["name"] for row in await cur.fetchall()}
        for f in _files("postgres", ".sql"):
            if f.name in done:
                continue
            text = f.read_text()
            await conn.execute(text)
            await conn.execute("INSERT INTO schema_migrations (name, checksum) VALUES (%s, %s)",
                               (f.name, _checksum(text)))
            applied.append(f.name)
    return applied


async def migrate_analytics(backend: AnalyticsBackend) -> list[str]:
    """Apply pending ClickHouse migrations (statements are idempotent DDL)."""
    await backend.execute_ddl(
        "CREATE TABLE IF NOT EXISTS schema_migrations (name String, checksum String,"
        " applied_at DateTime64(3) DEFAULT now64(3)) ENGINE = ReplacingMergeTree ORDER BY name")
    done = {row["name"] for row in await backend.query("SELECT name FROM schema_migrations FINAL")}
    applied: list[str] = []
    for f in _files("clickhouse", ".sql"):
        if f.name in done:
            continue
        text = f.read_text()
        for statement in split_statements(text):
            await backend.execute_ddl(statement)
        await backend.execute("INSERT INTO schema_migrations (name, checksum) VALUES ({n:String}, {c:String})",
                              {"n": f.name, "c": _checksum(text)})
        applied.append(f.name)
    return applied


async def migrate_graph(backend: GraphBackend) -> list[str]:
    """Apply pending graph migrations: declarative unique constraints and indexes, then data statements."""
    await backend.ensure_unique("SchemaMigration", "name")
    rows = await backend.run("MATCH (m:SchemaMigration) RETURN m.name AS name")
    done = {row["name"] for row in rows}
    applied: list[str] = []
    for f in _files("graph", ".json"):
        if f.name in done:
            continue
        text = f.read_text()
        spec = json.loads(text)
        await backend.ensure_unique_all([tuple(p) for p in spec.get("unique", [])])
        for label, prop in spec.get("index", []):
            await backend.ensure_index(label, prop)
        for statement in spec.get("cypher", []):
            await backend.run(statement)
        await backend.run("MERGE (m:SchemaMigration {name: $name}) SET m.checksum = $checksum",
                          {"name": f.name, "checksum": _checksum(text)})
        applied.append(f.name)
    return applied


async def migrate_all(postgres: PostgresStore, analytics: AnalyticsBackend,
                      graph: GraphBackend) -> MigrationReport:
    """Migrate every store; returns what was applied."""
    report = MigrationReport()
    report.applied["postgres"] = await migrate_postgres(postgres)
    # A node with analytics off has no engine to migrate: the analytics node migrates its own.
    report.applied["clickhouse"] = [] if analytics.dialect == "off" else await migrate_analytics(analytics)
    report.applied["graph"] = await migrate_graph(graph)
    for store, names in report.applied.items():
        for name in names:
            log.info("migration applied", extra={"store": store, "migration": name})
    return report
