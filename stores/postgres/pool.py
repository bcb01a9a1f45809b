"""PostgreSQL store: an autocommit AsyncConnectionPool and the mapping of driver errors to store errors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import psycopg
from psycopg import errors as pgerrors
from psycopg.rows import DictRow, dict_row
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from stores import metrics
from stores.base import Store
from stores.errors import (
    AlreadyExists,
    Conflict,
    InvalidData,
    PreconditionFailed,
    StoreError,
    StoreStarting,
    StoreUnavailable,
)

#: libpq's words for a server that is up but not accepting connections yet.
_NOT_READY = ("starting up", "not yet accepting connections", "in recovery mode", "shutting down")


@dataclass(frozen=True)
class PostgresSettings:
    """Connection settings of the PostgreSQL store."""

    url: str
    #: Optional hot-standby URL for read-only queries; reads fall back to the primary when it fails.
    read_url: str = ""
    min_size: int = 2
    max_size: int = 16
    connect_timeout: float = 10.0
    #: Seconds a caller may wait for a free connection before StoreUnavailable.
    acquire_timeout: float = 10.0


def translate(exc: psycopg.Error) -> StoreError:
    """Map a psycopg error onto the store exception hierarchy."""
    diag = getattr(exc, "diag", None)
    constraint = (getattr(diag, "constraint_name", None) or "") if diag else ""
    meta = {"constraint": constraint} if constraint else {}
    if isinstance(exc, pgerrors.UniqueViolation):
        return AlreadyExists(f"duplicate key ({constraint})", metadata=meta)
    if isinstance(exc, pgerrors.ForeignKeyViolation):
        return PreconditionFailed(f"referenced record missing or still referenced ({constraint})",
                                  reason="FOREIGN_KEY_VIOLATION", metadata=meta)
    if isinstance(exc, (pgerrors.CheckViolation, pgerrors.NotNullViolation,
                        pgerrors.DataException, pgerrors.InvalidTextRepresentation)):
        return InvalidData(str(exc).splitlines()[0], field=constraint, metadata=meta)
    if isinstance(exc, (pgerrors.SerializationFailure, pgerrors.DeadlockDetected,
                        pgerrors.LockNotAvailable)):
        return Conflict("concurrent update, retry", reason="CONCURRENT_UPDATE")
    first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if isinstance(exc, pgerrors.CannotConnectNow) or any(words in first_line for words in _NOT_READY):
        return StoreStarting(f"postgres is starting: {first_line}")
    if isinstance(exc, (psycopg.OperationalError, pgerrors.AdminShutdown,
                        pgerrors.CannotConnectNow, psycopg.InterfaceError)):
        return StoreUnavailable(f"postgres unavailable: {first_line}")
    return StoreError(f"postgres error: {type(exc).__name__}")


class PostgresStore(Store):
    """The system of record; domain modules borrow connections from this pool."""

    name = "postgres"

    def __init__(self, settings: PostgresSettings) -> None:
        # No check on borrow (it costs a round trip per call): a connection broken by a server
        # restart fails its call with StoreUnavailable and the pool discards it.
        self.settings = settings
        self.pool: AsyncConnectionPool[psycopg.AsyncConnection[DictRow]] = AsyncConnectionPool(
            settings.url, min_size=settings.min_size, max_size=settings.max_size,
            connection_class=psycopg.AsyncConnection[DictRow],
            kwargs={"autocommit": True, "row_factory": dict_row,
                    "connect_timeout": int(settings.connect_timeout)},
            open=False, timeout=settings.acquire_timeout, name="amauta-postgres",
        )
        self.read_pool: AsyncConnectionPool[psycopg.AsyncConnection[DictRow]] | None = None
        if settings.read_url:
            self.read_pool = AsyncConnectionPool(
                settings.read_url, min_size=1, max_size=settings.max_size,
                connection_class=psycopg.AsyncConnection[DictRow],
                kwargs={"autocommit": True, "row_factory": dict_row,
                        "connect_timeout": int(settings.connect_timeout)},
                # Checked on borrow, so a replica that went down is noticed and reads fall back.
                check=AsyncConnectionPool.check_connection, open=False, timeout=2.0, name="amauta-postgres-read",
            )

    async def open(self) -> None:
        # One direct connection first: the pool's timeout hides why a server refused, and a server
        # that is starting up or recovering must read as StoreStarting so the node waits for it.
        try:
            probe = await psycopg.AsyncConnection.connect(
                self.settings.url, autocommit=True, connect_timeout=int(self.settings.connect_timeout))
        except psycopg.Error as exc:
            raise translate(exc) from exc
        await probe.close()
        try:
            await self.pool.open(wait=True, timeout=self.settings.connect_timeout)
        except PoolTimeout as exc:
            raise StoreUnavailable(f"postgres unreachable: {exc}") from exc
        if self.read_pool is not None:
            # A replica that is down at start must not stop the node: reads fall back.
            await self.read_pool.open(wait=False)

    async def close(self) -> None:
        if self.read_pool is not None:
            await self.read_pool.close()
        await self.pool.close()

    async def ping(self) -> None:
        async with self.connection() as conn:
            await conn.execute("SELECT 1")

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[psycopg.AsyncConnection[DictRow]]:
        """An autocommit connection; driver errors leave as store errors."""
        try:
            async with self.pool.connection() as conn:
                yield conn
        except psycopg.Error as exc:
            raise translate(exc) from exc
        except PoolTimeout as exc:
            raise StoreUnavailable("no postgres connection available") from exc

    @asynccontextmanager
    async def read_connection(self) -> AsyncIterator[psycopg.AsyncConnection[DictRow]]:
        """A connection for read-only queries: the replica when configured and reachable, else the primary.

        Replica reads may lag the primary (asynchronous streaming replication), so a caller that
        must read its own write uses connection() instead.
        """
        replica = await self._replica_connection()
        if replica is None:
            async with self.connection() as conn:
                yield conn
            return
        assert self.read_pool is not None
        try:
            yield replica
        except psycopg.Error as exc:
            raise translate(exc) from exc
        finally:
            await self.read_pool.putconn(replica)

    async def _replica_connection(self) -> psycopg.AsyncConnection[DictRow] | None:
        """A replica connection, or None when no replica is configured or it cannot be reached."""
        if self.read_pool is None:
            return None
        try:
            return await self.read_pool.getconn(timeout=self.read_pool.timeout)
        except (PoolTimeout, psycopg.Error):
            return None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[psycopg.AsyncConnection[DictRow]]:
        """A connection inside one transaction, committed on success and rolled back on error."""
        async with self.connection() as conn:
            try:
                with metrics.timed("postgres", "transaction"):
                    async with conn.transaction():
                        yield conn
            except psycopg.Error as exc:
                raise translate(exc) from exc
