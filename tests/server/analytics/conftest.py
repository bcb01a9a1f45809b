"""AnalyticsService fixtures: a stub on the session channel and the node's stores."""

from __future__ import annotations

import pytest
from grpc import aio

from amauta.v1 import analytics_pb2_grpc
from server.app import Node
from server.runtime import Stores


@pytest.fixture(scope="session")
def stub(channel: aio.Channel) -> analytics_pb2_grpc.AnalyticsServiceStub:
    """An AnalyticsService stub on the session's channel."""
    return analytics_pb2_grpc.AnalyticsServiceStub(channel)


@pytest.fixture(scope="session")
def stores(node: Node) -> Stores:
    """The node's open stores."""
    assert node.runtime is not None
    return node.runtime.stores
