"""The store error hierarchy: reasons, overrides, metadata copies and the classes servicers map."""

from __future__ import annotations

import pytest

from stores import errors
from stores.errors import (AccessDenied, Conflict, InvalidData, NotOwner, StoreError, StoreStarting,
                           StoreUnavailable)


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
