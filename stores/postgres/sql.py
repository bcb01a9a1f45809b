"""SQL building blocks of every PostgreSQL repository: filters, keyset and commit-ordered pages, writes and
idempotent creates."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from stores.errors import NotOwner
from stores.postgres import PostgresStore, idempotency

Row = dict[str, Any]
Params = Sequence[Any] | Mapping[str, Any]

#: JSONB columns of the catalog tables: dict values bound to them travel as Jsonb.
JSON_COLUMNS = frozenset({
    "generation_method", "quality_metrics", "content_data", "complexity_metrics", "success_criteria",
    "variation_parameters", "validation_results", "usage_statistics", "environment_config",
    "participant_roles", "resources_required",
})


@dataclass(frozen=True)
class SetMatch:
    """A TEXT[] filter: the column holds ANY (&&) or ALL (@>) of values."""

    values: Sequence[str]
    match_all: bool = False


@dataclass(frozen=True)
class Range:
    """Bounds of a column; None is open. `end_exclusive` makes the upper bound strict (time ranges)."""

    low: Any = None
    high: Any = None
    end_exclusive: bool = False


@dataclass(frozen=True)
class Page:
    """One page of rows and the keyset key after its last row (None on the last page)."""

    rows: list[Row]
    next_key: tuple[Any, ...] | None
    #: The key of the last row, also on the last page (None when the page is empty): a tailing
    #: reader resumes there later.
    last_key: tuple[Any, ...] | None = None


class Where:
    """AND-ed conditions with their bound parameters; column names come from module constants only."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.params: list[Any] = []

    def add(self, sql: str, *params: Any) -> None:
        """A raw condition with %s placeholders."""
        self.parts.append(sql)
        self.params.extend(params)

    def equals(self, column: str, value: Any) -> None:
        """column = value, unless value is None."""
        if value is not None:
            self.add(f"{column} = %s", value)

    def within(self, column: str, rng: Range | None, cast: str = "") -> None:
        """column within rng (NULL never matches a set bound)."""
        if rng is None:
            return
        if rng.low is not None:
            self.add(f"{column} >= %s{cast}", rng.low)
        if rng.high is not None:
            self.add(f"{column} {'<' if rng.end_exclusive else '<='} %s{cast}", rng.high)

    def array(self, column: str, match: SetMatch | None) -> None:
        """column && values (ANY) or column @> values (ALL); both use the column's GIN index."""
        if match is not None and match.values:
            self.add(f"{column} {'@>' if match.match_all else '&&'} %s::text[]", list(match.values))

    def after(self, columns: Sequence[str], key: Sequence[Any] | None) -> None:
        """Keyset: the row tuple of columns sorts after key."""
        if key is not None:
            self.add(f"({', '.join(columns)}) > ({', '.join(['%s'] * len(columns))})", *key)

    def sql(self) -> str:
        """' WHERE …' or ''."""
        return " WHERE " + " AND ".join(self.parts) if self.parts else ""


def like_pattern(text: str) -> str:
    """A substring ILIKE pattern with the caller's wildcards escaped."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def bind(column: str, value: Any) -> Any:
    """A Python value as the parameter of column: dicts on JSONB columns as Jsonb, floats as exact Decimal."""
    if value is None:
        return None
    if column in JSON_COLUMNS:
        return Jsonb(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    return value


def check_columns(values: Iterable[str], allowed: frozenset[str]) -> None:
    """Guard against building SQL from a column outside the table's allow-list (a programming error)."""
    unknown = set(values) - allowed
    if unknown:
        raise ValueError(f"unknown columns {sorted(unknown)}")


def insert_sql(table: str, values: Mapping[str, Any], allowed: frozenset[str],
               returning: str) -> tuple[str, list[Any]]:
    """INSERT of the given columns (allow-listed) returning `returning`."""
    check_columns(values, allowed)
    cols = list(values)
    sql = (f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))})"
           f" RETURNING {returning}")
    return sql, [bind(c, values[c]) for c in cols]


def assignments(values: Mapping[str, Any], allowed: frozenset[str]) -> tuple[list[str], list[Any]]:
    """'col = %s' pieces of an UPDATE and their parameters."""
    check_columns(values, allowed)
    return [f"{c} = %s" for c in values], [bind(c, v) for c, v in values.items()]


def page_of(rows: list[Row], limit: int, key: Callable[[Row], tuple[Any, ...]]) -> Page:
    """Cut a limit+1 fetch into a Page: the extra row only says that another page exists."""
    if len(rows) > limit:
        rows = rows[:limit]
        return Page(rows, key(rows[-1]), key(rows[-1]))
    return Page(rows, None, key(rows[-1]) if rows else None)


def require_owner(what: str, key: str, row: Row, owner: str | None) -> None:
    """NotOwner unless owner is None (admin and service) or the row's created_by."""
    if owner is not None and (row["created_by"] or "") != owner:
        raise NotOwner(f"{what} {key!r} belongs to {row['created_by'] or 'nobody'!r}; only its owner, service"
                       " and admin may change it", metadata={"resource": what, "id": key})


def new_id(value: str | None) -> str:
    """The client-chosen UUID, or a fresh one."""
    return value or str(uuid.uuid4())


class _Replay(Exception):
    """The request id was used before: abandon this transaction and return the earlier resource."""

    def __init__(self, resource_id: str) -> None:
        super().__init__(resource_id)
        self.resource_id = resource_id


async def create_once(pg: PostgresStore, operation: str, request_id: str, identity: str, resource_id: str,
                      insert: Callable[[psycopg.AsyncConnection[Any]], Awaitable[Row]],
                      fetch: Callable[[str], Awaitable[Row]], fingerprint: str = "") -> Row:
    """Run insert in a transaction that also claims the caller's request_id; a retry of the same request
    (even a concurrent one) gets fetch(first resource id) and creates nothing, one of another request is
    REQUEST_ID_REUSED. An empty request_id means no idempotency."""
    try:
        async with pg.transaction() as conn:
            if request_id:
                winner = await idempotency.claim(conn, operation, request_id, resource_id, identity, fingerprint)
                if winner != resource_id:
                    raise _Replay(winner)
            return await insert(conn)
    except _Replay as replay:
        return await fetch(replay.resource_id)


async def fetch_one(conn: psycopg.AsyncConnection[Any], sql: str, params: Params) -> Row | None:
    """First row of a query, or None."""
    cur = await conn.execute(sql, params)
    return await cur.fetchone()


async def fetch_all(conn: psycopg.AsyncConnection[Any], sql: str, params: Params) -> list[Row]:
    """Every row of a query."""
    cur = await conn.execute(sql, params)
    return await cur.fetchall()


async def commit_ordered(pg: PostgresStore, columns: str, table: str, where: Where, after: int | None,
                         limit: int) -> list[Row]:
    """One page of table in commit order (list_seq, migration 0120): rows matching where, after the
    list_seq `after` (None: from the start)."""
    if after is not None:
        where.add("list_seq > %s", after)
    sql = f"SELECT {columns}, list_seq FROM {table}{where.sql()} ORDER BY {table}.list_seq LIMIT %s"
    async with pg.connection() as conn:
        return await fetch_all(conn, sql, (*where.params, limit))
