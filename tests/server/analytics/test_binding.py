"""Analytics values reach the engine byte for byte: generated strings round-trip and match only themselves.

Learner ids are drawn from the id grammar with backslashes, quotes, escape sequences spelled out
(\\t, \\', \\N ...) and right-to-left marks; each drawn id comes with its "escaped spellings" (one more
or one less backslash, a quote escaped), which are learners of their own. Objectives are free text:
the same plus real tabs, newlines and other control characters (not NUL, which GetCohortStats refuses
in a filter). Every learner has one session (a UUID), one objective and one content item of its own,
in one hour of a window no other module writes (300 days ago), so each query has one right answer.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amauta.v1 import analytics_pb2, common_pb2
from server.runtime import Stores
from stores.analytics.aggregates import Aggregator
from stores.ids import id_problem
from tests.server.analytics.helpers import columns, stream
from tests.stores.analytics import oracle
from tests.support import Tokens

_TRICKY = ["\\", "\\\\", "'", "\\'", '"', "\\t", "\\n", "\\N", "\\0", "\\x41", "\\b", "\\\\N", "{", "}",
           "%", "\u200f", "\u202e", "\u061c", "é", "🙂", "-", "q"]
_CONTROLS = ["\t", "\n", "\r", "\x01", "\x08", "\x1b", "\x7f", "\x85"]
_PIECES = st.lists(st.one_of(st.sampled_from(_TRICKY), st.characters(blacklist_categories=("Cs",))),
                   min_size=1, max_size=8).map("".join)
_OBJECTIVE = st.lists(st.one_of(st.sampled_from(_TRICKY + _CONTROLS),
                                st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")),
                      min_size=1, max_size=12).map("".join)
EXAMPLES = 40
TRIES = 3  # interaction events per learner, in one hour


def _spellings(value: str) -> list[str]:
    """value and the spellings a text-form parser would confuse with it."""
    return [value, value.replace("\\", "\\\\"), value.replace("\\\\", "\\"), value.replace("'", "\\'"),
            value.replace("\\'", "'"), "\\" + value, value + "\\"]


def _draw() -> tuple[list[str], list[str]]:
    learners: list[str] = []
    objectives: list[str] = []

    @settings(max_examples=EXAMPLES, suppress_health_check=list(HealthCheck), deadline=None, database=None)
    @given(_PIECES, _OBJECTIVE)
    def collect(learner: str, objective: str) -> None:
        learners.extend(_spellings(learner))
        objectives.extend(_spellings(objective))

    collect()
    ids = sorted({v for v in learners if id_problem(v) is None})
    texts = sorted({v for v in objectives if v and len(v) <= 255})
    return ids, texts


@dataclass
class Learner:
    learner_id: str
    session_id: str
    objective: str
    content_id: str
    event_ids: set[str]
    successes: int


@pytest.fixture(scope="module")
async def world(stub, stores: Stores, tokens: Tokens) -> tuple[list[Learner], str, common_pb2.TimeRange]:
    rnd = random.Random(300)
    ids, objectives = _draw()
    rnd.shuffle(objectives)
    hour = int(oracle.utc(300).timestamp()) // 3600 * 3600
    dataset = str(uuid.uuid4())
    learners, events = [], []
    for i, learner_id in enumerate(ids):
        who = Learner(learner_id, str(uuid.uuid4()), objectives[i % len(objectives)], str(uuid.uuid4()), set(),
                      rnd.randrange(TRIES + 1))
        for k in range(TRIES):
            e = oracle.Event(ts_ms=(hour + 60 * (k + 1)) * 1000, event_id=f"bind-{uuid.uuid4()}",
                             learner_id=learner_id, event_type="interaction", session_id=who.session_id,
                             event_data={"content_id": who.content_id, "dataset_id": dataset},
                             performance_metrics={}, duration_ms=1000, success=k < who.successes,
                             difficulty=0.5, objective=who.objective, content_type="ethical_dilemmas")
            events.append(e)
            who.event_ids.add(e.event_id)
        learners.append(who)
    # A learner per objective, so the cohort of an objective is one learner.
    learners = list({w.objective: w for w in learners}.values())
    keep = {w.learner_id for w in learners}
    events = [e for e in events if e.learner_id in keep]
    reply = await stub.RecordEvents(stream([columns(events)]), metadata=tokens.md("service"))
    assert reply.accepted_count == len(events), reply
    await Aggregator(stores.analytics).refresh()
    window = common_pb2.TimeRange()
    window.start.FromSeconds(hour)
    window.end.FromSeconds(hour + 3600)
    return learners, dataset, window


async def _export(stub, tokens: Tokens, window: common_pb2.TimeRange, **filters: str) -> list:
    out = []
    async for reply in stub.ExportEvents(analytics_pb2.ExportEventsRequest(time_range=window, **filters),
                                         metadata=tokens.md("analyst")):
        out.extend(reply.events)
    return out


async def test_learner_and_session_ids_round_trip_and_match_only_themselves(stub, tokens: Tokens, world) -> None:
    learners, _, window = world
    assert len(learners) >= 20, "the strategy should yield many distinct learners"
    for who in learners:
        by_learner = await _export(stub, tokens, window, learner_id=who.learner_id)
        assert {e.event_id for e in by_learner} == who.event_ids, repr(who.learner_id)
        assert {(e.learner_id, e.session_id, e.learning_objective) for e in by_learner} == {
            (who.learner_id, who.session_id, who.objective)}
        by_session = await _export(stub, tokens, window, session_id=who.session_id)
        assert {e.event_id for e in by_session} == who.event_ids


async def test_performance_of_each_learner_is_its_own(stub, tokens: Tokens, world) -> None:
    learners, _, window = world
    for who in learners:
        reply = await stub.GetLearnerPerformance(analytics_pb2.GetLearnerPerformanceRequest(
            learner_id=who.learner_id, metric_type=common_pb2.METRIC_TYPE_ACCURACY,
            bucket=analytics_pb2.TIME_BUCKET_HOUR, time_range=window), metadata=tokens.md("analyst"))
        # One hourly row per learner: an aliased id would bring a second row.
        assert [(p.sample_count, p.value) for p in reply.points] == [(1, pytest.approx(who.successes / TRIES))], \
            repr(who.learner_id)


async def test_cohort_of_each_objective_is_its_learner(stub, tokens: Tokens, world) -> None:
    learners, _, window = world
    for who in learners:
        reply = await stub.GetCohortStats(analytics_pb2.GetCohortStatsRequest(
            metric_type=common_pb2.METRIC_TYPE_ACCURACY, learning_objective=who.objective, time_range=window,
            percentiles=[50]), metadata=tokens.md("analyst"))
        assert (reply.learner_count, reply.sample_count) == (1, 1), repr(who.objective)
        assert reply.mean == pytest.approx(who.successes / TRIES)


async def test_content_effectiveness_sees_each_objective_apart(stub, tokens: Tokens, world) -> None:
    learners, dataset, window = world
    items = []
    token = ""
    while True:
        reply = await stub.GetContentEffectiveness(analytics_pb2.GetContentEffectivenessRequest(
            dataset_id=dataset, time_range=window, page_size=100, page_token=token), metadata=tokens.md("analyst"))
        items.extend(reply.items)
        token = reply.next_page_token
        if not token:
            break
    got = {i.effectiveness.content_id: i.effectiveness for i in items}
    assert set(got) == {w.content_id for w in learners}
    for who in learners:
        row = got[who.content_id]
        assert row.usage_count == 1
        # One (learner, objective) pair per content: achieved when at least half the tries succeeded.
        assert row.learning_objective_achievement == (1.0 if who.successes / TRIES >= 0.5 else 0.0)
