"""ContentImporter on PostgreSQL: deterministic ids, duplicates on a retried batch, bad sources rejected."""

from __future__ import annotations

import uuid

import pytest

from stores.errors import InvalidData, NotFound, NotOwner
from stores.postgres import PostgresStore
from stores.postgres.content_import import ContentImporter, item_id
from tests.server.catalog.support import Catalog


def test_item_ids_are_stable_per_key_and_index() -> None:
    assert item_id("k", 0) == item_id("k", 0)
    assert len({item_id("k", 0), item_id("k", 1), item_id("j", 0)}) == 3
    assert uuid.UUID(item_id("k", 0)).version == 5


async def test_begin_checks_the_dataset_owner_and_binds_the_request_id(cat: Catalog, pg: PostgresStore) -> None:
    importer = ContentImporter(pg)
    ds, other = await cat.dataset("node_a"), await cat.dataset("node_a")
    request = str(uuid.uuid4())
    with pytest.raises(NotFound):
        await importer.begin(str(uuid.uuid4()), request, "node-a")
    with pytest.raises(NotOwner):
        await importer.begin(ds.dataset_id, request, "node-b", owner="node-b")
    await importer.begin(ds.dataset_id, request, "node-a", owner="node-a")
    await importer.begin(ds.dataset_id, request, "node-a", owner="node-a")  # a resumed import
    with pytest.raises(InvalidData) as caught:
        await importer.begin(other.dataset_id, request, "node-a")
    assert (caught.value.reason, caught.value.field) == ("REQUEST_ID_REUSED", "header.request_id")


async def test_a_batch_written_twice_imports_once(cat: Catalog, pg: PostgresStore) -> None:
    importer = ContentImporter(pg)
    ds = await cat.dataset()
    source = await cat.content(ds.dataset_id)
    request = str(uuid.uuid4())
    items = [(0, {"title": "a", "content_data": {"q": 0}}),
             (1, {"title": "b", "content_data": {"q": 1}, "variation_source": source.content_id}),
             (2, {"title": "c", "content_data": {}, "variation_source": str(uuid.uuid4())})]
    first = await importer.write(ds.dataset_id, request, items, identity="admin")
    assert (first.imported, first.duplicates) == (2, 0)
    assert [(i, f) for i, f, _ in first.rejected] == [(2, "variation_source")]
    again = await importer.write(ds.dataset_id, request, items, identity="admin")
    assert (again.imported, again.duplicates, len(again.rejected)) == (0, 2, 1)
    async with pg.connection() as conn:
        cur = await conn.execute("SELECT title FROM training_content WHERE content_id = %s",
                                 (item_id(f"admin:{request}", 1),))
        assert (await cur.fetchone()) == {"title": "b"}
    empty = await importer.write(ds.dataset_id, request, [], identity="admin")
    assert (empty.imported, empty.duplicates, empty.rejected) == (0, 0, [])
