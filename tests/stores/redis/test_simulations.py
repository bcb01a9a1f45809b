"""LiveSimulations on a Redis database of its own: versions, seats, invitations, the stream and the index."""

from __future__ import annotations

import uuid

import pytest

from stores.errors import AccessDenied, AlreadyExists, NotFound, PreconditionFailed
from stores.redis import RedisStore
from stores.redis.settings import SimulationSettings
from stores.redis.simulations import LiveSimulations, LiveState, decode_entry, dumps, keys, parse_token, token_version

NOW = 1_750_000_000_000


def test_keys_share_one_hash_tag() -> None:
    assert keys("s1") == ("simulation:active:{s1}", "simulation:participants:{s1}", "simulation:events:{s1}",
                          "simulation:pending:{s1}")


def test_tokens_are_stream_ids_whose_sequence_is_the_version() -> None:
    assert parse_token("1700-3") == (1700, 3)
    assert parse_token("1700") is None and parse_token("a-1") is None and parse_token("1-" + "9" * 20) is None
    assert token_version("1700-3") == 3 and token_version("junk") == 0


def test_entries_and_hashes_decode_with_defaults() -> None:
    entry = decode_entry("1-2", {"k": "state", "v": "2", "t": "5", "a": "node-a", "s": '{"x":1}', "m": '["x"]'})
    assert (entry.kind, entry.version, entry.state, entry.mask, entry.phase, entry.learner_id) == (
        "state", 2, {"x": 1}, ["x"], None, "")
    old = LiveState.from_hash({"sessionId": "s", "version": "3"})
    assert (old.join_policy, old.invited, old.participants, old.current_state, old.max_participants) == (
        "open", [], [], {}, 0)
    assert dumps({"é": [1, 2]}) == '{"é":[1,2]}'


def _state(policy: str = "open", max_participants: int = 2, participants: list[str] | None = None) -> LiveState:
    sid = f"sim-{uuid.uuid4().hex[:10]}"
    return LiveState(sid, "env-1", participants if participants is not None else ["a"], {"turn": 0},
                     "2025-01-01T00:00:00.000Z", "2025-01-01T00:00:00.000Z", {"rounds": 1}, 1, "", max_participants,
                     policy, [])


@pytest.fixture
def live(scratch_redis: RedisStore) -> LiveSimulations:
    return LiveSimulations(scratch_redis, SimulationSettings(stream_ttl_seconds=60))


async def test_start_once_update_by_version_and_end(live: LiveSimulations) -> None:
    state = _state()
    token = await live.start(state, now_ms=NOW, actor="node-a")
    assert token_version(token) == 1
    with pytest.raises(AlreadyExists) as again:
        await live.start(state, now_ms=NOW, actor="node-a")
    assert again.value.reason == "SIMULATION_EXISTS"
    assert await live.update(state.simulation_id, read_version=0, state={}, last_update="t", now_ms=NOW + 1,
                             entry={"k": "state"}) == 1
    updated = await live.update(state.simulation_id, read_version=1, state={"turn": 1}, last_update="t",
                                now_ms=NOW + 2, entry={"k": "state", "s": '{"turn":1}'})
    assert isinstance(updated, tuple)
    version = updated[1]
    stored = await live.get(state.simulation_id)
    assert version == 2 and stored is not None and stored.current_state == {"turn": 1}
    assert [e.version for e in await live.read_after(state.simulation_id, token, 10)] == [2]
    assert state.simulation_id in await live.index_all()
    end = await live.end(state.simulation_id, now_ms=NOW + 3, actor="node-a")
    assert end is not None and await live.get(state.simulation_id) is None
    assert await live.end(state.simulation_id, now_ms=NOW + 4, actor="node-a") is None
    assert await live.stream_exists(state.simulation_id)
    # The ended stream stays for late resumers, for stream_ttl_seconds only.
    assert 0 < await live.redis.client.ttl(keys(state.simulation_id)[2]) <= 60
    assert state.simulation_id not in await live.index_all()
    with pytest.raises(NotFound) as gone:
        await live.update(state.simulation_id, read_version=3, state={}, last_update="t", now_ms=NOW, entry={"k": "x"})
    assert gone.value.reason == "SIMULATION_NOT_FOUND"


