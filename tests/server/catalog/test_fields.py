"""Catalog field specs: each kind read into its column value, creates, and update masks."""

from __future__ import annotations

from amauta.v1 import catalog_pb2, common_pb2
from server.catalog.fields import (
    CONTENT,
    DATASET,
    ENVIRONMENT,
    VARIATION_OVERRIDES,
    create_values,
    for_create,
    is_set,
    masked,
    update_values,
)
from server.rpc.validation import Checker


def test_is_set_follows_presence_repetition_and_defaults() -> None:
    msg = catalog_pb2.TrainingContent(title="t", tags=["a"])
    assert is_set(msg, "title") and is_set(msg, "tags")
    assert not is_set(msg, "content_data") and not is_set(msg, "dataset_id")


def test_a_create_reads_every_writable_field_with_nulls_for_unset_ones() -> None:
    check = Checker()
    dataset = catalog_pb2.TrainingDataset(name="n", dataset_type=common_pb2.DATASET_TYPE_ETHICAL_DILEMMAS)
    dataset.generation_method.update({"kind": "manual"})
    values = for_create(check, dataset, DATASET, "dataset.")
    assert values["name"] == "n" and values["dataset_type"] == "ethical_dilemmas"
    assert values["generation_method"] == {"kind": "manual"}
    assert values["description"] is None and values["target_capabilities"] is None
    assert all(name not in values for name in DATASET.output_only)
    assert check.violations == []


def test_create_violations_carry_the_prefix() -> None:
    check = Checker()
    for_create(check, catalog_pb2.TrainingDataset(), DATASET, "dataset.")
    assert {"dataset.name", "dataset.dataset_type", "dataset.generation_method"} <= {
        v.field for v in check.violations}


def test_an_environment_keeps_column_defaults_on_create() -> None:
    check = Checker()
    values = for_create(check, catalog_pb2.SimulationEnvironment(
        name="e", environment_type=common_pb2.ENVIRONMENT_TYPE_CONFLICT_RESOLUTION), ENVIRONMENT, "environment.")
    assert values["max_participants"] is None and values["active_status"] is None


def test_a_mask_selects_fields_and_refuses_output_only_and_unknown_paths() -> None:
    msg = catalog_pb2.TrainingContent(title="new", difficulty_level=0.4)
    check = Checker()
    assert masked(check, msg, CONTENT.mutable, ["title"], "update_mask", "content.") == {"title": "new"}
    assert masked(check, msg, CONTENT.mutable, None, "update_mask", "content.") == {
        "title": "new", "difficulty_level": 0.4}
    masked(check, msg, CONTENT.mutable, ["created_at", "bogus"], "update_mask", "content.",
           output_only=CONTENT.output_only)
    assert [v.field for v in check.violations] == ["update_mask", "update_mask"]
    assert "variation_source" not in {s.name for s in VARIATION_OVERRIDES}


def test_create_values_read_the_named_message_and_check_the_request_id() -> None:
    check = Checker()
    request = catalog_pb2.CreateEnvironmentRequest(request_id="bad\nid", environment=catalog_pb2.SimulationEnvironment(
        name="e", environment_type=common_pb2.ENVIRONMENT_TYPE_CONFLICT_RESOLUTION))
    values = create_values(check, request, ENVIRONMENT, "environment")
    assert values["name"] == "e"
    assert "request_id" in [v.field for v in check.violations]
    fine = Checker()
    create_values(fine, catalog_pb2.CreateEnvironmentRequest(request_id="retry-1"), ENVIRONMENT, "environment")
    assert "request_id" not in [v.field for v in fine.violations]


def test_update_values_follow_the_mask_and_refuse_an_update_of_nothing() -> None:
    check = Checker()
    request = catalog_pb2.UpdateDatasetRequest(dataset=catalog_pb2.TrainingDataset(name="renamed", description="d"))
    request.update_mask.paths.append("name")
    assert update_values(check, request, DATASET, "dataset") == {"name": "renamed"}
    assert check.violations == []
    empty = Checker()
    assert update_values(empty, catalog_pb2.UpdateDatasetRequest(), DATASET, "dataset") == {}
    assert [(v.field, v.description) for v in empty.violations] == [("update_mask", "names no field to update")]
