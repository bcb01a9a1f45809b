"""Live simulations in Redis: the seed's hash and set with hash-tagged keys, a change stream, atomic Lua steps.

Keys of simulation X (the `{X}` hash tag keeps them in one Redis Cluster slot, so each Lua step is atomic
there too):

- `simulation:active:{X}`        hash: the seed's sessionId, environmentId, participants (JSON array,
                                  sorted), currentState (JSON), startTime, lastUpdate (ISO-8601 UTC),
                                  config (JSON); plus version, lastEventId and maxParticipants
- `simulation:participants:{X}`  set of learner ids (the seed's)
- `simulation:events:{X}`        stream of changes, trimmed with MAXLEN ~; kept with a TTL after the end
- `simulation:pending:{X}`       hash learner id → reservation expiry (ms) of joins in flight
- `simulation:index`             sorted set of live ids by start time (ms); maintained outside the atomic
                                  steps (it lives in another slot), repaired by the reconciler

Stream entry ids are `<ms>-<version>`: every change bumps the version by exactly one, so a reader sees a
gap (trimmed history) as a jump in the sequence part. Entry fields: k (started, state, joined, left,
ended), v (version), t (epoch ms), a (actor), s (partial state JSON), m (mask paths JSON), p (phase),
l (learner id).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import redis.asyncio as aioredis
from redis import exceptions as rexc

from stores.errors import AccessDenied, AlreadyExists, NotFound, PreconditionFailed, not_found
from stores.redis import RedisSettings, RedisStore, create_client, translate
from stores.redis.settings import SimulationSettings

INDEX_KEY = "simulation:index"
_TOKEN = re.compile(r"^(\d{1,19})-(\d{1,19})$")

# Next stream id `<ms>-<version>`, never below the last one's ms (clocks of several nodes may differ).
_NEXT_ID = """
local function next_id(last, now_ms, version)
  local ms = tonumber(now_ms)
  if last then
    local lms = tonumber(string.match(last, '^(%d+)-'))
    if lms and lms > ms then ms = lms end
  end
  return string.format('%d-%d', ms, version)
end
local function members_json(key)
  local m = redis.call('SMEMBERS', key)
  if #m == 0 then return '[]' end
  table.sort(m)
  return cjson.encode(m)
end
-- A participant joined or left (already applied to the set): bump the version, refresh the hash and
-- append the event; returns the stream entry id.
local function membership_event(hash, set, stream, kind, learner, last_update, now_ms, maxlen, actor, cur)
  local v = tonumber(cur[1]) + 1
  local id = next_id(cur[2], now_ms, v)
  redis.call('HSET', hash, 'participants', members_json(set), 'lastUpdate', last_update, 'version', v,
             'lastEventId', id)
  redis.call('XADD', stream, 'MAXLEN', '~', maxlen, id, 'k', kind, 'v', tostring(v), 't', now_ms,
             'a', actor, 'l', learner)
  return id
end
local function held_seats(pending, learner, now)
  local held = 0
  local p = redis.call('HGETALL', pending)
  for i = 1, #p, 2 do
    if tonumber(p[i + 1]) <= now then redis.call('HDEL', pending, p[i])
    elseif p[i] ~= learner then held = held + 1 end
  end
  return held
