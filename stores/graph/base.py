"""The graph backend interface: portable Cypher in, rows of plain values out."""

from __future__ import annotations

import abc
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from stores.base import Store

Row = dict[str, Any]

#: Node labels that may appear in Cypher text; every other value travels as a parameter.
NODE_LABELS = frozenset({"Learner", "Skill", "Content", "Objective", "SchemaMigration", "GraphLock",
                         "CatalogVersion"})


def unpacked(rows: Sequence[Row], column: str) -> list[Any]:
    """The list a statement collected into one column: FalkorDB forms send it as toJSON text, since
    its client parses every returned value in Python, one coroutine each; Neo4j forms as a list."""
    packed = rows[0][column] if rows else []
    # strict=False: toJSON writes a string's characters as they are, control characters included.
    return list(json.loads(packed, strict=False) if isinstance(packed, str) else packed)


def packed(dialect: str, expr: str) -> str:
    """expr (a list) as the statement returns it for unpacked(): one toJSON text on FalkorDB."""
    return f"toJSON({expr})" if dialect == "falkordb" else expr


#: Cypher escaping a string for JSON (in Cypher literals '\\' is one backslash, '\\"' a backslash and a quote).
_ESCAPED = r"""replace(replace({}, '\\', '\\\\'), '"', '\\"')"""


def packable(dialect: str, expr: str) -> str:
    """A string expression as a statement may pack it: FalkorDB's toJSON writes strings into its JSON
    text unescaped, so a backslash or a double quote in an id or a type would change or break the
    text. Neo4j forms return lists, which need nothing."""
    return _ESCAPED.format(expr) if dialect == "falkordb" else expr


def checked_label(label: str) -> str:
    """Return label when it is on the allow-list; raise ValueError otherwise."""
    if label not in NODE_LABELS:
        raise ValueError(f"label {label!r} is not allowed")
    return label


@dataclass(frozen=True)
class GraphSettings:
    """Connection settings of the graph store."""

    url: str
    graph_name: str = "amauta"
    query_timeout_ms: int = 10_000
    max_connections: int = 32


class GraphBackend(Store):
    """A Cypher store; subclasses hold every dialect difference."""

    name = "graph"
    #: Backend name for reports and test ids.
    dialect: str = "abstract"

    def __init__(self, settings: GraphSettings) -> None:
        self.settings = settings

    @abc.abstractmethod
    async def run(self, cypher: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        """Run one statement with bound parameters and return its rows as dicts."""

    @abc.abstractmethod
    async def ensure_unique(self, label: str, prop: str) -> None:
        """Create an index and a unique constraint on label.prop when they are missing."""

    async def ensure_unique_all(self, pairs: Sequence[tuple[str, str]]) -> None:
        """ensure_unique for each (label, property) pair."""
        for label, prop in pairs:
            await self.ensure_unique(checked_label(label), prop)

    @abc.abstractmethod
    async def ensure_index(self, label: str, prop: str) -> None:
        """Create a range index on label.prop when it is missing."""

    @abc.abstractmethod
    async def drop_all(self) -> None:
        """Delete every node and relationship (tests and erasure tooling only)."""

    async def ping(self) -> None:
        await self.run("RETURN 1 AS ok")
