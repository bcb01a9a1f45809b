"""The interceptor chain: access logging, authentication and error mapping around every handler."""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import grpc
from google.protobuf.message import DecodeError
from grpc import aio

from server.rpc import errors
from server.rpc import policy
from stores import metrics
from server.rpc.auth import AuthError, Identity, Role, TokenRegistry, current_identity
from server.rpc.ratelimit import RateLimiter
from stores.errors import StoreError

log = logging.getLogger("amauta.access")
errlog = logging.getLogger("amauta.errors")

#: Services that answer without a token, so probes and grpcurl discovery work.
OPEN_SERVICES = ("/grpc.health.v1.Health/", "/grpc.reflection.v1alpha.ServerReflection/",
                 "/grpc.reflection.v1.ServerReflection/")


@dataclass
class CallState:
    """What the chain learns about one call; shared by its interceptors."""

    method: str
    request_id: str
    code: grpc.StatusCode = grpc.StatusCode.OK
    identity: Identity | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    #: The request message of a unary-request call (None for client streams).
    request: Any = None
    #: A streaming call, either way (it may outlive its credentials, so they are checked again while it
    #: runs).
    streaming: bool = False


Guard = Callable[[CallState, aio.ServicerContext[Any, Any]], AbstractAsyncContextManager[None]]


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


def _new_state(details: grpc.HandlerCallDetails) -> CallState:
    meta = {k: v for k, v in (details.invocation_metadata or ()) if isinstance(v, str)}
    return CallState(method=details.method, request_id=meta.get("x-request-id") or uuid.uuid4().hex,
                     metadata=meta)


#: The state of the call being served; the outermost interceptor creates it, inner ones share it.
_call_state: contextvars.ContextVar[CallState | None] = contextvars.ContextVar(
    "amauta_call_state", default=None)


@asynccontextmanager
async def _entered(details: grpc.HandlerCallDetails, guard: Guard, context: aio.ServicerContext[Any, Any],
                   request: Any = None, streaming: bool = False) -> AsyncIterator[None]:
    state = _call_state.get()
    token = None
    if state is None or state.method != details.method:
        state = _new_state(details)
        state.request = request
        state.streaming = streaming
        token = _call_state.set(state)
    try:
        async with guard(state, context):
            yield
    finally:
        if token is not None:
            _reset(_call_state, token)


def _reset(var: contextvars.ContextVar[Any], token: contextvars.Token[Any]) -> None:
    """Undo a set(); a streaming handler closed by a cancelled client ends in another Context, where
    the token does not apply (and the Context is discarded anyway)."""
    try:
        var.reset(token)
    except ValueError:
        pass


def wrap_handler(handler: grpc.RpcMethodHandler[Any, Any], guard: Guard,
                 details: grpc.HandlerCallDetails) -> grpc.RpcMethodHandler[Any, Any]:
    """Return handler with guard(state, context) entered around the call (and its whole stream)."""
    kwargs = {"request_deserializer": handler.request_deserializer,
              "response_serializer": handler.response_serializer}
    if handler.response_streaming:
        stream_behavior = handler.stream_stream if handler.request_streaming else handler.unary_stream
        assert stream_behavior is not None  # a response-streaming handler has one of the two

        async def streaming(request: Any, context: aio.ServicerContext[Any, Any]) -> AsyncIterator[Any]:
            unary_request = None if handler.request_streaming else request
            async with _entered(details, guard, context, unary_request, streaming=True):
                async for item in _iterate(stream_behavior, request, context):
                    yield item

        factory = (grpc.stream_stream_rpc_method_handler if handler.request_streaming
                   else grpc.unary_stream_rpc_method_handler)
        return factory(streaming, **kwargs)

    behavior = handler.stream_unary if handler.request_streaming else handler.unary_unary
    assert behavior is not None  # a unary-response handler has one of the two

    async def unary(request: Any, context: aio.ServicerContext[Any, Any]) -> Any:
        async with _entered(details, guard, context, None if handler.request_streaming else request,
                            streaming=handler.request_streaming):
            return await _call(behavior, request, context)

    factory = (grpc.stream_unary_rpc_method_handler if handler.request_streaming
               else grpc.unary_unary_rpc_method_handler)
    return factory(unary, **kwargs)