end
"""

# KEYS: hash, set, stream. ARGV: now_ms, maxlen, actor, npairs, field/value pairs…, participants…
_START = _NEXT_ID + """
if redis.call('EXISTS', KEYS[1]) == 1 or redis.call('EXISTS', KEYS[3]) == 1 then return {'EXISTS'} end
local n = tonumber(ARGV[4])
local id = next_id(nil, ARGV[1], 1)
local h = {'version', '1', 'lastEventId', id}
for i = 5, 4 + 2 * n do h[#h + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(h))
local p = {}
for i = 5 + 2 * n, #ARGV do p[#p + 1] = ARGV[i] end
if #p > 0 then redis.call('SADD', KEYS[2], unpack(p)) end
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[2], id, 'k', 'started', 'v', '1', 't', ARGV[1], 'a', ARGV[3])
return {'OK', id}
"""

# Compare-and-set of currentState. KEYS: hash, stream. ARGV: read version, state JSON, lastUpdate ISO,
# now_ms, maxlen, entry field/value pairs…
_UPDATE = _NEXT_ID + """
local cur = redis.call('HMGET', KEYS[1], 'version', 'lastEventId')
if not cur[1] then return {'NOTFOUND'} end
if cur[1] ~= ARGV[1] then return {'CONFLICT', cur[1]} end
local v = tonumber(cur[1]) + 1
local id = next_id(cur[2], ARGV[4], v)
redis.call('HSET', KEYS[1], 'currentState', ARGV[2], 'lastUpdate', ARGV[3], 'version', v, 'lastEventId', id)
local f = {'k', 'state', 'v', tostring(v), 't', ARGV[4]}
for i = 6, #ARGV do f[#f + 1] = ARGV[i] end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[5], id, unpack(f))
return {'OK', id, tostring(v)}
"""

# Seat reservation of a join, the one place the join policy is checked. KEYS: hash, set, pending.
# ARGV: learner, now_ms, ttl_ms, '1' to bypass the policy (admin and service).
_RESERVE = _NEXT_ID + """
local max = redis.call('HGET', KEYS[1], 'maxParticipants')
if not max then return {'NOTFOUND'} end
if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1 then return {'MEMBER'} end
if ARGV[4] ~= '1' and redis.call('HGET', KEYS[1], 'joinPolicy') == 'invite_only' then
  local invited = false
  for _, v in ipairs(cjson.decode(redis.call('HGET', KEYS[1], 'invited') or '[]')) do
    if v == ARGV[1] then invited = true break end
  end
  if not invited then return {'NOT_INVITED'} end
