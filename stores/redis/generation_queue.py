"""The content-generation queue (§4.4.3) on Redis: priority lists, per-worker processing lists, leases.

Keys:
- `generation:queue:{high|normal|low}` (the seed's lists): JSON entries {"requestId", "type",
  "urgency", "requestedBy", "enqueuedAt"}; LPUSH adds, workers take from the right (FIFO).
- `generation:job:{requestId}`: hash with the job's state; terminal jobs expire after RETENTION.
- `generation:processing:{workerId}`: entries a worker holds (moved there, never popped).
- `generation:leases`: sorted set requestId → lease expiry (epoch ms); the reaper scans it.
- `generation:pending:{identity}`: requestIds an identity has queued or in progress (the cap).
- `generation:events`: stream of wake-ups for idle claimers (enqueues and re-queues).

On Redis Cluster every key gets the prefix `{generation}:` instead (`{generation}:queue:high`, …), one
hash slot for the whole queue (QueueKeys).

Every transition is one Lua script, so a claim moves the entry and writes its lease atomically, and a
worker killed at any point leaves the entry in its processing list with a lease the reaper expires.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from redis import exceptions as rexc

from stores import metrics
from stores.errors import AlreadyExists, LimitExceeded, PreconditionFailed, not_found, request_id_reused
from stores.redis import RedisStore, translate
from stores.tasks import stop_requested

log = logging.getLogger(__name__)

PRIORITIES = ("high", "normal", "low")
#: Key prefix on one Redis: the seed's names.
SEED_PREFIX = "generation:"
#: Key prefix on Redis Cluster: a claim moves an entry between the three priority lists, a processing
#: list and the leases atomically, so every queue key needs one hash slot; the braced first segment is
#: the smallest change to the seed's names that gives them one (`{generation}:queue:high`).
CLUSTER_PREFIX = "{generation}:"


@dataclass(frozen=True)
class QueueKeys:
    """The queue's key names under one prefix."""

    prefix: str = SEED_PREFIX

    @classmethod
    def for_store(cls, redis: RedisStore) -> QueueKeys:
        """The layout the store's deployment needs: the seed's names, hash-tagged on a cluster."""
        return cls(CLUSTER_PREFIX if redis.cluster else SEED_PREFIX)

    def queue(self, priority: str) -> str:
        """The seed's list of a priority."""
        return f"{self.prefix}queue:{priority}"

    def job(self, request_id: str) -> str:
        """A job's hash."""
        return f"{self.prefix}job:{request_id}"

    def processing(self, worker: str) -> str:
        """A worker's processing list."""
        return f"{self.prefix}processing:{worker}"

    def pending(self, identity: str) -> str:
        """An identity's pending set."""
        return f"{self.prefix}pending:{identity}"

    @property
    def leases(self) -> str:
        """The lease sorted set."""
        return f"{self.prefix}leases"

    @property
    def events(self) -> str:
        """The wake-up stream."""
        return f"{self.prefix}events"

    def render(self, script: str) -> str:
        """A Lua script with its key names (written with the seed prefix) under this prefix."""
        return script.replace("'" + SEED_PREFIX, "'" + self.prefix)


#: Seconds a succeeded or failed job stays readable (and its request id stays taken).
RETENTION = 7 * 24 * 3600

# Shared Lua fragments. Job fields are camelCase like the seed's entries.
_LUA_HASH = "local function job(id) return 'generation:job:' .. id end\n"

# A job's request id is also its id (workers complete it by that id), so it cannot be scoped per caller:
# another caller's id answers -2 (taken, nothing of the job is shown), the caller's own with another
# fingerprint -3 (reused); jobs stored before fingerprints existed match any request.
_ENQUEUE = _LUA_HASH + """
local key = job(ARGV[1])
if redis.call('EXISTS', key) == 1 then
  local by = redis.call('HMGET', key, 'requestedBy', 'fingerprint')
  if by[1] ~= ARGV[5] then return {-2, {}} end
  if by[2] and by[2] ~= ARGV[9] then return {-3, {}} end
  return {0, redis.call('HGETALL', key)}
end
local cap = tonumber(ARGV[7])
if cap > 0 and redis.call('SCARD', KEYS[2]) >= cap then return {-1, {}} end
redis.call('HSET', key, 'requestId', ARGV[1], 'type', ARGV[2], 'urgency', ARGV[3], 'parameters', ARGV[4],
  'state', 'queued', 'requestedBy', ARGV[5], 'attempts', 0, 'enqueuedAt', ARGV[6], 'entry', ARGV[8],
  'fingerprint', ARGV[9])
redis.call('LPUSH', KEYS[1], ARGV[8])
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('XADD', KEYS[3], 'MAXLEN', '~', 1000, '*', 'requestId', ARGV[1])
return {1, redis.call('HGETALL', key)}
"""

