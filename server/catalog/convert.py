"""Catalog rows and generation jobs as protobuf messages."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, cast

from google.protobuf import struct_pb2, timestamp_pb2

from amauta.v1 import catalog_pb2, common_pb2
from server.rpc import convert

_DATASET_TYPE = common_pb2.DatasetType.DESCRIPTOR
_STATUS = common_pb2.ValidationStatus.DESCRIPTOR
_ENV_TYPE = common_pb2.EnvironmentType.DESCRIPTOR
_COMPLEXITY = common_pb2.ComplexityLevel.DESCRIPTOR
_PRIORITY = common_pb2.GenerationPriority.DESCRIPTOR
_JOB_TYPE = common_pb2.GenerationJobType.DESCRIPTOR
_JOB_STATE = common_pb2.GenerationJobState.DESCRIPTOR

Row = dict[str, Any]


def _fill(target: struct_pb2.Struct, value: Any) -> None:
    # Struct.update is several times faster than json_format.ParseDict; JSONB decodes to plain types.
    # Writes only store objects, so a non-object value can only come from outside the API.
    if value and isinstance(value, dict):
        target.update(value)


def _stamp(target: timestamp_pb2.Timestamp, value: datetime | None) -> None:
    if value is not None:
        target.FromDatetime(value if value.tzinfo else value.replace(tzinfo=timezone.utc))


def dataset(row: Row) -> catalog_pb2.TrainingDataset:
    """A training_datasets row."""
    msg = catalog_pb2.TrainingDataset(
        dataset_id=row["dataset_id"], name=row["name"], description=row["description"] or "",
        dataset_type=cast(common_pb2.DatasetType, convert.enum_from_db(_DATASET_TYPE, row["dataset_type"])),
        target_capabilities=row["target_capabilities"] or (), source_accords=row["source_accords"] or (),
        source_memories=row["source_memories"] or (), created_by=row["created_by"] or "",
        version=row["version"] or 0,
        validation_status=cast(common_pb2.ValidationStatus, convert.enum_from_db(_STATUS, row["validation_status"])),
        usage_count=row["usage_count"] or 0, validated_by=row["validated_by"] or "",
        validation_reason=row["validation_reason"] or "")
    _fill(msg.generation_method, row["generation_method"])
    _fill(msg.quality_metrics, row["quality_metrics"])
    _stamp(msg.created_at, row["created_at"])
    _stamp(msg.updated_at, row["updated_at"])
    _stamp(msg.validated_at, row["validated_at"])
    if row["quality_score"] is not None:
        msg.quality_score = float(row["quality_score"])
    return msg


def content(row: Row) -> catalog_pb2.TrainingContent:
    """A training_content row."""
    stats = row["usage_statistics"] or {}
    msg = catalog_pb2.TrainingContent(
        content_id=row["content_id"], dataset_id=row["dataset_id"], title=row["title"] or "",
        learning_objectives=row["learning_objectives"] or (), prerequisites=row["prerequisites"] or (),
        tags=row["tags"] or (), variation_source=row["variation_source"] or "",
        created_by=row.get("created_by") or "",
        usage_statistics=catalog_pb2.ContentUsageStatistics(
            attempts=int(stats.get("attempts") or 0), completions=int(stats.get("completions") or 0),
            success_rate=float(stats.get("success_rate") or 0)))
    _fill(msg.content_data, row["content_data"])
    _fill(msg.complexity_metrics, row["complexity_metrics"])
    _fill(msg.success_criteria, row["success_criteria"])
    _fill(msg.variation_parameters, row["variation_parameters"])
    _fill(msg.validation_results, row["validation_results"])
    _stamp(msg.created_at, row["created_at"])
    if row["difficulty_level"] is not None:
        msg.difficulty_level = float(row["difficulty_level"])
    if row["estimated_duration"] is not None:
        msg.estimated_duration = row["estimated_duration"]
    return msg


def lineage_entry(row: Row) -> catalog_pb2.ContentLineageEntry:
    """A content row carrying its depth."""
    return catalog_pb2.ContentLineageEntry(content=content(row), depth=row["depth"])


def environment(row: Row) -> catalog_pb2.SimulationEnvironment:
    """A simulation_environments row."""
    msg = catalog_pb2.SimulationEnvironment(
        environment_id=row["environment_id"], name=row["name"], description=row["description"] or "",
        environment_type=cast(common_pb2.EnvironmentType, convert.enum_from_db(_ENV_TYPE, row["environment_type"])),
        complexity_level=cast(common_pb2.ComplexityLevel, convert.enum_from_db(_COMPLEXITY, row["complexity_level"])),
        max_participants=row["max_participants"] or 0,
        learning_objectives=row["learning_objectives"] or (), prerequisites=row["prerequisites"] or (),
        created_by=row["created_by"] or "", version=row["version"] or 0, usage_count=row["usage_count"] or 0)
    for name in ("environment_config", "participant_roles", "success_criteria", "resources_required"):
        _fill(getattr(msg, name), row[name])
    _stamp(msg.created_at, row["created_at"])
    _stamp(msg.updated_at, row["updated_at"])
    if row["estimated_duration"] is not None:
        msg.estimated_duration = row["estimated_duration"]
    if row["active_status"] is not None:
        msg.active_status = row["active_status"]
    return msg


def _ms(target: timestamp_pb2.Timestamp, value: str | None) -> None:
    if value:
        target.FromMilliseconds(int(float(value)))


def job(fields: dict[str, str]) -> catalog_pb2.GenerationJob:
    """A generation job hash (camelCase fields, see stores/redis/generation_queue.py)."""
    msg = catalog_pb2.GenerationJob(
        request_id=fields.get("requestId", ""),
        type=cast(common_pb2.GenerationJobType, convert.enum_from_db(_JOB_TYPE, fields.get("type"))),
        priority=cast(common_pb2.GenerationPriority, convert.enum_from_db(_PRIORITY, fields.get("urgency"))),
        state=cast(common_pb2.GenerationJobState, convert.enum_from_db(_JOB_STATE, fields.get("state"))),
        requested_by=fields.get("requestedBy", ""), worker_id=fields.get("workerId", ""),
        attempts=int(fields.get("attempts") or 0), created_content_id=fields.get("createdContentId", ""),
        error_message=fields.get("errorMessage", ""))
    _fill(msg.parameters, json.loads(fields.get("parameters") or "{}"))
    _ms(msg.enqueued_at, fields.get("enqueuedAt"))
    _ms(msg.claimed_at, fields.get("claimedAt"))
    _ms(msg.lease_expires_at, fields.get("leaseExpiresAt"))
    _ms(msg.completed_at, fields.get("completedAt"))
    return msg
