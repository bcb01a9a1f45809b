"""The cluster form of migrations: Replicated local tables, Distributed reads, ALTERs on the local table."""

from __future__ import annotations

import pytest

from stores.analytics.cluster import SHARDING_KEYS, checked_cluster, cluster_statements, local_name

CREATE = ("CREATE TABLE IF NOT EXISTS performance_metrics (timestamp DateTime64(3), learner_id String)"
          " ENGINE = MergeTree() PARTITION BY toYYYYMM(timestamp) ORDER BY timestamp"
          " SETTINGS non_replicated_deduplication_window = 10000")


def test_a_create_becomes_a_replicated_local_table_and_a_distributed_one() -> None:
    local, distributed = cluster_statements(CREATE, "c1")
    assert local.startswith("CREATE TABLE IF NOT EXISTS performance_metrics_local ON CLUSTER c1 (timestamp")
    assert ("ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/performance_metrics_local',"
            " '{replica}')") in local
    assert "replicated_deduplication_window = 10000" in local and "non_replicated" not in local
    assert distributed == ("CREATE TABLE IF NOT EXISTS performance_metrics ON CLUSTER c1 AS performance_metrics_local"
                           " ENGINE = Distributed(c1, currentDatabase(), performance_metrics_local,"
                           " cityHash64(learner_id))")


def test_engine_arguments_are_kept_after_the_keeper_path() -> None:
    sql = ("CREATE TABLE IF NOT EXISTS schema_migrations (name String, v UInt64)"
           " ENGINE = ReplacingMergeTree(v) ORDER BY name")
    local, _ = cluster_statements(sql, "c1")
    assert "ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/schema_migrations_local'," \
           " '{replica}', v) ORDER BY name" in local


def test_alters_go_to_the_stored_rows() -> None:
    assert cluster_statements("ALTER TABLE learning_events MODIFY TTL x", "c1") == [
        "ALTER TABLE learning_events_local ON CLUSTER c1 MODIFY TTL x"]


def test_unknown_tables_statements_and_cluster_names_are_refused() -> None:
    with pytest.raises(ValueError, match="no sharding key for table 'other'"):
        cluster_statements("CREATE TABLE IF NOT EXISTS other (a UInt8) ENGINE = MergeTree() ORDER BY a", "c1")
    with pytest.raises(ValueError, match="no cluster form"):
        cluster_statements("DROP TABLE learning_events", "c1")
    with pytest.raises(ValueError, match="must be an identifier"):
        checked_cluster("c1 ON CLUSTER x")
    assert checked_cluster("_main2") == "_main2"
    assert local_name("t") == "t_local" and "learning_events" in SHARDING_KEYS
