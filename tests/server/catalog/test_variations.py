"""Variations: copy with overrides, descendants and ancestors by recursive CTE, acyclicity."""

from __future__ import annotations

import uuid

import grpc
from google.protobuf import field_mask_pb2

from amauta.v1 import catalog_pb2
from tests.server.catalog.support import Catalog, fails, struct

OK = grpc.StatusCode


async def _vary(cat: Catalog, source: str, **kw: object) -> catalog_pb2.TrainingContent:
    req = catalog_pb2.CreateVariationRequest(source_content_id=source, variation_parameters=struct(seed=1), **kw)
    return (await cat.stub.CreateVariation(req, metadata=cat.md())).content


async def test_variation_copies_source_and_applies_overrides(cat: Catalog) -> None:
    ds, other = await cat.dataset(), await cat.dataset()
    src = await cat.content(ds.dataset_id, tags=["a"], difficulty_level=0.4, learning_objectives=["o"],
                            validation_results=struct(ok=True), estimated_duration=12)
    var = await _vary(cat, src.content_id, overrides=catalog_pb2.TrainingContent(
        title="harder", difficulty_level=0.8, dataset_id=other.dataset_id, tags=["ignored"]),
        override_mask=field_mask_pb2.FieldMask(paths=["title", "difficulty_level", "dataset_id", "variation_source"]))
    assert var.content_id != src.content_id and var.variation_source == src.content_id
    assert var.variation_parameters["seed"] == 1
    assert var.title == "harder" and var.difficulty_level == 0.8 and var.dataset_id == other.dataset_id
    assert list(var.tags) == ["a"] and list(var.learning_objectives) == ["o"] and var.estimated_duration == 12
    assert var.content_data == src.content_data and len(var.validation_results.fields) == 0
    assert var.usage_statistics.attempts == 0
    # empty mask: every override set to a non-default value applies
    chosen = str(uuid.uuid4())
    var2 = await _vary(cat, src.content_id, overrides=catalog_pb2.TrainingContent(content_id=chosen, tags=["z"]))
    assert var2.content_id == chosen and list(var2.tags) == ["z"] and var2.title == src.title


async def test_variation_is_idempotent_and_reports_errors(cat: Catalog) -> None:
    ds = await cat.dataset()
    src = await cat.content(ds.dataset_id)
    rid = "var-" + uuid.uuid4().hex
    a = await _vary(cat, src.content_id, request_id=rid)
    b = await _vary(cat, src.content_id, request_id=rid)
    assert a == b
    _, _, fields = await fails(cat.stub.CreateVariation(catalog_pb2.CreateVariationRequest(
        source_content_id="x", overrides=catalog_pb2.TrainingContent(difficulty_level=3),
        override_mask=field_mask_pb2.FieldMask(paths=["difficulty_level", "created_at"])), metadata=cat.md()),
        OK.INVALID_ARGUMENT)
    assert set(fields) == {"source_content_id", "variation_parameters", "overrides.difficulty_level", "override_mask"}
    reason, _, _ = await fails(_vary(cat, str(uuid.uuid4())), OK.NOT_FOUND)
    assert reason == "CONTENT_NOT_FOUND"
    reason, _, _ = await fails(_vary(cat, src.content_id, overrides=catalog_pb2.TrainingContent(
        dataset_id=str(uuid.uuid4()))), OK.NOT_FOUND)
    assert reason == "DATASET_NOT_FOUND"
    await fails(_vary(cat, src.content_id, overrides=catalog_pb2.TrainingContent(content_id=a.content_id)),
                OK.ALREADY_EXISTS)


