"""The node's lifecycle: embedded stores, pools, migrations, the gRPC server, health and shutdown."""

from __future__ import annotations

import asyncio
import dataclasses
import ipaddress
import json
import logging
import os
import socket
from pathlib import Path

import grpc
from grpc import aio
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from server import engines, services
from server.bootstrap import Components, bootstrap
from server.config import Settings
from server.rpc import reflection, tls
from server.rpc.auth import Role, TokenRegistry, ensure_admin_token
from server.rpc.interceptors import CallInterceptor
from server.rpc.ratelimit import RateLimiter
from server.runtime import Runtime, Stores
from stores import metrics
from stores.analytics import AnalyticsSettings
from stores.analytics import create_backend as create_analytics
from stores.analytics.disabled import DisabledBackend
from stores.base import Store
from stores.embedded.lock import DataDirLock
from stores.embedded.stack import EmbeddedStack
from stores.errors import StoreStarting, StoreUnavailable
from stores.graph import GraphSettings
from stores.graph import create_backend as create_graph
from stores.migrator import MigrationReport, migrate_all
from stores.postgres import PostgresSettings, PostgresStore, analytics_owner, outbox
from stores.postgres.leases import Leadership
from stores.redis import RedisSettings, RedisStore
from stores.redis.ratelimits import SharedBuckets
from stores.tasks import stop_requested

log = logging.getLogger(__name__)

OVERALL = ""


def store_health_name(store_name: str) -> str:
    """Health service name of one store, e.g. 'amauta.store.postgres'."""
    return f"amauta.store.{store_name}"


def is_loopback(address: str) -> bool:
    """True when a host:port address binds only the loopback interface (or a unix socket)."""
    if address.startswith("unix:"):
        return True
    host = address.rsplit(":", 1)[0].strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def write_endpoints(data_dir: Path, resolved: Settings, chdb_path: str) -> None:
    """Record the store URLs in data_dir/endpoints.json (0600), for operators, tools and benchmarks."""
    analytics = resolved.clickhouse_url or (f"chdb://{chdb_path}" if chdb_path else "off")
    doc = {"postgres": resolved.postgres_url, "redis": resolved.redis_url,
           "graph": resolved.graph_url, "clickhouse": analytics}
    path = data_dir / "endpoints.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(doc, fh, indent=2)


