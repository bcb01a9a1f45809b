"""EnvironmentStore on PostgreSQL: defaults, versions, owners, and no delete while sessions use it."""

from __future__ import annotations

import uuid

import pytest

from stores.errors import Conflict, NotFound, NotOwner, PreconditionFailed
from stores.postgres import PostgresStore
from stores.postgres.environments import EnvironmentFilter, EnvironmentStore
from stores.postgres.sessions import insert_session
from stores.postgres.sql import SetMatch
from tests.server.learner.helpers import unique


def _values(**more: object) -> dict[str, object]:
    return {"name": f"store env {uuid.uuid4().hex[:6]}", "environment_type": "conflict_resolution",
            "environment_config": {"rounds": 2}, **more}


async def test_create_is_active_at_version_1_and_idempotent(pg: PostgresStore) -> None:
    store = EnvironmentStore(pg)
    request = str(uuid.uuid4())
    row = await store.create(_values(), request_id=request, identity="node-a")
    assert (row["active_status"], row["version"], row["created_by"]) == (True, 1, "node-a")
    assert (await store.create(_values(), request_id=request, identity="node-a"))["environment_id"] == \
        row["environment_id"]


async def test_update_checks_owner_and_etag(pg: PostgresStore) -> None:
    store = EnvironmentStore(pg)
    env = (await store.create(_values(), request_id="", identity="node-a"))["environment_id"]
    with pytest.raises(NotOwner):
        await store.update(env, {"active_status": False}, 1, owner="node-b")
    assert (await store.update(env, {"active_status": False}, 1, owner="node-a"))["active_status"] is False
    with pytest.raises(Conflict):
        await store.update(env, {"active_status": True}, 1)
    with pytest.raises(ValueError):
        await store.update(env, {"created_by": "me"}, 0)


async def test_delete_refuses_an_environment_sessions_use(pg: PostgresStore) -> None:
    store = EnvironmentStore(pg)
    used = (await store.create(_values(), request_id="", identity="admin"))["environment_id"]
    async with pg.transaction() as conn:
        await insert_session(conn, learner_id=unique("env"), session_type="simulation", environment_id=used)
    with pytest.raises(PreconditionFailed) as caught:
        await store.delete(used, 0)
    assert (caught.value.reason, caught.value.metadata) == ("ENVIRONMENT_IN_USE", {"environment_id": used})
    free = (await store.create(_values(), request_id="", identity="admin"))["environment_id"]
    assert await store.delete(free, 1) == 1
    with pytest.raises(NotFound) as missing:
        await store.get(free)
    assert missing.value.reason == "ENVIRONMENT_NOT_FOUND"


async def test_list_filters_on_objectives_and_activity(pg: PostgresStore) -> None:
    store = EnvironmentStore(pg)
    objective = unique("objective")
    active = await store.create(_values(learning_objectives=[objective]), request_id="", identity="admin")
    await store.create(_values(learning_objectives=[objective], active_status=False), request_id="", identity="admin")
    page = await store.list(EnvironmentFilter(active_status=True, learning_objectives=SetMatch([objective])), None, 10)
    assert [r["environment_id"] for r in page.rows] == [active["environment_id"]]
