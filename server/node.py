"""The node's lifecycle: embedded stores, pools, migrations, the gRPC server, health and shutdown."""

from __future__ import annotations

import asyncio
import ipaddress
import json
import os
import logging
from pathlib import Path

import grpc
from grpc import aio
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from server import reflection, services, tls
from stores import metrics
from server.auth import Role, TokenRegistry, ensure_admin_token
from server.config import Settings
from server.interceptors import (AccessLogInterceptor, AuthInterceptor, ErrorMappingInterceptor,
                                 RateLimitInterceptor, RoleInterceptor)
from server.ratelimit import RateLimiter
from server.runtime import Runtime, Stores
from stores import outbox, summaries
from stores.analytics import AnalyticsSettings, create_backend as create_analytics
from stores.embedded.stack import EmbeddedStack
from stores.graph import GraphSettings, create_backend as create_graph
from stores.migrator import MigrationReport, migrate_all
from stores.postgres import PostgresSettings, PostgresStore
from stores.redis import RedisSettings, RedisStore

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
    doc = {"postgres": resolved.postgres_url, "redis": resolved.redis_url,
           "graph": resolved.graph_url, "clickhouse": resolved.clickhouse_url or f"chdb://{chdb_path}"}
    path = data_dir / "endpoints.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(doc, fh, indent=2)


class Node:
    """One running Amauta node."""

    def __init__(self, settings: Settings, *, auth_disabled: bool = False) -> None:
        self.settings = settings
        self.auth_disabled = auth_disabled
        self.embedded = EmbeddedStack(settings.data_dir)
        self.runtime: Runtime | None = None
        self.server: aio.Server | None = None
        self.health = health.aio.HealthServicer()
        self.port: int = 0
        self.admin_token_path: Path | None = None
        self._monitor: asyncio.Task[None] | None = None
        self.migrations = MigrationReport()
        self.metrics_port: int = 0

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
        return Settings(**{
            **vars(s),
            "postgres_url": s.postgres_url or self.embedded.start_postgres(),
            "redis_url": s.redis_url or self.embedded.start_redis(),
            "graph_url": s.graph_url or self.embedded.start_falkordb(),
            "clickhouse_url": s.clickhouse_url,
        })

    async def open_stores(self) -> Stores:
        """Start the embedded servers that are needed, open every store and migrate it."""
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        resolved = self._start_embedded()
        stores = Stores(
            postgres=PostgresStore(PostgresSettings(resolved.postgres_url,
                                                      read_url=resolved.postgres_read_url)),
            redis=RedisStore(RedisSettings(resolved.redis_url)),
            graph=create_graph(GraphSettings(resolved.graph_url)),
            analytics=create_analytics(AnalyticsSettings(
                url=resolved.clickhouse_url, path=self.embedded.chdb_path())),
        )
        await asyncio.gather(*(store.open() for store in stores.all()))
        self.migrations = await migrate_all(stores.postgres, stores.analytics, stores.graph)
        self.runtime = Runtime(resolved, stores)
        write_endpoints(self.settings.data_dir, resolved, self.embedded.chdb_path())
        return stores

    async def start(self) -> None:
        """Start stores, migrate, and serve; returns once the server accepts calls."""
        registry = self._registry()
        await self.open_stores()
        assert self.runtime is not None
        resolved = self.runtime.settings
        limiter = RateLimiter(resolved.rate_limit_rps, resolved.rate_limit_burst,
                              exempt=frozenset({Role.ADMIN, Role.SERVICE}))
        server = aio.server(
            interceptors=[AccessLogInterceptor(),
                          AuthInterceptor(registry, mtls=bool(resolved.tls_client_ca)),
                          RoleInterceptor(), RateLimitInterceptor(limiter), ErrorMappingInterceptor()],
            options=[("grpc.max_receive_message_length", resolved.max_message_bytes),
                     ("grpc.max_send_message_length", resolved.max_message_bytes),
                     ("grpc.so_reuseport", 0),
                     # Watch streams open in bursts; the default of 1,000 pending calls cancels the rest.
                     ("grpc.server.max_pending_requests", 20_000),
                     ("grpc.server.max_pending_requests_hard_limit", 30_000)],
            maximum_concurrent_rpcs=resolved.max_concurrent_rpcs or None,
        )
        names = services.register_all(server, self.runtime)
        health_pb2_grpc.add_HealthServicer_to_server(self.health, server)
        reflection.enable([*names, health_pb2.DESCRIPTOR.services_by_name["Health"].full_name], server)
        credentials = tls.server_credentials(resolved)
        if credentials is None:
            self.port = server.add_insecure_port(resolved.grpc_address)
        else:
            self.port = server.add_secure_port(resolved.grpc_address, credentials)
        if resolved.metrics_address:
            self.metrics_port = metrics.serve(resolved.metrics_address)
        metrics.POOLS.add("postgres", self.runtime.stores.postgres.pool.get_stats)
        if self.runtime.stores.postgres.read_pool is not None:
            metrics.POOLS.add("postgres_read", self.runtime.stores.postgres.read_pool.get_stats)
        await server.start()
        self.server = server
        for name in names:
            await self.health.set(name, health_pb2.HealthCheckResponse.SERVING)
        await self._refresh_health()
        self._monitor = asyncio.create_task(self._watch_health(), name="health-monitor")
        services.start_workers(self.runtime)
        self.runtime.spawn("learner-summaries", summaries.refresh_forever(
            self.runtime.stores.postgres, resolved.summary_refresh_seconds))

    async def _refresh_health(self) -> None:
        assert self.runtime is not None
        stores = self.runtime.stores.all()
        statuses = await asyncio.gather(*(s.status() for s in stores))
        all_ok = True
        for store, status in zip(stores, statuses):
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

    async def _watch_health(self) -> None:
        while True:
            await asyncio.sleep(self.settings.health_interval_seconds)
            try:
                # Health first, so a dead store shows NOT_SERVING before it is restarted.
                await self._refresh_health()
                self.embedded.revive()
                await asyncio.to_thread(self.embedded.revive_postgres)
                await self._refresh_lag()
            except Exception:
                log.warning("health probe failed", exc_info=True)

    async def stop(self) -> None:
        """Drain: NOT_SERVING first, then stop(grace), then workers, pools and embedded servers."""
        if self._monitor is not None:
            self._monitor.cancel()
        await self.health.enter_graceful_shutdown()
        if self.runtime is not None:
            self.runtime.draining.set()
        if self.server is not None:
            await self.server.stop(self.settings.grace_seconds)
        await self.close_stores()

    async def close_stores(self) -> None:
        """Stop background workers, close the pools and stop the embedded servers."""
        if self.runtime is not None:
            await self.runtime.cancel_tasks()
            await asyncio.gather(*(s.close() for s in self.runtime.stores.all()), return_exceptions=True)
        self.embedded.stop()

    async def wait(self) -> None:
        """Block until the server terminates."""
        assert self.server is not None
        await self.server.wait_for_termination()


__all__ = ["Node", "is_loopback", "store_health_name", "grpc"]
