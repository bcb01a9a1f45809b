"""Fixtures of the CatalogService tests: a stub on the session's channel and the node's stores."""

from __future__ import annotations

import pytest
from grpc import aio

from amauta.v1 import catalog_pb2_grpc
from tests.server.catalog.support import Catalog
from tests.support import Tokens


@pytest.fixture(scope="session")
def stub(channel: aio.Channel) -> catalog_pb2_grpc.CatalogServiceStub:
    """A CatalogService stub on the session's real channel."""
    return catalog_pb2_grpc.CatalogServiceStub(channel)


@pytest.fixture(scope="session")
def cat(stub: catalog_pb2_grpc.CatalogServiceStub, tokens: Tokens) -> Catalog:
    """Helpers that create catalog records over gRPC as admin."""
    return Catalog(stub, tokens)