class Node:
    """One running Amauta node."""

    def __init__(self, settings: Settings, *, auth_disabled: bool = False) -> None:
        # Resolved once: embedded servers change directory, and every later path must agree.
        self.settings = dataclasses.replace(settings, data_dir=settings.data_dir.expanduser().resolve())
        self.auth_disabled = auth_disabled
        self.embedded = EmbeddedStack(self.settings.data_dir, self.settings.store_start_timeout_seconds)
        self.lock = DataDirLock(self.settings.data_dir)
        self.runtime: Runtime | None = None
        self.server: aio.Server | None = None
        self.health = health.aio.HealthServicer()
        self.port: int = 0
        self.admin_token_path: Path | None = None
        self._monitor: asyncio.Task[None] | None = None
        self.migrations = MigrationReport()
        self.metrics_port: int = 0
        #: True once every store is open and migrated; calls before that answer UNAVAILABLE.
        self.ready = False
        #: Background tasks that did not end at the last stop (see Runtime.cancel_tasks).
        self.left_behind: list[str] = []
        self._compaction: asyncio.Future[None] | None = None
        self.registry: TokenRegistry | None = None

    def reload_tokens(self) -> None:
        """Re-read the tokens file now (SIGHUP); it is also followed on its own, within a second."""
        if self.registry is not None:
            self.registry.reload()

    def _registry(self) -> TokenRegistry | None:
        if self.settings.tokens_file:
            return TokenRegistry.from_file(Path(self.settings.tokens_file))
        if self.auth_disabled:
            if not is_loopback(self.settings.grpc_address) and not self.settings.tls_client_ca:
                raise SystemExit("refusing to bind a non-loopback address with authentication off")
            return None
        self.admin_token_path, tokens = ensure_admin_token(self.settings.data_dir)
        return TokenRegistry.from_file(tokens)

    def _start_embedded(self) -> Settings:
        s = self.settings
        return dataclasses.replace(
            s,
            postgres_url=s.postgres_url or self.embedded.start_postgres(),
            redis_url=s.redis_url or self.embedded.start_redis(),
            graph_url=s.graph_url or self.embedded.start_falkordb(),
        )

    def _build_runtime(self, command: str) -> Runtime:
        """Take the data directory, start the embedded servers it needs and build (not open) the stores."""
        engines.require(self.settings)
        self.lock.acquire(command)
        resolved = self._start_embedded()
        stores = Stores(
            postgres=PostgresStore(PostgresSettings(resolved.postgres_url,
                                                      read_url=resolved.postgres_read_url)),
            redis=RedisStore(RedisSettings(resolved.redis_url)),
            graph=create_graph(GraphSettings(resolved.graph_url)),
            analytics=create_analytics(AnalyticsSettings(
                url=resolved.clickhouse_url, path=self.embedded.chdb_path(),
                cluster=resolved.clickhouse_cluster))
            if resolved.analytics_enabled else DisabledBackend(AnalyticsSettings()),
        )
        self.runtime = Runtime(resolved, stores, leadership=Leadership(
            resolved.postgres_url, self.node_id, on_change=self._leadership_changed))
        return self.runtime

    @property
    def node_id(self) -> str:
        """This node's name in leases and ownership records."""
        return self.settings.node_id or f"{socket.gethostname()}:{os.getpid()}"

    @property
    def _embeds_analytics(self) -> bool:
        url = self.settings.clickhouse_url
        return self.settings.analytics_enabled and (not url or url.startswith("chdb://"))

    async def _claim_analytics(self, runtime: Runtime) -> None:
        """Record this node as the owner of its embedded analytics (refusing a split), or, with
        analytics off, learn where the analytics node serves."""
        address = f"{runtime.settings.grpc_address.rsplit(':', 1)[0]}:{self.port}"
        if self._embeds_analytics:
            engine = runtime.settings.clickhouse_url.removeprefix("chdb://") or self.embedded.chdb_path()
            await analytics_owner.claim(runtime.stores.postgres,
                                        f"{socket.gethostname()}:{Path(engine).resolve()}", address)
        elif isinstance(runtime.stores.analytics, DisabledBackend):
            owner = await analytics_owner.current(runtime.stores.postgres)
            runtime.stores.analytics.analytics_node = owner.node_address if owner else ""

    async def _leadership_changed(self, work: str, leading: bool) -> None:
        metrics.LEADER.labels(work).set(1 if leading else 0)
        await self.health.set(f"amauta.leader.{work}", health_pb2.HealthCheckResponse.SERVING if leading
                              else health_pb2.HealthCheckResponse.NOT_SERVING)

    async def _open_when_ready(self, store: Store) -> None:
        """Open one store, waiting while it answers that it is still loading or starting up."""
        timeout = self.settings.store_start_timeout_seconds
        loop = asyncio.get_running_loop()
        started = loop.time()
        reported = started
        while True:
            try:
                await store.open()
            except StoreStarting as exc:
                waited = loop.time() - started
                if waited > timeout:
                    raise StoreUnavailable(
                        f"{store.name} was still not ready after {timeout:.0f}s"
                        f" (AMAUTA_STORE_START_TIMEOUT_SECONDS): {exc}") from exc
                if loop.time() - reported >= 5:
                    log.info("waiting for a store that is loading", extra={
                        "store": store.name, "waited_seconds": round(waited, 1), "detail": str(exc)})
                    reported = loop.time()
                await asyncio.sleep(0.1)
                continue
            waited = loop.time() - started
            if waited >= 1:
                log.info("store ready", extra={"store": store.name, "waited_seconds": round(waited, 2)})
            return

    async def _open_and_migrate(self, runtime: Runtime) -> None:
        stores = runtime.stores
        await asyncio.gather(*(self._open_when_ready(store) for store in stores.all()))
        self.migrations = await migrate_all(stores.postgres, stores.analytics, stores.graph)
        await self._claim_analytics(runtime)
        # The first RDB image then holds the indexes and constraints the migrations made, so a
        # restart never rebuilds them during a command-by-command replay.
        await self.embedded.compact()
        write_endpoints(self.settings.data_dir, runtime.settings,
                        self.embedded.chdb_path() if self._embeds_analytics else "")

    async def open_stores(self, command: str = "migrate") -> Stores:
        """Start the embedded servers that are needed, open every store and migrate it."""
        runtime = self._build_runtime(command)
        await self._open_and_migrate(runtime)
        return runtime.stores

    def _build_server(self, components: Components,
                      registry: TokenRegistry | None) -> tuple[aio.Server, list[str]]:
        runtime = components.runtime
        resolved = runtime.settings
        limiter = RateLimiter(resolved.rate_limit_rps, resolved.rate_limit_burst,
                              exempt=frozenset({Role.ADMIN, Role.SERVICE}),
                              shared=SharedBuckets(runtime.stores.redis).take)
        server = aio.server(
            interceptors=[CallInterceptor(registry, limiter, mtls=bool(resolved.tls_client_ca),
                                          ready=lambda: self.ready)],
            options=[("grpc.max_receive_message_length", resolved.max_message_bytes),
                     ("grpc.max_send_message_length", resolved.max_message_bytes),
                     ("grpc.so_reuseport", 0),
                     # Watch streams open in bursts; the default of 1,000 pending calls cancels the rest.
                     ("grpc.server.max_pending_requests", 20_000),
                     ("grpc.server.max_pending_requests_hard_limit", 30_000)],
            maximum_concurrent_rpcs=resolved.max_concurrent_rpcs or None,
        )
        names = services.register_all(server, components)
        health_pb2_grpc.add_HealthServicer_to_server(self.health, server)
        reflection.enable([*names, health_pb2.DESCRIPTOR.services_by_name["Health"].full_name], server)
        credentials = tls.server_credentials(resolved)
        if credentials is None:
            self.port = server.add_insecure_port(resolved.grpc_address)
        else:
            self.port = server.add_secure_port(resolved.grpc_address, credentials)
        return server, names

    async def start(self) -> None:
        """Start stores, migrate, and serve; returns once the node is SERVING.

        The gRPC server listens before the stores finish loading, answering health NOT_SERVING
        and other calls UNAVAILABLE, so a restart on a large data set is visible, not silent.
        """
        self.lock.acquire("serve")  # first: even the admin token file belongs to the owner
        try:
            registry = self.registry = self._registry()
            runtime = self._build_runtime("serve")
            components = bootstrap(runtime)
            server, names = self._build_server(components, registry)
            for name in (OVERALL, *names):
                await self.health.set(name, health_pb2.HealthCheckResponse.NOT_SERVING)
            await server.start()
            self.server = server
            await self._open_and_migrate(runtime)
        except BaseException:
            if self.server is not None:
                await self.server.stop(0)
            await self.close_stores()
            raise
        resolved = runtime.settings
        if resolved.metrics_address:
            self.metrics_port = metrics.serve(resolved.metrics_address)
        metrics.POOLS.add("postgres", runtime.stores.postgres.pool.get_stats)
        if runtime.stores.postgres.read_pool is not None:
            metrics.POOLS.add("postgres_read", runtime.stores.postgres.read_pool.get_stats)
        if not runtime.stores.redis.cluster:  # a cluster client keeps one pool per node, not one to report
            metrics.POOLS.add_redis("redis", runtime.stores.redis.client.connection_pool)
        self.ready = True
        for name in names:
            await self.health.set(name, health_pb2.HealthCheckResponse.SERVING)
        await self._refresh_health()
        self._monitor = asyncio.create_task(self._watch_health(), name="health-monitor")
        services.start_workers(components)

    async def _refresh_health(self) -> None:
        assert self.runtime is not None
        stores = self.runtime.stores.all()
        statuses = await asyncio.gather(*(s.status() for s in stores))
        all_ok = True
        for store, status in zip(stores, statuses, strict=True):
            ok = status.value == "serving"
            all_ok &= ok
            metrics.STORE_UP.labels(store.name).set(1 if ok else 0)
            await self.health.set(store_health_name(store.name),
                                  health_pb2.HealthCheckResponse.SERVING if ok
                                  else health_pb2.HealthCheckResponse.NOT_SERVING)
        await self.health.set(OVERALL, health_pb2.HealthCheckResponse.SERVING if all_ok
                              else health_pb2.HealthCheckResponse.NOT_SERVING)

    async def _refresh_lag(self) -> None:
        assert self.runtime is not None
        for consumer in outbox.CONSUMERS:
            metrics.OUTBOX_LAG.labels(consumer).set(
                await outbox.lag_seconds(self.runtime.stores.postgres, consumer))

    async def _refresh_redis_memory(self) -> None:
        assert self.runtime is not None
        await self.runtime.stores.redis.export_memory()

    async def _watch_health(self) -> None:
        loop = asyncio.get_running_loop()
        compacted = loop.time()
        while not stop_requested():
            await asyncio.sleep(self.settings.health_interval_seconds)
            try:
                # Health first, so a dead store shows NOT_SERVING before it is restarted.
                await self._refresh_health()
                self.embedded.revive()
                await asyncio.to_thread(self.embedded.revive_postgres)
                await self._refresh_lag()
                await self._refresh_redis_memory()
                if loop.time() - compacted >= self.settings.aof_compact_seconds:
                    compacted = loop.time()
                    await self.embedded.compact()
                    if self.runtime is not None:
                        await self._claim_analytics(self.runtime)  # the owner's heartbeat
            except Exception:
                log.warning("health probe failed", exc_info=True)

    async def stop(self) -> None:
        """Drain: NOT_SERVING first, then stop(grace), then workers, pools and embedded servers.

        Every step past the drain is bounded, so the whole stop takes at most grace plus a few
        seconds whatever a worker or a store does.
        """
        if self._monitor is not None:
            self._monitor.cancel()
        # The AOF rewrites fork and run beside the drain, so that the next start loads RDB images
        # however much was written just before the stop; close_stores waits for the rest.
        self._compaction = asyncio.ensure_future(
            self.embedded.compact(wait=self.settings.grace_seconds + _STEP_SECONDS))
        # `ready` stays true: calls that arrive during the grace period are served, not refused.
        await self.health.enter_graceful_shutdown()
        if self.runtime is not None:
            self.runtime.draining.set()
        if self.server is not None:
            await self.server.stop(self.settings.grace_seconds)
        await self.close_stores()

    async def close_stores(self) -> None:
        """Stop background workers, close the pools and stop the embedded servers (each step bounded)."""
        if self.runtime is not None:
            self.left_behind = await self.runtime.cancel_tasks(timeout=_STEP_SECONDS)
            closes = [asyncio.ensure_future(s.close()) for s in self.runtime.stores.all()]
            _, pending = await asyncio.wait(closes, timeout=_STEP_SECONDS)
            for future in closes:
                if future.done() and not future.cancelled() and future.exception() is not None:
                    log.warning("closing a store failed", exc_info=future.exception())
            if pending:
                log.error("store connections did not close in %.0fs; left open", _STEP_SECONDS)
            compaction = self._compaction or asyncio.ensure_future(self.embedded.compact(wait=_STEP_SECONDS))
            try:
                await asyncio.wait_for(compaction, _STEP_SECONDS)
            except TimeoutError:  # the AOF is complete anyway: the next start only replays more
                log.warning("AOF compaction at stop did not finish in time")
        self.embedded.stop()
        self.lock.release()

    async def wait(self) -> None:
        """Block until the server terminates."""
        assert self.server is not None
        await self.server.wait_for_termination()


#: Bound of each stop step after the drain (workers, pools, AOF compaction).
_STEP_SECONDS = 2.0


__all__ = ["Node", "is_loopback", "store_health_name", "grpc"]
