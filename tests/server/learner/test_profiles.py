"""Learner profiles: create, get, list, update with etags, and the rule-4 outbox row."""

from __future__ import annotations

import asyncio

import grpc
from google.protobuf import field_mask_pb2, struct_pb2, timestamp_pb2

from amauta.v1 import common_pb2
from amauta.v1 import learner_pb2 as pb
from server.runtime import Stores
from tests.server.learner.helpers import fails, outbox_rows, reason, unique
from tests.support import Tokens, bad_fields


def struct(**values: object) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    s.update(values)
    return s


async def create(stub, tokens: Tokens, learner_id: str, learner_type: str = "analytical_node",
                 **fields: object) -> pb.LearnerProfile:
    reply = await stub.CreateLearnerProfile(pb.CreateLearnerProfileRequest(
        profile=pb.LearnerProfile(learner_id=learner_id, learner_type=learner_type, **fields)),
        metadata=tokens.md("admin"))
    return reply.profile


async def test_create_returns_version_one_and_writes_profile_upserted(stub, tokens: Tokens,
                                                                      stores: Stores) -> None:
    learner = unique("prof")
    profile = await create(stub, tokens, learner, preferences=struct(pace="fast", depth=3))
    assert profile.profile_version == 1
    assert profile.learner_type == "analytical_node"
    assert dict(profile.preferences) == {"pace": "fast", "depth": 3.0}
    assert profile.profile_id and profile.HasField("created_at") and not profile.HasField("last_activity")
    rows = await outbox_rows(stores.postgres, learner)
    assert [(r["event_type"], r["payload"]) for r in rows] == [
        ("profile_upserted", {"learner_id": learner, "learner_type": "analytical_node"})]
    got = await stub.GetLearnerProfile(pb.GetLearnerProfileRequest(learner_id=learner), metadata=tokens.md("admin"))
    assert got.profile == profile


async def test_duplicate_learner_is_already_exists(stub, tokens: Tokens) -> None:
    learner = unique("dup")
    await create(stub, tokens, learner)
    err = await fails(create(stub, tokens, learner), grpc.StatusCode.ALREADY_EXISTS)
    assert reason(err) == "LEARNER_PROFILE_EXISTS"


async def test_create_is_idempotent_by_request_id(stub, tokens: Tokens, stores: Stores) -> None:
    learner = unique("idem")
    request = pb.CreateLearnerProfileRequest(
        profile=pb.LearnerProfile(learner_id=learner, learner_type="t"), request_id="req-1")
    first, second = await asyncio.gather(*(stub.CreateLearnerProfile(request, metadata=tokens.md("admin"))
                                           for _ in range(2)))
    assert first.profile == second.profile
    assert len(await outbox_rows(stores.postgres, learner)) == 1


async def test_create_validation_lists_every_bad_field(stub, tokens: Tokens) -> None:
    deep: dict = {}
    node = deep
    for _ in range(32):  # just past the depth limit of 32 (upb decodes ~33 levels at most)
        node["x"] = {}
        node = node["x"]
    err = await fails(stub.CreateLearnerProfile(pb.CreateLearnerProfileRequest(
        profile=pb.LearnerProfile(learner_id="", learner_type="t" * 51, learning_style=struct(**deep)),
        request_id="r" * 101), metadata=tokens.md("admin")), grpc.StatusCode.INVALID_ARGUMENT)
    assert bad_fields(err) == {"profile.learner_id", "profile.learner_type", "profile.learning_style",
                               "request_id"}


async def test_get_unknown_profile_is_not_found(stub, tokens: Tokens) -> None:
    err = await fails(stub.GetLearnerProfile(pb.GetLearnerProfileRequest(learner_id=unique("none")),
                                             metadata=tokens.md("admin")), grpc.StatusCode.NOT_FOUND)
    assert reason(err) == "LEARNER_PROFILE_NOT_FOUND"
    await fails(stub.GetLearnerProfile(pb.GetLearnerProfileRequest(), metadata=tokens.md("admin")),
                grpc.StatusCode.INVALID_ARGUMENT)


