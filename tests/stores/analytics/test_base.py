"""The analytics interface: String parameters travel as hex, table names are allow-listed, DDL on clusters."""

from __future__ import annotations

import pytest

from stores.analytics import AnalyticsBackend
from stores.analytics.base import TABLES, bind, checked_table


def test_string_parameters_are_sent_as_hex_and_decoded_by_the_engine() -> None:
    sql, params = bind("SELECT {a:String}, {n:UInt8}, {b:String}", {"a": "x\\t", "n": 3, "b": 5})
    assert sql == "SELECT unhex({a:String}), {n:UInt8}, {b:String}"
    assert params == {"a": b"x\\t".hex(), "n": 3, "b": 5}


def test_a_string_not_used_as_a_string_parameter_is_left_alone() -> None:
    assert bind("SELECT {a:Int64}", {"a": "7"}) == ("SELECT {a:Int64}", {"a": "7"})


def test_only_the_analytics_tables_may_be_inserted_into() -> None:
    assert [checked_table(t) for t in TABLES] == list(TABLES)
    with pytest.raises(ValueError, match=r"'system\.users'"):
        checked_table("system.users")


@pytest.mark.parametrize("text", ["back\\slash", "tab\there", "new\nline", "quote'", "é🙂", ""])
async def test_strings_reach_the_engine_byte_for_byte(analytics: AnalyticsBackend, text: str) -> None:
    rows = await analytics.query("SELECT {v:String} AS v, length({v:String}) AS n", {"v": text})
    assert rows == [{"v": text, "n": len(text.encode())}]


async def test_ping_is_a_round_trip(analytics: AnalyticsBackend) -> None:
    await analytics.ping()
