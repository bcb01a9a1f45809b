"""CatalogService RPCs on simulation environments."""

from __future__ import annotations

from typing import Any

from grpc import aio

from amauta.v1 import catalog_pb2, common_pb2
from server.catalog import convert as to
from server.catalog import fields
from server.catalog.filters import set_match
from server.rpc import paging
from server.rpc.policy import caller, creator, owner_scope
from server.rpc.validation import Checker, fingerprint
from stores.postgres.environments import EnvironmentFilter, EnvironmentStore


class EnvironmentRpcs:
    """Create, Get, List, Update and Delete environments."""

    environments: EnvironmentStore

    async def CreateEnvironment(self, request: catalog_pb2.CreateEnvironmentRequest,
                                      context: aio.ServicerContext[Any, Any]) -> catalog_pb2.CreateEnvironmentResponse:
        check = Checker()
        values = fields.create_values(check, request, fields.ENVIRONMENT, "environment")
        check.done()
        values["created_by"] = creator(values)
        row = await self.environments.create(values, request_id=request.request_id, identity=caller().name,
                                             fingerprint=fingerprint(request))
        return catalog_pb2.CreateEnvironmentResponse(environment=to.environment(row))

    async def GetEnvironment(self, request: catalog_pb2.GetEnvironmentRequest,
                                   context: aio.ServicerContext[Any, Any]) -> catalog_pb2.GetEnvironmentResponse:
        check = Checker()
        environment_id = check.uuid(request.environment_id, "environment_id")
        check.done()
        row = await self.environments.get(environment_id or "")
        return catalog_pb2.GetEnvironmentResponse(environment=to.environment(row))

    async def ListEnvironments(self, request: catalog_pb2.ListEnvironmentsRequest,
                                     context: aio.ServicerContext[Any, Any]) -> catalog_pb2.ListEnvironmentsResponse:
        check = Checker()
        asked = paging.open_page(request, (paging.INT,), check)
        flt = EnvironmentFilter(
            environment_type=check.enum(request.environment_type, common_pb2.EnvironmentType.DESCRIPTOR,
                                        "environment_type", required=False),
            complexity_level=check.enum(request.complexity_level, common_pb2.ComplexityLevel.DESCRIPTOR,
                                        "complexity_level", required=False),
            active_status=request.active_status if request.HasField("active_status") else None,
            learning_objectives=set_match(check, request, "learning_objectives"))
        check.done()
        page = await self.environments.list(flt, asked.key, asked.size)
        return catalog_pb2.ListEnvironmentsResponse(environments=[to.environment(r) for r in page.rows],
                                                    next_page_token=asked.token(page.next_key),
                                                    resume_page_token=asked.token(page.last_key))

    async def UpdateEnvironment(self, request: catalog_pb2.UpdateEnvironmentRequest,
                                      context: aio.ServicerContext[Any, Any]) -> catalog_pb2.UpdateEnvironmentResponse:
        check = Checker()
        environment_id = check.uuid(request.environment.environment_id, "environment.environment_id")
        values = fields.update_values(check, request, fields.ENVIRONMENT, "environment")
        check.non_negative(request.etag, "etag")
        check.done()
        row = await self.environments.update(environment_id or "", values, request.etag, owner=owner_scope())
        return catalog_pb2.UpdateEnvironmentResponse(environment=to.environment(row))

    async def DeleteEnvironment(self, request: catalog_pb2.DeleteEnvironmentRequest,
                                      context: aio.ServicerContext[Any, Any]) -> catalog_pb2.DeleteEnvironmentResponse:
        check = Checker()
        environment_id = check.uuid(request.environment_id, "environment_id")
        check.non_negative(request.etag, "etag")
        check.done()
        removed = await self.environments.delete(environment_id or "", request.etag, owner=owner_scope())
        return catalog_pb2.DeleteEnvironmentResponse(environment_id=environment_id,
                                                     deleted_environment_count=removed)
