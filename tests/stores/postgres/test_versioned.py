"""VersionedRows on PostgreSQL, through both of its tables: idempotent creates, NotFound naming the
resource, stale etags, owners, updates that bump the version, and pages in commit order."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from stores.errors import Conflict, NotFound, NotOwner
from stores.postgres import PostgresStore
from stores.postgres.datasets import DatasetStore
from stores.postgres.environments import EnvironmentStore
from stores.postgres.sql import Where
from stores.postgres.versioned import VersionedRows

Values = Callable[[], dict[str, object]]


def _dataset() -> dict[str, object]:
    return {"name": f"versioned {uuid.uuid4().hex[:6]}", "dataset_type": "ethical_dilemmas",
            "generation_method": {"kind": "manual"}, "description": "before"}


def _environment() -> dict[str, object]:
    return {"name": f"versioned {uuid.uuid4().hex[:6]}", "environment_type": "conflict_resolution",
            "environment_config": {"rounds": 1}, "description": "before"}


KINDS = [pytest.param(DatasetStore, _dataset, id="datasets"),
         pytest.param(EnvironmentStore, _environment, id="environments")]


@pytest.mark.parametrize(("kind", "values"), KINDS)
async def test_a_create_is_idempotent_by_request_id_and_owned_by_the_caller(
        pg: PostgresStore, kind: type[VersionedRows], values: Values) -> None:
    store = kind(pg)
    request = str(uuid.uuid4())
    first = await store.create(values(), request_id=request, identity="node-a")
    again = await store.create(values(), request_id=request, identity="node-a")
    key = store.table.key
    assert again[key] == first[key]
    assert (first["version"], first["created_by"]) == (1, "node-a")
    assert (await store.get(first[key]))["name"] == first["name"]


@pytest.mark.parametrize(("kind", "values"), KINDS)
async def test_get_of_an_absent_row_names_the_resource(pg: PostgresStore, kind: type[VersionedRows],
                                                       values: Values) -> None:
    store = kind(pg)
    absent = str(uuid.uuid4())
    with pytest.raises(NotFound) as raised:
        await store.get(absent)
    assert store.table.resource in str(raised.value) and absent in str(raised.value)


@pytest.mark.parametrize(("kind", "values"), KINDS)
async def test_a_change_checks_owner_then_etag_and_bumps_the_version(
        pg: PostgresStore, kind: type[VersionedRows], values: Values) -> None:
    store = kind(pg)
    row = await store.create(values(), request_id="", identity="node-a")
    row_id = row[store.table.key]
    async with pg.transaction() as conn:
        with pytest.raises(NotOwner):
            await store._lock(conn, row_id, 1, "node-b")
    async with pg.transaction() as conn:
        with pytest.raises(Conflict) as stale:
            await store._lock(conn, row_id, 7, None)
    assert stale.value.metadata["current_version"] == "1"
    async with pg.transaction() as conn:
        await store._lock(conn, row_id, 1, "node-a")
        changed = await store._update(conn, row_id, {"description": "after"})
    assert (changed["description"], changed["version"]) == ("after", 2)
    with pytest.raises(ValueError):  # neither the key nor the owner is an update column
        async with pg.transaction() as conn:
            await store._update(conn, row_id, {"created_by": "node-b"})
    assert (await store.get(row_id))["created_by"] == "node-a"


@pytest.mark.parametrize(("kind", "values"), KINDS)
async def test_pages_follow_commit_order_and_resume_after_their_last_key(
        pg: PostgresStore, kind: type[VersionedRows], values: Values) -> None:
    store = kind(pg)
    marker = f"page {uuid.uuid4().hex[:8]}"
    made = []
    for _ in range(5):
        row = await store.create({**values(), "description": marker},
                                 request_id="", identity="node-a")
        made.append(row[store.table.key])
    seen: list[str] = []
    after = None
    while True:
        where = Where()
        where.equals("r.description", marker)
        page = await store._page(where, after, 2)
        seen += [r[store.table.key] for r in page.rows]
        if page.next_key is None:
            break
        after = page.next_key
    assert seen == made
