"""Migrations: idempotent, recorded, and visible in each store's own catalog."""

from __future__ import annotations

import pytest

from server.app import Node
from stores.errors import AlreadyExists, InvalidData
from stores.migrator import migrate_analytics, migrate_graph, migrate_postgres, split_statements

TABLES = {"training_datasets", "training_content", "simulation_environments", "learner_profiles",
          "learning_sessions", "assessment_results", "analytics_outbox", "idempotency_keys"}

SCHEMA_INDEXES = {
    "idx_training_datasets_type", "idx_training_datasets_created_at",
    "idx_training_datasets_quality_score", "idx_training_datasets_validation_status",
    "idx_training_datasets_target_capabilities", "idx_training_content_dataset",
    "idx_training_content_difficulty", "idx_training_content_tags", "idx_training_content_objectives",
    "idx_simulation_environments_type", "idx_simulation_environments_complexity",
    "idx_simulation_environments_active", "idx_simulation_environments_objectives",
    "idx_learner_profiles_learner_id", "idx_learner_profiles_type",
    "idx_learner_profiles_last_activity", "idx_learning_sessions_learner",
    "idx_learning_sessions_type", "idx_learning_sessions_start_time", "idx_learning_sessions_status",
    "idx_assessment_results_learner", "idx_assessment_results_type",
    "idx_assessment_results_timestamp",
}


async def test_second_run_applies_nothing(node: Node) -> None:
    assert node.runtime is not None
    stores = node.runtime.stores
    assert await migrate_postgres(stores.postgres) == []
    assert await migrate_analytics(stores.analytics) == []
    assert await migrate_graph(stores.graph) == []
    async with stores.postgres.connection() as conn:
        cur = await conn.execute("SELECT count(*) AS n, count(DISTINCT name) AS d FROM schema_migrations")
        row = await cur.fetchone()
    assert row is not None and row["n"] == row["d"] >= 3


async def test_postgres_catalog_has_tables_and_indexes(node: Node) -> None:
    assert node.runtime is not None
    async with node.runtime.stores.postgres.connection() as conn:
        cur = await conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        tables = {r["tablename"] for r in await cur.fetchall()}
        cur = await conn.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'")
        indexes = {r["indexname"]: r["indexdef"] for r in await cur.fetchall()}
        cur = await conn.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = 'learning_sessions'::regclass AND contype = 'c'")
        checks = {r["conname"] for r in await cur.fetchall()}
    assert TABLES <= tables
    assert SCHEMA_INDEXES <= set(indexes)
    assert "USING gin" in indexes["idx_training_content_tags"]
    assert "chk_session_times" in checks


async def test_postgres_constraints_reject_bad_rows(node: Node) -> None:
    assert node.runtime is not None
    pg = node.runtime.stores.postgres
    async with pg.connection() as conn:
        await conn.execute("INSERT INTO learner_profiles (learner_id, learner_type) VALUES ('mig-dup', 't')")
    with pytest.raises(AlreadyExists):
        async with pg.connection() as conn:
            await conn.execute("INSERT INTO learner_profiles (learner_id, learner_type) VALUES ('mig-dup', 't')")
    with pytest.raises(InvalidData):
        async with pg.connection() as conn:
            await conn.execute(
                "INSERT INTO training_datasets (name, dataset_type, generation_method) VALUES ('n', 'nope', '{}')")


async def test_graph_constraints_are_operational(node: Node) -> None:
    assert node.runtime is not None
    graph = node.runtime.stores.graph
    await graph.run("MERGE (:Objective {objectiveId: 'mig-o'})")
    with pytest.raises(AlreadyExists):
        await graph.run("CREATE (:Objective {objectiveId: 'mig-o'})")
    await graph.run("MATCH (o:Objective {objectiveId: 'mig-o'}) DELETE o")


def test_split_statements_drops_comments() -> None:
    text = "-- head\nCREATE TABLE a (x Int8);\n\n-- only a comment;\nCREATE TABLE b (y Int8);\n"
    assert split_statements(text) == ["CREATE TABLE a (x Int8)", "CREATE TABLE b (y Int8)"]
