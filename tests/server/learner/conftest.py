"""LearnerService fixtures: a stub, catalog rows to start sessions on, the node's stores."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from grpc import aio

from amauta.v1 import learner_pb2_grpc
from server.app import Node
from server.runtime import Stores
from tests.server.learner.helpers import insert_content, insert_environment


@dataclass(frozen=True)
class Catalog:
    """Catalog rows in every state rule 3 distinguishes."""

    content: str
    pending_content: str
    rejected_content: str
    environment: str
    inactive_environment: str


@pytest.fixture(scope="session")
def stub(channel: aio.Channel) -> learner_pb2_grpc.LearnerServiceStub:
    """A LearnerService stub on the session's channel."""
    return learner_pb2_grpc.LearnerServiceStub(channel)


@pytest.fixture(scope="session")
def stores(node: Node) -> Stores:
    """The node's open stores."""
    assert node.runtime is not None
    return node.runtime.stores


@pytest.fixture(scope="session")
async def catalog(stores: Stores) -> Catalog:
    """Validated, pending and rejected content; an active and an inactive environment."""
    pg = stores.postgres
    return Catalog(await insert_content(pg), await insert_content(pg, validation="pending"),
                   await insert_content(pg, validation="rejected"), await insert_environment(pg),
                   await insert_environment(pg, active=False))
