"""Real-time progress: the seed's Redis hash `learning:progress:{learnerId}`, a cache rebuilt from its source.

The source of record is PostgreSQL (handed in as an ActivitySource, so that this module touches Redis only).

Fields (exactly the seed's): currentSession, currentObjective, progressPercentage, lastActivity
(ISO-8601 UTC, milliseconds), streakDays, todayActivities. An activity is a session start, a session
end or a progress report. The stored streakDays and todayActivities are as of lastActivity's UTC day;
readers apply the day rule (`view`): streakDays counts only while that day is today or yesterday,
todayActivities only while it is today.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Protocol

from redis import exceptions as rexc

from stores import metrics
from stores.errors import NotFound, StoreError
from stores.redis import RedisStore, translate

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]

FIELDS = ("currentSession", "currentObjective", "progressPercentage", "lastActivity", "streakDays",
          "todayActivities")

# Counts one activity at ARGV[1] (whose UTC day is ARGV[2], the day before ARGV[3]) and applies the
# optional field changes, atomically; returns the hash, or nil when it is missing and ARGV[4] is '0'.
# ARGV: 1 at, 2 day, 3 previous day, 4 create, 5 percentage ('' = keep), 6 set objective ('0'/'1'),
# 7 objective, 8 session op ('' | 'start' | 'end'), 9 session id, 10 completed ('0'/'1').
_ACTIVITY = """
local key = KEYS[1]
if ARGV[4] == '0' and redis.call('EXISTS', key) == 0 then return false end
local cur = redis.call('HMGET', key, 'lastActivity', 'streakDays', 'todayActivities', 'currentSession')
local last = cur[1] or ''
local streak = tonumber(cur[2]) or 0
local count = tonumber(cur[3]) or 0
local day = string.sub(last, 1, 10)
if day >= ARGV[2] then
  count = count + 1
  if streak < 1 then streak = 1 end
elseif day == ARGV[3] then
  streak = streak + 1
  count = 1
else
  streak = 1
  count = 1
end
if ARGV[1] > last then last = ARGV[1] end
redis.call('HSET', key, 'lastActivity', last, 'streakDays', streak, 'todayActivities', count)
if ARGV[5] ~= '' then redis.call('HSET', key, 'progressPercentage', ARGV[5]) end
if ARGV[6] == '1' then redis.call('HSET', key, 'currentObjective', ARGV[7]) end
if ARGV[8] == 'start' then
  redis.call('HSET', key, 'currentSession', ARGV[9], 'progressPercentage', '0')
elseif ARGV[8] == 'end' and cur[4] == ARGV[9] then
  redis.call('HSET', key, 'currentSession', '')
  if ARGV[10] == '1' then redis.call('HSET', key, 'progressPercentage', '100') end
end
redis.call('HSETNX', key, 'currentSession', '')
redis.call('HSETNX', key, 'currentObjective', '')
redis.call('HSETNX', key, 'progressPercentage', '0')
return redis.call('HGETALL', key)
"""

# Writes a rebuilt hash only when none exists (a concurrent writer wins); returns the hash.
_REBUILD = """
if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('HSET', KEYS[1], unpack(ARGV)) end
return redis.call('HGETALL', KEYS[1])
"""


def utc_now() -> datetime:
    """The default clock."""
    return datetime.now(timezone.utc)


def progress_key(learner_id: str) -> str:
    """The seed's key of a learner's progress hash."""
    return f"learning:progress:{learner_id}"


def hash_time(value: datetime) -> str:
    """lastActivity text: fixed-width ISO-8601 UTC with milliseconds, so text order is time order."""
    return value.astimezone(timezone.utc).isoformat(timespec="milliseconds")[:-6] + "Z"


def number_text(value: float) -> str:
    """progressPercentage text: '75' for whole numbers, as the seed writes it."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def streak_ending(days: list[date]) -> int:
    """Length of the run of consecutive days ending at days[0] (days distinct, newest first)."""
    streak = 0
    for i, day in enumerate(days):
        if day != days[0] - timedelta(days=i):
            break
        streak += 1
    return streak


class Activity(Protocol):
    """What a rebuild needs from the source of record (PostgreSQL, stores/postgres/activity.py)."""

    @property
    def last_activity(self) -> datetime | None: ...
    #: Distinct UTC days with a session start or end, newest first.
    @property
    def days(self) -> list[date]: ...
    #: Session starts and ends on the rebuild's UTC day.
    @property
    def today_count(self) -> int: ...
    @property
    def current_session(self) -> str: ...
    @property
    def objective(self) -> str: ...
    @property
    def percentage(self) -> float: ...


#: A learner's activity on a UTC day; None when the learner is unknown to the source.
ActivitySource = Callable[[str, date], Awaitable[Activity | None]]


@dataclass(frozen=True)
class _NoActivity:
    last_activity: datetime | None = None
    days: list[date] = field(default_factory=list)
    today_count: int = 0
    current_session: str = ""
    objective: str = ""
    percentage: float = 0.0


@dataclass(frozen=True)
class Progress:
    """A learner's progress with the day rule applied."""

    learner_id: str
    current_session: str
    current_objective: str
    progress_percentage: float
    last_activity: datetime | None
    streak_days: int
    today_activities: int


def _float(text: str | None) -> float:
    try:
        return float(text) if text else 0.0
    except ValueError:  # another tool wrote the hash
        return 0.0


def _int(text: str | None) -> int:
    return int(_float(text))