# KEYS: high, normal, low, processing list, leases. ARGV: worker, now ms, lease expiry ms.
_CLAIM = _LUA_HASH + """
for i = 1, 3 do
  while true do
    local entry = redis.call('LMOVE', KEYS[i], KEYS[4], 'RIGHT', 'LEFT')
    if not entry then break end
    local id = cjson.decode(entry)['requestId']
    local key = job(id)
    if redis.call('EXISTS', key) == 1 then
      redis.call('HSET', key, 'state', 'in_progress', 'workerId', ARGV[1], 'claimedAt', ARGV[2],
        'leaseExpiresAt', ARGV[3])
      redis.call('HINCRBY', key, 'attempts', 1)
      redis.call('ZADD', KEYS[5], ARGV[3], id)
      return redis.call('HGETALL', key)
    end
    redis.call('LREM', KEYS[4], 1, entry)  -- an entry whose job hash is gone: drop it
  end
end
return false
"""

# Shared by complete-with-failure and the reaper: back to the queue, or failed when out of attempts.
_RETRY_OR_FAIL = """
local function retry_or_fail(key, id, now, message, max_attempts, retention, front)
  local attempts = tonumber(redis.call('HGET', key, 'attempts') or '0')
  local entry = redis.call('HGET', key, 'entry')
  redis.call('HDEL', key, 'leaseExpiresAt')
  redis.call('HSET', key, 'workerId', '', 'errorMessage', message)
  if attempts >= max_attempts then
    redis.call('HSET', key, 'state', 'failed', 'completedAt', now)
    redis.call('SREM', 'generation:pending:' .. redis.call('HGET', key, 'requestedBy'), id)
    redis.call('EXPIRE', key, retention)
    return 'failed'
  end
  redis.call('HSET', key, 'state', 'queued')
  local queue = 'generation:queue:' .. redis.call('HGET', key, 'urgency')
  if front then redis.call('RPUSH', queue, entry) else redis.call('LPUSH', queue, entry) end
  redis.call('XADD', 'generation:events', 'MAXLEN', '~', 1000, '*', 'requestId', id)
  return 'queued'
end
"""

# KEYS: leases. ARGV: id, worker, success, content id, error, now, max attempts, retention.
_COMPLETE = _LUA_HASH + _RETRY_OR_FAIL + """
local id, worker, success = ARGV[1], ARGV[2], ARGV[3] == '1'
local key = job(id)
if redis.call('EXISTS', key) == 0 then return {'missing', {}} end
local state = redis.call('HGET', key, 'state')
if state == 'succeeded' or state == 'failed' then
  local same = (state == 'succeeded' and success and redis.call('HGET', key, 'createdContentId') == ARGV[4])
    or (state == 'failed' and not success)
  return {same and 'noop' or 'completed', redis.call('HGETALL', key)}
end
if state ~= 'in_progress' or redis.call('HGET', key, 'workerId') ~= worker then
  return {'lost', redis.call('HGETALL', key)}
end
redis.call('LREM', 'generation:processing:' .. worker, 1, redis.call('HGET', key, 'entry'))
redis.call('ZREM', KEYS[1], id)
if success then
  redis.call('HDEL', key, 'leaseExpiresAt')
  redis.call('HSET', key, 'state', 'succeeded', 'workerId', '', 'createdContentId', ARGV[4], 'completedAt', ARGV[6])
  redis.call('SREM', 'generation:pending:' .. redis.call('HGET', key, 'requestedBy'), id)
  redis.call('EXPIRE', key, tonumber(ARGV[8]))
else
  retry_or_fail(key, id, ARGV[6], ARGV[5], tonumber(ARGV[7]), tonumber(ARGV[8]), false)
end
return {'ok', redis.call('HGETALL', key)}
"""

# KEYS: leases. ARGV: id, now, max attempts, retention. Re-queues at the front of its priority.
_REAP = _LUA_HASH + _RETRY_OR_FAIL + """
local id, now = ARGV[1], tonumber(ARGV[2])
local score = redis.call('ZSCORE', KEYS[1], id)
if not score or tonumber(score) > now then return false end
redis.call('ZREM', KEYS[1], id)
local key = job(id)
if redis.call('HGET', key, 'state') ~= 'in_progress' then return false end
local worker = redis.call('HGET', key, 'workerId')
redis.call('LREM', 'generation:processing:' .. worker, 1, redis.call('HGET', key, 'entry'))
return retry_or_fail(key, id, ARGV[2], 'lease of worker ' .. worker .. ' expired', tonumber(ARGV[3]),
  tonumber(ARGV[4]), true)
"""


