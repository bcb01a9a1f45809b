"""Redis → PostgreSQL for live simulations (§4.6.1): the periodic sync, hang detection and the rule-1 reconciler.

The sync pass copies each live simulation's config and state into its participants' in-progress
sessions (session_config, session_metadata) when its version moved since the last copy. The
reconciler compares both stores and repairs:

- a Redis session without PostgreSQL records → records are created (`adopted`), or, when its
  environment is unknown or inactive, it is only reported (`orphaned`);
- a Redis session whose PostgreSQL simulation has ended → the Redis end step is redone;
- an unended PostgreSQL simulation without Redis state, older than the grace period → abandoned
  (`start_incomplete` when it never went live, `redis_state_lost` otherwise);
- an in-progress session whose learner is not a live participant, older than the grace period → abandoned;
- index entries without a hash are removed, hashes missing from the index are added.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from stores.postgres.simulations import SyncRow
from stores.redis.simulation_state import epoch_ms, iso, now_utc, parse_iso
from stores.redis.simulations import LiveState
from stores.sync.simulations import SimulationDomain

log = logging.getLogger(__name__)

_CHUNK = 500
ACTOR = "reconciler"


@dataclass
class SyncReport:
    """What one sync pass saw and did."""

    active: int = 0
    copied_sessions: int = 0
    synced_simulations: int = 0
    #: Age of the oldest change not yet copied when the pass began (seconds).
    lag_seconds: float = 0.0
    hung: list[str] = field(default_factory=list)
    abandoned_hung: list[str] = field(default_factory=list)


@dataclass
class ReconcileReport:
    """Findings of one reconciler pass; with repair off nothing was changed."""

    adopted: list[str] = field(default_factory=list)
    orphaned: list[str] = field(default_factory=list)
    redis_ends_finished: list[str] = field(default_factory=list)
    start_incomplete: list[str] = field(default_factory=list)
    redis_state_lost: list[str] = field(default_factory=list)
    stray_sessions: list[str] = field(default_factory=list)
    index_added: list[str] = field(default_factory=list)
    index_removed: list[str] = field(default_factory=list)

    @property
    def abandoned(self) -> list[str]:
        """Simulations the pass abandoned (or would abandon)."""
        return self.start_incomplete + self.redis_state_lost

    @property
    def findings(self) -> int:
        """Rule-1 findings: Redis sessions without records plus records without Redis state."""
        return len(self.adopted) + len(self.orphaned) + len(self.abandoned) + len(self.stray_sessions)


class SimulationSync:
    """The periodic passes; each is safe to run on several nodes at once."""

    def __init__(self, domain: SimulationDomain) -> None:
        self.domain = domain
        self.live = domain.live
        self.records = domain.records
        self.settings = domain.settings

    async def sync_once(self) -> SyncReport:
        """Copy changed live state into PostgreSQL; find hung simulations (and abandon them if configured)."""
        report = SyncReport()
        ids = await self.live.index_all()
        now = now_utc()
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start:start + _CHUNK]
            states = [s for s in await self.live.get_many(chunk) if s is not None]
            records = await self.records.many([s.simulation_id for s in states])
            rows = []
            for state in states:
                report.active += 1
                last = parse_iso(state.last_update) or now
                record = records.get(state.simulation_id)
                if record is not None and (state.version > record.synced_version or record.status == "starting"):
                    rows.append(_sync_row(state, now))
                    report.lag_seconds = max(report.lag_seconds, (now - last).total_seconds())
                if (now - last).total_seconds() > self.settings.hang_seconds:
                    report.hung.append(state.simulation_id)
            report.copied_sessions += await self.records.copy_live(rows)
            report.synced_simulations += len(rows)
        if self.settings.hang_abandon:
            for simulation_id in report.hung:
                if await self.domain.abandon(simulation_id, reason="hung", actor=ACTOR):
                    report.abandoned_hung.append(simulation_id)
        return report

    async def reconcile_once(self, *, repair: bool = True) -> ReconcileReport:
        """Compare Redis and PostgreSQL and repair (or only report) what rule 1 forbids."""
        report = ReconcileReport()
        await self._redis_side(report, repair)
        await self._postgres_side(report, repair)
        return report

    async def _redis_side(self, report: ReconcileReport, repair: bool) -> None:
        # Redis first, PostgreSQL second: a start commits PostgreSQL before it writes Redis, so a hash
        # seen here has its committed records by the time they are read.
        hashed = await self.live.scan_ids()
        indexed = set(await self.live.index_all())
        records = await self.records.many(hashed)
        for simulation_id in hashed:
            record = records.get(simulation_id)
            if record is None:
                state = await self.live.get(simulation_id)
                if state is None:
                    continue
                if not (repair and await self.domain.adopt(state)):
                    report.orphaned.append(simulation_id)
                    continue
                report.adopted.append(simulation_id)
            elif record.ended:
                report.redis_ends_finished.append(simulation_id)
                if repair:
                    await self.live.end(simulation_id, now_ms=epoch_ms(now_utc()), actor=ACTOR)
                continue
            if simulation_id not in indexed:
                report.index_added.append(simulation_id)
                if repair:
                    state = await self.live.get(simulation_id)
                    if state is not None:
                        start = parse_iso(state.start_time) or now_utc()
                        await self.live.index_add(simulation_id, epoch_ms(start))
        stale = sorted(indexed - set(hashed))
        for simulation_id, exists in zip(stale, await self.live.exists_many(stale), strict=True):
            if not exists:
                report.index_removed.append(simulation_id)
                if repair:
                    await self.live.index_remove(simulation_id)

    async def _postgres_side(self, report: ReconcileReport, repair: bool) -> None:
        cutoff = now_utc() - timedelta(seconds=self.settings.start_grace_seconds)
        unended = await self.records.unended_before(cutoff)
        exists = await self.live.exists_many([r.simulation_id for r in unended])
        for record, live in zip(unended, exists, strict=True):
            if live:
                continue
            target = report.start_incomplete if record.status == "starting" else report.redis_state_lost
            if not repair:
                target.append(record.simulation_id)
            elif await self.domain.abandon(record.simulation_id, reason=f"reconciler: {_reason(record.status)}",
                                           actor=ACTOR):
                target.append(record.simulation_id)
        sessions = await self.records.open_sessions_before(cutoff)
        by_simulation: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for s in sessions:
            by_simulation[s.simulation_id].append((s.session_id, s.learner_id))
        sim_ids = list(by_simulation)
        states: dict[str, LiveState | None] = {}
        for start in range(0, len(sim_ids), _CHUNK):
            chunk = sim_ids[start:start + _CHUNK]
            states.update(zip(chunk, await self.live.get_many(chunk), strict=True))
        stray = [sid for sim, rows in by_simulation.items() for sid, learner in rows
                 if states.get(sim) is None or learner not in states[sim].participants]  # type: ignore[union-attr]
        if stray and repair:
            await self.domain.end_sessions(stray, "abandoned")
        report.stray_sessions.extend(stray)


def _reason(status: str) -> str:
    return "start_incomplete" if status == "starting" else "redis_state_lost"


def _sync_row(state: LiveState, now: object) -> SyncRow:
    return SyncRow(state.simulation_id, state.version, state.config, {
        "simulation_id": state.simulation_id, "simulation_version": state.version,
        "simulation_state": state.current_state, "simulation_participants": state.participants,
        "simulation_last_update": state.last_update, "synced_at": iso(now)})  # type: ignore[arg-type]