end
local now = tonumber(ARGV[2])
local mine = tonumber(redis.call('HGET', KEYS[3], ARGV[1]))
if mine and mine > now then return {'PENDING'} end
local held = held_seats(KEYS[3], ARGV[1], now)
if redis.call('SCARD', KEYS[2]) + held >= tonumber(max) then return {'FULL', max} end
redis.call('HSET', KEYS[3], ARGV[1], now + tonumber(ARGV[3]))
redis.call('PEXPIRE', KEYS[3], 2 * tonumber(ARGV[3]))
return {'OK'}
"""

# Add invitations (no version bump: watchers see membership, not invitations). KEYS: hash.
# ARGV: learner ids.
_INVITE = """
local raw = redis.call('HGET', KEYS[1], 'invited')
if not redis.call('HGET', KEYS[1], 'version') then return {'NOTFOUND'} end
local invited = cjson.decode(raw or '[]')
local seen = {}
for _, v in ipairs(invited) do seen[v] = true end
for i = 1, #ARGV do
  if not seen[ARGV[i]] then seen[ARGV[i]] = true invited[#invited + 1] = ARGV[i] end
end
table.sort(invited)
if #invited > 0 then redis.call('HSET', KEYS[1], 'invited', cjson.encode(invited)) end
return {'OK', redis.call('HGETALL', KEYS[1])}
"""

# KEYS: pending. ARGV: learner.
_RELEASE = """
return redis.call('HDEL', KEYS[1], ARGV[1])
"""

# KEYS: hash, set, pending, stream. ARGV: learner, lastUpdate ISO, now_ms, maxlen, actor.
_JOIN = _NEXT_ID + """
local cur = redis.call('HMGET', KEYS[1], 'version', 'lastEventId', 'maxParticipants')
if not cur[1] then redis.call('HDEL', KEYS[3], ARGV[1]) return {'NOTFOUND'} end
if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1 then return {'MEMBER'} end
local now = tonumber(ARGV[3])
local mine = tonumber(redis.call('HGET', KEYS[3], ARGV[1]))
if not mine or mine <= now then
  -- the reservation lapsed: take the seat only if one is still free
  if redis.call('SCARD', KEYS[2]) + held_seats(KEYS[3], ARGV[1], now) >= tonumber(cur[3]) then
    redis.call('HDEL', KEYS[3], ARGV[1])
    return {'FULL', cur[3]}
  end
end
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('SADD', KEYS[2], ARGV[1])
local id = membership_event(KEYS[1], KEYS[2], KEYS[4], 'joined', ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], cur)
return {'OK', id, redis.call('HGETALL', KEYS[1])}
"""

# KEYS: hash, set, stream. ARGV: learner, lastUpdate ISO, now_ms, maxlen, actor.
_LEAVE = _NEXT_ID + """
local cur = redis.call('HMGET', KEYS[1], 'version', 'lastEventId')
if not cur[1] then return {'NOTFOUND'} end
if redis.call('SREM', KEYS[2], ARGV[1]) == 0 then return {'NOTMEMBER'} end
local id = membership_event(KEYS[1], KEYS[2], KEYS[3], 'left', ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], cur)
return {'OK', id, redis.call('HGETALL', KEYS[1])}
"""

# KEYS: hash, set, pending, stream. ARGV: now_ms, maxlen, actor, stream ttl seconds.
_END = _NEXT_ID + """
local cur = redis.call('HMGET', KEYS[1], 'version', 'lastEventId')
if not cur[1] then return {'GONE'} end
local v = tonumber(cur[1]) + 1
local id = next_id(cur[2], ARGV[1], v)
redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[2], id, 'k', 'ended', 'v', tostring(v), 't', ARGV[1],
           'a', ARGV[3])
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
redis.call('EXPIRE', KEYS[4], ARGV[4])
return {'OK', id, tostring(v)}
"""


_INDEX_ADD = "return redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])"
_INDEX_REMOVE = "return redis.call('ZREM', KEYS[1], ARGV[1])"


def keys(simulation_id: str) -> tuple[str, str, str, str]:
    """(hash, participants set, events stream, pending hash) of a simulation, sharing one hash tag."""
    tag = "{" + simulation_id + "}"
    return (f"simulation:active:{tag}", f"simulation:participants:{tag}",
            f"simulation:events:{tag}", f"simulation:pending:{tag}")


def parse_token(token: str) -> tuple[int, int] | None:
    """(ms, version) of a stream entry id, or None when it is malformed."""
    match = _TOKEN.match(token)
    return (int(match.group(1)), int(match.group(2))) if match else None


def token_version(token: str) -> int:
    """The version a token (stream entry id) stands for."""
    parsed = parse_token(token)
    return parsed[1] if parsed else 0


@dataclass(frozen=True)
class Entry:
    """One decoded stream entry."""

    id: str
    kind: str
    version: int
    time_ms: int
    actor: str
    state: dict[str, Any] | None = None
    mask: list[str] | None = None
    phase: str | None = None
    learner_id: str = ""


def decode_entry(entry_id: str, fields: dict[str, str]) -> Entry:
    """A stream entry as an Entry."""
    state = fields.get("s")
    mask = fields.get("m")
    return Entry(entry_id, fields.get("k", ""), int(fields.get("v", "0")), int(fields.get("t", "0")),
                 fields.get("a", ""), json.loads(state) if state is not None else None,
                 json.loads(mask) if mask is not None else None, fields.get("p"), fields.get("l", ""))


@dataclass(frozen=True)
class LiveState:
    """A simulation hash, decoded."""

    simulation_id: str
    environment_id: str
    participants: list[str]
    current_state: dict[str, Any]
    start_time: str
    last_update: str
    config: dict[str, Any]
    version: int
    last_event_id: str
    max_participants: int
    #: 'invite_only' or 'open' (hashes from before join policies have none: open).
    join_policy: str = "open"
    invited: list[str] = field(default_factory=list)

    @classmethod
    def from_hash(cls, raw: dict[str, str]) -> LiveState:
        """Decode HGETALL output."""
        return cls(raw.get("sessionId", ""), raw.get("environmentId", ""),
                   json.loads(raw.get("participants") or "[]"), json.loads(raw.get("currentState") or "{}"),
                   raw.get("startTime", ""), raw.get("lastUpdate", ""), json.loads(raw.get("config") or "{}"),
                   int(raw.get("version") or 0), raw.get("lastEventId", ""),
                   int(raw.get("maxParticipants") or 0), raw.get("joinPolicy") or "open",
                   json.loads(raw.get("invited") or "[]"))


def _pairs(flat: Sequence[Any]) -> dict[str, str]:
    return {str(flat[i]): str(flat[i + 1]) for i in range(0, len(flat), 2)}


def dumps(value: Any) -> str:
    """Compact JSON as stored in the hash and stream."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


