"""SimulationChecker: simulation ids, participants, invitations, resume tokens, masks, end states, versions."""

from __future__ import annotations

from amauta.v1 import common_pb2
from server.simulation.validation import SimulationChecker


def _fields(check: SimulationChecker) -> list[str]:
    return [v.field for v in check.violations]


def test_simulation_ids() -> None:
    check = SimulationChecker()
    assert check.simulation_id("sim_1-A", "ok") == "sim_1-A"
    assert check.simulation_id("", "optional", required=False) is None
    check.simulation_id("", "required")
    check.simulation_id("has space", "space")
    check.simulation_id("x" * 65, "long")
    assert _fields(check) == ["required", "space", "long"]


def test_participants_are_ids_without_repeats_and_invitations_too() -> None:
    check = SimulationChecker()
    check.participants([], "none")
    check.participants(["a", "b", "a"], "dup")
    check.participants([" a"], "bad")
    check.learner_ids([], "invite", required=True)
    check.learner_ids(["x", "x"], "twice", required=False)
    assert check.learner_ids([], "optional", required=False) == []
    assert _fields(check) == ["none", "dup[2]", "bad[0]", "invite", "twice"]


def test_resume_tokens_and_versions() -> None:
    check = SimulationChecker()
    assert check.resume_token("", "t") == "" and check.resume_token("17-3", "t") == "17-3"
    check.resume_token("garbage", "bad")
    assert check.version(0, "v") == 0
    check.version(-1, "negative")
    assert _fields(check) == ["bad", "negative"]


def test_mask_paths_are_dot_separated_keys_without_repeats() -> None:
    check = SimulationChecker()
    assert check.mask_paths(["a.b", "a.b", "c"], "mask") == ["a.b", "c"]
    check.mask_paths(["", "a..b", ".".join(["k"] * 40)], "bad")
    assert _fields(check) == ["bad.paths[0]", "bad.paths[1]", "bad.paths[2]"]


def test_end_states_default_and_refuse_in_progress() -> None:
    check = SimulationChecker()
    assert check.end_status(common_pb2.COMPLETION_STATUS_UNSPECIFIED, "s", default="completed") == "completed"
    assert check.end_status(common_pb2.COMPLETION_STATUS_ABANDONED, "s", default="completed") == "abandoned"
    assert check.end_status(common_pb2.COMPLETION_STATUS_IN_PROGRESS, "status", default="completed") == "completed"
    assert _fields(check) == ["status"]
