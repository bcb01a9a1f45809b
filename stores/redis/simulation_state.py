"""Pure helpers of simulation state: partial-state merges, times as stored, and the collaboration summary."""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

#: Synergy of a simulation whose participants were not rated (the graph's neutral prior).
NEUTRAL_SYNERGY = 0.5

_MISSING = object()


@dataclass(frozen=True)
class StateChange:
    """A requested change of currentState: a shallow merge, or mask paths, and/or a new phase."""

    state: dict[str, Any]
    mask: list[str]
    phase: str | None = None


def apply_change(current: dict[str, Any], change: StateChange) -> dict[str, Any]:
    """The new currentState: without a mask each top-level key replaces (None removes); with a mask each
    dot-path is set to its value in state, or removed when state lacks it; then the phase."""
    out = copy.deepcopy(current)
    if change.mask:
        for path in change.mask:
            parts = path.split(".")
            value = _lookup(change.state, parts)
            if value is _MISSING:
                _remove(out, parts)
            else:
                _assign(out, parts, copy.deepcopy(value))
    else:
        for key, value in change.state.items():
            if value is None:
                out.pop(key, None)
            else:
                out[key] = copy.deepcopy(value)
    if change.phase is not None:
        out["phase"] = change.phase
    return out


def _lookup(doc: Any, parts: Sequence[str]) -> Any:
    for part in parts:
        if not isinstance(doc, dict) or part not in doc:
            return _MISSING
        doc = doc[part]
    return doc


def _assign(doc: dict[str, Any], parts: Sequence[str], value: Any) -> None:
    for part in parts[:-1]:
        child = doc.get(part)
        if not isinstance(child, dict):  # a scalar on the way is replaced by an object
            child = doc[part] = {}
        doc = child
    doc[parts[-1]] = value


def _remove(doc: dict[str, Any], parts: Sequence[str]) -> None:
    for part in parts[:-1]:
        doc = doc.get(part)  # type: ignore[assignment]
        if not isinstance(doc, dict):
            return
    doc.pop(parts[-1], None)


def tidy_numbers(value: Any) -> Any:
    """Integral floats (Struct numbers) back to ints, so stored JSON reads as the seed's does."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, dict):
        return {k: tidy_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [tidy_numbers(v) for v in value]
    return value


def now_utc() -> datetime:
    """Now, truncated to milliseconds (the precision of the stored times)."""
    now = datetime.now(timezone.utc)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def epoch_ms(value: datetime) -> int:
    """Epoch milliseconds of an aware datetime."""
    return int(value.timestamp() * 1000 + 0.5)


def iso(value: datetime) -> str:
    """ISO-8601 UTC with milliseconds and 'Z', as the seed's startTime and lastUpdate."""
    return value.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_iso(text: str) -> datetime | None:
    """A stored ISO time as an aware datetime (None when empty or malformed)."""
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None
    except ValueError:
        return None


def synergy_of(ratings: Iterable[float | None]) -> float:
    """A simulation's synergy: the mean of its participants' ratings, neutral when nobody was rated."""
    given = [r for r in ratings if r is not None and math.isfinite(r)]
    return sum(given) / len(given) if given else NEUTRAL_SYNERGY


def complementary_skills(outcomes: Sequence[dict[str, Any] | None]) -> list[str]:
    """Skills that some but not all participants show in learning_outcomes.skills (a list of skill ids or
    an object keyed by skill id), sorted."""
    shown: list[set[str]] = []
    for outcome in outcomes:
        skills = (outcome or {}).get("skills")
        if isinstance(skills, dict):
            shown.append({str(k) for k in skills})
        elif isinstance(skills, list):
            shown.append({str(s) for s in skills if isinstance(s, (str, int, float))})
        else:
            shown.append(set())
    if len(shown) < 2:
        return []
    union = set().union(*shown)
    common = set.intersection(*shown)
    return sorted(union - common)
