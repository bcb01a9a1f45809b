"""Tunables of live simulations (stream bounds, watch queues, sync and reconciler timing).

The node reads them from AMAUTA_SIM_<FIELD NAME> variables (server/config.py).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SimulationSettings:
    """Every knob of the simulation service; the environment variable is AMAUTA_SIM_<FIELD NAME>."""

    #: Approximate MAXLEN of `simulation:events:{id}` (XADD MAXLEN ~).
    stream_maxlen: int = 10_000
    #: Seconds an ended simulation's stream is kept for late resumers.
    stream_ttl_seconds: int = 3600
    #: Seconds a join's seat reservation holds while its PostgreSQL row is written.
    reservation_seconds: float = 30.0
    #: Seconds between heartbeats of an idle watch.
    heartbeat_seconds: float = 5.0
    #: Messages queued per live watcher (at least 1). A watcher that falls further behind leaves the
    #: live feed and reads history at its own pace until it catches up (server/simulation/watch.py).
    queue_limit: int = 1024
    #: Seconds a watcher that must end (draining, feed failure) may stay blocked in a write before its
    #: stream is aborted.
    write_stall_seconds: float = 1.0
    #: Entries read per XREAD/XRANGE call (at least 1; a catching-up watcher reads at most queue_limit).
    read_batch: int = 500
    #: Seconds between sync passes (live state and config into PostgreSQL).
    sync_seconds: float = 5.0
    #: Seconds without a change after which a live simulation counts as hung.
    hang_seconds: float = 900.0
    #: Abandon hung simulations (else only report them).
    hang_abandon: bool = False
    #: Seconds between reconciler passes.
    reconcile_seconds: float = 30.0
    #: PostgreSQL records younger than this are treated as in flight by the reconciler.
    start_grace_seconds: float = 60.0
    #: Optimistic retries of a state update without expected_version.
    cas_retries: int = 32

    def __post_init__(self) -> None:
        for name in ("queue_limit", "read_batch", "stream_maxlen"):
            if getattr(self, name) < 1:
                raise ValueError(f"AMAUTA_SIM_{name.upper()} must be at least 1")
