"""The interceptor: one layer around every handler that logs and measures the call, authenticates it,
applies the role gate, the rate limit and the deadline, and maps errors to statuses.

These were five interceptors. Each one built a new method handler per call and wrapped the call in
its own coroutine and context manager, which cost more than the checks themselves; one layer runs the
same steps in the same order around a handler wrapped once per method.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, cast

import grpc
from google.protobuf.message import DecodeError
from grpc import aio
from prometheus_client import Counter, Histogram

from server.rpc import errors, policy
from server.rpc.auth import AuthError, Identity, Role, TokenRegistry, current_identity
from server.rpc.ratelimit import RateLimiter
from stores import metrics
from stores.errors import StoreError

log = logging.getLogger("amauta.access")
errlog = logging.getLogger("amauta.errors")

#: Services that answer without a token, so probes and grpcurl discovery work.
OPEN_SERVICES = ("/grpc.health.v1.Health/", "/grpc.reflection.v1alpha.ServerReflection/",
                 "/grpc.reflection.v1.ServerReflection/")

#: A call that arrives with less time than this before its deadline is refused before any work: no
#: store round trip and reply fit in it, and work started then would outlive the caller's interest.
MIN_DEADLINE_SECONDS = 0.002
#: How late after the caller's deadline its cancellation may reach this side (request transit, a busy loop).
DEADLINE_SLACK_SECONDS = 0.05


@dataclass
class CallState:
    """What the interceptor learns about one call."""

    method: str
    #: The caller's x-request-id; without one the log line gets a generated id.
    request_id: str = ""
    #: The authorization header, when the caller sent one.
    authorization: str | None = None
    code: grpc.StatusCode = grpc.StatusCode.OK
    identity: Identity | None = None
    #: The request message of a unary-request call (None for client streams).
    request: Any = None


@dataclass(frozen=True)
class Undecodable:
    """Stands in for a request message the protobuf runtime refused to parse."""

    reason: str


@dataclass(frozen=True)
class _Method:
    """What the interceptor decides once per method rather than per call."""

    name: str
    #: Health and reflection: no token, no role, no rate limit.
    open: bool
    #: grpc.* services answer while the node is starting.
    system: bool
    #: Roles of the policy table; None outside amauta.v1.
    roles: frozenset[Role] | None
    gated: bool


def _undecodable(error: Undecodable) -> errors.ApiError:
    return errors.invalid_argument([errors.FieldViolation("request", f"cannot be parsed: {error.reason}")])


def _tolerant(decode: Callable[[bytes], Any] | None) -> Callable[[bytes], Any]:
    """decode, with unparsable requests (say, nested past protobuf's depth limit) handed to the
    interceptor as Undecodable, so they become INVALID_ARGUMENT instead of the runtime's UNKNOWN."""
    def tolerant(data: bytes) -> Any:
        try:
            return decode(data) if decode is not None else data
        except DecodeError as exc:
            return Undecodable(str(exc)[:200])
    return tolerant


async def _checked_stream(requests: AsyncIterator[Any]) -> AsyncIterator[Any]:
    async for request in requests:
        if isinstance(request, Undecodable):
            raise _undecodable(request)
        yield request


async def _call(behavior: Callable[..., Any], request: Any, context: aio.ServicerContext[Any, Any]) -> Any:
    result = behavior(request, context)
    if inspect.isawaitable(result):
        result = await result
    return result


async def _iterate(behavior: Callable[..., Any], request: Any,
                   context: aio.ServicerContext[Any, Any]) -> AsyncIterator[Any]:
    result = behavior(request, context)
    if inspect.isasyncgen(result):
        async for item in result:
            yield item
    elif inspect.isawaitable(result):
        await result  # a handler that writes with context.write()
    elif result is not None:
        for item in result:
            yield item


def _reset(var: Any, token: Any) -> None:
    """Undo a set(); a streaming handler closed by a cancelled client ends in another Context, where
    the token does not apply (and the Context is discarded anyway)."""
    try:
        var.reset(token)
    except ValueError:
        pass


def _code_of(context: aio.ServicerContext[Any, Any]) -> grpc.StatusCode:
    code = context.code()
    if isinstance(code, grpc.StatusCode):
        return code
    return grpc.StatusCode.OK if code in (None, 0) else grpc.StatusCode.UNKNOWN


def _interrupted(state: CallState, context: aio.ServicerContext[Any, Any]) -> None:
    """A call ended by cancellation is DEADLINE_EXCEEDED when its deadline passed, CANCELLED otherwise,
    unless it was answered already (a revoked token, say)."""
    if state.code is grpc.StatusCode.OK:
        state.code = grpc.StatusCode.DEADLINE_EXCEEDED if _past_deadline(context) else grpc.StatusCode.CANCELLED


def _past_deadline(context: aio.ServicerContext[Any, Any]) -> bool:
    # The caller's deadline passes before this side's, which counts from when the request arrived: a
    # cancellation that comes this close to the deadline is the caller's deadline, not a cancel.
    remaining = context.time_remaining()
    return remaining is not None and remaining <= DEADLINE_SLACK_SECONDS


async def _abort(state: CallState, context: aio.ServicerContext[Any, Any], error: errors.ApiError) -> None:
    state.code = error.code
    await errors.abort(context, error)


@dataclass(eq=False)
class _Watched:
    """One open stream whose token is under watch."""

    header: str
    identity: Identity | None
    state: CallState
    context: aio.ServicerContext[Any, Any]
    handler: asyncio.Task[Any]


class _TokenWatch:
    """Every open stream's token looked up again each `seconds` by one task for all of them: one
    wakeup per period and one lookup per distinct token, where a task per stream cost a wakeup per
    stream (1,000 a second at 1,000 watchers)."""

    def __init__(self, registry: TokenRegistry, seconds: float) -> None:
        self.registry = registry
        self.seconds = seconds
        self._by_header: dict[str, set[_Watched]] = {}
        self._task: asyncio.Task[None] | None = None
        self._revoking: set[asyncio.Task[None]] = set()

    def add(self, watched: _Watched) -> None:
        self._by_header.setdefault(watched.header, set()).add(watched)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="token-watch")

    def discard(self, watched: _Watched) -> None:
        streams = self._by_header.get(watched.header)
        if streams is None:
            return
        streams.discard(watched)
        if not streams:
            del self._by_header[watched.header]
        if not self._by_header and self._task is not None:
            self._task.cancel()  # nothing left to watch: no timer outlives the last stream
            self._task = None

    async def _run(self) -> None:
        while self._by_header:
            await asyncio.sleep(self.seconds)
            revoked: list[tuple[_Watched, str]] = []
            for header, streams in list(self._by_header.items()):
                try:
                    named: Identity | None = self.registry.authenticate(header)
                    message = "the token now names another identity"
                except AuthError as exc:
                    named, message = None, str(exc)
                revoked += [(w, message) for w in streams if named is None or named != w.identity]
            # Each revocation is a task of its own: a stream slow to take its status holds up neither
            # the others nor the next recheck, and the last discard here cancels only this loop.
            for watched, message in revoked:
                self.discard(watched)
                task = asyncio.create_task(_revoke(watched, message), name="token-revoke")
                self._revoking.add(task)
                task.add_done_callback(self._revoking.discard)


