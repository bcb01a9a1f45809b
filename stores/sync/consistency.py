"""The five consistency rules of schema §4.6.2, run on demand or on a schedule, with safe repairs.

1 session integrity and 5 analytics accuracy reuse the simulation reconciler and the analytics
reconcile; 2, 3 and 4 are defined here. Repairs only ever re-derive a store from PostgreSQL (the
system of record), through the outbox, so they are as safe as normal delivery.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from stores.analytics.base import AnalyticsBackend
from stores.graph.base import GraphBackend
from stores.postgres import PostgresStore, outbox
from stores.sync.reconcile import differences, reconcile
from stores.sync.simulation_sync import SimulationSync

RULES = ("session_integrity", "assessment_completeness", "content_validation", "profile_coherence",
         "analytics_accuracy")


@dataclass
class Finding:
    """One kind of inconsistency found by a rule."""

    kind: str
    ids: list[str]
    repaired: int = 0
    repair_action: str = ""

    def examples(self, limit: int) -> list[str]:
        """Up to limit affected ids."""
        return self.ids[:limit]


@dataclass
class RuleReport:
    """The outcome of one rule."""

    rule: str
    findings: list[Finding] = field(default_factory=list)
    error: str = ""
    duration_ms: int = 0

    @property
    def count(self) -> int:
        """Findings of every kind."""
        return sum(len(f.ids) for f in self.findings)

    @property
    def repaired(self) -> int:
        """Findings repaired by this run."""
        return sum(f.repaired for f in self.findings)

    @property
    def status(self) -> str:
        """passed, findings, repaired or error."""
        if self.error:
            return "error"
        if self.count == 0:
            return "passed"
        return "repaired" if self.repaired >= self.count else "findings"


@dataclass
class CheckTargets:
    """The stores (and the simulation reconciler) the rules read."""

    postgres: PostgresStore
    graph: GraphBackend
    analytics: AnalyticsBackend
    simulations: SimulationSync


Rule = Callable[[CheckTargets, bool], Awaitable[list[Finding]]]


async def _rows(postgres: PostgresStore, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    async with postgres.connection() as conn:
        cur = await conn.execute(sql, params)
        return await cur.fetchall()


async def session_integrity(t: CheckTargets, repair: bool) -> list[Finding]:
    """Rule 1: live Redis simulations have PostgreSQL rows and in-progress rows have live state."""
    r = await t.simulations.reconcile_once(repair=repair)
    return [
        Finding("redis_without_postgres", r.adopted + r.orphaned, len(r.adopted) if repair else 0,
                "created the missing PostgreSQL records" if repair and r.adopted else ""),
        Finding("postgres_without_redis", r.abandoned, len(r.abandoned) if repair else 0,
                "abandoned the simulation's sessions" if repair and r.abandoned else ""),
        Finding("session_not_a_live_participant", r.stray_sessions,
                len(r.stray_sessions) if repair else 0,
                "abandoned the stray sessions" if repair and r.stray_sessions else ""),
    ]


async def assessment_completeness(t: CheckTargets, repair: bool) -> list[Finding]:
    """Rule 2: every assessment references an existing session of the same learner (report only)."""
    rows = await _rows(t.postgres, """
        SELECT a.assessment_id::text AS id,
               CASE WHEN a.session_id IS NULL THEN 'assessment_without_session'
                    WHEN s.session_id IS NULL THEN 'assessment_session_missing'
                    ELSE 'assessment_session_of_other_learner' END AS kind
        FROM assessment_results a LEFT JOIN learning_sessions s ON s.session_id = a.session_id
        WHERE a.session_id IS NULL OR s.session_id IS NULL OR s.learner_id <> a.learner_id
        ORDER BY a.assessment_id""")
    return _group(rows)


async def content_validation(t: CheckTargets, repair: bool) -> list[Finding]:
    """Rule 3: no in-progress session uses unvalidated content or an inactive environment (report only)."""
    rows = await _rows(t.postgres, """
        SELECT s.session_id::text AS id, 'session_uses_unvalidated_content' AS kind
        FROM learning_sessions s JOIN training_content c ON c.content_id = s.content_id
        JOIN training_datasets d ON d.dataset_id = c.dataset_id
        WHERE s.completion_status = 'in_progress' AND d.validation_status <> 'validated'
        UNION ALL
        SELECT s.session_id::text, 'session_uses_inactive_environment'
        FROM learning_sessions s JOIN simulation_environments e ON e.environment_id = s.environment_id
        WHERE s.completion_status = 'in_progress' AND NOT e.active_status
        ORDER BY 1""")
    return _group(rows)


async def profile_coherence(t: CheckTargets, repair: bool) -> list[Finding]:
    """Rule 4: profiles and content equal the graph's Learner and Content nodes.

    Entities with graph outbox rows still pending are in flight, not inconsistent, and are skipped.
    Repair re-emits the PostgreSQL truth into the outbox; the graph relay applies it.
    """
    pending = {r["aggregate_id"] for r in await _rows(
        t.postgres, "SELECT DISTINCT o.aggregate_id FROM outbox_pending p JOIN analytics_outbox o"
        " ON o.outbox_id = p.outbox_id WHERE p.consumer = 'graph'")}
    profiles = {r["learner_id"]: r["learner_type"] for r in await _rows(
        t.postgres, "SELECT learner_id, learner_type FROM learner_profiles")}
    nodes = {r["id"]: r["type"] for r in await t.graph.run(
        "MATCH (l:Learner) RETURN l.learnerId AS id, l.type AS type")}
    contents = {r["content_id"]: r for r in await _rows(t.postgres, """
        SELECT c.content_id::text AS content_id, c.dataset_id::text AS dataset_id,
               d.dataset_type AS content_type, c.difficulty_level::float AS difficulty_level
        FROM training_content c JOIN training_datasets d ON d.dataset_id = c.dataset_id""")}
    content_nodes = {r["id"] for r in await t.graph.run("MATCH (c:Content) RETURN c.contentId AS id")}

    def settled(ids: Any) -> list[str]:
        return sorted(i for i in ids if i not in pending)

    missing = settled(p for p in profiles if p not in nodes)
    mismatched = settled(p for p in profiles if p in nodes and nodes[p] != profiles[p])
    orphans = settled(n for n in nodes if n not in profiles)
    content_missing = settled(c for c in contents if c not in content_nodes)
    content_orphans = settled(c for c in content_nodes if c not in contents)
    findings = [Finding("learner_missing_in_graph", missing), Finding("learner_type_differs", mismatched),
                Finding("graph_learner_without_profile", orphans),
                Finding("content_missing_in_graph", content_missing),
                Finding("graph_content_without_row", content_orphans)]
    if repair:
        async with t.postgres.transaction() as conn:
            for learner in missing + mismatched:
                await outbox.append(conn, "profile_upserted", learner,
                                    {"learner_id": learner, "learner_type": profiles[learner]}, learner)
            for content in content_missing:
                await outbox.append(conn, "content_upserted", content, dict(contents[content]))
            for content in content_orphans:
                await outbox.append(conn, "content_deleted", content, {"content_id": content})
        for finding in findings:
            if finding.kind != "graph_learner_without_profile" and finding.ids:
                finding.repaired = len(finding.ids)
                finding.repair_action = "re-sent the PostgreSQL record to the graph through the outbox"
    return findings


async def analytics_accuracy(t: CheckTargets, repair: bool) -> list[Finding]:
    """Rule 5: per month, ClickHouse events equal their PostgreSQL sources; repair redelivers missing rows."""
    this_month = int(datetime.now(timezone.utc).strftime("%Y%m"))
    first = await _rows(t.postgres, "SELECT to_char(min(created_at), 'YYYYMM') AS m FROM analytics_outbox")
    start = int(first[0]["m"]) if first and first[0]["m"] else this_month
    drifts = [d for d in await reconcile(t.postgres, t.analytics, start_month=start,
                                         end_month=this_month, max_examples=1000) if not d.in_sync]
    missing: list[str] = []
    extra: list[str] = []
    for drift in drifts:
        gone, surplus = await differences(t.postgres, t.analytics, drift.month)
        missing += sorted(gone)
        extra += sorted(surplus)
    lost = Finding("source_row_missing_in_clickhouse", missing)
    if repair and missing:
        async with t.postgres.connection() as conn:
            await outbox.redeliver(conn, "analytics", missing)
        lost.repaired = len(missing)
        lost.repair_action = "marked the source rows undelivered; the analytics relay re-sends them"
    return [lost, Finding("clickhouse_row_without_source", extra)]


def _group(rows: list[dict[str, Any]]) -> list[Finding]:
    by_kind: dict[str, list[str]] = {}
    for row in rows:
        by_kind.setdefault(row["kind"], []).append(row["id"])
    return [Finding(kind, ids) for kind, ids in sorted(by_kind.items())]


_RULES: dict[str, Rule] = {
    "session_integrity": session_integrity, "assessment_completeness": assessment_completeness,
    "content_validation": content_validation, "profile_coherence": profile_coherence,
    "analytics_accuracy": analytics_accuracy,
}


async def run(targets: CheckTargets, rules: Sequence[str] = RULES, *, repair: bool = False) -> list[RuleReport]:
    """Run rules in order; a rule that fails reports an error and the others still run."""
    reports = []
    for name in rules:
        started = time.perf_counter()
        report = RuleReport(name)
        try:
            report.findings = [f for f in await _RULES[name](targets, repair) if f.ids]
        except Exception as exc:  # one unreachable store must not hide the other rules
            report.error = f"{type(exc).__name__}: {exc}"[:500]
        report.duration_ms = int((time.perf_counter() - started) * 1000)
        reports.append(report)
    return reports


async def recent_quality(postgres: PostgresStore) -> float:
    """Average quality_score of datasets validated in the last 24 hours (NaN when there are none)."""
    rows = await _rows(postgres, "SELECT avg(quality_score)::float AS q FROM training_datasets"
                                 " WHERE validation_status = 'validated' AND validated_at > now() - interval '1 day'")
    value = rows[0]["q"] if rows else None
    return float(value) if value is not None else float("nan")