async def test_update_with_mask_bumps_version_and_appends_outbox(stub, tokens: Tokens, stores: Stores) -> None:
    learner = unique("upd")
    created = await create(stub, tokens, learner, preferences=struct(pace="slow"), constraints=struct(cpu=2))
    reply = await stub.UpdateLearnerProfile(pb.UpdateLearnerProfileRequest(
        profile=pb.LearnerProfile(learner_id=learner, learner_type="ethical_node", preferences=struct(pace="fast")),
        update_mask=field_mask_pb2.FieldMask(paths=["learner_type", "preferences", "constraints"]),
        etag=created.profile_version), metadata=tokens.md("admin"))
    profile = reply.profile
    assert profile.profile_version == 2
    assert profile.learner_type == "ethical_node"
    assert dict(profile.preferences) == {"pace": "fast"}
    assert not profile.constraints.fields  # named in the mask and empty: cleared
    assert profile.updated_at.ToDatetime() >= created.updated_at.ToDatetime()
    events = [(r["event_type"], r["payload"]["learner_type"]) for r in await outbox_rows(stores.postgres, learner)]
    assert events == [("profile_upserted", "analytical_node"), ("profile_upserted", "ethical_node")]


async def test_update_without_mask_sets_non_default_fields(stub, tokens: Tokens) -> None:
    learner = unique("nomask")
    await create(stub, tokens, learner, preferences=struct(pace="slow"))
    when = timestamp_pb2.Timestamp()
    when.GetCurrentTime()
    reply = await stub.UpdateLearnerProfile(pb.UpdateLearnerProfileRequest(
        profile=pb.LearnerProfile(learner_id=learner, learning_goals=struct(goal="ethics"), last_activity=when)),
        metadata=tokens.md("admin"))
    assert reply.profile.learner_type == "analytical_node"
    assert dict(reply.profile.preferences) == {"pace": "slow"}
    assert dict(reply.profile.learning_goals) == {"goal": "ethics"}
    assert reply.profile.last_activity.seconds == when.seconds


async def test_update_rejects_bad_masks(stub, tokens: Tokens) -> None:
    learner = unique("mask")
    await create(stub, tokens, learner)
    err = await fails(stub.UpdateLearnerProfile(pb.UpdateLearnerProfileRequest(
        profile=pb.LearnerProfile(learner_id=learner),
        update_mask=field_mask_pb2.FieldMask(paths=["learner_id", "profile_version", "nope", "learner_type"])),
        metadata=tokens.md("admin")), grpc.StatusCode.INVALID_ARGUMENT)
    assert bad_fields(err) == {"update_mask.paths[0]", "update_mask.paths[1]", "update_mask.paths[2]",
                               "profile.learner_type"}
    err = await fails(stub.UpdateLearnerProfile(pb.UpdateLearnerProfileRequest(
        profile=pb.LearnerProfile(learner_id=learner)), metadata=tokens.md("admin")),
        grpc.StatusCode.INVALID_ARGUMENT)
    assert bad_fields(err) == {"update_mask"}


async def test_update_unknown_profile_is_not_found(stub, tokens: Tokens) -> None:
    await fails(stub.UpdateLearnerProfile(pb.UpdateLearnerProfileRequest(
        profile=pb.LearnerProfile(learner_id=unique("ghost"), learner_type="x"), etag=1),
        metadata=tokens.md("admin")), grpc.StatusCode.NOT_FOUND)


async def test_concurrent_updates_with_one_etag_exactly_one_wins(stub, tokens: Tokens, stores: Stores) -> None:
    learner = unique("race")
    created = await create(stub, tokens, learner)
    calls = [stub.UpdateLearnerProfile(pb.UpdateLearnerProfileRequest(
        profile=pb.LearnerProfile(learner_id=learner, preferences=struct(writer=i)),
        etag=created.profile_version), metadata=tokens.md("admin")) for i in range(12)]
    results = await asyncio.gather(*calls, return_exceptions=True)
    wins = [r for r in results if isinstance(r, pb.UpdateLearnerProfileResponse)]
    losses = [r for r in results if not isinstance(r, pb.UpdateLearnerProfileResponse)]
    assert len(wins) == 1
    assert all(e.code() == grpc.StatusCode.ABORTED and reason(e) == "ETAG_MISMATCH" for e in losses)
    assert wins[0].profile.profile_version == 2
    # Only the winner's change left an outbox row.
    assert len(await outbox_rows(stores.postgres, learner)) == 2


