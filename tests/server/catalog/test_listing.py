"""ListContent: keyset pages under concurrent inserts, and every filter checked against Python."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import AsyncIterator

import grpc
import pytest

from amauta.v1 import catalog_pb2, common_pb2
from amauta.v1.catalog_pb2 import TrainingContent as TC
from tests.server.catalog.support import Catalog, fails, struct

OK = grpc.StatusCode
ALL, ANY = common_pb2.MATCH_MODE_ALL, common_pb2.MATCH_MODE_ANY


async def _pages(cat: Catalog, request: catalog_pb2.ListContentRequest) -> AsyncIterator[list[TC]]:
    token = ""
    while True:
        request.page_token = token
        reply = await cat.stub.ListContent(request, metadata=cat.md("observer"))
        yield list(reply.contents)
        token = reply.next_page_token
        if not token:
            return


async def test_pages_neither_drop_nor_repeat_rows_inserted_between_calls(cat: Catalog) -> None:
    ds = await cat.dataset()
    created = [(await cat.content(ds.dataset_id)).content_id for _ in range(25)]
    originals = set(created)
    stop = asyncio.Event()
    added: list[str] = []

    async def writer() -> None:  # keeps inserting into the same dataset while pages are read
        while not stop.is_set():
            added.append((await cat.content(ds.dataset_id)).content_id)
            await asyncio.sleep(0.002)

    task = asyncio.create_task(writer())
    seen: list[TC] = []
    try:
        async for page in _pages(cat, catalog_pb2.ListContentRequest(dataset_id=ds.dataset_id, page_size=4)):
            seen += page
            added.append((await cat.content(ds.dataset_id)).content_id)  # and one more between every two pages
            if len(seen) > 60:
                stop.set()
    finally:
        stop.set()
        await task
    ids = [c.content_id for c in seen]
    assert len(ids) == len(set(ids)), "a row was repeated"
    assert originals <= set(ids), "an original row was dropped"
    assert [i for i in ids if i in originals] == created, "rows committed one after another keep that order"
    assert set(ids) - originals <= set(added)


@pytest.fixture(scope="module")
async def random_items(cat: Catalog) -> tuple[str, list[dict]]:
    """10k imported items with random tags, objectives, prerequisites and difficulty; and their ids."""
    rng = random.Random(1234)
    ds = await cat.dataset()
    tags, objs, pres = [f"tag{i}" for i in range(12)], [f"obj{i}" for i in range(6)], [f"pre{i}" for i in range(5)]
    specs: list[dict] = []
    for i in range(10_000):
        specs.append({"content_id": str(uuid.uuid4()), "tags": rng.sample(tags, rng.randint(0, 4)),
                      "learning_objectives": rng.sample(objs, rng.randint(0, 2)),
                      "prerequisites": rng.sample(pres, rng.randint(0, 2)),
                      "difficulty_level": None if i % 10 == 0 else rng.randint(0, 100) / 100,
                      "title": rng.choice(["Ethics", "LOGIC", "ethical_dilemma", "Plan 100%", "plain",
                                                    "Model data", "Top 100 list"]) + f" {i}"})

    async def stream() -> AsyncIterator[catalog_pb2.ImportContentRequest]:
        yield catalog_pb2.ImportContentRequest(header=catalog_pb2.ImportHeader(
            dataset_id=ds.dataset_id, request_id="rand-" + uuid.uuid4().hex))
        for i in range(0, len(specs), 2500):
            yield catalog_pb2.ImportContentRequest(items=catalog_pb2.ImportItems(items=[
                TC(content_data=struct(i=1), **{k: v for k, v in s.items() if v is not None})
                for s in specs[i:i + 2500]]))

    reply = await cat.stub.ImportContent(stream(), metadata=cat.md())
    assert reply.imported_count == 10_000
    return ds.dataset_id, specs


def _match(values: list[str], wanted: list[str], mode: int) -> bool:
    return set(wanted) <= set(values) if mode == ALL else bool(set(wanted) & set(values))


QUERIES = [
    {"tags": (["tag1"], ANY)},
    {"tags": (["tag1", "tag2"], ANY)},
    {"tags": (["tag1", "tag2"], ALL)},
    {"tags": (["tag3", "tag4", "tag5"], ALL)},
    {"tags": (["tag0", "tag7"], ALL), "learning_objectives": (["obj1", "obj2"], ANY)},
    {"learning_objectives": (["obj3"], ALL), "prerequisites": (["pre1", "pre2"], ANY)},
    {"prerequisites": (["pre0", "pre4"], ALL)},
    {"tags": (["tag9"], ANY), "difficulty": (0.25, 0.5)},
    {"difficulty": (None, 0.1)},
    {"difficulty": (0.95, None), "tags": (["tag11", "tag10"], ANY)},
    {"title": "ethic"},
    {"title": "l_d"},
    {"title": "100%", "tags": (["tag2"], ANY)},
]


@pytest.mark.parametrize("query", QUERIES, ids=[str(q) for q in QUERIES])
async def test_filters_match_a_python_recomputation(cat: Catalog, random_items: tuple[str, list[dict]],
                                                    query: dict) -> None:
    dataset_id, specs = random_items
    req = catalog_pb2.ListContentRequest(dataset_id=dataset_id, page_size=1000)
    expected = set()
    for name in ("tags", "learning_objectives", "prerequisites"):
        if name in query:
            values, mode = query[name]
            getattr(req, name).CopyFrom(common_pb2.StringSetFilter(values=values, mode=mode))
    if "difficulty" in query:
        low, high = query["difficulty"]
        if low is not None:
            req.difficulty_level.min = low
        if high is not None:
            req.difficulty_level.max = high
    if "title" in query:
        req.title_query = query["title"]
    for s in specs:
        ok = all(_match(s[n], *query[n]) for n in ("tags", "learning_objectives", "prerequisites") if n in query)
        if "difficulty" in query:
            low, high = query["difficulty"]
            d = s["difficulty_level"]
            ok = ok and d is not None and (low is None or d >= low) and (high is None or d <= high)
        if "title" in query:
            ok = ok and query["title"].lower() in s["title"].lower()
        if ok:
            expected.add(s["content_id"])
    got: list[TC] = []
    async for page in _pages(cat, req):
        got += page
    ids = [c.content_id for c in got]
    assert len(ids) == len(set(ids))
    assert set(ids) == expected and expected  # every query matches something
    # Commit order: the import inserted the items in request order, in one transaction.
    assert ids == [s["content_id"] for s in specs if s["content_id"] in expected]


async def test_page_size_default_cap_and_negative(cat: Catalog, random_items: tuple[str, list[dict]]) -> None:
    dataset_id, _ = random_items
    default = await cat.stub.ListContent(catalog_pb2.ListContentRequest(dataset_id=dataset_id), metadata=cat.md())
    assert len(default.contents) == 50 and default.next_page_token
    capped = await cat.stub.ListContent(catalog_pb2.ListContentRequest(dataset_id=dataset_id, page_size=5000),
                                        metadata=cat.md())
    assert len(capped.contents) == 1000 and capped.next_page_token
    _, _, fields = await fails(cat.stub.ListContent(catalog_pb2.ListContentRequest(
        page_size=-5, dataset_id="bad", difficulty_level=common_pb2.DoubleRange(min=0.7, max=0.2),
        tags=common_pb2.StringSetFilter(values=["a"], mode=9), title_query="t" * 256), metadata=cat.md()),
        OK.INVALID_ARGUMENT)
    assert set(fields) == {"page_size", "dataset_id", "difficulty_level", "tags.mode", "title_query"}
