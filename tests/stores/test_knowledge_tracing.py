"""BKT against pyBKT golden files (scripts/bkt_golden.py), EM parameter recovery, growth and confidence."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from stores.knowledge_tracing import (BKTParams, SkillState, confidence_level, fit_best, fit_em,
                                      posterior, predict_correct, update)

GOLDEN = json.loads((Path(__file__).parent / "data" / "bkt_golden.json").read_text())
#: EM must recover each generating parameter within this absolute error (documented in the README, GraphService).
RECOVERY_TOLERANCE = 0.05


def replay(case: dict) -> tuple[list[float], list[float]]:
    """Our online update over a case's sequences: (P(correct) before each step, P(known) before it)."""
    params = BKTParams(**case["params"])
    correct, known = [], []
    for seq in case["sequences"]:
        state = SkillState.initial(params)
        for answer in seq:
            correct.append(predict_correct(state.proficiency, params))
            known.append(state.proficiency)
            state = update(state, answer, params)
    return correct, known


@pytest.mark.parametrize("case", GOLDEN["cases"], ids=lambda c: c["name"])
def test_online_update_agrees_with_pybkt(case: dict) -> None:
    correct, known = replay(case)
    assert len(correct) == len(case["correct_predictions"])
    diff_correct = sum(abs(a - b) for a, b in zip(correct, case["correct_predictions"])) / len(correct)
    diff_known = sum(abs(a - b) for a, b in zip(known, case["state_predictions"])) / len(known)
    assert diff_correct <= 0.01
    assert diff_known <= 0.01


@pytest.mark.parametrize("case", GOLDEN["cases"], ids=lambda c: c["name"])
def test_em_recovers_generating_parameters(case: dict) -> None:
    result = fit_best(case["sequences"])
    truth = case["params"]
    fitted = vars(result.params)
    for name in ("prior", "learn", "guess", "slip"):
        assert abs(fitted[name] - truth[name]) <= RECOVERY_TOLERANCE, (name, fitted, truth)
        # and it lands where pyBKT's own EM lands
        assert abs(fitted[name] - case["pybkt_fit"][name]) <= 0.01, (name, fitted, case["pybkt_fit"])
    assert result.converged
    assert result.observations == sum(len(s) for s in case["sequences"])


def test_em_does_not_lower_the_likelihood() -> None:
    seqs = GOLDEN["cases"][0]["sequences"]
    one = fit_em(seqs, max_iterations=1)
    more = fit_em(seqs, max_iterations=10)
    assert more.log_likelihood >= one.log_likelihood


def test_fractional_scores_interpolate_between_wrong_and_right() -> None:
    p = BKTParams(0.3, 0.1, 0.2, 0.1)
    wrong, half, right = (posterior(0.4, s, p) for s in (0.0, 0.5, 1.0))
    assert wrong < half < right
    assert posterior(0.4, 1.0, p) == pytest.approx(0.4 * 0.9 / (0.4 * 0.9 + 0.6 * 0.2))


def test_growth_rate_is_a_smoothed_change_in_minus_one_to_one() -> None:
    p = BKTParams(0.1, 0.3, 0.1, 0.1)
    state = SkillState.initial(p)
    rng = random.Random(3)
    for _ in range(200):
        before = state
        state = update(state, rng.random(), p)
        assert -1.0 <= state.growth_rate <= 1.0
        expected = 0.3 * (state.proficiency - before.proficiency) + 0.7 * before.growth_rate
        assert state.growth_rate == pytest.approx(expected)
    rising = update(SkillState.initial(p), 1.0, p)
    assert rising.growth_rate > 0


def test_confidence_grows_with_evidence_and_certainty() -> None:
    assert confidence_level(0, 0.99) == 0.0
    assert confidence_level(10, 0.99) > confidence_level(2, 0.99)
    assert confidence_level(10, 0.99) > confidence_level(10, 0.6)
    assert confidence_level(10, 0.5) == pytest.approx(0.0)
    assert 0.0 <= confidence_level(1000, 1.0) <= 1.0
