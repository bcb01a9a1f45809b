"""Redis store: one redis.asyncio client for live simulations, progress hashes and the generation queue."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis
from redis import exceptions as rexc

from stores import metrics
from stores.base import Store
from stores.errors import StoreError, StoreStarting, StoreUnavailable


@dataclass(frozen=True)
class RedisSettings:
    """Connection settings of the Redis store."""

    url: str
    max_connections: int = 64
    socket_timeout: float = 10.0


def translate(exc: rexc.RedisError) -> StoreError:
    """Map a redis-py error onto the store exception hierarchy."""
    if isinstance(exc, rexc.BusyLoadingError):  # a subclass of ConnectionError: test it first
        return StoreStarting(f"redis is loading its data set: {exc}")
    if isinstance(exc, (rexc.ConnectionError, rexc.TimeoutError)):
        return StoreUnavailable(f"redis unavailable: {exc}")
    return StoreError(f"redis error: {type(exc).__name__}")


class TimedRedis(aioredis.Redis):
    """A client that records every command's latency (store "redis", operation = command name)."""

    async def execute_command(self, *args: Any, **options: Any) -> Any:
        with metrics.timed("redis", str(args[0]).lower() if args else "unknown"):
            return await super().execute_command(*args, **options)  # type: ignore[no-untyped-call]

    def pipeline(self, transaction: bool = True, shard_hint: Any = None) -> Any:
        return TimedPipeline(self.connection_pool, self.response_callbacks, transaction, shard_hint)


class TimedPipeline(aioredis.client.Pipeline):
    """A pipeline timed as one operation: its commands travel in one round trip."""

    async def execute(self, raise_on_error: bool = True) -> list[Any]:
        with metrics.timed("redis", "pipeline"):
            return await super().execute(raise_on_error)


class RedisStore(Store):
    """Real-time coordination store; domain modules use `client` for their own key patterns."""

    name = "redis"

    def __init__(self, settings: RedisSettings) -> None:
        self.settings = settings
        self.client: aioredis.Redis = TimedRedis.from_url(
            settings.url, decode_responses=True, max_connections=settings.max_connections,
            socket_timeout=settings.socket_timeout, socket_connect_timeout=5,
            health_check_interval=30,
        )

    async def open(self) -> None:
        await self.ping()

    async def close(self) -> None:
        await self.client.aclose()

    async def ping(self) -> None:
        try:
            await self.client.ping()
        except rexc.RedisError as exc:
            raise translate(exc) from exc

    async def export_memory(self) -> None:
        """Set the used_memory gauge from INFO memory."""
        try:
            info = await self.client.info("memory")
        except rexc.RedisError as exc:
            raise translate(exc) from exc
        metrics.REDIS_MEMORY.set(int(info.get("used_memory", 0)))
