"""Fixtures of the PostgreSQL repository tests: the catalog helpers, for rows created as the API creates them."""

from tests.server.catalog.conftest import cat, stub

__all__ = ["cat", "stub"]
