"""SimulationService: live multi-participant simulations (validate → authorise → one domain call → convert)."""

from __future__ import annotations

import time
from typing import Any

import grpc
from grpc import aio

from amauta.v1 import simulation_pb2 as pb
from amauta.v1 import simulation_pb2_grpc as pbg
from server.bootstrap import Components
from server.rpc import paging
from server.rpc.policy import caller, may_change, may_read, require_self, simulation_list_scope, watch_member
from server.rpc.validation import fingerprint
from server.simulation import convert as conv
from server.simulation.validation import SimulationChecker
from server.simulation.watch import WatchHub
from server.simulation.workers import run_reconciler, run_sync
from stores import metrics
from stores.redis.simulation_state import StateChange
from stores.sync.simulations import Outcome, SimulationDomain, StartSpec

_STARTUP = metrics.LEARNING_LATENCY.labels("simulation_startup")


class SimulationServicer(pbg.SimulationServiceServicer):
    """The RPCs of amauta.v1.SimulationService."""

    def __init__(self, domain: SimulationDomain, hub: WatchHub) -> None:
        self.domain = domain
        self.hub = hub

    async def StartSimulation(self, request: pb.StartSimulationRequest,
                              context: aio.ServicerContext[Any, Any]) -> pb.StartSimulationResponse:
        c = SimulationChecker()
        simulation_id = c.simulation_id(request.simulation_id, "simulation_id", required=False)
        environment_id = c.uuid(request.environment_id, "environment_id")
        participants = c.participants(request.participants, "participants")
        config = c.struct(request.config, "config")
        initial_state = c.struct(request.initial_state, "initial_state") or {}
        request_id = c.text(request.request_id, "request_id", max_chars=c.limits.short_chars)
        join_policy = c.enum(request.join_policy, pb.JoinPolicy.DESCRIPTOR, "join_policy",
                             required=False) or "invite_only"
        invited = c.learner_ids(request.invited_learner_ids, "invited_learner_ids", required=False)
        c.done()
        identity = caller()
        may_change(identity)(participants)
        began = time.perf_counter()
        started = await self.domain.start(StartSpec(simulation_id, str(environment_id), participants, config,
                                                    initial_state, request_id or None, identity.name,
                                                    # a retry may carry a fresh id: the first start's wins
                                                    fingerprint(request, "simulation_id"), join_policy,
                                                    tuple(invited)))
        if not started.replayed:
            _STARTUP.observe(time.perf_counter() - began)
        return pb.StartSimulationResponse(simulation=conv.simulation(started.state), session_ids=started.session_ids)

    async def JoinSimulation(self, request: pb.JoinSimulationRequest,
                             context: aio.ServicerContext[Any, Any]) -> pb.JoinSimulationResponse:
        c = SimulationChecker()
        c.simulation_id(request.simulation_id, "simulation_id")
        c.identifier(request.learner_id, "learner_id")
        c.done()
        identity = caller()
        require_self(identity, request.learner_id)
        state, session_id = await self.domain.join(request.simulation_id, request.learner_id, actor=identity.name,
                                                   bypass_policy=identity.is_privileged)
        return pb.JoinSimulationResponse(simulation=conv.simulation(state), session_id=session_id)

    async def InviteToSimulation(self, request: pb.InviteToSimulationRequest,
                                 context: aio.ServicerContext[Any, Any]) -> pb.InviteToSimulationResponse:
        c = SimulationChecker()
        c.simulation_id(request.simulation_id, "simulation_id")
        learner_ids = c.learner_ids(request.learner_ids, "learner_ids", required=True)
        c.done()
        state = await self.domain.invite(request.simulation_id, learner_ids, check=may_change(caller()))
        return pb.InviteToSimulationResponse(simulation=conv.simulation(state))

    async def LeaveSimulation(self, request: pb.LeaveSimulationRequest,
                              context: aio.ServicerContext[Any, Any]) -> pb.LeaveSimulationResponse:
        c = SimulationChecker()
        c.simulation_id(request.simulation_id, "simulation_id")
        c.identifier(request.learner_id, "learner_id")
        status = c.end_status(request.status, "status", default="abandoned")
        performance = c.struct(request.performance_data, "performance_data")
        outcomes = c.struct(request.learning_outcomes, "learning_outcomes")
        c.done()
        identity = caller()
        require_self(identity, request.learner_id)
        state, session_id = await self.domain.leave(request.simulation_id, request.learner_id, status=status,
                                                    performance_data=performance, learning_outcomes=outcomes,
                                                    actor=identity.name)
        return pb.LeaveSimulationResponse(simulation=conv.simulation(state), session_id=session_id)

    async def UpdateSimulationState(self, request: pb.UpdateSimulationStateRequest,
                                    context: aio.ServicerContext[Any, Any]) -> pb.UpdateSimulationStateResponse:
        c = SimulationChecker()
        c.simulation_id(request.simulation_id, "simulation_id")
        state = c.struct(request.state, "state") or {}
        mask = c.mask_paths(request.update_mask.paths, "update_mask")
        phase = c.text(request.phase, "phase", max_chars=c.limits.short_chars) if request.HasField("phase") else None
        expected = c.version(request.expected_version, "expected_version")
        if not state and not mask and phase is None:
            c.fail("state", "empty change: set state, update_mask or phase")
        c.done()
        identity = caller()
        updated = await self.domain.update(request.simulation_id, StateChange(state, mask, phase),
                                           expected_version=expected, actor=identity.name,
                                           check=may_change(identity), max_bytes=c.limits.json_bytes)
        return pb.UpdateSimulationStateResponse(version=updated.version, token=updated.token,
                                                last_update=conv.ms_timestamp(updated.last_update_ms))

    async def WatchSimulation(self, request: pb.WatchSimulationRequest, context: aio.ServicerContext[Any, Any]) -> None:
        """Server-streaming; messages are written with context.write by the watch hub."""
        c = SimulationChecker()
        c.simulation_id(request.simulation_id, "simulation_id")
        token = c.resume_token(request.resume_token, "resume_token")
        c.done()
        identity = caller()
        current = await self.domain.watch_target(request.simulation_id, resuming=bool(token),
                                                 check=may_read(identity))
        await self.hub.serve(request.simulation_id, token, current, context, watch_member(identity))

    async def GetSimulation(self, request: pb.GetSimulationRequest,
                            context: aio.ServicerContext[Any, Any]) -> pb.GetSimulationResponse:
        c = SimulationChecker()
        c.simulation_id(request.simulation_id, "simulation_id")
        c.done()
        state = await self.domain.get(request.simulation_id, may_read(caller()))
        return pb.GetSimulationResponse(simulation=conv.simulation(state))

    async def ListActiveSimulations(self, request: pb.ListActiveSimulationsRequest,
                                    context: aio.ServicerContext[Any, Any]) -> pb.ListActiveSimulationsResponse:
        c = SimulationChecker()
        environment_id = c.uuid(request.environment_id, "environment_id", required=False)
        if request.participant:
            c.identifier(request.participant, "participant")
        c.done()
        asked = paging.open_page(request, (paging.INT, paging.TEXT))
        participant = simulation_list_scope(caller(), request.participant or None)
        states, next_key = await self.domain.page(after=asked.key, limit=asked.size, environment_id=environment_id,
                                                  participant=participant)
        return pb.ListActiveSimulationsResponse(
            simulations=[conv.simulation(s) for s in states],
            next_page_token=asked.token(next_key))

    async def EndSimulation(self, request: pb.EndSimulationRequest,
                            context: aio.ServicerContext[Any, Any]) -> pb.EndSimulationResponse:
        c = SimulationChecker()
        c.simulation_id(request.simulation_id, "simulation_id")
        outcomes: list[Outcome] = []
        seen: set[str] = set()
        for i, o in enumerate(request.outcomes):
            field = f"outcomes[{i}]"
            c.identifier(o.learner_id, f"{field}.learner_id")
            if o.learner_id in seen:
                c.fail(f"{field}.learner_id", f"second outcome for {o.learner_id!r}")
            seen.add(o.learner_id)
            outcomes.append(Outcome(
                o.learner_id, c.end_status(o.status, f"{field}.status", default="completed"),
                c.struct(o.performance_data, f"{field}.performance_data"),
                c.struct(o.learning_outcomes, f"{field}.learning_outcomes"),
                c.unit_interval(o.synergy, f"{field}.synergy") if o.HasField("synergy") else None))
        c.done()
        identity = caller()
        ended = await self.domain.end(request.simulation_id, outcomes, actor=identity.name,
                                      check=may_change(identity))
        if ended.failed and not ended.already_ended:
            metrics.FAILED_SIMULATIONS.inc()
        return pb.EndSimulationResponse(simulation_id=ended.simulation_id, ended_session_ids=ended.ended_session_ids,
                                        collaboration_pair_count=ended.collaboration_pair_count,
                                        already_ended=ended.already_ended)