class LiveSimulations:
    """Domain operations on the Redis side of simulations; every write is one Lua step."""

    def __init__(self, redis: RedisStore, settings: SimulationSettings) -> None:
        self.redis = redis
        self.client = redis.client
        self.settings = settings
        reg = self.client.register_script
        self._start, self._update, self._reserve = reg(_START), reg(_UPDATE), reg(_RESERVE)
        self._release, self._join, self._leave, self._end = reg(_RELEASE), reg(_JOIN), reg(_LEAVE), reg(_END)
        self._invite = reg(_INVITE)
        # One-command scripts, so that index changes are acknowledged like the steps (replica WAIT).
        self._index_add, self._index_remove = reg(_INDEX_ADD), reg(_INDEX_REMOVE)

    async def _run(self, script: Any, keys_: Sequence[str], args: Sequence[Any]) -> list[Any]:
        try:
            reply = await self.redis.eval_write(script, keys_, args)
        except rexc.RedisError as exc:
            raise translate(exc) from exc
        # Most scripts reply with a list; one that replies with a number (release: HDEL) is a one-item list.
        return list(reply) if isinstance(reply, (list, tuple)) else [reply]

    async def start(self, state: LiveState, *, now_ms: int, actor: str) -> str:
        """Create the hash, set and stream (version 1) and index the simulation; returns its token."""
        h, s, e, _ = keys(state.simulation_id)
        fields = {"sessionId": state.simulation_id, "environmentId": state.environment_id,
                  "participants": dumps(sorted(state.participants)), "currentState": dumps(state.current_state),
                  "startTime": state.start_time, "lastUpdate": state.last_update, "config": dumps(state.config),
                  "maxParticipants": str(state.max_participants), "joinPolicy": state.join_policy,
                  "invited": dumps(sorted(state.invited))}
        args = [now_ms, self.settings.stream_maxlen, actor, len(fields),
                *(x for pair in fields.items() for x in pair), *state.participants]
        out = await self._run(self._start, (h, s, e), args)
        if out[0] == "EXISTS":
            raise AlreadyExists(f"simulation {state.simulation_id!r} is live or was used",
                                reason="SIMULATION_EXISTS", metadata={"simulation_id": state.simulation_id})
        await self.index_add(state.simulation_id, now_ms)
        return str(out[1])

    async def update(self, simulation_id: str, *, read_version: int, state: dict[str, Any], last_update: str,
                     now_ms: int, entry: dict[str, str]) -> tuple[str, int] | int:
        """Set currentState if the version is still read_version: (token, new version), or the current
        version on a conflict."""
        h, _, e, _ = keys(simulation_id)
        args = [read_version, dumps(state), last_update, now_ms, self.settings.stream_maxlen,
                *(x for pair in entry.items() for x in pair)]
        out = await self._run(self._update, (h, e), args)
        if out[0] == "NOTFOUND":
            raise missing(simulation_id)
        if out[0] == "CONFLICT":
            return int(out[1])
        return str(out[1]), int(out[2])

    async def reserve(self, simulation_id: str, learner_id: str, *, now_ms: int, bypass_policy: bool = False) -> None:
        """Hold a seat for a join in flight (atomic against max_participants and the join policy)."""
        h, s, _, p = keys(simulation_id)
        out = await self._run(self._reserve, (h, s, p),
                              [learner_id, now_ms, int(self.settings.reservation_seconds * 1000),
                               "1" if bypass_policy else "0"])
        _raise_join_error(out, simulation_id, learner_id)

    async def invite(self, simulation_id: str, learner_ids: Sequence[str]) -> LiveState:
        """Add learner ids to the simulation's invitations."""
        out = await self._run(self._invite, (keys(simulation_id)[0],), list(learner_ids))
        if out[0] == "NOTFOUND":
            raise missing(simulation_id)
        return LiveState.from_hash(_pairs(out[1]))

    async def release(self, simulation_id: str, learner_id: str) -> None:
        """Drop a join's reservation (its PostgreSQL step failed)."""
        await self._run(self._release, (keys(simulation_id)[3],), [learner_id])

    async def join(self, simulation_id: str, learner_id: str, *, last_update: str, now_ms: int,
                   actor: str) -> tuple[str, LiveState]:
        """Turn the learner's reservation into a seat and append a join entry."""
        h, s, e, p = keys(simulation_id)
        out = await self._run(self._join, (h, s, p, e),
                              [learner_id, last_update, now_ms, self.settings.stream_maxlen, actor])
        _raise_join_error(out, simulation_id, learner_id)
        return str(out[1]), LiveState.from_hash(_pairs(out[2]))

    async def leave(self, simulation_id: str, learner_id: str, *, last_update: str, now_ms: int,
                    actor: str) -> tuple[str, LiveState]:
        """Remove a participant and append a leave entry."""
        h, s, e, _ = keys(simulation_id)
        out = await self._run(self._leave, (h, s, e),
                              [learner_id, last_update, now_ms, self.settings.stream_maxlen, actor])
        if out[0] == "NOTFOUND":
            raise missing(simulation_id)
        if out[0] == "NOTMEMBER":
            raise not_a_participant(simulation_id, learner_id)
        return str(out[1]), LiveState.from_hash(_pairs(out[2]))

    async def end(self, simulation_id: str, *, now_ms: int, actor: str) -> str | None:
        """Append the end entry, delete hash, set and reservations, give the stream a TTL, unindex.
        Returns the end token, or None when the Redis side had ended already."""
        h, s, e, p = keys(simulation_id)
        out = await self._run(self._end, (h, s, p, e),
                              [now_ms, self.settings.stream_maxlen, actor, self.settings.stream_ttl_seconds])
        await self.index_remove(simulation_id)
        return str(out[1]) if out[0] == "OK" else None

    async def get(self, simulation_id: str) -> LiveState | None:
        """The live hash, or None."""
        try:
            raw: dict[str, str] = await self.client.hgetall(keys(simulation_id)[0])  # type: ignore[assignment]
        except rexc.RedisError as exc:
            raise translate(exc) from exc
        return LiveState.from_hash(raw) if raw else None

    async def get_many(self, simulation_ids: Sequence[str]) -> list[LiveState | None]:
        """Pipelined HGETALL of many simulations, in order."""
        if not simulation_ids:
            return []
        try:
            async with self.client.pipeline(transaction=False) as pipe:
                for sid in simulation_ids:
                    pipe.hgetall(keys(sid)[0])
                raws = await pipe.execute()
        except rexc.RedisError as exc:
            raise translate(exc) from exc
        return [LiveState.from_hash(dict(r)) if r else None for r in raws]

    async def exists_many(self, simulation_ids: Sequence[str]) -> list[bool]:
        """Pipelined EXISTS of many simulation hashes, in order."""
        if not simulation_ids:
            return []
        try:
            async with self.client.pipeline(transaction=False) as pipe:
                for sid in simulation_ids:
                    pipe.exists(keys(sid)[0])
                out = await pipe.execute()
        except rexc.RedisError as exc:
            raise translate(exc) from exc
        return [bool(x) for x in out]

    async def read_after(self, simulation_id: str, token: str, count: int) -> list[Entry]:
        """Up to count entries after token (exclusive), oldest first."""
        try:
            rows: list[tuple[str, dict[str, str]]] = await self.client.xrange(  # type: ignore[assignment]
                keys(simulation_id)[2], min=f"({token}", max="+", count=count)
        except rexc.RedisError as exc:
            raise translate(exc) from exc
        return [decode_entry(i, f) for i, f in rows]

    async def stream_exists(self, simulation_id: str) -> bool:
        """True while the events stream exists (live, or ended and not yet expired)."""
        try:
            return bool(await self.client.exists(keys(simulation_id)[2]))
        except rexc.RedisError as exc:
            raise translate(exc) from exc

    async def index_add(self, simulation_id: str, start_ms: int) -> None:
        """Add to the live index (a separate step: the index is in another slot)."""
        try:
            await self.redis.eval_write(self._index_add, (INDEX_KEY,), [start_ms, simulation_id])
        except rexc.RedisError as exc:
            raise translate(exc) from exc

    async def index_remove(self, simulation_id: str) -> None:
        """Remove from the live index."""
        try:
            await self.redis.eval_write(self._index_remove, (INDEX_KEY,), [simulation_id])
        except rexc.RedisError as exc:
            raise translate(exc) from exc

    async def index_page(self, after: tuple[int, str] | None, count: int) -> list[tuple[int, str]]:
        """Up to count (start ms, id) pairs of the index after the keyset position, in order."""
        low = after[0] if after else "-inf"
        out: list[tuple[int, str]] = []
        offset = 0
        try:
            while len(out) < count:
                rows: list[tuple[str, float]] = await self.client.zrangebyscore(  # type: ignore[assignment]
                    INDEX_KEY, low, "+inf", start=offset, num=count, withscores=True)
                if not rows:
                    break
                offset += len(rows)
                for member, score in rows:
                    key = (int(score), str(member))
                    if after is None or key > after:
                        out.append(key)
        except rexc.RedisError as exc:
            raise translate(exc) from exc
        return out[:count]

    async def index_all(self) -> list[str]:
        """Every indexed id (the sync worker's work list)."""
        try:
            return [str(m) for m in await self.client.zrange(INDEX_KEY, 0, -1)]
        except rexc.RedisError as exc:
            raise translate(exc) from exc

    async def scan_ids(self) -> list[str]:
        """Ids of every `simulation:active:{…}` hash, indexed or not (SCAN, for the reconciler)."""
        out = []
        try:
            async for key in self.client.scan_iter(match="simulation:active:{*}", count=1000, _type="hash"):
                out.append(str(key)[len("simulation:active:{"):-1])
        except rexc.RedisError as exc:
            raise translate(exc) from exc
        return out

    async def reader(self) -> StreamReader:
        """A reader with its own connections, for blocking XREADs that must not starve the shared pool."""
        return StreamReader(self.redis.settings)