@dataclass(frozen=True)
class Undecodable:
    """Stands in for a request message the protobuf runtime refused to parse."""

    reason: str


def _undecodable(error: Undecodable) -> errors.ApiError:
    return errors.invalid_argument([errors.FieldViolation("request", f"cannot be parsed: {error.reason}")])


async def _checked_stream(requests: AsyncIterator[Any]) -> AsyncIterator[Any]:
    async for request in requests:
        if isinstance(request, Undecodable):
            raise _undecodable(request)
        yield request


def safe_decoding(handler: grpc.RpcMethodHandler[Any, Any]) -> grpc.RpcMethodHandler[Any, Any]:
    """handler whose unparsable requests (say, nested past protobuf's depth limit) become
    INVALID_ARGUMENT instead of the runtime's UNKNOWN."""
    decode = handler.request_deserializer

    def tolerant(data: bytes) -> Any:
        if decode is None:  # grpc hands such a handler the raw bytes
            return data
        try:
            return decode(data)
        except DecodeError as exc:
            return Undecodable(str(exc)[:200])

    def checked(behavior: Callable[..., Any]) -> Callable[..., Any]:
        def call(request: Any, context: aio.ServicerContext[Any, Any]) -> Any:
            if isinstance(request, Undecodable):
                raise _undecodable(request)
            if handler.request_streaming:
                request = _checked_stream(request)
            return behavior(request, context)
        return call

    kind = ("stream" if handler.request_streaming else "unary") + "_" + \
           ("stream" if handler.response_streaming else "unary")
    factory: Callable[..., grpc.RpcMethodHandler[Any, Any]] = getattr(grpc, f"{kind}_rpc_method_handler")
    return factory(checked(getattr(handler, kind)), request_deserializer=tolerant,
                   response_serializer=handler.response_serializer)


class _GuardInterceptor(aio.ServerInterceptor):
    """An interceptor defined by one async context manager around each call."""

    def guard(self, state: CallState, context: aio.ServicerContext[Any, Any]) -> AbstractAsyncContextManager[None]:
        raise NotImplementedError

    def prepare(self, handler: grpc.RpcMethodHandler[Any, Any]) -> grpc.RpcMethodHandler[Any, Any]:
        """Adapt the inner handler before it is wrapped (none by default)."""
        return handler

    async def intercept_service(
        self, continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler[Any, Any] | None]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        handler = await continuation(handler_call_details)
        if handler is None:
            return handler
        return wrap_handler(self.prepare(handler), self.guard, handler_call_details)


class AccessLogInterceptor(_GuardInterceptor):
    """One structured log line and the latency/count metrics per RPC (method, identity, status)."""

    def guard(self, state: CallState, context: aio.ServicerContext[Any, Any]) -> AbstractAsyncContextManager[None]:
        return self._log(state, context)

    @asynccontextmanager
    async def _log(self, state: CallState, context: aio.ServicerContext[Any, Any]) -> AsyncIterator[None]:
        started = time.perf_counter()
        try:
            yield
        except BaseException:
            if state.code is grpc.StatusCode.OK:
                state.code = grpc.StatusCode.CANCELLED
            raise
        finally:
            elapsed = time.perf_counter() - started
            metrics.RPC_DURATION.labels(state.method, state.code.name).observe(elapsed)
            metrics.RPC_TOTAL.labels(state.method, state.code.name).inc()
            if log.isEnabledFor(logging.INFO):
                log.info("rpc", extra={
                    "rpc_method": state.method,
                    "identity": state.identity.name if state.identity else "",
                    "role": state.identity.role.value if state.identity else "",
                    "status": state.code.name,
                    "duration_ms": round(elapsed * 1000, 3),
                    "request_id": state.request_id,
                })