async def _revoke(watched: _Watched, message: str) -> None:
    """End the stream: UNAUTHENTICATED to the client, then its handler cancelled."""
    # AbortError is how abort() returns; the call may also have ended meanwhile.
    with contextlib.suppress(BaseException):
        await _abort(watched.state, watched.context, errors.ApiError(
            grpc.StatusCode.UNAUTHENTICATED, f"{message}: the stream is closed", "CREDENTIALS_REVOKED"))
    watched.handler.cancel()


class CallInterceptor(aio.ServerInterceptor):
    """Every call, in this order:

    1. the deadline: less than MIN_DEADLINE_SECONDS left is DEADLINE_EXCEEDED before anything runs;
       a unary-response call still running MIN_DEADLINE_SECONDS before its deadline is cancelled
       (its store work with it) and answers DEADLINE_EXCEEDED;
    2. authentication (not for health and reflection): the bearer token, or with mTLS a verified
       client certificate naming a node; UNAUTHENTICATED when missing, unknown or expired. A stream
       keeps its token under watch: every recheck_seconds it is looked up again (the registry follows
       the tokens file), and once it is removed, expired or names another identity the stream ends
       with UNAUTHENTICATED (reason CREDENTIALS_REVOKED);
    3. the role gate of server.rpc.policy (default deny, ROLE_NOT_ALLOWED), and the node rule: a
       request naming a learner_id other than the calling node's own identity is NOT_OWN_LEARNER,
       before any validation or lookup;
    4. the per-identity rate limit (RESOURCE_EXHAUSTED with RetryInfo);
    5. readiness: until ready() turns true (the node serves before its stores finish loading, so that
       health can say NOT_SERVING), every call but the grpc.* services answers UNAVAILABLE /
       NODE_STARTING;
    6. the handler, whose ApiError and store errors become statuses with details (nothing leaks as a
       stack trace), and whose unparsable requests are INVALID_ARGUMENT;

    and around it all one access log line and the latency and count metrics (method, identity, status).
    """

    def __init__(self, registry: TokenRegistry | None, limiter: RateLimiter, *, mtls: bool = False,
                 ready: Callable[[], bool] = lambda: True, recheck_seconds: float = 1.0) -> None:
        #: None disables token authentication (every caller is an admin); only allowed on loopback.
        self.registry = registry
        self.limiter = limiter
        #: Verified client certificates identify nodes by their common name.
        self.mtls = mtls
        self.ready = ready
        self._tokens = None if registry is None else _TokenWatch(registry, recheck_seconds)
        #: method → (the service's handler, its wrapped form); services hand out the same handler
        #: object for every call of a method.
        self._handlers: dict[str, tuple[grpc.RpcMethodHandler[Any, Any], grpc.RpcMethodHandler[Any, Any]]] = {}
        #: The labelled metric children per (method, status): labels() costs more than observing.
        self._series: dict[tuple[str, grpc.StatusCode], tuple[Histogram, Counter]] = {}

    async def intercept_service(
        self, continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler[Any, Any] | None]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        handler = await continuation(handler_call_details)
        if handler is None:
            return handler
        method = handler_call_details.method
        cached = self._handlers.get(method)
        if cached is None or cached[0] is not handler:
            cached = self._handlers[method] = (handler, self._wrap(method, handler))
        return cached[1]

    def _wrap(self, name: str, handler: grpc.RpcMethodHandler[Any, Any]) -> grpc.RpcMethodHandler[Any, Any]:
        roles = policy.allowed_roles(name)
        method = _Method(name, name.startswith(OPEN_SERVICES), name.startswith("/grpc."), roles,
                         name.startswith("/amauta."))
        kwargs = {"request_deserializer": _tolerant(handler.request_deserializer),
                  "response_serializer": handler.response_serializer}
        if handler.response_streaming:
            stream_behavior = cast(Callable[..., Any], handler.stream_stream if handler.request_streaming
                                   else handler.unary_stream)

            async def streaming(request: Any, context: aio.ServicerContext[Any, Any]) -> AsyncIterator[Any]:
                async for item in self._stream(method, stream_behavior, request, context,
                                               handler.request_streaming):
                    yield item

            factory = (grpc.stream_stream_rpc_method_handler if handler.request_streaming
                       else grpc.unary_stream_rpc_method_handler)
            return factory(streaming, **kwargs)

        behavior = cast(Callable[..., Any], handler.stream_unary if handler.request_streaming
                        else handler.unary_unary)

        async def unary(request: Any, context: aio.ServicerContext[Any, Any]) -> Any:
            return await self._unary(method, behavior, request, context, handler.request_streaming)

        factory = (grpc.stream_unary_rpc_method_handler if handler.request_streaming
                   else grpc.unary_unary_rpc_method_handler)
        return factory(unary, **kwargs)

    async def _unary(self, method: _Method, behavior: Callable[..., Any], request: Any,
                     context: aio.ServicerContext[Any, Any], request_streaming: bool) -> Any:
        state = self._state(method, context, None if request_streaming else request)
        started = time.perf_counter()
        remaining = context.time_remaining()
        # The work ends MIN_DEADLINE_SECONDS early, leaving that much for the answer (and for the
        # driver to cancel its statement) before gRPC cancels the call.
        bound = asyncio.timeout(None if remaining is None else remaining - MIN_DEADLINE_SECONDS)
        identity_token = None
        watcher = None
        try:
            async with bound:
                self._check_deadline(remaining)
                identity = await self._admit(method, state, context)
                identity_token = current_identity.set(identity)
                if request_streaming:
                    watcher = self._watch(method, state, context, identity)
                request = self._decoded(request, request_streaming)
                result = await _call(behavior, request, context)
            state.code = _code_of(context)
            return result
        except aio.AbortError:
            state.code = _code_of(context)
            raise
        except TimeoutError as exc:
            await _abort(state, context, _deadline_exceeded("the deadline passed: the call's work was cancelled")
                         if bound.expired() else self._api_error(state, exc))
        except Exception as exc:
            await _abort(state, context, self._api_error(state, exc))
        except BaseException:
            _interrupted(state, context)
            raise
        finally:
            self._finish(state, started, watcher, identity_token)

    async def _stream(self, method: _Method, behavior: Callable[..., Any], request: Any,
                      context: aio.ServicerContext[Any, Any], request_streaming: bool) -> AsyncIterator[Any]:
        """A streaming response: the deadline is checked when the call arrives; from then on gRPC's own
        deadline ends the stream."""
        state = self._state(method, context, None if request_streaming else request)
        started = time.perf_counter()
        identity_token = None
        watcher = None
        try:
            self._check_deadline(context.time_remaining())
            identity = await self._admit(method, state, context)
            identity_token = current_identity.set(identity)
            watcher = self._watch(method, state, context, identity)
            request = self._decoded(request, request_streaming)
            async for item in _iterate(behavior, request, context):
                yield item
            state.code = _code_of(context)
        except aio.AbortError:
            state.code = _code_of(context)
            raise
        except Exception as exc:
            await _abort(state, context, self._api_error(state, exc))
        except BaseException:
            _interrupted(state, context)
            raise
        finally:
            self._finish(state, started, watcher, identity_token)

    def _finish(self, state: CallState, started: float, watcher: _Watched | None,
                identity_token: Any) -> None:
        if watcher is not None and self._tokens is not None:
            self._tokens.discard(watcher)
        if identity_token is not None:
            _reset(current_identity, identity_token)
        self._record(state, started)

    @staticmethod
    def _state(method: _Method, context: aio.ServicerContext[Any, Any], request: Any) -> CallState:
        state = CallState(method=method.name, request=request)
        for key, value in context.invocation_metadata() or ():
            if key == "authorization" and isinstance(value, str):
                state.authorization = value
            elif key == "x-request-id" and isinstance(value, str):
                state.request_id = value
        return state

    @staticmethod
    def _check_deadline(remaining: float | None) -> None:
        if remaining is not None and remaining < MIN_DEADLINE_SECONDS:
            raise _deadline_exceeded(f"{max(remaining, 0) * 1000:.1f} ms left before the deadline: not started")

    async def _admit(self, method: _Method, state: CallState,
                     context: aio.ServicerContext[Any, Any]) -> Identity | None:
        """Steps 2 to 5; the caller's identity (None for health and reflection)."""
        identity = None
        if not method.open:
            try:
                identity = state.identity = self._identify(state, context)
            except AuthError as exc:
                raise errors.ApiError(grpc.StatusCode.UNAUTHENTICATED, str(exc), "UNAUTHENTICATED") from None
            if method.gated:
                if method.roles is None or identity.role not in method.roles:
                    raise errors.permission_denied(f"role {identity.role.value} may not call {method.name}",
                                                   "ROLE_NOT_ALLOWED")
                if (identity.role is Role.NODE and not isinstance(state.request, (type(None), Undecodable))
                        and policy.named_learners(state.request) - {"", identity.name}):
                    raise errors.permission_denied(f"{identity.name} may only access its own learner records",
                                                   "NOT_OWN_LEARNER")
            wait = await self.limiter.acquire(identity)
            if wait > 0:
                metrics.RATE_LIMITED.labels(identity.name).inc()
                raise errors.ApiError(grpc.StatusCode.RESOURCE_EXHAUSTED,
                                      f"rate limit of {identity.name} exceeded", "RATE_LIMITED",
                                      retry_after=wait)
        if not method.system and not self.ready():
            raise errors.ApiError(grpc.StatusCode.UNAVAILABLE,
                                  "the node is starting: its stores are not ready yet", "NODE_STARTING")
        return identity

    def _watch(self, method: _Method, state: CallState, context: aio.ServicerContext[Any, Any],
               identity: Identity | None) -> _Watched | None:
        """Put the stream's token under watch, to end the stream once it stops naming identity (None:
        nothing to watch)."""
        header = state.authorization
        if method.open or self._tokens is None or header is None:
            return None
        handler = asyncio.current_task()
        assert handler is not None
        watched = _Watched(header, identity, state, context, handler)
        self._tokens.add(watched)
        return watched

    def _identify(self, state: CallState, context: aio.ServicerContext[Any, Any]) -> Identity:
        """A bearer token first; without one, a verified client certificate (mTLS) names a node."""
        header = state.authorization
        if header is None and self.mtls:
            names = list(context.auth_context().get("x509_common_name") or [])
            if names:
                return Identity(names[0].decode(), Role.NODE)
        if self.registry is None:
            return Identity("anonymous-admin", Role.ADMIN)
        return self.registry.authenticate(header)

    @staticmethod
    def _decoded(request: Any, request_streaming: bool) -> Any:
        if request_streaming:
            return _checked_stream(request)
        if isinstance(request, Undecodable):
            raise _undecodable(request)
        return request

    @staticmethod
    def _api_error(state: CallState, exc: Exception) -> errors.ApiError:
        if isinstance(exc, errors.ApiError):
            return exc
        if isinstance(exc, StoreError):
            api = errors.from_store_error(exc)
            if api.code is grpc.StatusCode.INTERNAL:
                errlog.error("store error in %s", state.method, exc_info=exc)
            return api
        if isinstance(exc, NotImplementedError):
            return errors.ApiError(grpc.StatusCode.UNIMPLEMENTED, f"{state.method} is not implemented yet",
                                   "UNIMPLEMENTED")
        errlog.error("unhandled error in %s", state.method, exc_info=exc)
        return errors.ApiError(grpc.StatusCode.INTERNAL, "internal error", "INTERNAL")

    def _record(self, state: CallState, started: float) -> None:
        elapsed = time.perf_counter() - started
        key = (state.method, state.code)
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = (metrics.RPC_DURATION.labels(state.method, state.code.name),
                                          metrics.RPC_TOTAL.labels(state.method, state.code.name))
        series[0].observe(elapsed)
        series[1].inc()
        if log.isEnabledFor(logging.INFO):
            log.info("rpc", extra={
                "rpc_method": state.method,
                "identity": state.identity.name if state.identity else "",
                "role": state.identity.role.value if state.identity else "",
                "status": state.code.name,
                "duration_ms": round(elapsed * 1000, 3),
                "request_id": state.request_id or uuid.uuid4().hex,
            })


def _deadline_exceeded(message: str) -> errors.ApiError:
    return errors.ApiError(grpc.StatusCode.DEADLINE_EXCEEDED, message, "DEADLINE_EXCEEDED")
