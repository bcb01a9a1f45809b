"""CatalogService RPCs on the content-generation queue."""

from __future__ import annotations

from typing import Any, cast

from grpc import aio

from amauta.v1 import catalog_pb2, common_pb2
from server.catalog import convert as to
from server.rpc.policy import caller
from server.rpc.validation import Checker, fingerprint
from stores import metrics
from stores.redis.generation_queue import GenerationQueue, now_ms

DEFAULT_LEASE_MS = 60_000
MAX_LEASE_MS = 3_600_000
MAX_WAIT_MS = 30_000
_PRIORITY = common_pb2.GenerationPriority


class QueueRpcs:
    """EnqueueGeneration, ClaimGenerationJob, CompleteGenerationJob and GetQueueStats."""

    queue: GenerationQueue

    async def EnqueueGeneration(self, request: catalog_pb2.EnqueueGenerationRequest,
                                      context: aio.ServicerContext[Any, Any]) -> catalog_pb2.EnqueueGenerationResponse:
        check = Checker()
        check.identifier(request.request_id, "request_id")
        job_type = check.enum(request.type, common_pb2.GenerationJobType.DESCRIPTOR, "type")
        priority = check.enum(request.priority, _PRIORITY.DESCRIPTOR, "priority", required=False) or "normal"
        parameters = check.struct(request.parameters, "parameters")
        check.done()
        job, _ = await self.queue.enqueue(request.request_id, job_type or "", priority, parameters, caller().name,
                                          fingerprint=fingerprint(request))
        return catalog_pb2.EnqueueGenerationResponse(job=to.job(job))

    async def ClaimGenerationJob(self, request: catalog_pb2.ClaimGenerationJobRequest,
                                 context: aio.ServicerContext[Any, Any]) -> catalog_pb2.ClaimGenerationJobResponse:
        check = Checker()
        check.identifier(request.worker_id, "worker_id")
        check.non_negative(request.wait_timeout_ms, "wait_timeout_ms", MAX_WAIT_MS)
        check.non_negative(request.lease_ms, "lease_ms", MAX_LEASE_MS)
        check.done()
        job = await self.queue.claim(request.worker_id, request.wait_timeout_ms,
                                     request.lease_ms or DEFAULT_LEASE_MS)
        return catalog_pb2.ClaimGenerationJobResponse(job=to.job(job) if job else None)

    async def CompleteGenerationJob(self, request: catalog_pb2.CompleteGenerationJobRequest,
                                    context: aio.ServicerContext[Any, Any]
                                    ) -> catalog_pb2.CompleteGenerationJobResponse:
        check = Checker()
        check.identifier(request.request_id, "request_id")
        check.identifier(request.worker_id, "worker_id")
        content_id = check.uuid(request.created_content_id, "created_content_id", required=request.success)
        check.text(request.error_message, "error_message", max_chars=4000)
        check.done()
        job, changed = await self.queue.complete(request.request_id, request.worker_id, success=request.success,
                                                 content_id=content_id or "", error=request.error_message)
        if changed and job.get("enqueuedAt", "").isdigit():
            metrics.LEARNING_LATENCY.labels("generation_response").observe(
                max(0, now_ms() - int(job["enqueuedAt"])) / 1000)
        return catalog_pb2.CompleteGenerationJobResponse(job=to.job(job))

    async def GetQueueStats(self, request: catalog_pb2.GetQueueStatsRequest,
                                  context: aio.ServicerContext[Any, Any]) -> catalog_pb2.GetQueueStatsResponse:
        stats = await self.queue.stats()
        queues = [catalog_pb2.PriorityQueueStats(
            priority=cast(common_pb2.GenerationPriority, _PRIORITY.Value(f"GENERATION_PRIORITY_{q.priority.upper()}")),
            depth=q.depth,
            oldest_age_ms=q.oldest_age_ms) for q in stats.queues]
        oldest = max((q.oldest_age_ms for q in stats.queues), default=0)
        return catalog_pb2.GetQueueStatsResponse(queues=queues, in_flight=stats.in_flight, oldest_age_ms=oldest)
