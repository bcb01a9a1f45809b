"""Every owned catalog RPC (server.rpc.policy.OWNED) × {owner node, other node, service, admin, analyst,
observer}: the status follows the role gate and the owner rule, and a refused call changes nothing.

Each case gets a fresh resource created by node-a (the owner), so one case cannot disturb another.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any

import grpc
import pytest
from google.protobuf import field_mask_pb2, struct_pb2
from google.protobuf.message import Message
from google.rpc import error_details_pb2
from grpc import aio
from grpc_status import rpc_status

from amauta.v1 import catalog_pb2 as cpb
from amauta.v1 import catalog_pb2_grpc, common_pb2
from server.rpc.auth import Role
from server.rpc.policy import OWNED, POLICY
from stores.migrator import split_statements
from stores.postgres import PostgresStore
from tests.support import IDENTITIES, Tokens

CALLERS = {"owner node": "node_a", "other node": "node_b", "service": "service", "admin": "admin",
           "analyst": "analyst", "observer": "observer"}
OWNER = "node_a"
CODE = grpc.StatusCode


def _struct(**values: Any) -> struct_pb2.Struct:
    out = struct_pb2.Struct()
    out.update(values)
    return out


def _reason(err: aio.AioRpcError) -> str:
    status = rpc_status.from_call(err)
    info = error_details_pb2.ErrorInfo()
    for detail in status.details if status else []:
        if detail.Unpack(info):
            return info.reason
    return ""


@dataclass
class Target:
    """One fresh owned resource, the call to make on it and how to observe it."""

    call: Callable[[tuple[tuple[str, str], ...]], Awaitable[Any]]
    observe: Callable[[], Awaitable[Any]]


class Factory:
    """Creates node-a's resources and the per-RPC calls on them."""

    def __init__(self, stub: catalog_pb2_grpc.CatalogServiceStub, tokens: Tokens) -> None:
        self.stub = stub
        self.tokens = tokens

    async def _dataset(self) -> cpb.TrainingDataset:
        return (await self.stub.CreateDataset(cpb.CreateDatasetRequest(dataset=cpb.TrainingDataset(
            name="owned " + uuid.uuid4().hex[:8], dataset_type=common_pb2.DATASET_TYPE_ETHICAL_DILEMMAS,
            generation_method=_struct(kind="manual"))), metadata=self.tokens.md(OWNER))).dataset

    async def _content(self) -> cpb.TrainingContent:
        ds = await self._dataset()
        return (await self.stub.CreateContent(cpb.CreateContentRequest(content=cpb.TrainingContent(
            dataset_id=ds.dataset_id, title="owned", content_data=_struct(prompt="p"))),
            metadata=self.tokens.md(OWNER))).content

    async def _environment(self) -> cpb.SimulationEnvironment:
        return (await self.stub.CreateEnvironment(cpb.CreateEnvironmentRequest(environment=cpb.SimulationEnvironment(
            name="owned " + uuid.uuid4().hex[:8], environment_type=common_pb2.ENVIRONMENT_TYPE_CONFLICT_RESOLUTION,
            environment_config=_struct(rounds=1))), metadata=self.tokens.md(OWNER))).environment

    async def _observe_dataset(self, dataset_id: str) -> tuple[Message | str, int]:
        """The dataset as stored (or 'gone') and how many items it holds."""
        try:
            got: Message | str = (await self.stub.GetDataset(cpb.GetDatasetRequest(dataset_id=dataset_id),
                                                             metadata=self.tokens.md("admin"))).dataset
        except aio.AioRpcError as exc:
            assert exc.code() == CODE.NOT_FOUND
            got = "gone"
        items = await self.stub.ListContent(cpb.ListContentRequest(dataset_id=dataset_id, page_size=100),
                                            metadata=self.tokens.md("admin"))
        return got, len(items.contents)

    async def _observe(self, get: Callable[[], Awaitable[Message]]) -> Message | str:
        try:
            return await get()
        except aio.AioRpcError as exc:
            assert exc.code() == CODE.NOT_FOUND
            return "gone"

    async def target(self, method: str) -> Target:
        md_admin = self.tokens.md("admin")
        if method in ("UpdateDataset", "DeleteDataset", "ValidateDataset", "ImportContent", "CreateContent",
                      "CreateVariation"):
            ds = await self._dataset()
            source = await self._content()  # another dataset of node-a's: the variation's source
            calls: dict[str, Callable[[Any], Awaitable[Any]]] = {
                "CreateContent": lambda md: self.stub.CreateContent(cpb.CreateContentRequest(
                    content=cpb.TrainingContent(dataset_id=ds.dataset_id, title="added",
                                                content_data=_struct(a=1))), metadata=md),
                "CreateVariation": lambda md: self.stub.CreateVariation(cpb.CreateVariationRequest(
                    source_content_id=source.content_id, variation_parameters=_struct(v=1),
                    overrides=cpb.TrainingContent(dataset_id=ds.dataset_id),
                    override_mask=field_mask_pb2.FieldMask(paths=["dataset_id"])), metadata=md),
                "UpdateDataset": lambda md: self.stub.UpdateDataset(cpb.UpdateDatasetRequest(
                    dataset=cpb.TrainingDataset(dataset_id=ds.dataset_id, name="renamed"),
                    update_mask=field_mask_pb2.FieldMask(paths=["name"])), metadata=md),
                "DeleteDataset": lambda md: self.stub.DeleteDataset(
                    cpb.DeleteDatasetRequest(dataset_id=ds.dataset_id), metadata=md),
                "ValidateDataset": lambda md: self.stub.ValidateDataset(cpb.ValidateDatasetRequest(
                    dataset_id=ds.dataset_id, decision=common_pb2.VALIDATION_STATUS_VALIDATED), metadata=md),
                "ImportContent": lambda md: self.stub.ImportContent(iter([
                    cpb.ImportContentRequest(header=cpb.ImportHeader(
                        dataset_id=ds.dataset_id, request_id="imp-" + uuid.uuid4().hex)),
                    cpb.ImportContentRequest(items=cpb.ImportItems(items=[
                        cpb.TrainingContent(title="imported", content_data=_struct(a=1))]))]), metadata=md),
            }
            return Target(calls[method], lambda: self._observe_dataset(ds.dataset_id))
        if method in ("UpdateContent", "DeleteContent"):
            item = await self._content()
            calls = {
                "UpdateContent": lambda md: self.stub.UpdateContent(cpb.UpdateContentRequest(
                    content=cpb.TrainingContent(content_id=item.content_id, title="renamed"),
                    update_mask=field_mask_pb2.FieldMask(paths=["title"])), metadata=md),
                "DeleteContent": lambda md: self.stub.DeleteContent(
                    cpb.DeleteContentRequest(content_id=item.content_id), metadata=md),
            }
            return Target(calls[method], lambda: self._observe(lambda: self._get_content(item.content_id, md_admin)))
        env = await self._environment()
        calls = {
            "UpdateEnvironment": lambda md: self.stub.UpdateEnvironment(cpb.UpdateEnvironmentRequest(
                environment=cpb.SimulationEnvironment(environment_id=env.environment_id, name="renamed"),
                update_mask=field_mask_pb2.FieldMask(paths=["name"])), metadata=md),
            "DeleteEnvironment": lambda md: self.stub.DeleteEnvironment(
                cpb.DeleteEnvironmentRequest(environment_id=env.environment_id), metadata=md),
        }
        return Target(calls[method], lambda: self._observe(lambda: self._get_environment(env.environment_id, md_admin)))

    async def _get_content(self, content_id: str, md: Any) -> Message:
        return (await self.stub.GetContent(cpb.GetContentRequest(content_id=content_id), metadata=md)).content

    async def _get_environment(self, environment_id: str, md: Any) -> Message:
        return (await self.stub.GetEnvironment(cpb.GetEnvironmentRequest(environment_id=environment_id),
                                               metadata=md)).environment


