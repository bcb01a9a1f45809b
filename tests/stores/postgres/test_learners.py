"""LearnerStore on PostgreSQL: one profile per learner, versioned updates, an outbox row per write."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest

from stores.errors import AlreadyExists, Conflict, NotFound
from stores.postgres import PostgresStore
from stores.postgres.learners import LearnerStore, ProfileQuery, json_value, utc_iso
from tests.server.learner.helpers import outbox_rows, unique


def test_utc_iso_ends_in_z_whatever_the_zone() -> None:
    when = datetime(2025, 3, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    assert utc_iso(when) == "2025-03-01T10:00:00.000000Z"


def test_json_value_keeps_null_null() -> None:
    assert json_value(None) is None
    assert json_value({}) is not None


async def test_create_get_and_a_duplicate(pg: PostgresStore) -> None:
    store = LearnerStore(pg)
    learner = unique("store-learner")
    made = await store.create({"learner_id": learner, "learner_type": "ai_node", "preferences": {"pace": "slow"}},
                              request_id=None, identity="admin")
    assert (made.profile_version, made.preferences, made.learning_style) == (1, {"pace": "slow"}, None)
    assert await store.get(learner) == made
    with pytest.raises(AlreadyExists) as caught:
        await store.create({"learner_id": learner, "learner_type": "ai_node"}, request_id=None, identity="admin")
    assert (caught.value.reason, caught.value.metadata) == ("LEARNER_PROFILE_EXISTS", {"learner_id": learner})
    assert [r["event_type"] for r in await outbox_rows(pg, learner)] == ["profile_upserted"]


async def test_a_retried_request_returns_the_first_profile(pg: PostgresStore) -> None:
    store = LearnerStore(pg)
    learner, request = unique("store-learner"), str(uuid.uuid4())
    first = await store.create({"learner_id": learner, "learner_type": "ai_node"}, request_id=request,
                               identity="node-a", fingerprint="f")
    again = await store.create({"learner_id": learner, "learner_type": "ai_node"}, request_id=request,
                               identity="node-a", fingerprint="f")
    assert again == first


async def test_update_bumps_the_version_and_refuses_a_stale_etag(pg: PostgresStore) -> None:
    store = LearnerStore(pg)
    learner = unique("store-learner")
    await store.create({"learner_id": learner, "learner_type": "ai_node"}, request_id=None, identity="admin")
    updated = await store.update(learner, {"learner_type": "human"}, etag=1)
    assert (updated.learner_type, updated.profile_version) == ("human", 2)
    with pytest.raises(Conflict) as caught:
        await store.update(learner, {"learner_type": "ai_node"}, etag=1)
    assert caught.value.metadata == {"current_version": "2"}
    assert (await store.update(learner, {"preferences": {"a": 1}}, etag=None)).profile_version == 3
    with pytest.raises(NotFound) as missing:
        await store.update(unique("nobody"), {"learner_type": "x"}, etag=None)
    assert missing.value.reason == "LEARNER_PROFILE_NOT_FOUND"
    with pytest.raises(ValueError):
        await store.update(learner, {"profile_id": "x"}, etag=None)
    with pytest.raises(ValueError):
        await store.update(learner, {}, etag=None)


async def test_list_filters_and_pages_in_commit_order(pg: PostgresStore) -> None:
    store = LearnerStore(pg)
    kind = unique("type")[:50]
    now = datetime.now(timezone.utc)
    made = [await store.create({"learner_id": unique("store-learner"), "learner_type": kind,
                                "last_activity": now - timedelta(days=i)}, request_id=None, identity="admin")
            for i in range(3)]
    first = await store.list(ProfileQuery(limit=2, learner_type=kind))
    assert [p.learner_id for p in first] == [m.learner_id for m in made[:2]]
    rest = await store.list(ProfileQuery(limit=2, learner_type=kind, after=first[-1].list_seq))
    assert [p.learner_id for p in rest] == [made[2].learner_id]
    recent = await store.list(ProfileQuery(limit=10, learner_type=kind, last_activity_from=now - timedelta(hours=1)))
    assert [p.learner_id for p in recent] == [made[0].learner_id]
