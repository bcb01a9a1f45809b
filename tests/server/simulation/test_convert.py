"""SimulationService conversions: live hashes and stream entries as watch messages."""

from __future__ import annotations

from amauta.v1 import simulation_pb2 as pb
from server.simulation import convert
from stores.redis.simulations import Entry, LiveState

STATE = LiveState("s1", "e1", ["b", "a"], {"turn": 2}, "2025-01-01T00:00:00.000Z", "", {"rounds": 3}, 4, "170-4",
                  5, "invite_only", ["z", "y"])


def test_a_live_hash_becomes_a_simulation_with_sorted_lists() -> None:
    sim = convert.simulation(STATE)
    assert (list(sim.participants), list(sim.invited_learner_ids), sim.version) == (["a", "b"], ["y", "z"], 4)
    assert dict(sim.current_state) == {"turn": 2.0} and sim.join_policy == pb.JOIN_POLICY_INVITE_ONLY
    assert sim.HasField("start_time") and not sim.HasField("last_update")


def test_a_snapshot_carries_the_last_entry_id_as_its_token() -> None:
    msg = convert.snapshot(STATE)
    assert msg.token == "170-4" and msg.snapshot.simulation.simulation_id == "s1"


def test_a_delta_carries_what_the_entry_holds() -> None:
    full = convert.delta(Entry("170-5", "state", 5, 170, "node-a", {"turn": 3}, ["turn"], "end"))
    assert (full.token, full.delta.version, full.delta.phase, list(full.delta.update_mask.paths)) == (
        "170-5", 5, "end", ["turn"])
    assert full.delta.time.ToMilliseconds() == 170 and dict(full.delta.state) == {"turn": 3.0}
    bare = convert.delta(Entry("171-6", "unheard-of", 6, 171, "x"))
    assert bare.delta.kind == pb.SIMULATION_CHANGE_KIND_UNSPECIFIED
    assert not bare.delta.HasField("state") and not bare.delta.HasField("update_mask")


def test_heartbeats_and_resets() -> None:
    beat = convert.heartbeat("170-4", 4)
    assert (beat.token, beat.heartbeat.version, beat.heartbeat.server_time.seconds > 0) == ("170-4", 4, True)
    reset = convert.reset(1, "fell behind")
    assert (reset.reset.reason, reset.reset.message, reset.token) == (1, "fell behind", "")
    assert convert.ms_timestamp(1500).ToMilliseconds() == 1500
