"""Shared fixtures: one in-process node on real embedded stores for the whole session."""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from grpc import aio

from server.node import Node
from stores.postgres import PostgresStore
from stores.redis import RedisStore
from tests.support import Tokens, node_settings, start_node, write_tokens

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
