"""Learner erasure across the four stores, resumable: each store step records its outcome in PostgreSQL.

Steps run in a fixed order: postgresql, redis, graph, clickhouse. PostgreSQL goes first and, in the
same transaction, deletes the learner's outbox rows (waiting for any relay batch that holds them),
so no relay can re-create graph or analytics data after the later steps ran. A call runs the steps
of the current pass that are not done; a call after a complete pass starts a new pass (counts add
up), so erasing again also removes anything the learner created since.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import psycopg

from stores.analytics.base import AnalyticsBackend
from stores.errors import StoreError
from stores.graph.base import GraphBackend
from stores.postgres import PostgresStore, outbox
from stores.redis.progress import ProgressStore

#: Store steps in erasure order (the names reports carry).
STORES = ("postgresql", "redis", "graph", "clickhouse")
#: ClickHouse tables holding rows per learner (content_effectiveness has no learner column).
ANALYTICS_TABLES = ("learning_events", "performance_metrics")
#: Idempotency operations whose resources erasure removes.
_OPERATIONS = ("learner.create_profile", "learner.start_session", "learner.record_assessment")
# Advisory lock class of erasures (the object id is hashtext(learner_id)): one erasure per learner.
_LOCK_CLASS = 0x65726173

#: Called with a store name before its step; tests inject failures and pauses through it.
StepHook = Callable[[str], Awaitable[None]]


@dataclass(frozen=True)
class StepReport:
    """What erasure did in one store, over all calls of the job."""

    store: str
    removed_count: int
    done: bool
    detail: str


@dataclass(frozen=True)
class ErasureReport:
    """The state of a learner's erasure after a call."""

    learner_id: str
    steps: list[StepReport]

    @property
    def complete(self) -> bool:
        """True when every store step is done."""
        return all(step.done for step in self.steps)


