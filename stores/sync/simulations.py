"""Simulation use cases across PostgreSQL and Redis, ordered for consistency rule 1.

Rule 1 (every live Redis session has PostgreSQL records) follows from one ordering: PostgreSQL commits
before Redis shows anything, and Redis stops showing a thing before (or while) PostgreSQL ends it.

- Start: one transaction writes the `simulations` row (status 'starting', the marker) and every
  participant's session; only then the Lua step creates the Redis keys. A crash in between leaves
  PostgreSQL rows without Redis state, which the reconciler abandons after a grace period.
- Join: a Lua step reserves a seat (atomic against max_participants, invisible to readers), the
  session row commits, then a second Lua step turns the reservation into a seat.
- Leave: the session is ended inside an open transaction, the Lua step removes the participant, then
  the transaction commits; a failure after the Lua step leaves an in-progress row the reconciler ends.
- End: one transaction ends every session, appends the collaboration outbox row and records the result;
  then the Lua step appends the end entry and deletes the keys. A repeat (or the reconciler) redoes the
  Redis step, so a crash in between converges.
"""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
import weakref
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

from stores.errors import AlreadyExists, Conflict, InvalidData, NotFound, PreconditionFailed, StoreError, not_found
from stores.postgres import PostgresStore, idempotency, outbox, usage
from stores.postgres import simulations as pg
from stores.redis import RedisStore
from stores.redis.settings import SimulationSettings
from stores.redis.simulation_state import (
    StateChange,
    apply_change,
    complementary_skills,
    epoch_ms,
    iso,
    now_utc,
    parse_iso,
    synergy_of,
    tidy_numbers,
)
from stores.redis.simulations import LiveSimulations, LiveState, dumps, missing, not_a_participant
from stores.sync.progress import progress_store

log = logging.getLogger(__name__)

#: Raises (PERMISSION_DENIED, from the servicer) unless the caller may act on a simulation with these
#: participants.
Check = Callable[[Collection[str]], None]


@dataclass(frozen=True)
class StartSpec:
    """A validated StartSimulation request."""

    simulation_id: str | None
    environment_id: str
    participants: list[str]
    config: dict[str, Any] | None
    initial_state: dict[str, Any]
    request_id: str | None
    actor: str
    #: Of the request without its request_id (a reused key with another request is refused).
    fingerprint: str = ""
    #: 'invite_only' (the initial participants and invited may join) or 'open'.
    join_policy: str = "invite_only"
    invited: tuple[str, ...] = ()


@dataclass(frozen=True)
class Started:
    """A started (or replayed) simulation."""

    state: LiveState
    session_ids: dict[str, str]
    replayed: bool = False


@dataclass(frozen=True)
class Updated:
    """The result of a state update."""

    token: str
    version: int
    last_update_ms: int


@dataclass(frozen=True)
class Outcome:
    """One participant's outcome for EndSimulation."""

    learner_id: str
    status: str
    performance_data: dict[str, Any] | None
    learning_outcomes: dict[str, Any] | None
    synergy: float | None


@dataclass(frozen=True)
class Ended:
    """EndSimulation's answer."""

    simulation_id: str
    ended_session_ids: list[str]
    collaboration_pair_count: int
    already_ended: bool
    #: A participant's session ended failed.
    failed: bool = False


def _ms() -> tuple[int, str]:
    now = now_utc()
    return epoch_ms(now), iso(now)


#: A named point of a use case ('start:after_postgres', 'join:after_postgres', 'end:after_postgres').
Checkpoint = Callable[[str], None]


