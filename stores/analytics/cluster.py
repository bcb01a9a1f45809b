"""The cluster form of the analytics DDL (AMAUTA_CLICKHOUSE_CLUSTER): ON CLUSTER, Replicated engines, Distributed reads.

Migrations are written once, for one server (and chdb). On a cluster each table `t` becomes:

- `t_local`: the rows of one shard, a Replicated*MergeTree whose Keeper path names the shard and the
  database, created ON CLUSTER so that every replica of every shard has it;
- `t`: a Distributed table over `t_local` on every shard, under the name the queries use, so that
  reads see every shard and inserts are routed by the table's sharding key.

`ALTER TABLE t ...` acts on the stored rows, so it goes to `t_local` ON CLUSTER.
"""

from __future__ import annotations

import re

#: How the rows of each table are spread over shards: a learner's events and metrics stay on one
#: shard; content rows by content; bookkeeping rows by their key, so FINAL merges them in one shard.
SHARDING_KEYS = {
    "learning_events": "cityHash64(learner_id)",
    "performance_metrics": "cityHash64(learner_id)",
    "content_effectiveness": "cityHash64(content_id)",
    "analytics_aggregation_state": "month",
    "schema_migrations": "cityHash64(name)",
}

LOCAL_SUFFIX = "_local"

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_CREATE = re.compile(r"^CREATE TABLE IF NOT EXISTS (\w+) (\(.*?\)) ENGINE = (\w*MergeTree)(?:\(([^)]*)\))?(.*)$",
                     re.DOTALL)
_ALTER = re.compile(r"^ALTER TABLE (\w+) (.*)$", re.DOTALL)


def checked_cluster(name: str) -> str:
    """Return name when it is a plain identifier (it is spliced into DDL); raise ValueError otherwise."""
    if not _NAME.match(name):
        raise ValueError(f"ClickHouse cluster name {name!r} must be an identifier ([A-Za-z_][A-Za-z0-9_]*)")
    return name


def local_name(table: str) -> str:
    """The name of a table's per-shard storage on a cluster."""
    return f"{table}{LOCAL_SUFFIX}"


def cluster_statements(statement: str, cluster: str) -> list[str]:
    """The cluster form of one migration statement (a list: a CREATE TABLE gives two)."""
    cluster = checked_cluster(cluster)
    statement = statement.strip()
    create = _CREATE.match(statement)
    if create:
        table, columns, engine, args, rest = create.groups()
        if table not in SHARDING_KEYS:
            raise ValueError(f"no sharding key for table {table!r}: add it to SHARDING_KEYS")
        local = local_name(table)
        # The Keeper path must be unique per shard and database; the macros come from each server's config.
        replicated = ", ".join(p for p in (f"'/clickhouse/tables/{{shard}}/{{database}}/{local}'", "'{replica}'",
                                            (args or "").strip()) if p)
        # Deduplication by insert token uses the replicated window on a Replicated table.
        rest = rest.replace("non_replicated_deduplication_window", "replicated_deduplication_window")
        return [
            (f"CREATE TABLE IF NOT EXISTS {local} ON CLUSTER {cluster} {columns} "
             f"ENGINE = Replicated{engine}({replicated}){rest}"),
            (f"CREATE TABLE IF NOT EXISTS {table} ON CLUSTER {cluster} AS {local} "
             f"ENGINE = Distributed({cluster}, currentDatabase(), {local}, {SHARDING_KEYS[table]})"),
        ]
    alter = _ALTER.match(statement)
    if alter:
        table, rest = alter.groups()
        return [f"ALTER TABLE {local_name(table)} ON CLUSTER {cluster} {rest}"]
    raise ValueError(f"no cluster form for statement: {statement[:80]!r}")
