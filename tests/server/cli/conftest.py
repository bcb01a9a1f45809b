"""Fixtures of the command-line tests: the catalog helpers, which create the records a subcommand acts on."""

from tests.server.catalog.conftest import cat, stub

__all__ = ["cat", "stub"]
