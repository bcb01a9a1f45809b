"""The FalkorDB backend's parameter header: lists written as JSON arrive as the client's own form would."""

from __future__ import annotations

from typing import Any

import pytest
from falkordb.helpers import stringify_param_value

from stores.graph import GraphBackend
from stores.graph.falkordb import literal

VALUES: list[Any] = [
    [1, 2.5, -0.0, 1e-12, 123456789.123456789, 1 / 3, True, False, None],
    [[0, "learner-1", "skill-α"], [1, "ünïcode ✓", "a b"]],
    ["quote \" inside", "back\\slash", "new\nline", "tab\t", "{brace}", ""],
    [{"i": 1, "learner": "x"}],
    [],
]
#: Not JSON: left to the client (which writes nan, refused by FalkorDB as by the client's own form).
NOT_FINITE = [float("nan")]


@pytest.mark.parametrize("value", VALUES)
async def test_list_parameters_arrive_as_with_the_client_serialiser(graph: GraphBackend, value: Any) -> None:
    if graph.dialect != "falkordb":
        pytest.skip("FalkorDB's parameter header only")
    through_backend = await graph.run("RETURN $v AS v", {"v": value})
    header = f"CYPHER `v`={stringify_param_value(value)} "
    through_client = await graph.run(header + "RETURN $v AS v")
    assert repr(through_backend) == repr(through_client)


def test_only_lists_needing_no_escape_and_holding_no_map_skip_the_client() -> None:
    assert literal([1, "a", [True, None]]) == '[1, "a", [true, null]]'
    for value in (*VALUES[2:4], NOT_FINITE):
        assert literal(value) == stringify_param_value(value)