class AuthInterceptor(_GuardInterceptor):
    """Maps the bearer token to an Identity; UNAUTHENTICATED when it is missing or unknown.

    A stream (server or client side) keeps its token under watch: every recheck_seconds it is looked up again
    (the registry follows the tokens file), and once it is removed, expired or names another identity
    the stream ends with UNAUTHENTICATED (reason CREDENTIALS_REVOKED).
    """

    def __init__(self, registry: TokenRegistry | None, *, mtls: bool = False,
                 recheck_seconds: float = 1.0) -> None:
        #: None disables token authentication (every caller is an admin); only allowed on loopback.
        self.registry = registry
        #: Verified client certificates identify nodes by their common name.
        self.mtls = mtls
        self.recheck_seconds = recheck_seconds

    def guard(self, state: CallState, context: aio.ServicerContext[Any, Any]) -> AbstractAsyncContextManager[None]:
        return self._auth(state, context)

    def _identify(self, state: CallState, context: aio.ServicerContext[Any, Any]) -> Identity:
        """A bearer token first; without one, a verified client certificate (mTLS) names a node."""
        header = state.metadata.get("authorization")
        if header is None and self.mtls:
            names = list(context.auth_context().get("x509_common_name") or ())
            if names:
                return Identity(names[0].decode(), Role.NODE)
        if self.registry is None:
            return Identity("anonymous-admin", Role.ADMIN)
        return self.registry.authenticate(header)

    @asynccontextmanager
    async def _auth(self, state: CallState, context: aio.ServicerContext[Any, Any]) -> AsyncIterator[None]:
        if state.method.startswith(OPEN_SERVICES):
            yield
            return
        try:
            identity = self._identify(state, context)
        except AuthError as exc:
            state.code = grpc.StatusCode.UNAUTHENTICATED
            status = errors.to_status(errors.ApiError(
                grpc.StatusCode.UNAUTHENTICATED, str(exc), "UNAUTHENTICATED"))
            await context.abort(status.code, status.details, status.trailing_metadata)
            raise  # unreachable: abort raises
        state.identity = identity
        token = current_identity.set(identity)
        header = state.metadata.get("authorization")
        watcher = None
        if state.streaming and self.registry is not None and header is not None:
            handler = asyncio.current_task()
            assert handler is not None
            watcher = asyncio.create_task(self._revoke_when_invalid(header, identity, state, context, handler),
                                          name=f"token-watch {state.method}")
        try:
            yield
        finally:
            if watcher is not None:
                watcher.cancel()
            _reset(current_identity, token)

    async def _revoke_when_invalid(self, header: str, identity: Identity, state: CallState,
                                   context: aio.ServicerContext[Any, Any], handler: asyncio.Task[Any]) -> None:
        """End the stream (status to the client, then cancel its handler) once the token stops naming
        identity."""
        assert self.registry is not None
        while True:
            await asyncio.sleep(self.recheck_seconds)
            try:
                if self.registry.authenticate(header) == identity:
                    continue
                message = "the token now names another identity"
            except AuthError as exc:
                message = str(exc)
            break
        state.code = grpc.StatusCode.UNAUTHENTICATED
        status = errors.to_status(errors.ApiError(
            grpc.StatusCode.UNAUTHENTICATED, f"{message}: the stream is closed", "CREDENTIALS_REVOKED"))
        try:
            await context.abort(status.code, status.details, status.trailing_metadata)
        except BaseException:  # AbortError is how abort() returns; the call may also have ended meanwhile
            pass
        handler.cancel()


class RoleInterceptor(_GuardInterceptor):
    """The role gate of server.rpc.policy (default deny), and the node rule: a request naming a learner_id
    other than the calling node's own identity is PERMISSION_DENIED before any validation or lookup."""

    def guard(self, state: CallState, context: aio.ServicerContext[Any, Any]) -> AbstractAsyncContextManager[None]:
        return self._check(state, context)

    @asynccontextmanager
    async def _check(self, state: CallState, context: aio.ServicerContext[Any, Any]) -> AsyncIterator[None]:
        if state.identity is not None and state.method.startswith("/amauta."):
            roles = policy.allowed_roles(state.method)
            if roles is None or state.identity.role not in roles:
                state.code = grpc.StatusCode.PERMISSION_DENIED
                await self._deny(state, context, f"role {state.identity.role.value} may not call"
                                 f" {state.method}", "ROLE_NOT_ALLOWED")
            if state.identity.role is Role.NODE and not isinstance(state.request, (type(None), Undecodable)):
                named = policy.named_learners(state.request)
                if named - {"", state.identity.name}:
                    await self._deny(state, context, f"{state.identity.name} may only access its own"
                                     " learner records", "NOT_OWN_LEARNER")
        yield

    @staticmethod
    async def _deny(state: CallState, context: aio.ServicerContext[Any, Any], message: str, reason: str) -> None:
        state.code = grpc.StatusCode.PERMISSION_DENIED
        status = errors.to_status(errors.ApiError(grpc.StatusCode.PERMISSION_DENIED, message, reason))
        await context.abort(status.code, status.details, status.trailing_metadata)