def build(c: Components) -> SimulationServicer:
    """The servicer registered for SimulationService."""
    return SimulationServicer(c.simulation.domain, c.simulation.hub)


SERVICE = pb.DESCRIPTOR.services_by_name["SimulationService"].full_name


class _Handlers:
    """Stands in for the server while the generated code registers the service: keeps its handlers."""

    def __init__(self) -> None:
        self.handlers: dict[str, grpc.RpcMethodHandler[Any, Any]] = {}

    def add_generic_rpc_handlers(self, handlers: object) -> None:
        """Ignored: add_to_server builds the generic handler from the registered method handlers."""

    def add_registered_method_handlers(self, service: str,
                                       handlers: dict[str, grpc.RpcMethodHandler[Any, Any]]) -> None:
        self.handlers = dict(handlers)


def add_to_server(servicer: object, server: aio.Server) -> None:
    """Register SimulationService as generated, except that WatchSimulation's responses pass through
    unserialised: the watch hub writes encoded messages, so a delta is encoded once for all its
    watchers. The wire bytes are the same WatchSimulationResponse messages."""
    assert isinstance(servicer, SimulationServicer)
    found = _Handlers()
    pbg.add_SimulationServiceServicer_to_server(servicer, found)
    handlers = found.handlers
    handlers["WatchSimulation"] = grpc.unary_stream_rpc_method_handler(
        servicer.WatchSimulation, request_deserializer=pb.WatchSimulationRequest.FromString)
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE, handlers),))
    server.add_registered_method_handlers(SERVICE, handlers)


def workers(c: Components) -> None:
    """The sync worker (with hang detection) and the reconciler."""
    p = c.simulation
    # Both read live simulations from Redis: one leader per PostgreSQL and Redis pair.
    redis = c.stores.redis.settings.where
    c.runtime.spawn_singleton("simulation-sync", lambda: run_sync(p.sync, p.settings), scope=redis)
    c.runtime.spawn_singleton("simulation-reconciler", lambda: run_reconciler(p.sync, p.settings), scope=redis)