class Eraser:
    """Removes a learner from PostgreSQL, Redis, the graph and ClickHouse."""

    def __init__(self, postgres: PostgresStore, progress: ProgressStore, graph: GraphBackend,
                 analytics: AnalyticsBackend, *, before_step: StepHook | None = None) -> None:
        self.postgres = postgres
        self.progress = progress
        self.graph = graph
        self.analytics = analytics
        self.before_step = before_step
        self._steps: dict[str, Callable[[str], Awaitable[tuple[int, bool, str]]]] = {
            "redis": self._redis, "graph": self._graph, "clickhouse": self._clickhouse}

    async def erase(self, learner_id: str, requested_by: str) -> ErasureReport:
        """Run the pending steps of the learner's erasure; a failing store raises after the steps
        before it were recorded, and the next call resumes there."""
        async with self.postgres.connection() as lock:
            # A session-level lock on its own connection: released by unlock, or by the server when
            # this process dies, so a crashed erasure never blocks the rerun.
            await lock.execute("SELECT pg_advisory_lock(%s, hashtext(%s))", (_LOCK_CLASS, learner_id))
            try:
                pending = await self._begin(learner_id, requested_by)
                for store in STORES:
                    if store not in pending:
                        continue
                    if self.before_step is not None:
                        await self.before_step(store)
                    if store == "postgresql":
                        await self._postgres(learner_id)
                    else:
                        removed, done, detail = await self._steps[store](learner_id)
                        await self._record(learner_id, store, removed, done, detail)
                return await self._finish(learner_id)
            finally:
                await lock.execute("SELECT pg_advisory_unlock(%s, hashtext(%s))", (_LOCK_CLASS, learner_id))

    async def report(self, learner_id: str) -> ErasureReport | None:
        """The recorded state of a learner's erasure, or None when none was requested."""
        async with self.postgres.connection() as conn:
            return await _report(conn, learner_id)

    async def _begin(self, learner_id: str, requested_by: str) -> set[str]:
        """Create the job, or start a new pass of a complete one; returns the stores still to do."""
        async with self.postgres.transaction() as conn:
            cur = await conn.execute("SELECT completed_at FROM erasure_jobs WHERE learner_id = %s FOR UPDATE",
                                     (learner_id,))
            job = await cur.fetchone()
            if job is None:
                await conn.execute("INSERT INTO erasure_jobs (learner_id, requested_by) VALUES (%s, %s)",
                                   (learner_id, requested_by))
                async with conn.cursor() as cur:
                    await cur.executemany(
                        "INSERT INTO erasure_steps (learner_id, store, position) VALUES (%s, %s, %s)",
                        [(learner_id, store, i) for i, store in enumerate(STORES)])
            elif job["completed_at"] is not None:
                await conn.execute("UPDATE erasure_jobs SET passes = passes + 1, completed_at = NULL,"
                                   " requested_by = %s, updated_at = now() WHERE learner_id = %s",
                                   (requested_by, learner_id))
                await conn.execute("UPDATE erasure_steps SET done = false, updated_at = now()"
                                   " WHERE learner_id = %s", (learner_id,))
            cur = await conn.execute("SELECT store FROM erasure_steps WHERE learner_id = %s AND NOT done",
                                     (learner_id,))
            return {row["store"] for row in await cur.fetchall()}

    async def _postgres(self, learner_id: str) -> None:
        """Delete assessments, sessions, profile, idempotency keys and outbox rows; append
        learner_erased; record the step: one transaction."""
        async with self.postgres.transaction() as conn:
            # Lock the sessions first so no assessment can attach to one while it is being deleted.
            await conn.execute("SELECT 1 FROM learning_sessions WHERE learner_id = %s FOR UPDATE", (learner_id,))
            counts: dict[str, int] = {}
            erased_ids: list[str] = []
            for table, sql in (
                ("assessment_results", "DELETE FROM assessment_results WHERE learner_id = %(l)s OR session_id IN"
                 " (SELECT session_id FROM learning_sessions WHERE learner_id = %(l)s)"
                 " RETURNING assessment_id::text AS id"),
                ("learning_sessions", "DELETE FROM learning_sessions WHERE learner_id = %(l)s"
                 " RETURNING session_id::text AS id"),
                ("learner_profiles", "DELETE FROM learner_profiles WHERE learner_id = %(l)s"
                 " RETURNING profile_id::text AS id"),
            ):
                cur = await conn.execute(sql, {"l": learner_id})
                ids = [row["id"] for row in await cur.fetchall()]
                counts[table] = len(ids)
                erased_ids.extend(ids)
            cur = await conn.execute("DELETE FROM idempotency_keys WHERE operation = ANY(%s) AND resource_id = ANY(%s)",
                                     (list(_OPERATIONS), erased_ids))
            counts["idempotency_keys"] = cur.rowcount
            # Pending rows would re-create graph nodes or analytics events after the later steps;
            # delivered ones still carry the learner's data. Earlier learner_erased rows stay.
            cur = await conn.execute("DELETE FROM analytics_outbox WHERE learner_id = %s"
                                     " AND event_type <> 'learner_erased'", (learner_id,))
            counts["analytics_outbox"] = cur.rowcount
            # Collaboration rows name several learners: drop only this one from them.
            cur = await conn.execute(
                "UPDATE analytics_outbox SET payload = jsonb_set(payload, '{learner_ids}',"
                " (payload->'learner_ids') - %(l)s) WHERE event_type = 'collaboration'"
                " AND payload->'learner_ids' ? %(l)s", {"l": learner_id})
            counts["analytics_outbox_scrubbed"] = cur.rowcount
            await outbox.append(conn, "learner_erased", learner_id, {"learner_id": learner_id},
                                learner_id=learner_id)
            removed = sum(v for k, v in counts.items() if k != "analytics_outbox_scrubbed")
            await _record_on(conn, learner_id, "postgresql", removed, True,
                             " ".join(f"{k}={v}" for k, v in counts.items()))

    async def _redis(self, learner_id: str) -> tuple[int, bool, str]:
        removed = await self.progress.erase(learner_id)
        return removed, True, f"learning:progress keys={removed}"

    async def _graph(self, learner_id: str) -> tuple[int, bool, str]:
        count = ("MATCH (l:Learner {learnerId: $id}) OPTIONAL MATCH (l)-[r]-()"
                 " RETURN count(DISTINCT l) AS nodes, count(DISTINCT r) AS rels")
        before = (await self.graph.run(count, {"id": learner_id}))[0]
        await self.graph.run("MATCH (l:Learner {learnerId: $id}) DETACH DELETE l", {"id": learner_id})
        after = (await self.graph.run(count, {"id": learner_id}))[0]
        nodes, rels = int(before["nodes"]), int(before["rels"])
        return nodes + rels, int(after["nodes"]) == 0, f"Learner nodes={nodes} relationships={rels}"

    async def _clickhouse(self, learner_id: str) -> tuple[int, bool, str]:
        removed, left, details = 0, 0, []
        for table in ANALYTICS_TABLES:
            count = f"SELECT count() AS n FROM {table} WHERE learner_id = {{id:String}}"
            before = int((await self.analytics.query(count, {"id": learner_id}))[0]["n"])
            mode = "none"
            if before:
                mode = await self._delete_rows(table, learner_id)
            left += int((await self.analytics.query(count, {"id": learner_id}))[0]["n"])
            removed += before
            details.append(f"{table}={before} ({mode})")
        return removed, left == 0, " ".join(details)

    async def _delete_rows(self, table: str, learner_id: str) -> str:
        """Lightweight DELETE (rows masked at once, purged at the next merge); a mutation where the
        server refuses it. Returns how it deleted, with the mutation id."""
        params = {"id": learner_id}
        try:
            await self.analytics.execute(f"DELETE FROM {table} WHERE learner_id = {{id:String}}", params)
            how = "lightweight DELETE"
        except StoreError as exc:
            if "lightweight" not in str(exc).lower() and "not supported" not in str(exc).lower():
                raise
            await self.analytics.execute(f"ALTER TABLE {table} DELETE WHERE learner_id = {{id:String}}"
                                         " SETTINGS mutations_sync = 2", params)
            how = "ALTER TABLE DELETE"
        rows = await self.analytics.query(
            "SELECT mutation_id FROM system.mutations WHERE database = currentDatabase()"
            " AND table = {t:String} ORDER BY create_time DESC LIMIT 1", {"t": table})
        return f"{how}, mutation {rows[0]['mutation_id']}" if rows else how

    async def _record(self, learner_id: str, store: str, removed: int, done: bool, detail: str) -> None:
        async with self.postgres.transaction() as conn:
            await _record_on(conn, learner_id, store, removed, done, detail)

    async def _finish(self, learner_id: str) -> ErasureReport:
        async with self.postgres.transaction() as conn:
            report = await _report(conn, learner_id)
            assert report is not None
            if report.complete:
                await conn.execute("UPDATE erasure_jobs SET completed_at = now(), updated_at = now()"
                                   " WHERE learner_id = %s", (learner_id,))
        return report


async def _record_on(conn: psycopg.AsyncConnection[Any], learner_id: str, store: str, removed: int,
                     done: bool, detail: str) -> None:
    await conn.execute("UPDATE erasure_steps SET removed_count = removed_count + %s, done = %s, detail = %s,"
                       " updated_at = now() WHERE learner_id = %s AND store = %s",
                       (removed, done, detail, learner_id, store))


async def _report(conn: psycopg.AsyncConnection[Any], learner_id: str) -> ErasureReport | None:
    cur = await conn.execute("SELECT store, removed_count, done, detail FROM erasure_steps"
                             " WHERE learner_id = %s ORDER BY position", (learner_id,))
    rows = await cur.fetchall()
    if not rows:
        return None
    return ErasureReport(learner_id, [StepReport(r["store"], int(r["removed_count"]), bool(r["done"]), r["detail"])
                                      for r in rows])
