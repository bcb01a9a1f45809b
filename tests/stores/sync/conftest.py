"""Fixtures of the two-engine modules: the node's stores, catalog helpers, and the per-backend graph and
analytics fixtures."""

from tests.server.analytics.conftest import stores
from tests.server.catalog.conftest import cat, stub
from tests.stores.analytics.conftest import analytics
from tests.stores.graph.conftest import graph

__all__ = ["analytics", "cat", "graph", "stores", "stub"]