class StreamReader:
    """Blocking reads of event streams on a dedicated client (one connection per reading feed)."""

    def __init__(self, settings: RedisSettings) -> None:
        # XREAD names one stream, so on a cluster each read goes to the node of that stream's slot.
        self.client: aioredis.Redis = create_client(settings, socket_timeout=None)

    async def read(self, simulation_id: str, after: str, *, block_ms: int, count: int) -> list[Entry]:
        """Entries after `after`, waiting up to block_ms for the first one."""
        try:
            out: Any = await self.client.xread({keys(simulation_id)[2]: after}, count=count, block=block_ms)
        except rexc.RedisError as exc:
            raise translate(exc) from exc
        if not out:
            return []
        if isinstance(out, dict):  # RESP3 shape
            rows = next(iter(out.values()))[0]
        else:
            rows = out[0][1]
        return [decode_entry(i, f) for i, f in rows]

    async def close(self) -> None:
        """Close the dedicated connections."""
        await self.client.aclose()


def not_a_participant(simulation_id: str, learner_id: str) -> NotFound:
    """NotFound of a learner who does not take part in a simulation."""
    return NotFound(f"{learner_id!r} is not a participant of simulation {simulation_id!r}",
                    reason="NOT_A_PARTICIPANT", metadata={"simulation_id": simulation_id, "learner_id": learner_id})


def missing(simulation_id: str) -> NotFound:
    """NOT_FOUND for a simulation that is not live."""
    return not_found("simulation", simulation_id)


def _raise_join_error(out: list[Any], simulation_id: str, learner_id: str) -> None:
    meta = {"simulation_id": simulation_id, "learner_id": learner_id}
    status = out[0]
    if status == "NOTFOUND":
        raise missing(simulation_id)
    if status == "MEMBER":
        raise AlreadyExists(f"{learner_id!r} already takes part in {simulation_id!r}",
                            reason="ALREADY_A_PARTICIPANT", metadata=meta)
    if status == "PENDING":
        raise AlreadyExists(f"a join of {learner_id!r} to {simulation_id!r} is in flight",
                            reason="JOIN_IN_PROGRESS", metadata=meta)
    if status == "FULL":
        raise PreconditionFailed(f"simulation {simulation_id!r} is full ({out[1]} participants)",
                                 reason="SIMULATION_FULL", metadata={**meta, "max_participants": str(out[1])})
    if status == "NOT_INVITED":
        raise AccessDenied(f"simulation {simulation_id!r} is invite-only and {learner_id!r} is not invited",
                           reason="NOT_INVITED", metadata=meta)

