"""Fixtures of the two-engine modules: the node's stores, and the per-backend graph and analytics fixtures."""

from tests.server.analytics.conftest import stores
from tests.stores.analytics.conftest import analytics
from tests.stores.graph.conftest import graph

__all__ = ["analytics", "graph", "stores"]