async def test_updates_without_etag_are_atomic(stub, tokens: Tokens) -> None:
    learner = unique("atomic")
    await create(stub, tokens, learner)
    await asyncio.gather(*(stub.UpdateLearnerProfile(pb.UpdateLearnerProfileRequest(
        profile=pb.LearnerProfile(learner_id=learner, preferences=struct(writer=i))),
        metadata=tokens.md("admin")) for i in range(10)))
    got = await stub.GetLearnerProfile(pb.GetLearnerProfileRequest(learner_id=learner), metadata=tokens.md("admin"))
    assert got.profile.profile_version == 11  # no lost increment


async def test_list_filters_by_type_and_activity_and_pages(stub, tokens: Tokens) -> None:
    kind = unique("kind")[:50]
    learners = [unique("list") for _ in range(5)]
    for learner in learners:
        await create(stub, tokens, learner, learner_type=kind)
    base = timestamp_pb2.Timestamp(seconds=1_700_000_000)
    for i, learner in enumerate(learners[:3]):
        await stub.UpdateLearnerProfile(pb.UpdateLearnerProfileRequest(
            profile=pb.LearnerProfile(learner_id=learner, last_activity=timestamp_pb2.Timestamp(
                seconds=base.seconds + i * 3600))), metadata=tokens.md("admin"))
    seen, token = [], ""
    while True:
        reply = await stub.ListLearnerProfiles(pb.ListLearnerProfilesRequest(
            learner_type=kind, page_size=2, page_token=token), metadata=tokens.md("admin"))
        assert len(reply.profiles) <= 2
        seen.extend(p.learner_id for p in reply.profiles)
        token = reply.next_page_token
        if not token:
            break
    assert seen == learners  # created in this order: (created_at, profile_id) order
    window = common_pb2.TimeRange(start=timestamp_pb2.Timestamp(seconds=base.seconds + 3600),
                                  end=timestamp_pb2.Timestamp(seconds=base.seconds + 7200))
    reply = await stub.ListLearnerProfiles(pb.ListLearnerProfilesRequest(
        learner_type=kind, last_activity=window), metadata=tokens.md("admin"))
    assert [p.learner_id for p in reply.profiles] == [learners[1]]  # end is exclusive


async def test_list_rejects_bad_paging_and_ranges(stub, tokens: Tokens) -> None:
    md = tokens.md("admin")
    await fails(stub.ListLearnerProfiles(pb.ListLearnerProfilesRequest(page_size=-1), metadata=md),
                grpc.StatusCode.INVALID_ARGUMENT)
    await fails(stub.ListLearnerProfiles(pb.ListLearnerProfilesRequest(page_token="garbage"), metadata=md),
                grpc.StatusCode.INVALID_ARGUMENT)
    err = await fails(stub.ListLearnerProfiles(pb.ListLearnerProfilesRequest(last_activity=common_pb2.TimeRange(
        start=timestamp_pb2.Timestamp(seconds=1_700_000_100), end=timestamp_pb2.Timestamp(seconds=1_700_000_000))),
        metadata=md), grpc.StatusCode.INVALID_ARGUMENT)
    assert bad_fields(err) == {"last_activity"}
    kind = unique("tok")
    for _ in range(2):
        await create(stub, tokens, unique("tok"), learner_type=kind)
    first = await stub.ListLearnerProfiles(pb.ListLearnerProfilesRequest(learner_type=kind, page_size=1),
                                           metadata=md)
    assert first.next_page_token
    # A token only resumes the query it came from.
    await fails(stub.ListLearnerProfiles(pb.ListLearnerProfilesRequest(
        learner_type="other", page_token=first.next_page_token), metadata=md), grpc.StatusCode.INVALID_ARGUMENT)


async def test_node_lists_only_its_own_profile(stub, tokens: Tokens) -> None:
    kind = unique("own")[:50]
    for learner in ("node-a", "node-b"):
        try:
            await create(stub, tokens, learner, learner_type=kind)
        except grpc.aio.AioRpcError as err:
            assert err.code() == grpc.StatusCode.ALREADY_EXISTS
    reply = await stub.ListLearnerProfiles(pb.ListLearnerProfilesRequest(page_size=1000),
                                           metadata=tokens.md("node_a"))
    assert [p.learner_id for p in reply.profiles] == ["node-a"]
