"""The ClickHouse-server backend's SQL, single-server and ON CLUSTER, parsed by the same engine in chdb.

No ClickHouse server runs here. ClickHouseBackend runs with a stand-in driver client (see
server_stand_in.py) that parses each statement with EXPLAIN AST and runs it on chdb, so the
backend's own text, parameters, external tables and columnar inserts all meet the real engine.
"""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from server.app import Node
from server.config import Settings
from stores.analytics import AnalyticsSettings, create_backend
from stores.analytics.aggregates import Aggregator
from stores.analytics.chdb import ChdbBackend
from stores.analytics.cluster import (
    SHARDING_KEYS,
    checked_cluster,
    cluster_statements,
    local_name,
)
from stores.analytics.events import EventStore, set_retention
from stores.analytics.queries import (
    BUCKETS,
    MEASURES,
    ExportFilter,
    content_ranking,
    export_events,
    learner_performance,
)
from stores.errors import PreconditionFailed
from stores.migrator import migrate_analytics
from stores.postgres import PostgresStore
from stores.sync.cohorts import cohort_stats
from stores.sync.erasure import Eraser
from stores.sync.reconcile import reconcile
from tests.stores.analytics import oracle
from tests.stores.analytics.helpers import to_batch
from tests.stores.analytics.server_stand_in import StandInBackend, explain_ast
from tests.stores.statements import resolve_call_sites

CLUSTER = "amauta_cluster"
#: Modules whose analytics SQL is built at run time; the workload below calls each of them.
DYNAMIC_SQL_MODULES = {"stores.analytics.aggregates", "stores.analytics.queries", "stores.sync.erasure", "stores.analytics.events",
                       "stores.migrator"}


@pytest.fixture
async def engine(node: Node) -> AsyncIterator[ChdbBackend]:
    """The node's chdb engine (one per process), in a database of this test's own."""
    database = f"server_sql_{uuid.uuid4().hex[:8]}"
    chdb = ChdbBackend(AnalyticsSettings(path=node.embedded.chdb_path(), database=database))
    await chdb.open()
    yield chdb
    await chdb.execute(f"DROP DATABASE IF EXISTS {database}")
    await chdb.close()


def stand_in(engine: ChdbBackend, *, cluster: str = "", execute: bool = True) -> StandInBackend:
    settings = AnalyticsSettings(url="clickhouse://127.0.0.1:9000", database=engine.settings.database,
                                 cluster=cluster)
    return StandInBackend(settings, engine, execute=execute)


def month_of(ms: int) -> int:
    when = datetime.fromtimestamp(ms / 1000, UTC)
    return when.year * 100 + when.month


async def test_server_backend_sql_parses_and_runs_on_the_engine(engine: ChdbBackend, pg: PostgresStore) -> None:
    backend = stand_in(engine)
    await backend.open()
    await migrate_analytics(backend)
    rnd = random.Random(16)
    events = oracle.generate(rnd, start=oracle.utc(50), days=40, learners=[f"l{i}" for i in range(4)],
                             contents=[f"c{i}" for i in range(3)], dataset_id="d1", objectives=["o1", "o2"],
                             count=300)
    events += oracle.session_ends(rnd, events, 30)
    store = EventStore(backend)
    first = await store.record(to_batch(events))
    again = await store.record(to_batch(events))
    assert (first.inserted, again.inserted) == (len(events), 0)
    counted = await engine.query("SELECT count() AS n FROM learning_events")
    assert int(counted[0]["n"]) == len(events)  # the columnar insert path stored every row once

    assert (await Aggregator(backend).refresh()).recomputed
    span = (oracle.utc(60), oracle.utc(-1))
    start_ms, end_ms = (int(t.timestamp() * 1000) for t in span)
    for bucket in BUCKETS:
        assert await learner_performance(backend, learner_id="l0", metric="accuracy", bucket=bucket,
                                         start_ms=start_ms, end_ms=end_ms)
    for measure in MEASURES:
        page = await content_ranking(backend, measure=measure, ascending=False, min_usage=0, dataset_id="d1",
                                     start_ms=start_ms, end_ms=end_ms, limit=2, after=None)
        assert page
        await content_ranking(backend, measure=measure, ascending=True, min_usage=1, dataset_id="",
                              start_ms=None, end_ms=None, limit=2, after=(page[-1].score, page[-1].content_id))
    learner_type = f"stand-in-{uuid.uuid4().hex[:6]}"
    async with pg.connection() as conn:
        await conn.execute("INSERT INTO learner_profiles (learner_id, learner_type) VALUES (%s, %s)",
                           (f"l0-{learner_type}", learner_type))
    await cohort_stats(backend, pg, metric="accuracy", learner_type=learner_type, objective="o1",
                       start_ms=start_ms, end_ms=end_ms, percentiles=[50.0, 90.0])
    stats = await cohort_stats(backend, pg, metric="accuracy", learner_type="", objective="",
                               start_ms=start_ms, end_ms=end_ms, percentiles=[50.0])
    assert stats.learner_count == 4
    exported = [row async for batch in export_events(backend, ExportFilter(learner_id="l1", event_type="interaction"),
                                                     batch_size=7) for row in batch]
    assert exported and all(r["learner_id"] == "l1" for r in exported)
    months = sorted({month_of(e.ts_ms) for e in events})
    drift = await reconcile(pg, backend, start_month=months[0], end_month=months[-1], max_examples=3)
    assert any(d.extra_ids for d in drift)  # these events have no PostgreSQL source: every id is extra
    await set_retention(backend, 3650)
    await set_retention(backend, 0)
    eraser = Eraser(pg, None, None, backend)  # type: ignore[arg-type]
    await eraser._clickhouse("l2")
    # A server that refuses lightweight DELETE gets the mutation form instead.
    backend.refused = "DELETE FROM"
    await eraser._clickhouse("l3")
    backend.refused = ""
    assert any(s.sql.startswith("ALTER TABLE learning_events DELETE") for s in backend.sent)
    left = await engine.query("SELECT count() AS n FROM learning_events WHERE learner_id IN ('l2', 'l3')")
    assert int(left[0]["n"]) == 0

    shapes = {re.sub(r"\s+", " ", s.sql) for s in backend.sent}
    # Every statement above was parsed by EXPLAIN AST before it ran; a failure would have raised.
    assert len(shapes) >= 40, len(shapes)
    assert not any("Python(" in s for s in shapes)  # the server path (external tables), not chdb's own
    await backend.close()