def test_owned_rpcs_are_catalog_writes_open_to_nodes_or_privileged() -> None:
    assert set(OWNED) <= set(POLICY)
    for path in OWNED:
        assert {Role.ADMIN, Role.SERVICE} <= POLICY[path], path
    # Every catalog RPC that changes a stored resource or adds to one is owned; the others create an
    # owner's own resource, read, or serve the generation queue.
    creates_or_reads = {"CreateDataset", "GetDataset", "ListDatasets", "GetContent", "ListContent",
                        "ListVariations", "GetLineage", "CreateEnvironment", "GetEnvironment",
                        "ListEnvironments", "EnqueueGeneration", "ClaimGenerationJob", "CompleteGenerationJob",
                        "GetQueueStats"}
    catalog = {p.rsplit("/", 1)[1] for p in POLICY if p.startswith("/amauta.v1.CatalogService/")}
    assert catalog - creates_or_reads == {p.rsplit("/", 1)[1] for p in OWNED}


@pytest.mark.parametrize("path", sorted(OWNED), ids=lambda p: p.rsplit("/", 1)[1])
async def test_ownership_matrix(path: str, channel: aio.Channel, tokens: Tokens) -> None:
    factory = Factory(catalog_pb2_grpc.CatalogServiceStub(channel), tokens)
    method = path.rsplit("/", 1)[1]
    roles = POLICY[path]
    for caller, key in CALLERS.items():
        target = await factory.target(method)
        before = await target.observe()
        try:
            await target.call(tokens.md(key))
            code, why = CODE.OK, ""
        except aio.AioRpcError as exc:
            code, why = exc.code(), _reason(exc)
        after = await target.observe()
        where = f"{method} as {caller}: {code.name} {why}"
        role = Role(IDENTITIES[key][1])
        if role not in roles:
            assert (code, why) == (CODE.PERMISSION_DENIED, "ROLE_NOT_ALLOWED"), where
        elif caller == "other node":
            assert (code, why) == (CODE.PERMISSION_DENIED, "NOT_OWNER"), where
        else:
            assert code == CODE.OK, where
        if code == CODE.OK:
            assert after != before, f"{where}: the allowed call changed nothing"
        else:
            assert after == before, f"{where}: a refused call changed the resource"


