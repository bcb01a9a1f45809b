"""The store error hierarchy: reasons, overrides, metadata copies and the classes servicers map."""

from __future__ import annotations

import pytest

from stores import errors
from stores.errors import AccessDenied, Conflict, InvalidData, NotOwner, StoreError, StoreStarting, StoreUnavailable


def test_each_class_carries_its_stable_reason() -> None:
    assert StoreError("x").reason == "STORE_ERROR"
    assert Conflict("x").reason == "ETAG_MISMATCH"
    assert StoreStarting("x").reason == "STORE_STARTING"
    assert NotOwner("x").reason == "NOT_OWNER"


def test_a_reason_given_overrides_the_class_reason_of_that_instance_only() -> None:
    err = InvalidData("bad", field="skill_id", reason="INVALID_ID")
    assert (err.reason, err.field, str(err)) == ("INVALID_ID", "skill_id", "bad")
    assert InvalidData("bad").reason == "INVALID_DATA"
    assert InvalidData("bad").field == ""


def test_metadata_is_copied_not_shared() -> None:
    source = {"resource": "dataset"}
    err = StoreError("x", metadata=source)
    source["resource"] = "changed"
    assert err.metadata == {"resource": "dataset"}
    assert StoreError("y").metadata == {}


def test_subclasses_are_caught_as_their_family() -> None:
    # Retry logic catches StoreUnavailable; authorisation catches AccessDenied.
    assert isinstance(StoreStarting("x"), StoreUnavailable)
    assert isinstance(NotOwner("x"), AccessDenied)


@pytest.mark.parametrize("name", [n for n in dir(errors) if isinstance(getattr(errors, n), type)
                                  and issubclass(getattr(errors, n), StoreError)])
def test_every_reason_is_upper_snake(name: str) -> None:
    reason = getattr(errors, name).reason
    assert reason == reason.upper() and " " not in reason


def test_not_found_carries_the_reason_and_metadata_of_the_resource() -> None:
    err = errors.not_found("learner_profile", "l1")
    assert isinstance(err, errors.NotFound)
    assert str(err) == "learner profile 'l1' not found"
    assert (err.reason, err.metadata) == ("LEARNER_PROFILE_NOT_FOUND", {"resource": "learner_profile", "id": "l1"})


def test_request_id_reused_names_the_field() -> None:
    err = errors.request_id_reused("r1", "requests[3].request_id")
    assert isinstance(err, errors.InvalidData)
    assert (err.reason, err.field, err.metadata) == ("REQUEST_ID_REUSED", "requests[3].request_id",
                                                     {"request_id": "r1"})