@dataclass(frozen=True)
class QueueDepth:
    """Waiting jobs of one priority and the age of the oldest."""

    priority: str
    depth: int
    oldest_age_ms: int


@dataclass(frozen=True)
class QueueStats:
    """Depth per priority and in-flight count."""

    queues: list[QueueDepth]
    in_flight: int


def now_ms() -> int:
    """Wall-clock epoch milliseconds (lease expiries are compared across processes)."""
    return int(time.time() * 1000)


def _hash(flat: list[str]) -> dict[str, str]:
    return dict(zip(flat[::2], flat[1::2], strict=True))


def _stream_entries(reply: Any) -> list[Any]:
    """The (id, fields) entries of a one-stream XREAD reply (RESP2 shape, the store's protocol)."""
    return list(reply[0][1]) if reply else []


class _Wakeups:
    """Wakes idle claimers of this process when `generation:events` grows (one reader for all)."""

    def __init__(self) -> None:
        self.event = asyncio.Event()

    def fire(self) -> None:
        self.event.set()
        self.event = asyncio.Event()


class GenerationQueue:
    """Enqueue, claim, complete, reap and report on the generation queue."""

    def __init__(self, redis: RedisStore, *, pending_cap: int = 100, max_attempts: int = 3,
                 content_exists: Callable[[str], Awaitable[bool]] | None = None,
                 spawn: Callable[[str, Any], Any] | None = None, stop: asyncio.Event | None = None) -> None:
        self.client = redis.client
        self.pending_cap = pending_cap
        self.max_attempts = max_attempts
        self.content_exists = content_exists
        self._spawn = spawn
        self._stop = stop
        self._wake = _Wakeups()
        self._listening = False
        self.redis = redis
        self.keys = QueueKeys.for_store(redis)
        reg = self.client.register_script
        self._enqueue, self._claim = reg(self.keys.render(_ENQUEUE)), reg(self.keys.render(_CLAIM))
        self._complete, self._reap = reg(self.keys.render(_COMPLETE)), reg(self.keys.render(_REAP))

    async def enqueue(self, request_id: str, job_type: str, priority: str, parameters: dict[str, Any] | None,
                      identity: str, *, fingerprint: str = "") -> tuple[dict[str, str], bool]:
        """Queue a job (or find the one this identity queued with this request id); returns (job, created).
        LimitExceeded when the identity already has pending_cap jobs queued or in progress; AlreadyExists
        (REQUEST_ID_TAKEN) when another identity holds the id; InvalidData (REQUEST_ID_REUSED) when the
        identity used it for another request."""
        enqueued = now_ms()
        entry = json.dumps({"requestId": request_id, "type": job_type, "urgency": priority,
                            "requestedBy": identity, "enqueuedAt": enqueued}, separators=(",", ":"))
        created, flat = await self._run(
            self._enqueue, [self.keys.queue(priority), self.keys.pending(identity), self.keys.events],
            [request_id, job_type, priority, json.dumps(parameters or {}), identity, enqueued,
             self.pending_cap, entry, fingerprint])
        if created == -2:
            raise AlreadyExists(f"generation job id {request_id!r} is taken; choose another request_id",
                                reason="REQUEST_ID_TAKEN", metadata={"request_id": request_id})
        if created == -3:
            raise request_id_reused(request_id, "request_id")
        if created == -1:
            raise LimitExceeded(f"{identity} has {self.pending_cap} pending generation jobs",
                                reason="GENERATION_QUOTA_EXCEEDED",
                                metadata={"identity": identity, "limit": str(self.pending_cap)})
        return _hash(flat), created == 1

    async def claim(self, worker: str, wait_ms: int, lease_ms: int) -> dict[str, str] | None:
        """The next job, highest priority first, leased to worker; waits up to wait_ms for one."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_ms / 1000
        keys = [*(self.keys.queue(p) for p in PRIORITIES), self.keys.processing(worker), self.keys.leases]
        while True:
            wake = self._wake.event  # taken before the attempt, so a wake-up in between is not lost
            now = now_ms()
            flat = await self._run(self._claim, keys, [worker, now, now + lease_ms])
            remaining = deadline - loop.time()
            if flat or remaining <= 0 or (self._stop is not None and self._stop.is_set()):
                return _hash(flat) if flat else None
            self._listen()
            # The 1 s cap bounds the wait if the wake-up reader is down; the claim above is the truth.
            try:
                await asyncio.wait_for(wake.wait(), timeout=min(remaining, 1.0))
            except TimeoutError:
                pass

    async def complete(self, request_id: str, worker: str, *, success: bool, content_id: str = "",
                       error: str = "") -> tuple[dict[str, str], bool]:
        """Record a claimed job's outcome; returns (job, changed). NotFound for an unknown job or content,
        PreconditionFailed when the worker no longer holds the job (LEASE_LOST) or it ended otherwise."""
        if success and self.content_exists is not None and not await self.content_exists(content_id):
            raise not_found("content", content_id)
        outcome, flat = await self._run(
            self._complete, [self.keys.leases],
            [request_id, worker, "1" if success else "0", content_id, error, now_ms(), self.max_attempts,
             RETENTION])
        job = _hash(flat)
        if outcome == "missing":
            raise not_found("generation_job", request_id)
        if outcome == "lost":
            raise PreconditionFailed(f"job {request_id!r} is not leased by worker {worker!r}",
                                     reason="LEASE_LOST", metadata={"request_id": request_id,
                                                                    "state": job.get("state", "")})
        if outcome == "completed":
            raise PreconditionFailed(f"job {request_id!r} already {job.get('state')} with another outcome",
                                     reason="JOB_ALREADY_COMPLETED", metadata={"request_id": request_id})
        return job, outcome == "ok"

    async def reap(self, limit: int = 100) -> int:
        """Re-queue (or fail, when out of attempts) jobs whose lease expired; returns how many."""
        now = now_ms()
        expired = await self._call(self.client.zrangebyscore(self.keys.leases, "-inf", now, start=0, num=limit))
        done = 0
        for request_id in expired:
            if await self._run(self._reap, [self.keys.leases], [request_id, now, self.max_attempts, RETENTION]):
                done += 1
                log.warning("generation job lease expired", extra={"request_id": request_id})
        return done

    async def reap_forever(self, interval: float = 0.5) -> None:
        """The reaper worker: reap every interval; store outages are logged and retried."""
        while not stop_requested():
            try:
                while await self.reap() > 0:
                    pass
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("generation reaper failed; retrying")
            await asyncio.sleep(interval)

    async def stats(self) -> QueueStats:
        """Depth and oldest-entry age per priority, and leased jobs."""
        async with self.client.pipeline(transaction=False) as pipe:
            for p in PRIORITIES:
                pipe.llen(self.keys.queue(p))
                pipe.lindex(self.keys.queue(p), -1)
            pipe.zcard(self.keys.leases)
            replies = await self._call(pipe.execute())
        now = now_ms()
        queues = []
        for i, p in enumerate(PRIORITIES):
            depth, oldest = replies[2 * i], replies[2 * i + 1]
            age = max(0, now - int(json.loads(oldest).get("enqueuedAt", now))) if oldest else 0
            queues.append(QueueDepth(p, int(depth), age))
            metrics.QUEUE_DEPTH.labels(p).set(int(depth))
        metrics.QUEUE_OLDEST_AGE.set(max(q.oldest_age_ms for q in queues) / 1000)
        return QueueStats(queues, int(replies[-1]))

    async def export_gauges_forever(self, interval: float = 5.0) -> None:
        """Keep the queue depth and oldest-age gauges fresh (stats() sets them) until cancelled."""
        while True:
            try:
                await self.stats()
            except asyncio.CancelledError:
                raise
            except Exception:  # Redis down: the gauges keep their last values, StoreDown alerts
                log.warning("generation queue gauges not refreshed", exc_info=True)
            await asyncio.sleep(interval)

    def _listen(self) -> None:
        if not self._listening and self._spawn is not None:
            self._listening = True
            self._spawn("generation-wakeups", self._read_events())

    async def _read_events(self) -> None:
        """Fire the in-process wake-up on every batch of queue events; one XREAD for all claimers."""
        last = "$"
        while not stop_requested():
            try:
                if last == "$":
                    newest = await self.client.xrevrange(self.keys.events, count=1)
                    last = str(newest[0][0]) if newest else "0-0"
                    self._wake.fire()  # anything before `last` was visible to the claims already made
                reply = await self.client.xread({self.keys.events: last}, block=5000, count=1000)
                entries = _stream_entries(reply)
                if entries:
                    last = str(entries[-1][0])
                    self._wake.fire()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("generation wake-up reader failed; retrying")
                last = "$"
                await asyncio.sleep(1.0)

    async def _run(self, script: Any, keys: list[str], args: list[Any]) -> Any:
        return await self._call(self.redis.eval_write(script, keys, args))

    @staticmethod
    async def _call(awaitable: Awaitable[Any]) -> Any:
        try:
            return await awaitable
        except rexc.RedisError as exc:
            raise translate(exc) from exc