class RateLimitInterceptor(_GuardInterceptor):
    """Per-identity token buckets; an empty bucket answers RESOURCE_EXHAUSTED with RetryInfo."""

    def __init__(self, limiter: RateLimiter) -> None:
        self.limiter = limiter

    def guard(self, state: CallState, context: aio.ServicerContext[Any, Any]) -> AbstractAsyncContextManager[None]:
        return self._limit(state, context)

    @asynccontextmanager
    async def _limit(self, state: CallState, context: aio.ServicerContext[Any, Any]) -> AsyncIterator[None]:
        identity = state.identity
        if identity is not None:
            wait = await self.limiter.acquire(identity)
            if wait > 0:
                metrics.RATE_LIMITED.labels(identity.name).inc()
                state.code = grpc.StatusCode.RESOURCE_EXHAUSTED
                status = errors.to_status(errors.ApiError(
                    grpc.StatusCode.RESOURCE_EXHAUSTED, f"rate limit of {identity.name} exceeded",
                    "RATE_LIMITED", retry_after=wait))
                await context.abort(status.code, status.details, status.trailing_metadata)
        yield


class ErrorMappingInterceptor(_GuardInterceptor):
    """Turns ApiError and store errors into statuses with details; nothing leaks as a stack trace.

    Until ready() turns true (the node serves before its stores finish loading, so that health
    can say NOT_SERVING), every call but the grpc.* services answers UNAVAILABLE / NODE_STARTING.
    """

    def __init__(self, ready: Callable[[], bool] = lambda: True) -> None:
        self.ready = ready

    def prepare(self, handler: grpc.RpcMethodHandler[Any, Any]) -> grpc.RpcMethodHandler[Any, Any]:
        return safe_decoding(handler)

    def guard(self, state: CallState, context: aio.ServicerContext[Any, Any]) -> AbstractAsyncContextManager[None]:
        return self._map(state, context)

    @asynccontextmanager
    async def _map(self, state: CallState, context: aio.ServicerContext[Any, Any]) -> AsyncIterator[None]:
        try:
            if not self.ready() and not state.method.startswith("/grpc."):
                raise errors.ApiError(grpc.StatusCode.UNAVAILABLE,
                                      "the node is starting: its stores are not ready yet", "NODE_STARTING")
            yield
        except aio.AbortError:
            state.code = _code_of(context)
            raise
        except errors.ApiError as exc:
            await self._abort(state, context, exc)
        except StoreError as exc:
            api = errors.from_store_error(exc)
            if api.code is grpc.StatusCode.INTERNAL:
                errlog.exception("store error in %s", state.method)
            await self._abort(state, context, api)
        except NotImplementedError:
            await self._abort(state, context, errors.ApiError(
                grpc.StatusCode.UNIMPLEMENTED, f"{state.method} is not implemented yet",
                "UNIMPLEMENTED"))
        except Exception:
            errlog.exception("unhandled error in %s", state.method)
            await self._abort(state, context, errors.ApiError(
                grpc.StatusCode.INTERNAL, "internal error", "INTERNAL"))
        else:
            state.code = _code_of(context)

    @staticmethod
    async def _abort(state: CallState, context: aio.ServicerContext[Any, Any], exc: errors.ApiError) -> None:
        state.code = exc.code
        status = errors.to_status(exc)
        await context.abort(status.code, status.details, status.trailing_metadata)


def _code_of(context: aio.ServicerContext[Any, Any]) -> grpc.StatusCode:
    code = context.code()
    if isinstance(code, grpc.StatusCode):
        return code
    return grpc.StatusCode.OK if code in (None, 0) else grpc.StatusCode.UNKNOWN
