"""create_backend picks the analytics engine: clickhouse:// a server, chdb:// or nothing the embedded one."""

from __future__ import annotations

import pytest

from stores.analytics import AnalyticsSettings, create_backend
from stores.analytics.chdb import ChdbBackend
from stores.analytics.clickhouse import ClickHouseBackend


async def test_the_scheme_selects_the_backend() -> None:
    for settings, kind in ((AnalyticsSettings(url="clickhouse://u:p@h:9000/db"), ClickHouseBackend),
                           (AnalyticsSettings(url="ClickHouses://h:9440"), ClickHouseBackend),
                           (AnalyticsSettings(url="chdb://some/dir"), ChdbBackend),
                           (AnalyticsSettings(path="some/dir"), ChdbBackend)):
        backend = create_backend(settings)
        assert isinstance(backend, kind)
        await backend.close()  # only the executor: neither connects before open()


def test_a_cluster_needs_a_server() -> None:
    with pytest.raises(ValueError, match="AMAUTA_CLICKHOUSE_CLUSTER needs a ClickHouse server"):
        create_backend(AnalyticsSettings(path="d", cluster="c1"))


def test_other_schemes_are_refused() -> None:
    with pytest.raises(ValueError, match="unsupported analytics URL scheme 'http'"):
        create_backend(AnalyticsSettings(url="http://h:8123"))