async def test_the_migration_gives_rows_without_an_owner_one(pg: PostgresStore) -> None:
    """The backfill of migration 0130, run again on rows written as before ownership (then rolled back)."""
    text = (resources.files("migrations") / "postgres" / "0130_catalog_owners.sql").read_text()
    backfill = [s for s in split_statements(text) if s.startswith("UPDATE")]
    assert len(backfill) == 3
    dataset_id, content_id, env_id = (str(uuid.uuid4()) for _ in range(3))
    async with pg.connection() as conn:
        with pytest.raises(_Rollback):
            async with conn.transaction():
                await conn.execute(
                    "INSERT INTO training_datasets (dataset_id, name, dataset_type, generation_method, created_by)"
                    " VALUES (%s, 'legacy', 'ethical_dilemmas', '{}'::jsonb, NULL)", (dataset_id,))
                await conn.execute(
                    "INSERT INTO training_content (content_id, dataset_id, title, content_data, created_by)"
                    " VALUES (%s, %s, 'legacy', '{}'::jsonb, NULL)", (content_id, dataset_id))
                await conn.execute(
                    "INSERT INTO simulation_environments (environment_id, name, environment_type, environment_config,"
                    " created_by) VALUES (%s, 'legacy', 'network_coordination', '{}'::jsonb, NULL)", (env_id,))
                for statement in backfill:
                    await conn.execute(statement)
                cur = await conn.execute(
                    "SELECT (SELECT created_by FROM training_datasets WHERE dataset_id = %s) AS d,"
                    " (SELECT created_by FROM training_content WHERE content_id = %s) AS c,"
                    " (SELECT created_by FROM simulation_environments WHERE environment_id = %s) AS e",
                    (dataset_id, content_id, env_id))
                assert await cur.fetchone() == {"d": "admin", "c": "admin", "e": "admin"}
                raise _Rollback


class _Rollback(Exception):
    """Undoes the legacy rows."""
