"""Test helpers: an in-process node on embedded stores with a token per role."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from google.rpc import error_details_pb2
from grpc import aio
from grpc_status import rpc_status

from server.app import Node
from server.config import Settings

#: Roles the test tokens cover; "node-a" and "node-b" are two distinct AI nodes.
IDENTITIES = {
    "admin": ("admin", "admin"),
    "service": ("svc", "service"),
    "node_a": ("node-a", "node"),
    "node_b": ("node-b", "node"),
    "analyst": ("analyst-1", "analyst"),
    "observer": ("observer-1", "observer"),
}


@dataclass
class Tokens:
    """Bearer tokens by role key, plus an expired one."""

    by_key: dict[str, str] = field(default_factory=dict)
    expired: str = ""

    def md(self, key: str) -> tuple[tuple[str, str], ...]:
        """Call metadata authenticating as key ('none' gives no metadata)."""
        if key == "none":
            return ()
        if key == "malformed":
            return (("authorization", "Token abc"),)
        if key == "expired":
            return (("authorization", f"Bearer {self.expired}"),)
        return (("authorization", f"Bearer {self.by_key[key]}"),)


def write_tokens(path: Path) -> Tokens:
    """Write a tokens file with one token per test identity and return the plain tokens."""
    tokens = Tokens()
    doc = []
    for key, (identity, role) in IDENTITIES.items():
        tok = secrets.token_urlsafe(16)
        tokens.by_key[key] = tok
        doc.append({"identity": identity, "role": role, "token": tok})
    tokens.expired = secrets.token_urlsafe(16)
    doc.append({"identity": "old", "role": "admin", "token": tokens.expired,
                "expires_at": "2020-01-01T00:00:00Z"})
    path.write_text(json.dumps({"tokens": doc}))
    return tokens


def node_settings(data_dir: Path, tokens_file: Path, **overrides: object) -> Settings:
    """Settings of a test node on an ephemeral port."""
    values: dict[str, object] = {"grpc_address": "127.0.0.1:0", "data_dir": data_dir,
                                 "tokens_file": str(tokens_file), "grace_seconds": 2.0,
                                 "health_interval_seconds": 0.5,
                                 # Limits are tested on a sibling node; suites call far faster than people.
                                 "rate_limit_rps": 0.0}
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


async def start_node(settings: Settings) -> Node:
    """Start a node in this process and return it once it serves."""
    node = Node(settings)
    try:
        await node.start()
    except BaseException:
        await node.close_stores()
        raise
    return node


def sibling_settings(node: Node, data_dir: Path, tokens_file: Path, **overrides: object) -> Settings:
    """Settings of a second node on the same stores as node (cheap: no embedded servers, same chdb)."""
    assert node.runtime is not None
    shared = node.runtime.settings
    values: dict[str, object] = {"postgres_url": shared.postgres_url, "redis_url": shared.redis_url,
                                 "graph_url": shared.graph_url,
                                 "clickhouse_url": shared.clickhouse_url or f"chdb://{node.embedded.chdb_path()}"}
    values.update(overrides)
    return node_settings(data_dir, tokens_file, **values)


#: The Redis deployments the simulation, progress and generation-queue suites run on (see `redis_node`).
REDIS_BACKENDS = ("redis", "redis-cluster")


def redis_node(request: pytest.FixtureRequest, node: Node) -> Node:
    """The node of a fixture parametrised over REDIS_BACKENDS: the session's node, or cluster_node
    (a node on a real Redis Cluster, started on first use)."""
    if request.param == "redis":
        return node
    cluster: Node = request.getfixturevalue("cluster_node")
    return cluster


def bad_fields(err: aio.AioRpcError) -> set[str]:
    """Fields listed in the BadRequest of an INVALID_ARGUMENT error."""
    status = rpc_status.from_call(err)
    assert status is not None
    for detail in status.details:
        bad = error_details_pb2.BadRequest()
        if detail.Unpack(bad):
            return {v.field for v in bad.field_violations}
    raise AssertionError("no BadRequest")
