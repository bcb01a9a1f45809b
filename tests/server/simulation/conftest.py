"""Fixtures of the SimulationService tests: stubs, store handles, environments made with SQL, a tuned node."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
from grpc import aio

from amauta.v1 import simulation_pb2_grpc
from server.app import Node
from stores.postgres import PostgresStore
from stores.redis import RedisStore
from stores.redis.settings import SimulationSettings
from stores.sync.simulation_sync import SimulationSync
from stores.sync.simulations import SimulationDomain
from tests.support import REDIS_BACKENDS, Tokens, redis_node, sibling_settings, start_node

#: Settings of the tuned node: short heartbeats, small watch queues, no background passes.
TUNED_ENV = {"AMAUTA_SIM_HEARTBEAT_SECONDS": "0.3", "AMAUTA_SIM_QUEUE_LIMIT": "64",
             "AMAUTA_SIM_WRITE_STALL_SECONDS": "0.3", "AMAUTA_SIM_SYNC_SECONDS": "3600",
             "AMAUTA_SIM_RECONCILE_SECONDS": "3600"}


@pytest.fixture(scope="session", params=REDIS_BACKENDS)
def node(request: pytest.FixtureRequest, node: Node) -> Node:
    """The suite runs twice: on the session's node (one Redis) and on a node on a Redis Cluster."""
    return redis_node(request, node)


@pytest.fixture(scope="session")
async def channel(node: Node) -> AsyncIterator[aio.Channel]:
    """A real gRPC channel to this suite's node."""
    async with aio.insecure_channel(f"127.0.0.1:{node.port}") as ch:
        yield ch


@pytest.fixture(scope="session")
def redis(node: Node) -> RedisStore:
    """This suite's node's Redis store."""
    assert node.runtime is not None
    return node.runtime.stores.redis


@pytest.fixture(scope="session")
def sim(channel: aio.Channel) -> simulation_pb2_grpc.SimulationServiceStub:
    """A SimulationService stub on the session's channel."""
    return simulation_pb2_grpc.SimulationServiceStub(channel)




@pytest.fixture(scope="session")
def domain(node: Node) -> SimulationDomain:
    """A domain object on the node's stores (for repairs and checks beside the API)."""
    assert node.runtime is not None
    return SimulationDomain(node.runtime.stores.postgres, node.runtime.stores.redis, SimulationSettings())


@pytest.fixture(scope="session")
def reconciler(domain: SimulationDomain) -> SimulationSync:
    """Sync and reconciler passes without a grace period (tests call them directly)."""
    eager = SimulationDomain(domain.postgres, domain.live.redis, replace(domain.settings, start_grace_seconds=0))
    return SimulationSync(eager)


@pytest.fixture(scope="session")
async def tuned(node: Node, data_root: Path) -> AsyncIterator[Node]:
    """A second node on the same stores with TUNED_ENV simulation settings."""
    saved = {k: os.environ.get(k) for k in TUNED_ENV}
    os.environ.update(TUNED_ENV)
    try:
        sibling = await start_node(sibling_settings(node, data_root / f"tuned-{node.port}", data_root / "tokens.json"))
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    yield sibling
    await sibling.stop()


@pytest.fixture(scope="session")
async def tuned_sim(tuned: Node) -> AsyncIterator[simulation_pb2_grpc.SimulationServiceStub]:
    """A SimulationService stub on the tuned node."""
    async with aio.insecure_channel(f"127.0.0.1:{tuned.port}") as ch:
        yield simulation_pb2_grpc.SimulationServiceStub(ch)


class Environments:
    """Simulation environments written with plain SQL (the catalog RPCs are another service)."""

    def __init__(self, pg: PostgresStore) -> None:
        self.pg = pg

    async def create(self, *, max_participants: int = 8, active: bool = True,
                     config: dict[str, object] | None = None) -> str:
        """A new environment; returns its id."""
        env_id = str(uuid.uuid4())
        async with self.pg.connection() as conn:
            await conn.execute(
                "INSERT INTO simulation_environments (environment_id, name, environment_type, max_participants,"
                " environment_config, learning_objectives, active_status) VALUES (%s, %s, 'network_coordination',"
                " %s, %s::jsonb, ARRAY['coordination'], %s)",
                (env_id, f"env {env_id[:8]}", max_participants,
                 json.dumps(config or {"duration": 3600, "adaptive": True}), active))
        return env_id

    async def usage_count(self, env_id: str) -> int:
        """The environment's usage_count."""
        async with self.pg.connection() as conn:
            cur = await conn.execute("SELECT usage_count FROM simulation_environments WHERE environment_id = %s",
                                     (env_id,))
            row = await cur.fetchone()
        assert row is not None
        return int(row["usage_count"])


@pytest.fixture(scope="session")
def envs(pg: PostgresStore) -> Environments:
    """Environment factory."""
    return Environments(pg)


@pytest.fixture(scope="session")
def md(tokens: Tokens) -> Tokens:
    """Call metadata by role key (tokens.md)."""
    return tokens
