"""CatalogService RPCs on training content and its variation graph."""

from __future__ import annotations

from typing import Any

from grpc import aio

from amauta.v1 import catalog_pb2
from server.catalog import convert as to
from server.catalog import fields
from server.catalog.filters import set_match, value_range
from server.rpc import paging
from server.rpc.policy import caller, creator, owner_scope
from server.rpc.validation import Checker, fingerprint
from stores.postgres.content import ContentFilter, ContentStore
from stores.postgres.variations import VariationStore


class ContentRpcs:
    """Create, Get, List, Update and Delete content; CreateVariation, ListVariations, GetLineage."""

    content: ContentStore
    variations: VariationStore

    async def CreateContent(self, request: catalog_pb2.CreateContentRequest,
                                  context: aio.ServicerContext[Any, Any]) -> catalog_pb2.CreateContentResponse:
        check = Checker()
        values = fields.create_values(check, request, fields.CONTENT, "content")
        check.done()
        values["created_by"] = creator(values)
        row = await self.content.create(values, request_id=request.request_id, identity=caller().name,
                                        fingerprint=fingerprint(request), owner=owner_scope())
        return catalog_pb2.CreateContentResponse(content=to.content(row))

    async def GetContent(self, request: catalog_pb2.GetContentRequest,
                               context: aio.ServicerContext[Any, Any]) -> catalog_pb2.GetContentResponse:
        check = Checker()
        content_id = check.uuid(request.content_id, "content_id")
        check.done()
        return catalog_pb2.GetContentResponse(content=to.content(await self.content.get(content_id or "")))

    async def ListContent(self, request: catalog_pb2.ListContentRequest,
                                context: aio.ServicerContext[Any, Any]) -> catalog_pb2.ListContentResponse:
        check = Checker()
        asked = paging.open_page(request, (paging.INT,), check)
        flt = ContentFilter(
            dataset_id=check.uuid(request.dataset_id, "dataset_id", required=False),
            difficulty_level=value_range(check, request, "difficulty_level"),
            tags=set_match(check, request, "tags"),
            learning_objectives=set_match(check, request, "learning_objectives"),
            prerequisites=set_match(check, request, "prerequisites"),
            title_query=check.text(request.title_query, "title_query") or None)
        check.done()
        page = await self.content.list(flt, asked.key, asked.size)
        return catalog_pb2.ListContentResponse(contents=[to.content(r) for r in page.rows],
                                               next_page_token=asked.token(page.next_key),
                                               resume_page_token=asked.token(page.last_key))

    async def UpdateContent(self, request: catalog_pb2.UpdateContentRequest,
                                  context: aio.ServicerContext[Any, Any]) -> catalog_pb2.UpdateContentResponse:
        check = Checker()
        content_id = check.uuid(request.content.content_id, "content.content_id")
        values = fields.update_values(check, request, fields.CONTENT, "content")
        check.done()
        row = await self.content.update(content_id or "", values, owner=owner_scope())
        return catalog_pb2.UpdateContentResponse(content=to.content(row))

    async def DeleteContent(self, request: catalog_pb2.DeleteContentRequest,
                                  context: aio.ServicerContext[Any, Any]) -> catalog_pb2.DeleteContentResponse:
        check = Checker()
        content_id = check.uuid(request.content_id, "content_id")
        check.done()
        removed = await self.content.delete(content_id or "", owner=owner_scope())
        return catalog_pb2.DeleteContentResponse(content_id=content_id, deleted_content_count=removed)

    async def CreateVariation(self, request: catalog_pb2.CreateVariationRequest,
                                    context: aio.ServicerContext[Any, Any]) -> catalog_pb2.CreateVariationResponse:
        check = Checker()
        source_id = check.uuid(request.source_content_id, "source_content_id")
        parameters = check.struct(request.variation_parameters, "variation_parameters", required=True)
        specs = (*fields.CONTENT.create_only, *fields.VARIATION_OVERRIDES)
        mask = request.override_mask.paths
        paths = [p for p in mask if p not in fields.VARIATION_LINK] if mask else None  # the link is ignored
        overrides = fields.masked(check, request.overrides, specs, paths, "override_mask", "overrides.",
                                  fields.CONTENT.output_only)
        check.identifier(request.request_id, "request_id", required=False)
        check.done()
        content_id = overrides.pop("content_id", None)
        created_by = creator(overrides)
        overrides.pop("created_by", None)
        row = await self.variations.create(source_id or "", overrides, parameters or {}, content_id=content_id,
                                           request_id=request.request_id, identity=caller().name,
                                           created_by=created_by, fingerprint=fingerprint(request),
                                           owner=owner_scope())
        return catalog_pb2.CreateVariationResponse(content=to.content(row))

    async def ListVariations(self, request: catalog_pb2.ListVariationsRequest,
                                   context: aio.ServicerContext[Any, Any]) -> catalog_pb2.ListVariationsResponse:
        check = Checker()
        content_id = check.uuid(request.content_id, "content_id")
        if request.max_depth < 0:
            check.fail("max_depth", "must not be negative")
        asked = paging.open_page(request, (paging.INT,), check)
        check.done()
        page = await self.variations.descendants(content_id or "", request.max_depth, asked.key, asked.size)
        return catalog_pb2.ListVariationsResponse(variations=[to.lineage_entry(r) for r in page.rows],
                                                  next_page_token=asked.token(page.next_key),
                                                  resume_page_token=asked.token(page.last_key))

    async def GetLineage(self, request: catalog_pb2.GetLineageRequest,
                               context: aio.ServicerContext[Any, Any]) -> catalog_pb2.GetLineageResponse:
        check = Checker()
        content_id = check.uuid(request.content_id, "content_id")
        if request.max_depth < 0:
            check.fail("max_depth", "must not be negative")
        check.done()
        rows = await self.variations.ancestors(content_id or "", request.max_depth)
        return catalog_pb2.GetLineageResponse(ancestors=[to.lineage_entry(r) for r in rows])
