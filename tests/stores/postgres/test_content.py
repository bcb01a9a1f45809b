"""ContentStore on PostgreSQL: creates into existing datasets, filters, cycle-free sources, delete rules."""

from __future__ import annotations

import uuid

import pytest

from stores.errors import NotFound, NotOwner, PreconditionFailed
from stores.postgres import PostgresStore
from stores.postgres.content import ContentFilter, ContentStore
from stores.postgres.sessions import insert_session
from stores.postgres.sql import Range, SetMatch
from tests.server.catalog.support import Catalog
from tests.server.learner.helpers import outbox_rows, unique


async def test_create_needs_the_dataset_and_its_owner(cat: Catalog, pg: PostgresStore) -> None:
    store = ContentStore(pg)
    with pytest.raises(NotFound) as missing:
        await store.create({"dataset_id": str(uuid.uuid4()), "title": "t", "content_data": {}}, request_id="",
                           identity="admin")
    assert missing.value.reason == "DATASET_NOT_FOUND"
    ds = await cat.dataset("node_a")
    with pytest.raises(NotOwner):
        await store.create({"dataset_id": ds.dataset_id, "title": "t", "content_data": {}}, request_id="",
                           identity="node-b", owner="node-b")
    row = await store.create({"dataset_id": ds.dataset_id, "title": "t", "content_data": {"q": 1}}, request_id="",
                             identity="node-a", owner="node-a")
    assert (row["created_by"], row["content_data"]) == ("node-a", {"q": 1})
    assert await store.exists(row["content_id"])
    assert [r["event_type"] for r in await outbox_rows(pg, row["content_id"])] == ["content_upserted"]


async def test_list_filters_on_title_tags_and_difficulty(cat: Catalog, pg: PostgresStore) -> None:
    ds = await cat.dataset()
    marker = uuid.uuid4().hex[:8]
    easy = await cat.content(ds.dataset_id, title=f"easy 100% {marker}", tags=["a", "b"], difficulty_level=0.1)
    await cat.content(ds.dataset_id, title=f"hard {marker}", tags=["a"], difficulty_level=0.9)
    store = ContentStore(pg)
    by_title = await store.list(ContentFilter(dataset_id=ds.dataset_id, title_query="100%"), None, 10)
    assert [r["content_id"] for r in by_title.rows] == [easy.content_id]
    both_tags = await store.list(ContentFilter(dataset_id=ds.dataset_id, tags=SetMatch(["a", "b"], match_all=True)),
                                 None, 10)
    assert [r["content_id"] for r in both_tags.rows] == [easy.content_id]
    low = await store.list(ContentFilter(dataset_id=ds.dataset_id, difficulty_level=Range(high=0.5)), None, 10)
    assert [r["content_id"] for r in low.rows] == [easy.content_id]


async def test_update_refuses_a_cycle(cat: Catalog, pg: PostgresStore) -> None:
    ds = await cat.dataset()
    a = await cat.content(ds.dataset_id)
    b = await cat.content(ds.dataset_id, variation_source=a.content_id)
    with pytest.raises(PreconditionFailed) as caught:
        await ContentStore(pg).update(a.content_id, {"variation_source": b.content_id})
    assert (caught.value.reason, caught.value.metadata) == (
        "VARIATION_CYCLE", {"content_id": a.content_id, "variation_source": b.content_id})


async def test_delete_refuses_referenced_content(cat: Catalog, pg: PostgresStore) -> None:
    ds = await cat.dataset(validated=True)
    store = ContentStore(pg)
    source = await cat.content(ds.dataset_id)
    await cat.content(ds.dataset_id, variation_source=source.content_id)
    with pytest.raises(PreconditionFailed) as variations:
        await store.delete(source.content_id)
    assert variations.value.reason == "CONTENT_HAS_VARIATIONS"
    used = await cat.content(ds.dataset_id)
    async with pg.transaction() as conn:
        await insert_session(conn, learner_id=unique("content"), session_type="training", content_id=used.content_id)
    with pytest.raises(PreconditionFailed) as sessions:
        await store.delete(used.content_id)
    assert sessions.value.reason == "CONTENT_IN_USE"
    free = await cat.content(ds.dataset_id)
    assert await store.delete(free.content_id) == 1
    assert not await store.exists(free.content_id)
    assert [r["event_type"] for r in await outbox_rows(pg, free.content_id)][-1] == "content_deleted"