async def test_lineage_on_a_deep_chain_and_cycle_attempts(cat: Catalog) -> None:
    ds = await cat.dataset()
    root = await cat.content(ds.dataset_id)
    chain = [root]
    for _ in range(120):
        chain.append(await _vary(cat, chain[-1].content_id))
    deepest = chain[-1]
    lineage = await cat.stub.GetLineage(catalog_pb2.GetLineageRequest(content_id=deepest.content_id), metadata=cat.md())
    assert [e.content.content_id for e in lineage.ancestors] == [c.content_id for c in reversed(chain[:-1])]
    assert [e.depth for e in lineage.ancestors] == list(range(1, 121))
    limited = await cat.stub.GetLineage(catalog_pb2.GetLineageRequest(content_id=deepest.content_id, max_depth=3),
                                        metadata=cat.md())
    assert [e.content.content_id for e in limited.ancestors] == [c.content_id for c in chain[-2:-5:-1]]
    none = await cat.stub.GetLineage(catalog_pb2.GetLineageRequest(content_id=root.content_id), metadata=cat.md())
    assert list(none.ancestors) == []
    # closing the chain into a loop, or pointing an item at itself, is refused
    for item, source in ((root, deepest), (chain[60], chain[100]), (chain[1], chain[1])):
        reason, meta, _ = await fails(cat.stub.UpdateContent(catalog_pb2.UpdateContentRequest(
            content=catalog_pb2.TrainingContent(content_id=item.content_id, variation_source=source.content_id),
            update_mask=field_mask_pb2.FieldMask(paths=["variation_source"])), metadata=cat.md()),
            OK.FAILED_PRECONDITION)
        assert reason == "VARIATION_CYCLE" and meta["content_id"] == item.content_id
    # a legal re-parenting: the deepest item becomes a variation of the root
    moved = await cat.stub.UpdateContent(catalog_pb2.UpdateContentRequest(
        content=catalog_pb2.TrainingContent(content_id=deepest.content_id, variation_source=root.content_id),
        update_mask=field_mask_pb2.FieldMask(paths=["variation_source"])), metadata=cat.md())
    assert moved.content.variation_source == root.content_id
    lineage = await cat.stub.GetLineage(catalog_pb2.GetLineageRequest(content_id=deepest.content_id), metadata=cat.md())
    assert [e.content.content_id for e in lineage.ancestors] == [root.content_id]


async def test_list_variations_by_depth_with_paging(cat: Catalog) -> None:
    ds = await cat.dataset()
    root = await cat.content(ds.dataset_id)
    kids = [await _vary(cat, root.content_id) for _ in range(3)]
    grandkids = [await _vary(cat, kids[0].content_id) for _ in range(2)] + [await _vary(cat, kids[2].content_id)]
    great = await _vary(cat, grandkids[0].content_id)
    seen: list[tuple[int, str]] = []
    token = ""
    while True:
        reply = await cat.stub.ListVariations(catalog_pb2.ListVariationsRequest(
            content_id=root.content_id, page_size=2, page_token=token), metadata=cat.md())
        seen += [(e.depth, e.content.content_id) for e in reply.variations]
        token = reply.next_page_token
        if not token:
            break
    # (depth, created_at, id): creation order within a depth
    assert seen == [(1, k.content_id) for k in kids] + [(2, g.content_id) for g in grandkids] + [(3, great.content_id)]
    two = await cat.stub.ListVariations(catalog_pb2.ListVariationsRequest(content_id=root.content_id, max_depth=1),
                                        metadata=cat.md())
    assert [e.content.content_id for e in two.variations] == [k.content_id for k in kids]
    _, _, fields = await fails(cat.stub.ListVariations(catalog_pb2.ListVariationsRequest(
        content_id=root.content_id, max_depth=-1, page_size=-2), metadata=cat.md()), OK.INVALID_ARGUMENT)
    assert set(fields) == {"max_depth", "page_size"}
    await fails(cat.stub.ListVariations(catalog_pb2.ListVariationsRequest(content_id=str(uuid.uuid4())),
                                        metadata=cat.md()), OK.NOT_FOUND)
    await fails(cat.stub.GetLineage(catalog_pb2.GetLineageRequest(content_id=root.content_id, max_depth=-1),
                                    metadata=cat.md()), OK.INVALID_ARGUMENT)
    await fails(cat.stub.GetLineage(catalog_pb2.GetLineageRequest(content_id=str(uuid.uuid4())),
                                    metadata=cat.md()), OK.NOT_FOUND)
