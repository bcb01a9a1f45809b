"""Shared fixtures: one in-process node on real embedded stores for the whole session."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from grpc import aio

from server.app import Node
from stores.postgres import PostgresStore
from stores.redis import RedisStore
from tests.cluster import RedisClusterProcesses
from tests.support import Tokens, node_settings, sibling_settings, start_node, write_tokens

os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.mkdtemp(prefix="amauta-xdg-"))


@pytest.fixture(scope="session")
def data_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh directory for the session's node."""
    return tmp_path_factory.mktemp("node")


@pytest.fixture(scope="session")
def tokens(data_root: Path) -> Tokens:
    """Tokens for every test identity."""
    return write_tokens(data_root / "tokens.json")


@pytest.fixture(scope="session")
async def node(data_root: Path, tokens: Tokens) -> AsyncIterator[Node]:
    """The session's node, serving on an ephemeral loopback port."""
    node = await start_node(node_settings(data_root / "data", data_root / "tokens.json"))
    yield node
    await node.stop()


@pytest.fixture(scope="session")
async def channel(node: Node) -> AsyncIterator[aio.Channel]:
    """A real gRPC channel to the session's node."""
    async with aio.insecure_channel(f"127.0.0.1:{node.port}") as ch:
        yield ch


@pytest.fixture(scope="session")
def pg(node: Node) -> PostgresStore:
    """The node's PostgreSQL store, for checks beside the API."""
    assert node.runtime is not None
    return node.runtime.stores.postgres


@pytest.fixture(scope="session")
def redis(node: Node) -> RedisStore:
    """The node's Redis store."""
    assert node.runtime is not None
    return node.runtime.stores.redis


@pytest.fixture(scope="session")
def redis_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisClusterProcesses]:
    """A real Redis Cluster, 3 masters and 3 replicas on loopback, formed by the fixture (started on
    first use only)."""
    cluster = RedisClusterProcesses(tmp_path_factory.mktemp("redis-cluster"))
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
async def cluster_node(node: Node, data_root: Path, redis_cluster: RedisClusterProcesses) -> AsyncIterator[Node]:
    """A second node on the session's PostgreSQL, graph and chdb, with Redis on the cluster. Its
    simulation reconciler is off: it would see the other node's live simulations in PostgreSQL without
    their Redis state (which is in the other Redis) and abandon them."""
    saved = os.environ.get("AMAUTA_SIM_RECONCILE_SECONDS")
    os.environ["AMAUTA_SIM_RECONCILE_SECONDS"] = "86400"
    try:
        sibling = await start_node(sibling_settings(node, data_root / "cluster-node", data_root / "tokens.json",
                                                    redis_url=redis_cluster.url))
    finally:
        if saved is None:
            os.environ.pop("AMAUTA_SIM_RECONCILE_SECONDS", None)
        else:
            os.environ["AMAUTA_SIM_RECONCILE_SECONDS"] = saved
    yield sibling
    await sibling.stop()


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Remember the run's status for pytest_unconfigure."""
    session.config.stash[_EXIT_STATUS] = int(exitstatus)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """Leave with the run's status once every report is written, skipping interpreter teardown.

    The embedded chdb engine lives for the whole process, and tearing it down at interpreter exit
    sometimes crashes (SIGSEGV after "ShutdownTablesThreadPool is not initialized"); every result is
    final by now, so that crash must not turn a green run red.
    """
    status = config.stash.get(_EXIT_STATUS, None)
    if status is not None:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)


_EXIT_STATUS = pytest.StashKey[int]()