async def test_seats_are_reserved_then_joined_up_to_the_maximum(live: LiveSimulations) -> None:
    state = _state(max_participants=2)
    await live.start(state, now_ms=NOW, actor="a")
    sid = state.simulation_id
    with pytest.raises(AlreadyExists) as member:
        await live.reserve(sid, "a", now_ms=NOW)
    assert member.value.reason == "ALREADY_A_PARTICIPANT"
    await live.reserve(sid, "b", now_ms=NOW)
    with pytest.raises(AlreadyExists) as pending:
        await live.reserve(sid, "b", now_ms=NOW)
    assert pending.value.reason == "JOIN_IN_PROGRESS"
    with pytest.raises(PreconditionFailed) as full:
        await live.reserve(sid, "c", now_ms=NOW)
    assert (full.value.reason, full.value.metadata["max_participants"]) == ("SIMULATION_FULL", "2")
    _, joined = await live.join(sid, "b", last_update="t", now_ms=NOW + 1, actor="b")
    assert sorted(joined.participants) == ["a", "b"]
    _, left = await live.leave(sid, "a", last_update="t", now_ms=NOW + 2, actor="a")
    assert left.participants == ["b"]
    with pytest.raises(NotFound) as not_member:
        await live.leave(sid, "a", last_update="t", now_ms=NOW + 3, actor="a")
    assert not_member.value.reason == "NOT_A_PARTICIPANT"
    await live.end(sid, now_ms=NOW + 4, actor="b")


async def test_a_released_reservation_frees_its_seat(live: LiveSimulations) -> None:
    state = _state(max_participants=2)
    await live.start(state, now_ms=NOW, actor="a")
    sid = state.simulation_id
    try:
        await live.reserve(sid, "b", now_ms=NOW)
        await live.release(sid, "b")
        await live.reserve(sid, "c", now_ms=NOW)
    finally:
        await live.end(sid, now_ms=NOW + 1, actor="a")


async def test_an_invite_only_simulation_seats_the_invited_only(live: LiveSimulations) -> None:
    state = _state(policy="invite_only", max_participants=5)
    await live.start(state, now_ms=NOW, actor="a")
    sid = state.simulation_id
    with pytest.raises(AccessDenied) as caught:
        await live.reserve(sid, "b", now_ms=NOW)
    assert caught.value.reason == "NOT_INVITED"
    await live.reserve(sid, "admin-pick", now_ms=NOW, bypass_policy=True)
    assert (await live.invite(sid, ["b"])).invited == ["b"]
    await live.reserve(sid, "b", now_ms=NOW)
    with pytest.raises(NotFound):
        await live.invite("sim-never", ["b"])
    await live.end(sid, now_ms=NOW + 1, actor="a")


async def test_reads_of_many_and_the_index_pages(live: LiveSimulations) -> None:
    states = [_state() for _ in range(3)]
    for i, s in enumerate(states):
        await live.start(s, now_ms=NOW + i, actor="a")
    ids = [s.simulation_id for s in states]
    assert [x is not None for x in await live.get_many([ids[0], "sim-never"])] == [True, False]
    assert await live.exists_many([ids[1], "sim-never"]) == [True, False]
    assert await live.get_many([]) == [] and await live.exists_many([]) == []
    assert set(ids) <= set(await live.scan_ids())
    everything = await live.index_page(None, 100)
    mine = [k for k in everything if k[1] in ids]
    assert mine == sorted(mine) and len(mine) == 3
    after = await live.index_page(mine[0], 100)
    assert mine[0] not in after and mine[1] in after
    reader = await live.reader()
    try:
        entries = await reader.read(ids[0], "0", block_ms=10, count=10)
        assert [e.version for e in entries] == [1]
        assert await reader.read(ids[0], entries[-1].id, block_ms=10, count=10) == []
    finally:
        await reader.close()
    for s in states:
        await live.end(s.simulation_id, now_ms=NOW + 10, actor="a")
