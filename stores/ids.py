"""The id grammar of learner, skill, content and objective ids (docs/api.md, Identifiers).

An id is 1 to max_chars characters, has no control character (Unicode category Cc) anywhere and
no separator (category Z: spaces, line and paragraph separators) at either end. The API enforces
it (INVALID_ARGUMENT); the graph layer checks it again before a MERGE, because FalkorDB 4.16 dies
(SIGSEGV) on a node whose unique-constrained key starts with a space, whoever sends it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from stores.errors import InvalidData

#: Learner and skill ids (and the other short ids of the API).
MAX_ID_CHARS = 100
#: Objective ids are learning-objective names.
MAX_OBJECTIVE_CHARS = 255

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
#: The same rules as RE2 patterns, for Arrow compute over whole columns.
EDGE_SEPARATOR_RE2 = r"^\p{Z}|\p{Z}$"
CONTROL_RE2 = r"\p{Cc}"
NO_EDGE_SPACE = "must not start or end with whitespace"
NO_CONTROL = "must not contain control characters"


def id_problem(value: str, max_chars: int = MAX_ID_CHARS) -> str | None:
    """Why value is not an id (a field-violation description), or None when it is one."""
    if not value:
        return "is required"
    if len(value) > max_chars:
        return f"must be at most {max_chars} characters"
    if _CONTROL.search(value):
        return NO_CONTROL
    if unicodedata.category(value[0])[0] == "Z" or unicodedata.category(value[-1])[0] == "Z":
        return NO_EDGE_SPACE
    return None


def is_id(value: object, max_chars: int = MAX_OBJECTIVE_CHARS) -> bool:
    """True when value is a string that follows the grammar."""
    return isinstance(value, str) and id_problem(value, max_chars) is None


def require_ids(field: str, values: Iterable[str], max_chars: int = MAX_OBJECTIVE_CHARS) -> None:
    """InvalidData naming field unless every value follows the grammar (the store-side guard)."""
    for value in values:
        problem = id_problem(value, max_chars) if isinstance(value, str) else "must be a string"
        if problem is not None:
            raise InvalidData(f"{field} {value!r} {problem}", field=field, reason="INVALID_ID")


#: The one order of a learner's assessments of a skill (stores/postgres/skill_history.py): epoch
#: milliseconds of the assessment, then its id. HAS_SKILL edges record the key of the last one applied.
OrderKey = tuple[int, str]