class SimulationDomain:
    """The use cases servicers and workers call; each is one domain method."""

    def __init__(self, postgres: PostgresStore, redis: RedisStore, settings: SimulationSettings, *,
                 checkpoint: Checkpoint | None = None) -> None:
        self.postgres = postgres
        self.settings = settings
        #: Called between the PostgreSQL commit and the Redis write of a start, join and end, with the
        #: point's name: crash tests end the process there, as a kill would.
        self._fault: Checkpoint = checkpoint or (lambda point: None)
        self.live = LiveSimulations(redis, settings)
        self.records = pg.SimulationRecords(postgres)
        self.progress = progress_store(redis, postgres)
        #: One lock per simulation with writers in flight (entries vanish with their last holder).
        self._writers: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    # -- start ---------------------------------------------------------------------------------------

    async def start(self, spec: StartSpec) -> Started:
        """Start a simulation: PostgreSQL rows (committed), then the Redis keys; idempotent by request id."""
        simulation_id = spec.simulation_id or str(uuid.uuid4())
        now = now_utc()
        first: pg.SimulationRecord | None = None
        async with self.postgres.transaction() as conn:
            if spec.request_id:
                winner = await idempotency.claim(conn, "simulation.start", spec.request_id, simulation_id,
                                                 spec.actor, spec.fingerprint)
                if winner != simulation_id:
                    first = await pg.load(conn, winner)
            if first is None:
                record, started = await self._insert_rows(conn, spec, simulation_id, now)
        if first is not None:
            return await self._replay(first)
        self._fault("start:after_postgres")
        state = _initial_state(record)
        try:
            token = await self.live.start(state, now_ms=epoch_ms(now), actor=spec.actor)
        except AlreadyExists:
            # A retry of this very request finished the Redis step first (PostgreSQL reserved the id).
            token = f"{epoch_ms(now)}-1"
        except StoreError:
            # Nothing went live: end the rows now (the reconciler would, after its grace period).
            await self._abandon_records(simulation_id, reason="redis_start_failed")
            raise
        await self._progress_started([s.session for s in started], started[0].objective if started else "")
        return Started(_with_token(state, token), {s.session.learner_id: s.session.session_id for s in started})

    async def _insert_rows(self, conn: Any, spec: StartSpec, simulation_id: str,
                           now: Any) -> tuple[pg.SimulationRecord, list[Any]]:
        usable = await usage.ensure_usable(conn, environment_id=spec.environment_id)
        if len(spec.participants) > usable.max_participants:
            raise PreconditionFailed(
                f"{len(spec.participants)} participants exceed the environment's max_participants "
                f"({usable.max_participants})", reason="SIMULATION_FULL",
                metadata={"max_participants": str(usable.max_participants)})
        config = spec.config if spec.config is not None else await pg.environment_config(conn, spec.environment_id)
        record = pg.SimulationRecord(
            simulation_id, spec.environment_id, "starting", usable.max_participants, list(spec.participants),
            tidy_numbers(config), tidy_numbers(spec.initial_state), spec.actor, now, None, 0, None,
            spec.join_policy, sorted({*spec.participants, *spec.invited}))
        await pg.create(conn, record)
        started = [await pg.start_participant(conn, record, learner, now) for learner in spec.participants]
        return record, started

    async def _replay(self, record: pg.SimulationRecord) -> Started:
        """A retried start: the first result; finishes the Redis step if the first attempt died before it."""
        if record.status == "abandoned":
            raise PreconditionFailed(f"simulation {record.simulation_id!r} of this request was abandoned",
                                     reason="SIMULATION_ABANDONED",
                                     metadata={"simulation_id": record.simulation_id})
        state = _initial_state(record)
        token = f"{epoch_ms(record.start_time)}-1"
        if record.status == "starting":
            try:
                token = await self.live.start(state, now_ms=epoch_ms(record.start_time), actor=record.started_by)
            except AlreadyExists:
                pass  # the first attempt wrote it meanwhile
        async with self.postgres.connection() as conn:
            ids = await pg.first_sessions(conn, record)
        return Started(_with_token(state, token), ids, replayed=True)

    # -- participants --------------------------------------------------------------------------------

    async def join(self, simulation_id: str, learner_id: str, *, actor: str,
                   bypass_policy: bool = False) -> tuple[LiveState, str]:
        """Reserve a seat (the join policy is checked there, unless bypassed), commit the learner's
        session, take the seat; returns the state and session id."""
        now_ms, _ = _ms()
        await self.live.reserve(simulation_id, learner_id, now_ms=now_ms, bypass_policy=bypass_policy)
        try:
            async with self.postgres.transaction() as conn:
                record = await pg.load_unended(conn, simulation_id, lock="share")
                for stale in await pg.open_sessions(conn, simulation_id, learner_id):
                    # Left over by a crashed leave (the learner is not in Redis), or being ended by a leave
                    # that has not committed yet; either way it must not stay open beside the new one.
                    await _end_if_open(conn, stale.session_id, "abandoned")
                started = await pg.start_participant(conn, record, learner_id, None)
        except BaseException:
            await _quietly(self.live.release(simulation_id, learner_id))
            raise
        self._fault("join:after_postgres")
        now_ms, now_iso = _ms()
        session_id = started.session.session_id
        try:
            _, state = await self.live.join(simulation_id, learner_id, last_update=now_iso, now_ms=now_ms, actor=actor)
        except StoreError:
            await _quietly(self._end_sessions([session_id], "abandoned"))
            raise
        await self._progress_started([started.session], started.objective)
        return state, session_id

    async def leave(self, simulation_id: str, learner_id: str, *, status: str, performance_data: dict[str, Any] | None,
                    learning_outcomes: dict[str, Any] | None, actor: str) -> tuple[LiveState, str]:
        """End the learner's session and remove the seat (the Lua step runs before the commit)."""
        async with self.postgres.transaction() as conn:
            await pg.load_unended(conn, simulation_id, lock="share")
            open_ = await pg.open_sessions(conn, simulation_id, learner_id)
            if not open_:
                raise not_a_participant(simulation_id, learner_id)
            session_ids = [s.session_id for s in open_]
            ended = [await pg.end_participant(conn, sid, status=status, performance_data=performance_data,
                                              learning_outcomes=learning_outcomes) for sid in session_ids]
            now_ms, now_iso = _ms()
            _, state = await self.live.leave(simulation_id, learner_id, last_update=now_iso, now_ms=now_ms,
                                             actor=actor)
        for session in ended:
            await self.progress.session_ended(learner_id, session.session_id, session.end_time,
                                              completed=status == "completed")
        return state, session_ids[-1]

    async def invite(self, simulation_id: str, learner_ids: Sequence[str], *, check: Check) -> LiveState:
        """Extend the invitations of a live simulation, after check on its participants."""
        current = await self.live.get(simulation_id)
        if current is None:
            raise missing(simulation_id)
        check(current.participants)
        return await self.live.invite(simulation_id, learner_ids)

    # -- state ---------------------------------------------------------------------------------------

    async def update(self, simulation_id: str, change: StateChange, *, expected_version: int, actor: str,
                     check: Check, max_bytes: int) -> Updated:
        """Merge a change into currentState with a version check; one Lua step writes hash and stream."""
        entry = {"a": actor, "s": dumps(tidy_numbers(change.state))}
        if change.mask:
            entry["m"] = dumps(change.mask)
        if change.phase is not None:
            entry["p"] = change.phase
        # Writers of one simulation in this process take turns, so they never fail each other's
        # compare-and-set; only writers on other nodes can, and those retry after a jittered pause.
        lock = self._writers.get(simulation_id)
        if lock is None:
            lock = self._writers[simulation_id] = asyncio.Lock()
        async with lock:
            for attempt in range(max(1, self.settings.cas_retries)):
                current = await self.live.get(simulation_id)
                if current is None:
                    raise missing(simulation_id)
                check(current.participants)
                if expected_version and current.version != expected_version:
                    raise _stale(simulation_id, expected_version, current.version)
                state = tidy_numbers(apply_change(current.current_state, change))
                if len(dumps(state).encode()) > max_bytes:
                    raise InvalidData(f"the merged state exceeds {max_bytes} bytes", field="state",
                                      reason="STATE_TOO_LARGE")
                now_ms, now_iso = _ms()
                out = await self.live.update(simulation_id, read_version=current.version, state=state,
                                             last_update=now_iso, now_ms=now_ms, entry=entry)
                if isinstance(out, tuple):
                    return Updated(out[0], out[1], now_ms)
                if expected_version:
                    raise _stale(simulation_id, expected_version, out)
                await asyncio.sleep(random.uniform(0, min(0.05, 0.001 * 2 ** attempt)))
        raise Conflict(f"simulation {simulation_id!r} changed too often to merge; retry",
                       reason="CONCURRENT_UPDATE", metadata={"simulation_id": simulation_id})

    async def get(self, simulation_id: str, check: Check) -> LiveState:
        """A live simulation."""
        state = await self.live.get(simulation_id)
        if state is None:
            raise missing(simulation_id)
        check(state.participants)
        return state

    async def watch_target(self, simulation_id: str, *, resuming: bool, check: Check) -> LiveState | None:
        """The live hash a watch starts from, after the read check; None for an ended simulation that a
        resumer may still read the last entries of (its participants come from PostgreSQL)."""
        state = await self.live.get(simulation_id)
        if state is not None:
            check(state.participants)
            return state
        if resuming:
            async with self.postgres.connection() as conn:
                record = await pg.load(conn, simulation_id)
                if record is not None:
                    check(await pg.learners(conn, simulation_id) | set(record.participants))
                    return None
        raise missing(simulation_id)

    async def page(self, *, after: tuple[int, str] | None, limit: int, environment_id: str | None,
                   participant: str | None) -> tuple[list[LiveState], tuple[int, str] | None]:
        """One page of live simulations in (start time, id) order; also the keyset of the next page."""
        page: list[LiveState] = []
        cursor = after
        chunk = max(limit, 100)
        while len(page) < limit:
            keys_ = await self.live.index_page(cursor, chunk)
            if not keys_:
                return page, None
            states = await self.live.get_many([sid for _, sid in keys_])
            for key, state in zip(keys_, states, strict=True):
                cursor = key
                if state is None:
                    continue  # ended between the two reads
                if environment_id and state.environment_id != environment_id:
                    continue
                if participant and participant not in state.participants:
                    continue
                page.append(state)
                if len(page) == limit:
                    return page, key
            if len(keys_) < chunk:
                return page, None
        return page, cursor

    # -- end -----------------------------------------------------------------------------------------

    async def end(self, simulation_id: str, outcomes: Sequence[Outcome], *, actor: str, check: Check) -> Ended:
        """End every session with its outcome, record the collaboration, then remove the Redis keys."""
        async with self.postgres.transaction() as conn:
            record = await pg.load(conn, simulation_id, lock="update")
            if record is None:
                raise not_found("simulation", simulation_id)
            ended: list[Any] = []
            if record.ended:
                check(await pg.learners(conn, simulation_id) | set(record.participants))
                result, already = dict(record.end_result or {}), True
            else:
                open_ = await pg.open_sessions(conn, simulation_id)
                check({s.learner_id for s in open_})
                result, ended = await self._end_rows(conn, record, open_, outcomes)
                already = False
        self._fault("end:after_postgres")
        now_ms, _ = _ms()
        await self.live.end(simulation_id, now_ms=now_ms, actor=actor)  # a repeat converges a crashed end
        for session in ended:
            await self.progress.session_ended(session.learner_id, session.session_id, session.end_time,
                                              completed=session.completion_status == "completed")
        return Ended(simulation_id, list(result.get("ended_session_ids", [])),
                     int(result.get("collaboration_pair_count", 0)), already, bool(result.get("failed")))

    async def _end_rows(self, conn: Any, record: pg.SimulationRecord, open_: Sequence[pg.OpenSession],
                        outcomes: Sequence[Outcome]) -> tuple[dict[str, Any], list[Any]]:
        by_learner = {o.learner_id: o for o in outcomes}
        learners_open = {s.learner_id for s in open_}
        for i, o in enumerate(outcomes):
            if o.learner_id not in learners_open:
                raise InvalidData(f"{o.learner_id!r} is not a participant of {record.simulation_id!r}",
                                  field=f"outcomes[{i}].learner_id", reason="NOT_A_PARTICIPANT")
        ended = []
        for s in open_:
            given = by_learner.get(s.learner_id)
            ended.append(await pg.end_participant(
                conn, s.session_id, status=given.status if given else "completed",
                performance_data=given.performance_data if given else None,
                learning_outcomes=given.learning_outcomes if given else None))
        people = sorted(learners_open)
        pairs = len(people) * (len(people) - 1) // 2
        if pairs:
            await outbox.append(conn, "collaboration", record.simulation_id, {
                "simulation_id": record.simulation_id, "learner_ids": people,
                "synergy": synergy_of(by_learner[p].synergy if p in by_learner else None for p in people),
                "complementary_skills": complementary_skills(
                    [by_learner[p].learning_outcomes if p in by_learner else None for p in people]),
                "at": iso(now_utc())})
        result = {"ended_session_ids": [s.session_id for s in ended], "collaboration_pair_count": pairs,
                  "failed": any(s.completion_status == "failed" for s in ended)}
        await pg.finish(conn, record.simulation_id, status="ended", result=result, reason="ended")
        return result, ended

    # -- repair (reconciler, hang handling, failed starts) --------------------------------------------

    async def abandon(self, simulation_id: str, *, reason: str, actor: str) -> bool:
        """End a simulation as abandoned: every open session abandoned, then the Redis end step.
        Returns False when it had ended already (the Redis step still runs, to converge)."""
        changed = await self._abandon_records(simulation_id, reason=reason)
        now_ms, _ = _ms()
        await self.live.end(simulation_id, now_ms=now_ms, actor=actor)
        return changed

    async def _abandon_records(self, simulation_id: str, *, reason: str) -> bool:
        async with self.postgres.transaction() as conn:
            record = await pg.load(conn, simulation_id, lock="update")
            if record is None or record.ended:
                return False
            open_ = await pg.open_sessions(conn, simulation_id)
            for s in open_:
                await pg.end_participant(conn, s.session_id, status="abandoned")
            await pg.finish(conn, simulation_id, status="abandoned", reason=reason, result={
                "ended_session_ids": [s.session_id for s in open_], "collaboration_pair_count": 0})
        return True

    async def end_sessions(self, session_ids: Sequence[str], status: str) -> int:
        """End the given sessions if still in progress (the reconciler's repair of stray rows)."""
        return await self._end_sessions(session_ids, status)

    async def _end_sessions(self, session_ids: Sequence[str], status: str) -> int:
        async with self.postgres.transaction() as conn:
            return sum([await _end_if_open(conn, sid, status) for sid in session_ids])

    async def adopt(self, state: LiveState) -> bool:
        """Create PostgreSQL records for a Redis session that lacks them (rule 1 repair); False when its
        environment is unknown or inactive, so it can only be reported."""
        start = parse_iso(state.start_time) or now_utc()
        record = pg.SimulationRecord(state.simulation_id, state.environment_id, "starting",
                                     state.max_participants or len(state.participants), state.participants,
                                     state.config, state.current_state, "reconciler", start, None, 0, None,
                                     state.join_policy, list(state.invited))
        try:
            async with self.postgres.transaction() as conn:
                if await pg.load(conn, state.simulation_id) is not None:
                    return True
                await pg.create(conn, record)
                for learner in state.participants:
                    await pg.start_participant(conn, record, learner, start)
        except (NotFound, PreconditionFailed, InvalidData):
            return False
        return True

    async def _progress_started(self, sessions_: Sequence[Any], objective: str) -> None:
        await asyncio.gather(*(self.progress.session_started(s.learner_id, s.session_id, s.start_time, objective)
                               for s in sessions_))


