"""VariationStore on PostgreSQL: copies with overrides, descendants and ancestors by depth, cycle checks."""

from __future__ import annotations

import uuid

import pytest

from stores.errors import NotFound, NotOwner
from stores.postgres import PostgresStore
from stores.postgres.variations import VariationStore, would_cycle
from tests.server.catalog.support import Catalog, struct


async def _chain(cat: Catalog, pg: PostgresStore, length: int) -> list[str]:
    ds = await cat.dataset()
    root = await cat.content(ds.dataset_id, tags=["root"], difficulty_level=0.3,
                             validation_results=struct(ok=True))
    ids, store = [root.content_id], VariationStore(pg)
    for i in range(length):
        row = await store.create(ids[-1], {"title": f"v{i}"}, {"step": i}, content_id=None, request_id="",
                                 identity="admin")
        ids.append(row["content_id"])
    return ids


async def test_a_variation_copies_its_source_except_overrides_and_validation(cat: Catalog, pg: PostgresStore) -> None:
    root, child = await _chain(cat, pg, 1)
    row = await VariationStore(pg)._get(child)
    assert (row["variation_source"], row["title"], row["tags"], float(row["difficulty_level"])) == (
        root, "v0", ["root"], 0.3)
    assert row["validation_results"] is None and row["variation_parameters"] == {"step": 0}


async def test_descendants_and_ancestors_respect_the_depth(cat: Catalog, pg: PostgresStore) -> None:
    ids = await _chain(cat, pg, 3)
    store = VariationStore(pg)
    all_down = await store.descendants(ids[0], 0, None, 10)
    assert [(r["content_id"], r["depth"]) for r in all_down.rows] == [(ids[i], i) for i in (1, 2, 3)]
    two = await store.descendants(ids[0], 2, None, 10)
    assert [r["content_id"] for r in two.rows] == ids[1:3]
    first = await store.descendants(ids[0], 0, None, 1)
    rest = await store.descendants(ids[0], 0, first.next_key, 5)
    assert [r["content_id"] for r in first.rows + rest.rows] == ids[1:]
    up = await store.ancestors(ids[3], 0)
    assert [(r["content_id"], r["depth"]) for r in up] == [(ids[2], 1), (ids[1], 2), (ids[0], 3)]
    assert [r["content_id"] for r in await store.ancestors(ids[3], 1)] == [ids[2]]
    assert await store.ancestors(ids[0], 0) == []
    with pytest.raises(NotFound):
        await store.ancestors(str(uuid.uuid4()), 0)


async def test_would_cycle_sees_itself_and_its_descendants(cat: Catalog, pg: PostgresStore) -> None:
    ids = await _chain(cat, pg, 2)
    async with pg.connection() as conn:
        assert await would_cycle(conn, ids[0], ids[0])
        assert await would_cycle(conn, ids[0], ids[2])
        assert not await would_cycle(conn, ids[2], ids[0])


async def test_create_checks_the_source_the_target_dataset_and_its_owner(cat: Catalog, pg: PostgresStore) -> None:
    store = VariationStore(pg)
    with pytest.raises(NotFound) as source:
        await store.create(str(uuid.uuid4()), {}, {}, content_id=None, request_id="", identity="admin")
    assert source.value.reason == "CONTENT_NOT_FOUND"
    root = (await _chain(cat, pg, 0))[0]
    with pytest.raises(NotFound) as target:
        await store.create(root, {"dataset_id": str(uuid.uuid4())}, {}, content_id=None, request_id="",
                           identity="admin")
    assert target.value.reason == "DATASET_NOT_FOUND"
    with pytest.raises(NotOwner):
        await store.create(root, {}, {}, content_id=None, request_id="", identity="node-b", owner="node-b")
    with pytest.raises(ValueError, match="usage_statistics"):
        await store.create(root, {"usage_statistics": {}}, {}, content_id=None, request_id="", identity="admin")
