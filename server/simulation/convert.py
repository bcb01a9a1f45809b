"""Conversions between simulation store values and amauta.v1 simulation messages."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import cast

from google.protobuf import field_mask_pb2, timestamp_pb2

from amauta.v1 import simulation_pb2 as pb
from server.rpc import convert
from stores.redis.simulation_state import parse_iso
from stores.redis.simulations import Entry, LiveState

KINDS = {"state": pb.SIMULATION_CHANGE_KIND_STATE_UPDATED, "joined": pb.SIMULATION_CHANGE_KIND_PARTICIPANT_JOINED,
         "left": pb.SIMULATION_CHANGE_KIND_PARTICIPANT_LEFT, "ended": pb.SIMULATION_CHANGE_KIND_ENDED}


def _ts(text: str) -> timestamp_pb2.Timestamp | None:
    when = parse_iso(text)
    return convert.to_timestamp(when) if when else None


def ms_timestamp(ms: int) -> timestamp_pb2.Timestamp:
    """Epoch milliseconds as a Timestamp."""
    ts = timestamp_pb2.Timestamp()
    ts.FromMilliseconds(ms)
    return ts


def simulation(state: LiveState) -> pb.Simulation:
    """A live hash as a Simulation."""
    return pb.Simulation(
        simulation_id=state.simulation_id, environment_id=state.environment_id,
        participants=sorted(state.participants), current_state=convert.dict_to_struct(state.current_state),
        start_time=_ts(state.start_time), last_update=_ts(state.last_update),
        config=convert.dict_to_struct(state.config), version=state.version,
        join_policy=cast(pb.JoinPolicy, convert.enum_from_db(pb.JoinPolicy.DESCRIPTOR, state.join_policy)),
        invited_learner_ids=sorted(state.invited))


def snapshot(state: LiveState) -> pb.WatchSimulationResponse:
    """The snapshot message of a watch, carrying the hash's last entry id as its token."""
    return pb.WatchSimulationResponse(token=state.last_event_id,
                                      snapshot=pb.SimulationSnapshot(simulation=simulation(state)))


def delta(entry: Entry) -> pb.WatchSimulationResponse:
    """A stream entry as a delta message (built once per entry and shared by every watcher)."""
    out = pb.SimulationDelta(kind=KINDS.get(entry.kind, pb.SIMULATION_CHANGE_KIND_UNSPECIFIED),
                             version=entry.version, time=ms_timestamp(entry.time_ms), actor=entry.actor,
                             learner_id=entry.learner_id)
    if entry.state is not None:
        out.state.CopyFrom(convert.dict_to_struct(entry.state))
    if entry.mask:
        out.update_mask.CopyFrom(field_mask_pb2.FieldMask(paths=entry.mask))
    if entry.phase is not None:
        out.phase = entry.phase
    return pb.WatchSimulationResponse(token=entry.id, delta=out)


def heartbeat(token: str, version: int) -> pb.WatchSimulationResponse:
    """A heartbeat carrying the latest token sent."""
    now = timestamp_pb2.Timestamp()
    now.FromDatetime(datetime.now(timezone.utc))
    return pb.WatchSimulationResponse(token=token, heartbeat=pb.SimulationHeartbeat(server_time=now,
                                                                                     version=version))


def reset(reason: int, message: str) -> pb.WatchSimulationResponse:
    """A reset notice (a snapshot follows)."""
    return pb.WatchSimulationResponse(reset=pb.SimulationReset(reason=reason, message=message))  # type: ignore[arg-type]
