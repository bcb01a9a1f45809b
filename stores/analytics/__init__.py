"""Analytics store: one interface, a chdb backend (in-process) and a clickhouse-driver backend."""

from __future__ import annotations

from stores.analytics.base import AnalyticsBackend, AnalyticsSettings


def create_backend(settings: AnalyticsSettings) -> AnalyticsBackend:
    """Pick the backend: clickhouse:// → clickhouse-driver; an empty URL or chdb:// → embedded chdb."""
    scheme = settings.url.split("://", 1)[0].lower() if settings.url else "chdb"
    if scheme in ("clickhouse", "clickhouses"):
        from stores.analytics.clickhouse import ClickHouseBackend
        return ClickHouseBackend(settings)
    if scheme == "chdb":
        if settings.cluster:
            raise ValueError("AMAUTA_CLICKHOUSE_CLUSTER needs a ClickHouse server: set AMAUTA_CLICKHOUSE_URL"
                             " (the embedded chdb engine is a single server)")
        from stores.analytics.chdb import ChdbBackend
        return ChdbBackend(settings)
    raise ValueError(f"unsupported analytics URL scheme {scheme!r}: use clickhouse:// or chdb://")


__all__ = ["AnalyticsBackend", "AnalyticsSettings", "create_backend"]
