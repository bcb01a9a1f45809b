"""Rule 5, analytics accuracy: per month, the delivered source rows in PostgreSQL against learning_events.

Source: analytics_outbox rows of the three derived types that the analytics relay has marked
delivered (pending rows are relay lag, reported by amauta_outbox_lag_seconds, not drift), placed in
the month of analytics_event_time(), the time the relay gives their events. Analytics: rows of
those types in learning_events (ingest refuses them, so every one comes from the relay).
Checksum: the sum, modulo 2^64, of the first 8 bytes of MD5(event_id) read as a big-endian integer;
order-independent, computed inside each database. Ids are listed only for months that differ.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from stores.analytics.aggregates import month_bounds
from stores.analytics.base import AnalyticsBackend
from stores.postgres import PostgresStore
from stores.postgres.outbox import lag_seconds

_TYPES = ("session_start", "session_end", "assessment_submit")
_SOURCE = ("SELECT event_id::text AS event_id, analytics_event_time(event_type, payload, created_at) AS at"
           " FROM analytics_outbox WHERE event_type = ANY(%(types)s)"
           " AND NOT EXISTS (SELECT 1 FROM outbox_pending p WHERE p.consumer = 'analytics'"
           " AND p.outbox_id = analytics_outbox.outbox_id)")
_SOURCE_SUMS = (
    "SELECT to_char(at AT TIME ZONE 'UTC', 'YYYYMM')::int AS month, count(*) AS n,"
    " COALESCE(sum(('x' || substr(md5(event_id), 1, 16))::bit(64)::bigint::numeric), 0) AS h"
    f" FROM ({_SOURCE}) s WHERE at >= %(start)s AND at < %(end)s GROUP BY 1")
_SOURCE_IDS = f"SELECT event_id FROM ({_SOURCE}) s WHERE at >= %(start)s AND at < %(end)s"
#: Rows the relay has not delivered yet, per month and in all (lag, beside the counts).
_PENDING = (
    "SELECT to_char(analytics_event_time(event_type, payload, created_at) AT TIME ZONE 'UTC', 'YYYYMM')::int"
    " AS month, count(*) AS n FROM analytics_outbox WHERE event_type = ANY(%(types)s)"
    " AND EXISTS (SELECT 1 FROM outbox_pending p WHERE p.consumer = 'analytics'"
    " AND p.outbox_id = analytics_outbox.outbox_id) GROUP BY 1")
_RANGE = ("event_type IN ('session_start', 'session_end', 'assessment_submit')"
          " AND timestamp >= fromUnixTimestamp64Milli({start_ms:Int64}, 'UTC')"
          " AND timestamp < fromUnixTimestamp64Milli({end_ms:Int64}, 'UTC')")
_ANALYTICS_SUMS = ("SELECT toYYYYMM(timestamp) AS month, count() AS n,"
                   " sum(reinterpretAsUInt64(reverse(substring(MD5(event_id), 1, 8)))) AS h"
                   f" FROM learning_events WHERE {_RANGE} GROUP BY month")
_ANALYTICS_IDS = f"SELECT event_id FROM learning_events WHERE {_RANGE}"


@dataclass(frozen=True)
class PartitionDrift:
    """Drift of one month partition."""

    month: int
    source_count: int
    analytics_count: int
    source_checksum: str
    analytics_checksum: str
    missing_ids: list[str] = field(default_factory=list)
    extra_ids: list[str] = field(default_factory=list)
    #: Source rows of the month still waiting for the relay (in neither count).
    pending_count: int = 0

    @property
    def in_sync(self) -> bool:
        """Counts and checksums agree."""
        return (self.source_count == self.analytics_count
                and self.source_checksum == self.analytics_checksum)


def months_between(start: int, end: int) -> list[int]:
    """YYYYMM months from start to end, inclusive."""
    out, month = [], start
    while month <= end:
        out.append(month)
        year, mo = divmod(month, 100)
        month = (year + 1) * 100 + 1 if mo == 12 else month + 1
    return out


def _hex(value: int) -> str:
    return f"{value % 2**64:016x}"


async def reconcile(postgres: PostgresStore, analytics: AnalyticsBackend, *, start_month: int,
                    end_month: int, max_examples: int) -> list[PartitionDrift]:
    """Counts and checksums per month in [start_month, end_month], with id samples where they differ."""
    months = months_between(start_month, end_month)
    start, _ = month_bounds(months[0])
    _, end = month_bounds(months[-1])
    span = {"types": list(_TYPES), "start": start, "end": end}
    async with postgres.connection() as conn:
        cur = await conn.execute(_SOURCE_SUMS, span)
        source = {int(r["month"]): (int(r["n"]), int(r["h"])) for r in await cur.fetchall()}
    window = {"start_ms": int(start.timestamp()) * 1000, "end_ms": int(end.timestamp()) * 1000}
    found = {int(r["month"]): (int(r["n"]), int(r["h"]))
             for r in await analytics.query(_ANALYTICS_SUMS, window)}
    pending = await pending_by_month(postgres)
    report = []
    for month in months:
        s_n, s_h = source.get(month, (0, 0))
        a_n, a_h = found.get(month, (0, 0))
        drift = PartitionDrift(month, s_n, a_n, _hex(s_h), _hex(a_h), pending_count=pending.get(month, 0))
        if not drift.in_sync:
            missing, extra = await differences(postgres, analytics, month)
            drift = PartitionDrift(month, s_n, a_n, _hex(s_h), _hex(a_h), sorted(missing)[:max_examples],
                                   sorted(extra)[:max_examples], pending.get(month, 0))
        report.append(drift)
    return report


async def pending_by_month(postgres: PostgresStore) -> dict[int, int]:
    """Undelivered source rows of the derived types, per YYYYMM month of their event time."""
    async with postgres.connection() as conn:
        cur = await conn.execute(_PENDING, {"types": list(_TYPES)})
        return {int(r["month"]): int(r["n"]) for r in await cur.fetchall()}


@dataclass(frozen=True)
class ReconcileReport:
    """Rule 5 per month, with the relay's backlog beside the counts (lag is not drift)."""

    partitions: list[PartitionDrift]
    pending_count: int
    relay_lag_seconds: float


async def reconcile_report(postgres: PostgresStore, analytics: AnalyticsBackend, *, start_month: int,
                           end_month: int, max_examples: int) -> ReconcileReport:
    """reconcile() plus every undelivered source row and the age of the oldest one."""
    partitions = await reconcile(postgres, analytics, start_month=start_month, end_month=end_month,
                                 max_examples=max_examples)
    total = sum((await pending_by_month(postgres)).values())
    return ReconcileReport(partitions, total, await lag_seconds(postgres, "analytics"))


async def differences(postgres: PostgresStore, analytics: AnalyticsBackend,
                       month: int) -> tuple[set[str], set[str]]:
    """Source ids missing from analytics, and analytics ids absent from the source, of one month."""
    start, end = month_bounds(month)
    async with postgres.connection() as conn:
        cur = await conn.execute(_SOURCE_IDS, {"types": list(_TYPES), "start": start, "end": end})
        source = {r["event_id"] for r in await cur.fetchall()}
    rows = await analytics.query(_ANALYTICS_IDS, {"start_ms": int(start.timestamp()) * 1000,
                                                   "end_ms": int(end.timestamp()) * 1000})
    found = {r["event_id"] for r in rows}
    return source - found, found - source