async def _end_if_open(conn: Any, session_id: str, status: str) -> bool:
    """End a session unless it ended meanwhile (a savepoint keeps the caller's transaction usable)."""
    try:
        async with conn.transaction():
            await pg.end_participant(conn, session_id, status=status)
        return True
    except (NotFound, PreconditionFailed):
        return False


def _initial_state(record: pg.SimulationRecord) -> LiveState:
    start = iso(record.start_time)
    return LiveState(record.simulation_id, record.environment_id, sorted(record.participants),
                     dict(record.initial_state), start, start, dict(record.config), 1, "",
                     record.max_participants, record.join_policy, sorted(record.invited))


def _with_token(state: LiveState, token: str) -> LiveState:
    return LiveState(**{**state.__dict__, "last_event_id": token})


def _stale(simulation_id: str, expected: int, current: int) -> Conflict:
    return Conflict(f"simulation {simulation_id!r} is at version {current}, not {expected}",
                    reason="VERSION_MISMATCH",
                    metadata={"simulation_id": simulation_id, "current_version": str(current),
                              "expected_version": str(expected)})


async def _quietly(coro: Any) -> None:
    try:
        await coro
    except Exception:  # compensation is best effort; the reconciler repairs what this misses
        log.warning("compensation step failed", exc_info=True)


