"""The id grammar: length, control characters anywhere, separators at either end, and the store guard."""

from __future__ import annotations

import pytest

from stores.errors import InvalidData
from stores.ids import MAX_ID_CHARS, MAX_OBJECTIVE_CHARS, NO_CONTROL, NO_EDGE_SPACE, id_problem, is_id, require_ids


@pytest.mark.parametrize("value", ["plain", "in side", "q'", "é🙂", "\u200fmark", "x" * MAX_ID_CHARS])
def test_ids_that_follow_the_grammar(value: str) -> None:
    assert id_problem(value) is None


@pytest.mark.parametrize(("value", "problem"), [
    ("", "is required"),
    ("x" * (MAX_ID_CHARS + 1), f"must be at most {MAX_ID_CHARS} characters"),
    ("tab\tin", NO_CONTROL),
    ("del\x7f", NO_CONTROL),
    ("c1\x85", NO_CONTROL),
    (" lead", NO_EDGE_SPACE),
    ("trail\u00a0", NO_EDGE_SPACE),
    ("\u3000wide", NO_EDGE_SPACE),
    ("end\u2028", NO_EDGE_SPACE),
])
def test_ids_that_break_it_say_why(value: str, problem: str) -> None:
    assert id_problem(value) == problem


def test_the_length_limit_is_the_callers() -> None:
    objective = "o" * MAX_OBJECTIVE_CHARS
    assert id_problem(objective) is not None
    assert id_problem(objective, MAX_OBJECTIVE_CHARS) is None
    assert is_id(objective)
    assert not is_id(objective + "o")


def test_is_id_refuses_what_is_not_a_string() -> None:
    assert not is_id(42)
    assert not is_id(None)


def test_require_ids_names_the_field_and_the_value() -> None:
    require_ids("skill_ids", ["a", "b c"])
    with pytest.raises(InvalidData) as caught:
        require_ids("skill_ids", ["ok", " bad"])
    assert (caught.value.field, caught.value.reason) == ("skill_ids", "INVALID_ID")
    assert "' bad'" in str(caught.value)
    with pytest.raises(InvalidData, match="must be a string"):
        require_ids("skill_ids", [7])  # type: ignore[list-item]

