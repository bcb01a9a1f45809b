"""Redis store: one redis.asyncio client (standalone or Redis Cluster) for live simulations, progress
hashes and the generation queue.

`redis://` and `rediss://` name one server; `redis+cluster://[:password@]host:port[,host:port…]` and
`rediss+cluster://` (TLS) name a Redis Cluster by one or more seed nodes, and the store then uses
redis-py's cluster client, which follows MOVED/ASK and refreshes its slot map after a failover.

Writes that callers acknowledge go through `eval_write`: the Lua step, then `WAIT` for the replicas on
the same connection, so an acknowledged write has reached a replica before the master can be lost.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import redis.asyncio as aioredis
from redis import exceptions as rexc
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.commands.core import AsyncScript

from stores import metrics
from stores.base import Store
from stores.errors import StoreError, StoreStarting, StoreUnavailable

log = logging.getLogger(__name__)

CLUSTER_SCHEMES = {"redis+cluster": False, "rediss+cluster": True}
_PING_SECONDS = 5.0

#: Errors of a cluster in failover (a dead master before its replica is promoted, or a stale slot map).
_FAILOVER_ERRORS = (rexc.ConnectionError, rexc.TimeoutError, rexc.ClusterDownError, rexc.TryAgainError,
                    rexc.SlotNotCoveredError)


@dataclass(frozen=True)
class RedisSettings:
    """Connection settings of the Redis store."""

    url: str
    max_connections: int = 64
    socket_timeout: float = 10.0
    #: Replicas a write waits for (WAIT) before it is acknowledged; None: 1 on a cluster, 0 otherwise.
    wait_replicas: int | None = None
    #: Milliseconds WAIT may take; a write is acknowledged after it even with fewer replicas (counted).
    wait_timeout_ms: int = 500
    #: Seconds a command keeps being retried while a cluster fails over (connection refused, CLUSTERDOWN).
    failover_retry_seconds: float = 20.0

    @property
    def cluster(self) -> bool:
        """True when the URL names a Redis Cluster."""
        return self.url.split("://", 1)[0] in CLUSTER_SCHEMES

    @property
    def where(self) -> str:
        """The servers (and database) the URL names, without credentials: which Redis this is."""
        rest = split_options(self.url)[0].partition("://")[2]
        hosts, _, db = rest.rpartition("@")[2].partition("/")
        return ",".join(sorted(hosts.split(","))) + (f"/{db}" if db else "")

    @property
    def replicas_to_wait(self) -> int:
        """Replicas each acknowledged write waits for (the URL's `wait_replicas` option overrides the
        default)."""
        if self.wait_replicas is not None:
            return self.wait_replicas
        return split_options(self.url)[1].get("wait_replicas", 1 if self.cluster else 0)

    @property
    def wait_ms(self) -> int:
        """Milliseconds a WAIT may take (the URL's `wait_timeout_ms` option overrides the field)."""
        return split_options(self.url)[1].get("wait_timeout_ms", self.wait_timeout_ms)


#: Query options of AMAUTA_REDIS_URL that are the store's, not redis-py's.
_OPTIONS = ("wait_replicas", "wait_timeout_ms")


def split_options(url: str) -> tuple[str, dict[str, int]]:
    """The URL without the store's own query options, and those options."""
    base, _, query = url.partition("?")
    keep, options = [], {}
    for part in query.split("&") if query else []:
        name, _, value = part.partition("=")
        if name in _OPTIONS:
            if not value.isdigit():
                raise ValueError(f"AMAUTA_REDIS_URL option {name} must be a whole number, not {value!r}")
            options[name] = int(value)
        else:
            keep.append(part)
    return base + ("?" + "&".join(keep) if keep else ""), options


@dataclass(frozen=True)
class ClusterAddress:
    """A parsed `redis+cluster://` URL."""

    nodes: list[tuple[str, int]]
    username: str | None
    password: str | None
    tls: bool


def parse_cluster_url(url: str) -> ClusterAddress:
    """Seed nodes, credentials and TLS of a `redis+cluster://` or `rediss+cluster://` URL."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme not in CLUSTER_SCHEMES:
        raise ValueError(f"not a Redis Cluster URL: scheme {scheme!r}")
    rest = rest.split("/", 1)[0].split("?", 1)[0]  # a cluster has only database 0
    userinfo, at, hosts = rest.rpartition("@")
    username: str | None = None
    password: str | None = None
    if at:
        user, colon, secret = userinfo.partition(":")
        username = unquote(user) or None
        password = unquote(secret) if colon else None
    nodes = []
    for item in hosts.split(","):
        host, colon, port = item.strip().rpartition(":")
        if not colon or not host or not port.isdigit():
            raise ValueError(f"Redis Cluster seed {item!r} is not host:port")
        nodes.append((host.strip("[]"), int(port)))
    return ClusterAddress(nodes, username, password, CLUSTER_SCHEMES[scheme])


class ResilientCluster(RedisCluster):
    """RedisCluster whose commands ride out a failover: redis-py retries a failed command only a few
    times without pausing, while a killed master's replica takes cluster-node-timeout plus an election
    to be promoted. Retrying a write whose reply was lost can apply it twice; the Lua steps here
    tolerate that (a version check answers ABORTED, an id makes it idempotent, a lease expires into
    the reaper; only a progress report may count twice)."""

    failover_retry_seconds: float = 20.0

    async def execute_command(self, *args: Any, **kwargs: Any) -> Any:
        deadline = time.monotonic() + self.failover_retry_seconds
        delay = 0.05
        while True:
            try:
                try:
                    return await super().execute_command(*args, **dict(kwargs))
                except AttributeError as exc:
                    raise _torn_down(exc) from exc
            except _FAILOVER_ERRORS as exc:
                if isinstance(exc, rexc.BusyLoadingError) or time.monotonic() + delay > deadline:
                    raise _as_redis_error(exc) from exc
                metrics.REDIS_FAILOVER_RETRIES.inc()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 0.5)


def _torn_down(exc: AttributeError) -> rexc.ConnectionError:
    """redis-py 8.1's cluster client can tear a connection down (its writer becomes None) while another
    task is still connecting it, when a failover makes it drop a node's connections; that task then
    fails with AttributeError. It is a lost connection: retry it like one. Any other AttributeError is
    a bug and propagates."""
    if "NoneType" not in str(exc):
        raise exc
    return rexc.ConnectionError(f"connection torn down during a failover: {exc}")


def _as_redis_error(exc: Exception) -> rexc.RedisError:
    # SlotNotCoveredError is not a RedisError; callers catch RedisError only.
    return exc if isinstance(exc, rexc.RedisError) else rexc.ClusterDownError(str(exc))


def create_client(settings: RedisSettings, *, socket_timeout: float | None,
                  max_connections: int | None = None) -> Any:
    """A redis.asyncio client for settings.url: a Redis, or a ResilientCluster for a cluster URL."""
    common: dict[str, Any] = {"decode_responses": True, "socket_timeout": socket_timeout,
                              "socket_connect_timeout": 5, "health_check_interval": 30}
    if not settings.cluster:
        if max_connections is not None:
            common["max_connections"] = max_connections
        return TimedRedis.from_url(split_options(settings.url)[0], **common)
    address = parse_cluster_url(settings.url)
    del common["health_check_interval"]  # a cluster client checks its nodes itself
    client = ResilientCluster(
        startup_nodes=[ClusterNode(host, port) for host, port in address.nodes],
        username=address.username, password=address.password, ssl=address.tls,
        max_connections=max_connections or 2 ** 31, **common)
    client.failover_retry_seconds = settings.failover_retry_seconds
    return client


def translate(exc: rexc.RedisError) -> StoreError:
    """Map a redis-py error onto the store exception hierarchy."""
    if isinstance(exc, rexc.BusyLoadingError):  # a subclass of ConnectionError: test it first
        return StoreStarting(f"redis is loading its data set: {exc}")
    if isinstance(exc, (rexc.ConnectionError, rexc.TimeoutError, rexc.ClusterDownError, rexc.TryAgainError)):
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
        self.cluster = settings.cluster
        self.client: aioredis.Redis = create_client(settings, socket_timeout=settings.socket_timeout,
                                                    max_connections=settings.max_connections)

    async def open(self) -> None:
        await self.ping()

    async def close(self) -> None:
        await self.client.aclose()

    async def ping(self) -> None:
        try:
            if not self.cluster:
                await self.client.ping()
                return
            # Every master must answer (a replica's loss costs no slot); bounded, so that a health
            # probe reports a failover in progress instead of waiting it out like a command does.
            await asyncio.wait_for(self.client.ping(target_nodes=RedisCluster.PRIMARIES), _PING_SECONDS)
        except TimeoutError as exc:
            raise StoreUnavailable(f"redis cluster: a master did not answer PING within {_PING_SECONDS:.0f} s") from exc
        except rexc.RedisError as exc:
            raise translate(exc) from exc

    async def export_memory(self) -> None:
        """Set the used_memory gauge from INFO memory."""
        try:
            info = await self.client.info("memory")
        except rexc.RedisError as exc:
            raise translate(exc) from exc
        metrics.REDIS_MEMORY.set(int(info.get("used_memory", 0)))

    async def eval_write(self, script: AsyncScript, keys: Sequence[str], args: Sequence[Any]) -> Any:
        """Run a writing Lua step and return its reply once the master replied and (when configured)
        the replicas acknowledged it. Raises redis-py errors (callers translate them)."""
        replicas = self.settings.replicas_to_wait
        if replicas <= 0:
            return await script(keys=list(keys), args=list(args))
        if not self.cluster:
            return await self._eval_and_wait(self.client, None, script, keys, args, replicas)
        cluster: ResilientCluster = self.client  # type: ignore[assignment]
        deadline = time.monotonic() + self.settings.failover_retry_seconds
        while True:
            try:
                try:
                    await cluster.initialize()
                    node = cluster.get_node_from_key(keys[0])
                    return await self._eval_and_wait(cluster, node, script, keys, args, replicas)
                except AttributeError as exc:
                    raise _torn_down(exc) from exc
            except rexc.MovedError as exc:
                # The slot has a new master (a failover the map had not seen): the step was not run there.
                await cluster.nodes_manager.move_slot(exc)
            except rexc.AskError:
                # The key is being migrated (resharding): the ordinary path follows ASK with ASKING on
                # its own connection, so this one write is acknowledged without the replica wait.
                metrics.REDIS_UNREPLICATED_WRITES.inc()
                return await script(keys=list(keys), args=list(args))
            except _FAILOVER_ERRORS as exc:
                if isinstance(exc, rexc.BusyLoadingError) or time.monotonic() > deadline:
                    raise _as_redis_error(exc) from exc
                metrics.REDIS_FAILOVER_RETRIES.inc()
                await asyncio.sleep(0.1)

    async def _eval_and_wait(self, client: Any, node: ClusterNode | None, script: AsyncScript,
                             keys: Sequence[str], args: Sequence[Any], replicas: int) -> Any:
        # WAIT counts the writes of its own connection: a pipeline sends both on one connection, and
        # redirections are not followed inside it (a redirected step would run on another connection
        # than its WAIT). EVAL rather than EVALSHA: a promoted replica need not have the script cached.
        async with client.pipeline(transaction=False) as pipe:
            pipe.eval(script.script, len(keys), *keys, *args)
            if node is None:
                pipe.execute_command("WAIT", replicas, self.settings.wait_ms)
                reply, acked = await pipe.execute()
            else:
                pipe.execute_command("WAIT", replicas, self.settings.wait_ms, target_nodes=node)
                reply, acked = await pipe.execute(allow_redirections=False)
        if int(acked) < replicas:
            metrics.REDIS_UNREPLICATED_WRITES.inc()
            log.warning("redis write acknowledged by %s of %s replicas", acked, replicas)
        return reply