async def test_every_static_analytics_statement_parses(engine: ChdbBackend) -> None:
    found = resolve_call_sites(["stores", "server"], {"execute", "query", "query_input", "execute_ddl"},
                               re.compile(r"(^|\.)(backend|analytics)$"),
                               skip=["stores/analytics/base.py", "stores/analytics/chdb.py",
                                     "stores/analytics/clickhouse.py"])
    assert len(found.texts) >= 8, found.texts
    for origin, sql in found.texts.items():
        # ClickHouseBackend sends the input table of query_input as the external table _input.
        assert explain_ast(engine, sql.replace("{input}", "_input")), origin
    modules = {u.split(":", 1)[0] for u in found.unresolved}
    assert modules <= DYNAMIC_SQL_MODULES, (
        f"analytics SQL built at run time in {modules - DYNAMIC_SQL_MODULES}: exercise it in"
        " test_server_backend_sql_parses_and_runs_on_the_engine and list the module here")


async def test_cluster_ddl_is_on_cluster_replicated_and_distributed(engine: ChdbBackend) -> None:
    backend = stand_in(engine, cluster=CLUSTER, execute=False)
    await backend.open()
    await migrate_analytics(backend)
    await set_retention(backend, 30)
    await EventStore(backend).record(to_batch(oracle.generate(
        random.Random(1), start=oracle.utc(3), days=2, learners=["a"], contents=["c"], dataset_id="d",
        objectives=["o"], count=5)))
    sent = [s.sql for s in backend.sent]
    ddl = [s for s in sent if s.startswith(("CREATE", "ALTER"))]
    # Every statement was parsed by the engine (the stand-in runs EXPLAIN AST on each one).
    assert all(f"ON CLUSTER {CLUSTER}" in s for s in ddl), [s for s in ddl if "ON CLUSTER" not in s]
    assert f"CREATE DATABASE IF NOT EXISTS {engine.settings.database} ON CLUSTER {CLUSTER}" in sent
    for table, key in SHARDING_KEYS.items():
        local = local_name(table)
        stored = [s for s in ddl if s.startswith(f"CREATE TABLE IF NOT EXISTS {local} ")]
        assert len(stored) == 1, table
        assert re.search(rf"ENGINE = Replicated\w*MergeTree\('/clickhouse/tables/{{shard}}/{{database}}/{local}',"
                         r" '\{replica\}'", stored[0]), stored[0]
        tree = explain_ast(engine, stored[0])
        assert "Function Replicated" in tree
        assert (f"CREATE TABLE IF NOT EXISTS {table} ON CLUSTER {CLUSTER} AS {local} ENGINE = "
                f"Distributed({CLUSTER}, currentDatabase(), {local}, {key})") in ddl
    assert not any("non_replicated" in s for s in ddl)
    assert all(re.match(rf"ALTER TABLE \w+{'_local'} ON CLUSTER", s) for s in ddl if s.startswith("ALTER"))
    assert any("MODIFY TTL" in s and "learning_events_local" in s for s in ddl)
    inserts = [s for s in backend.sent if s.sql.startswith("INSERT INTO learning_events")]
    assert inserts and all(s.settings.get("distributed_foreground_insert") == 1 for s in inserts)
    # The aggregation's staging swap is not cluster-aware: it refuses before sending anything.
    before = len(backend.sent)
    with pytest.raises(PreconditionFailed, match="cluster"):
        await Aggregator(backend).refresh()
    assert len(backend.sent) == before


def test_cluster_forms_of_unknown_statements_and_names_are_refused() -> None:
    with pytest.raises(ValueError, match="identifier"):
        checked_cluster("c; DROP TABLE x")
    with pytest.raises(ValueError, match="no sharding key"):
        cluster_statements("CREATE TABLE IF NOT EXISTS other (a Int8) ENGINE = MergeTree ORDER BY a", CLUSTER)
    with pytest.raises(ValueError, match="no cluster form"):
        cluster_statements("DROP TABLE learning_events", CLUSTER)
    with pytest.raises(ValueError, match="AMAUTA_CLICKHOUSE_URL"):
        create_backend(AnalyticsSettings(cluster=CLUSTER))
    with pytest.raises(ValueError, match="identifier"):
        create_backend(AnalyticsSettings(url="clickhouse://h:9000/db", cluster="two words"))
    assert Settings.from_env({"AMAUTA_CLICKHOUSE_CLUSTER": CLUSTER}).clickhouse_cluster == CLUSTER
    assert Settings.from_env({}).clickhouse_cluster == ""
