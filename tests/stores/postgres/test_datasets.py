"""DatasetStore on PostgreSQL: versions, owners, the pending-only decision and delete rules."""

from __future__ import annotations

import uuid

import pytest

from stores.errors import Conflict, NotFound, NotOwner, PreconditionFailed
from stores.postgres import PostgresStore
from stores.postgres.datasets import DatasetFilter, DatasetStore, Decision
from stores.postgres.sql import Range, SetMatch
from tests.server.learner.helpers import outbox_rows


def _values(**more: object) -> dict[str, object]:
    return {"name": f"store dataset {uuid.uuid4().hex[:6]}", "dataset_type": "ethical_dilemmas",
            "generation_method": {"kind": "manual"}, **more}


async def test_create_starts_pending_at_version_1_owned_by_the_caller(pg: PostgresStore) -> None:
    row = await DatasetStore(pg).create(_values(), request_id="", identity="node-a")
    assert (row["validation_status"], row["version"], row["created_by"]) == ("pending", 1, "node-a")


async def test_update_checks_the_etag_and_the_owner(pg: PostgresStore) -> None:
    store = DatasetStore(pg)
    row = await store.create(_values(), request_id="", identity="node-a")
    ds = row["dataset_id"]
    with pytest.raises(NotOwner):
        await store.update(ds, {"description": "x"}, 1, owner="node-b")
    updated = await store.update(ds, {"description": "x"}, 1, owner="node-a")
    assert (updated["description"], updated["version"]) == ("x", 2)
    with pytest.raises(Conflict) as caught:
        await store.update(ds, {"description": "y"}, 1)
    assert caught.value.metadata == {"current_version": "2"}
    # etag 0 means unconditional.
    assert (await store.update(ds, {"description": "z"}, 0))["version"] == 3
    with pytest.raises(NotFound) as missing:
        await store.update(str(uuid.uuid4()), {"description": "x"}, 0)
    assert missing.value.reason == "DATASET_NOT_FOUND"


async def test_a_type_change_reannounces_every_item(pg: PostgresStore) -> None:
    store = DatasetStore(pg)
    ds = (await store.create(_values(), request_id="", identity="admin"))["dataset_id"]
    async with pg.transaction() as conn:
        cur = await conn.execute("INSERT INTO training_content (dataset_id, title, content_data)"
                                 " VALUES (%s, 't', '{}') RETURNING content_id::text AS id", (ds,))
        row = await cur.fetchone()
        assert row is not None
        item = row["id"]
    await store.update(ds, {"name": "renamed"}, 0)
    assert await outbox_rows(pg, item) == []
    await store.update(ds, {"dataset_type": "creative_problems"}, 0)
    rows = await outbox_rows(pg, item)
    assert [(r["event_type"], r["payload"]["content_type"]) for r in rows] == [
        ("content_upserted", "creative_problems")]


async def test_a_decision_is_taken_once(pg: PostgresStore) -> None:
    store = DatasetStore(pg)
    ds = (await store.create(_values(quality_score=0.5), request_id="", identity="admin"))["dataset_id"]
    done = await store.validate(ds, Decision("validated", "reviewer", "fine"), 1)
    assert (done["validation_status"], float(done["quality_score"]), done["version"]) == ("validated", 0.5, 2)
    with pytest.raises(PreconditionFailed) as caught:
        await store.validate(ds, Decision("rejected", "reviewer", None), 0)
    assert (caught.value.reason, caught.value.metadata["validation_status"]) == ("DATASET_NOT_PENDING", "validated")


async def test_list_filters_by_quality_range_and_pages(pg: PostgresStore) -> None:
    store = DatasetStore(pg)
    kind = f"cap-{uuid.uuid4().hex[:8]}"
    made = [await store.create(_values(quality_score=q, target_capabilities=[kind]), request_id="", identity="admin")
            for q in (0.2, 0.6, 0.9)]
    flt = DatasetFilter(target_capabilities=SetMatch([kind]), quality_score=Range(0.5, None))
    page = await store.list(flt, None, 1)
    assert [r["dataset_id"] for r in page.rows] == [made[1]["dataset_id"]] and page.next_key is not None
    rest = await store.list(flt, page.next_key, 1)
    assert [r["dataset_id"] for r in rest.rows] == [made[2]["dataset_id"]] and rest.next_key is None


async def test_delete_removes_the_content_and_announces_it(pg: PostgresStore) -> None:
    store = DatasetStore(pg)
    ds = (await store.create(_values(), request_id="", identity="admin"))["dataset_id"]
    async with pg.transaction() as conn:
        await conn.execute("INSERT INTO training_content (dataset_id, title, content_data)"
                           " SELECT %s, 't' || g, '{}' FROM generate_series(1, 2) g", (ds,))
    assert await store.delete(ds, 1) == 2
    with pytest.raises(NotFound):
        await store.get(ds)