def view(learner_id: str, raw: dict[str, str], today: date) -> Progress:
    """The hash as of today: streakDays lapses after a day without activity, todayActivities at midnight."""
    last: datetime | None = None
    if raw.get("lastActivity"):
        try:
            last = datetime.fromisoformat(raw["lastActivity"]).astimezone(timezone.utc)
        except ValueError:
            last = None
    last_day = last.date() if last else None
    current = last_day is not None and last_day >= today
    recent = last_day is not None and last_day >= today - timedelta(days=1)
    return Progress(learner_id, raw.get("currentSession", ""), raw.get("currentObjective", ""),
                    _float(raw.get("progressPercentage")), last,
                    _int(raw.get("streakDays")) if recent else 0,
                    _int(raw.get("todayActivities")) if current else 0)


def _pairs(flat: list[Any]) -> dict[str, str]:
    return {str(flat[i]): str(flat[i + 1]) for i in range(0, len(flat), 2)}


class ProgressStore:
    """The progress hashes; `clock` (UTC) decides what today is."""

    def __init__(self, redis: RedisStore, source: ActivitySource, clock: Clock = utc_now) -> None:
        self.redis = redis
        self.source = source
        self.clock = clock
        self._activity = redis.client.register_script(_ACTIVITY)
        self._rebuild = redis.client.register_script(_REBUILD)

    async def _count(self, learner_id: str, at: datetime, *, create: bool, percentage: float | None = None,
                     objective: str | None = None, session_op: str = "", session_id: str = "",
                     completed: bool = False) -> dict[str, str] | None:
        day = at.astimezone(timezone.utc).date()
        args = [hash_time(at), day.isoformat(), (day - timedelta(days=1)).isoformat(), "1" if create else "0",
                number_text(percentage) if percentage is not None else "",
                "1" if objective is not None else "0", objective or "", session_op, session_id,
                "1" if completed else "0"]
        try:
            flat = await self.redis.eval_write(self._activity, [progress_key(learner_id)], args)
        except rexc.RedisError as exc:
            raise translate(exc) from exc
        return _pairs(flat) if flat else None

    async def rebuild(self, learner_id: str, *, create_empty: bool = False) -> dict[str, str] | None:
        """Write the hash from PostgreSQL unless it exists; None when the learner is unknown there
        (and create_empty is False)."""
        today = self.clock().astimezone(timezone.utc).date()
        activity: Activity | None = await self.source(learner_id, today)
        if activity is None:
            if not create_empty:
                return None
            activity = _NoActivity()
        fields = {"currentSession": activity.current_session, "currentObjective": activity.objective,
                  "progressPercentage": number_text(activity.percentage),
                  "lastActivity": hash_time(activity.last_activity) if activity.last_activity else "",
                  "streakDays": str(streak_ending(activity.days)),
                  "todayActivities": str(activity.today_count)}
        try:
            flat = await self.redis.eval_write(self._rebuild, [progress_key(learner_id)],
                                               [x for pair in fields.items() for x in pair])
        except rexc.RedisError as exc:
            raise translate(exc) from exc
        return _pairs(flat)

    async def get(self, learner_id: str) -> Progress:
        """The learner's progress, rebuilt from PostgreSQL when the hash is missing; NOT_FOUND when
        the learner has neither a hash, nor a profile, nor a session."""
        try:
            # decode_responses: the client returns str, which its stubs do not know.
            raw: dict[str, str] | None = await self.redis.client.hgetall(  # type: ignore[assignment]
                progress_key(learner_id))
        except rexc.RedisError as exc:
            raise translate(exc) from exc
        metrics.CACHE_REQUESTS.labels("progress", "hit" if raw else "miss").inc()
        if not raw:
            raw = await self.rebuild(learner_id)
            if raw is None:
                raise NotFound(f"no progress for learner {learner_id!r}", reason="LEARNER_NOT_FOUND",
                               metadata={"resource": "learner", "id": learner_id})
        return view(learner_id, raw, self.clock().astimezone(timezone.utc).date())

    async def report(self, learner_id: str, *, percentage: float | None, objective: str | None) -> Progress:
        """Count a progress report and set percentage and objective when given (one script call when
        the hash exists)."""
        now = self.clock()
        raw = await self._count(learner_id, now, create=False, percentage=percentage, objective=objective)
        if raw is None:  # lost cache: rebuild first, so the streak PostgreSQL knows is kept
            await self.rebuild(learner_id, create_empty=True)
            raw = await self._count(learner_id, now, create=True, percentage=percentage, objective=objective)
            assert raw is not None
        return view(learner_id, raw, now.astimezone(timezone.utc).date())

    async def session_started(self, learner_id: str, session_id: str, at: datetime | None,
                              objective: str) -> None:
        """Count a committed session start (best effort: PostgreSQL has it, a missing hash is rebuilt)."""
        await self._event(learner_id, at, session_op="start", session_id=session_id, objective=objective)

    async def session_ended(self, learner_id: str, session_id: str, at: datetime | None, *,
                            completed: bool) -> None:
        """Count a committed session end (best effort, as session_started)."""
        await self._event(learner_id, at, session_op="end", session_id=session_id, completed=completed)

    async def _event(self, learner_id: str, at: datetime | None, *, session_op: str, session_id: str,
                     objective: str | None = None, completed: bool = False) -> None:
        try:
            # A missing hash stays missing: the next read rebuilds it from PostgreSQL, event included.
            await self._count(learner_id, at or self.clock(), create=False, session_op=session_op,
                              session_id=session_id, completed=completed, objective=objective)
        except StoreError as exc:
            log.warning("progress hash not updated", extra={"learner_id": learner_id, "error": str(exc)})

    async def erase(self, learner_id: str) -> int:
        """Delete the learner's hash; returns the number of keys removed."""
        try:
            return int(await self.redis.client.delete(progress_key(learner_id)))
        except rexc.RedisError as exc:
            raise translate(exc) from exc
