"""Date partitioning of learning_sessions: plain table vs monthly range partitions, same rows, same run.

Run: python -m bench.partitioning [--rows N] [--months M]. Prints insert and query timings of both
layouts; the partitioning decision in docs/scale.md quotes them.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import psycopg

from stores.embedded.postgres_server import EmbeddedPostgres

PLAIN = """
CREATE TABLE ls_plain (
    session_id UUID PRIMARY KEY,
    learner_id VARCHAR(100) NOT NULL,
    session_type VARCHAR(50) NOT NULL,
    start_time TIMESTAMPTZ NOT NULL,
    completion_status VARCHAR(20),
    duration INTEGER);
CREATE INDEX ON ls_plain(learner_id);
CREATE INDEX ON ls_plain(start_time);
CREATE TABLE ar_plain (assessment_id UUID PRIMARY KEY, session_id UUID REFERENCES ls_plain(session_id));
"""

PARTITIONED = """
CREATE TABLE ls_part (
    session_id UUID NOT NULL,
    learner_id VARCHAR(100) NOT NULL,
    session_type VARCHAR(50) NOT NULL,
    start_time TIMESTAMPTZ NOT NULL,
    completion_status VARCHAR(20),
    duration INTEGER,
    PRIMARY KEY (session_id, start_time)) PARTITION BY RANGE (start_time);
CREATE INDEX ON ls_part(learner_id);
CREATE INDEX ON ls_part(start_time);
-- A foreign key must name the whole key, so assessments would have to carry start_time too.
CREATE TABLE ar_part (assessment_id UUID PRIMARY KEY, session_id UUID, session_start TIMESTAMPTZ,
                      FOREIGN KEY (session_id, session_start) REFERENCES ls_part(session_id, start_time));
"""


def timed(fn: Callable[[], object], repeat: int = 1) -> float:
    """Median wall seconds of fn over repeat runs."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--months", type=int, default=24)
    args = parser.parse_args()
    pg = EmbeddedPostgres(Path(tempfile.mkdtemp(prefix="amauta-part-")))
    pg.start()
    try:
        with psycopg.connect(pg.url(), autocommit=True) as conn:
            conn.execute("SET maintenance_work_mem = '256MB'")
            conn.execute(PLAIN)
            conn.execute(PARTITIONED)
            for m in range(args.months):
                conn.execute(
                    f"CREATE TABLE ls_part_{m} PARTITION OF ls_part FOR VALUES FROM"
                    f" (timestamptz '2025-01-01' + interval '{m} month')"
                    f" TO (timestamptz '2025-01-01' + interval '{m + 1} month')")
            gen = (f"SELECT gen_random_uuid(), 'learner-' || (g % 100000), 'practice',"
                   f" timestamptz '2025-01-01' + (g % ({args.months} * 30 * 86400)) * interval '1 second',"
                   f" 'completed', g % 3600 FROM generate_series(1, {args.rows}) g")
            results: dict[str, dict[str, float]] = {"plain": {}, "partitioned": {}}
            for layout, table in (("plain", "ls_plain"), ("partitioned", "ls_part")):
                r = results[layout]
                r["insert_s"] = timed(lambda t=table: conn.execute(f"INSERT INTO {t} {gen}"))
                conn.execute(f"VACUUM ANALYZE {table}")
                ids = [row[0] for row in conn.execute(
                    f"SELECT session_id FROM {table} TABLESAMPLE SYSTEM (0.1) LIMIT 200").fetchall()]
                r["pk_lookup_ms"] = 1000 * timed(
                    lambda t=table, ids=ids: [conn.execute(f"SELECT * FROM {t} WHERE session_id = %s", (i,)).fetchone()
                                              for i in ids]) / len(ids)
                r["learner_30d_ms"] = 1000 * timed(lambda t=table: conn.execute(
                    f"SELECT count(*) FROM {t} WHERE learner_id = 'learner-42'"
                    f" AND start_time >= timestamptz '2026-06-01'"
                    f" AND start_time < timestamptz '2026-07-01'").fetchone(),
                    repeat=5)
                r["one_month_count_ms"] = 1000 * timed(lambda t=table: conn.execute(
                    f"SELECT count(*) FROM {t} WHERE start_time >= timestamptz '2025-03-01'"
                    f" AND start_time < timestamptz '2025-04-01'").fetchone(), repeat=3)
                r["insert_1k_single_rows_s"] = timed(lambda t=table: [conn.execute(
                    f"INSERT INTO {t} VALUES (%s, 'l', 'practice', timestamptz '2025-05-05', 'completed', 1)",
                    (uuid.uuid4(),)) for _ in range(1000)])
                print(layout, {k: round(v, 4) for k, v in r.items()}, flush=True)
            r = results["plain"]
            r["drop_old_month_s"] = timed(lambda: conn.execute(
                "DELETE FROM ls_plain WHERE start_time < timestamptz '2025-02-01'"))
            # The FK from assessments blocks dropping a partition (PostgreSQL refuses even when no
            # row refers to it); retention by partition needs the FK dropped first.
            try:
                conn.execute("DROP TABLE ls_part_0")
                blocked = 0.0
            except psycopg.errors.DependentObjectsStillExist:
                blocked = 1.0
                conn.execute("ALTER TABLE ar_part DROP CONSTRAINT ar_part_session_id_session_start_fkey")
            results["partitioned"]["drop_old_month_s"] = timed(lambda: conn.execute("DROP TABLE ls_part_0"))
            results["plain"]["drop_blocked_by_fk"] = 0.0
            results["partitioned"]["drop_blocked_by_fk"] = blocked
        print(f"rows={args.rows} months={args.months}")
        keys = list(results["plain"])
        print(f"{'measure':28} {'plain':>12} {'partitioned':>12}")
        for key in keys:
            print(f"{key:28} {results['plain'][key]:12.3f} {results['partitioned'][key]:12.3f}")
    finally:
        pg.stop()


if __name__ == "__main__":
    main()
