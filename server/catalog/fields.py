"""Catalog resources as field specs: which proto fields are writable, required or output only, and how a
message (or its masked fields) becomes validated column values. Proto field names equal column names."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from google.protobuf.descriptor import EnumDescriptor
from google.protobuf.message import Message

from amauta.v1 import common_pb2
from server.rpc.validation import Checker


class Kind(enum.Enum):
    """How a field is checked and stored."""

    UUID = "uuid"          # a UUID string; empty → NULL
    NAME = "name"          # up to 255 characters
    TEXT = "text"          # free text (TEXT column)
    SHORT = "short"        # up to 100 characters
    ENUM = "enum"          # enum → its database string; UNSPECIFIED → NULL
    STRUCT = "struct"      # JSONB object
    STRINGS = "strings"    # TEXT[]; empty → NULL
    UNIT = "unit"          # optional DECIMAL(3,2) in [0, 1]
    MINUTES = "minutes"    # optional INTEGER ≥ 0
    POSITIVE = "positive"  # INTEGER ≥ 1; 0 on create → the column default
    BOOL = "bool"          # optional BOOLEAN; unset on create → the column default


@dataclass(frozen=True)
class Spec:
    """One writable field."""

    name: str
    kind: Kind
    required: bool = False
    enum: EnumDescriptor | None = None


@dataclass(frozen=True)
class Resource:
    """The writable shape of one catalog resource."""

    mutable: tuple[Spec, ...]
    create_only: tuple[Spec, ...]
    output_only: tuple[str, ...]

    def spec(self, name: str) -> Spec:
        """The spec of a writable field."""
        return next(s for s in (*self.mutable, *self.create_only) if s.name == name)


DATASET = Resource(
    mutable=(Spec("name", Kind.NAME, required=True), Spec("description", Kind.TEXT),
             Spec("dataset_type", Kind.ENUM, required=True, enum=common_pb2.DatasetType.DESCRIPTOR),
             Spec("generation_method", Kind.STRUCT, required=True), Spec("quality_metrics", Kind.STRUCT),
             Spec("target_capabilities", Kind.STRINGS), Spec("source_accords", Kind.STRINGS),
             Spec("source_memories", Kind.STRINGS), Spec("quality_score", Kind.UNIT)),
    create_only=(Spec("dataset_id", Kind.UUID), Spec("created_by", Kind.SHORT)),
    output_only=("created_at", "updated_at", "version", "validation_status", "usage_count", "validated_by",
                 "validation_reason", "validated_at"),
)

CONTENT = Resource(
    mutable=(Spec("dataset_id", Kind.UUID, required=True), Spec("title", Kind.NAME),
             Spec("content_data", Kind.STRUCT, required=True), Spec("difficulty_level", Kind.UNIT),
             Spec("complexity_metrics", Kind.STRUCT), Spec("learning_objectives", Kind.STRINGS),
             Spec("success_criteria", Kind.STRUCT), Spec("estimated_duration", Kind.MINUTES),
             Spec("prerequisites", Kind.STRINGS), Spec("tags", Kind.STRINGS),
             Spec("variation_source", Kind.UUID), Spec("variation_parameters", Kind.STRUCT),
             Spec("validation_results", Kind.STRUCT)),
    create_only=(Spec("content_id", Kind.UUID), Spec("created_by", Kind.SHORT)),
    output_only=("created_at", "usage_statistics"),
)

ENVIRONMENT = Resource(
    mutable=(Spec("name", Kind.NAME, required=True), Spec("description", Kind.TEXT),
             Spec("environment_type", Kind.ENUM, required=True, enum=common_pb2.EnvironmentType.DESCRIPTOR),
             Spec("complexity_level", Kind.ENUM, enum=common_pb2.ComplexityLevel.DESCRIPTOR),
             Spec("max_participants", Kind.POSITIVE), Spec("estimated_duration", Kind.MINUTES),
             Spec("environment_config", Kind.STRUCT, required=True), Spec("participant_roles", Kind.STRUCT),
             Spec("success_criteria", Kind.STRUCT), Spec("learning_objectives", Kind.STRINGS),
             Spec("prerequisites", Kind.STRINGS), Spec("resources_required", Kind.STRUCT),
             Spec("active_status", Kind.BOOL)),
    create_only=(Spec("environment_id", Kind.UUID), Spec("created_by", Kind.SHORT)),
    output_only=("created_at", "updated_at", "version", "usage_count"),
)

#: Fields CreateVariation sets itself; in overrides they are ignored.
VARIATION_LINK = ("variation_source", "variation_parameters")
#: CreateVariation overrides: content fields except the variation link.
VARIATION_OVERRIDES = tuple(s for s in CONTENT.mutable if s.name not in VARIATION_LINK)


def is_set(message: Message, name: str) -> bool:
    """Whether a field holds a non-default value (presence for messages and optional scalars)."""
    desc = message.DESCRIPTOR.fields_by_name[name]
    if desc.message_type is not None or desc.has_presence:
        return message.HasField(name)
    value = getattr(message, name)
    return len(value) > 0 if desc.is_repeated else bool(value)


def read(check: Checker, message: Message, specs: Iterable[Spec], prefix: str, *,
         creating: bool) -> dict[str, Any]:
    """Validated column values of the given fields (None means NULL, or the default on create)."""
    return {spec.name: read_field(check, message, spec, prefix, creating=creating) for spec in specs}


def read_field(check: Checker, message: Message, spec: Spec, prefix: str, *, creating: bool) -> Any:
    """One field as its column value; violations go to check."""
    field, value, kind = prefix + spec.name, getattr(message, spec.name), spec.kind
    if kind is Kind.UUID:
        return check.uuid(value, field, required=spec.required)
    if kind is Kind.NAME:
        return check.text(value, field, required=spec.required) or None
    if kind is Kind.TEXT:
        return check.text(value, field, max_chars=check.limits.text_chars) or None
    if kind is Kind.SHORT:
        return check.identifier(value, field, required=spec.required) or None
    if kind is Kind.ENUM:
        assert spec.enum is not None
        return check.enum(value, spec.enum, field, required=spec.required)
    if kind is Kind.STRUCT:
        return check.struct(value, field, required=spec.required)
    if kind is Kind.STRINGS:
        return check.strings(value, field) or None
    present = message.HasField(spec.name) if kind in (Kind.UNIT, Kind.MINUTES, Kind.BOOL) else True
    if kind is Kind.UNIT:
        return check.unit_interval(value, field) if present else None
    if kind is Kind.MINUTES:
        return check.non_negative(value, field) if present else None
    if kind is Kind.POSITIVE:
        if value == 0 and creating:
            return None
        if value < 1:
            check.fail(field, "must be at least 1")
        return value
    if kind is Kind.BOOL:
        return bool(value) if present or not creating else None
    raise AssertionError(f"unhandled kind {kind}")


def for_create(check: Checker, message: Message, resource: Resource, prefix: str) -> dict[str, Any]:
    """Every writable field of a create (output-only fields are ignored)."""
    return read(check, message, (*resource.create_only, *resource.mutable), prefix, creating=True)


def masked(check: Checker, message: Message, specs: Sequence[Spec], paths: Sequence[str] | None,
           mask_field: str, prefix: str, output_only: Sequence[str] = ()) -> dict[str, Any]:
    """The fields a FieldMask names (None, an empty mask: every field set to a non-default value), validated."""
    names = [s.name for s in specs]
    if paths is None:
        chosen = [n for n in names if is_set(message, n)]
    else:
        chosen = check.field_mask(paths, mask_field, mutable=names, output_only=output_only)
    by_name = {s.name: s for s in specs}
    return read(check, message, (by_name[n] for n in chosen), prefix, creating=False)


def create_values(check: Checker, request: Any, resource: Resource, name: str) -> dict[str, Any]:
    """The values of a Create request: the writable fields of its `name` message, and an optional
    request_id (the idempotency key)."""
    values = for_create(check, getattr(request, name), resource, f"{name}.")
    check.identifier(request.request_id, "request_id", required=False)
    return values


def update_values(check: Checker, request: Any, resource: Resource, name: str) -> dict[str, Any]:
    """The values an Update request's update_mask names in its `name` message; a mask that names no
    writable field is a violation, since an update that changes nothing is a client's mistake."""
    values = masked(check, getattr(request, name), resource.mutable,
                    request.update_mask.paths or None, "update_mask", f"{name}.", resource.output_only)
    if not values and not check.violations:
        check.fail("update_mask", "names no field to update")
    return values
