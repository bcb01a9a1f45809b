"""BKT against pyBKT golden files (scripts/bkt_golden.py): predictions with and without forgetting, long
runs without saturation, EM fits and held-out AUC; honest fits on degenerate histories; growth and
confidence."""

from __future__ import annotations

import json
import math
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from stores.graph.knowledge_tracing import (
    DEGENERATE,
    LOGIT_BOUND,
    BKTParams,
    SkillState,
    confidence_level,
    fit_best,
    fit_em,
    fold,
    log_likelihood,
    posterior,
    replay,
    update,
)

GOLDEN = json.loads((Path(__file__).parents[1] / "data" / "bkt_golden.json").read_text())
#: Mean absolute difference allowed between our predictions and pyBKT's on the same parameters.
PREDICTION_TOLERANCE = 0.01
#: Largest difference allowed between each parameter our EM finds and pyBKT's EM (README, GraphService).
FIT_TOLERANCE = 0.02
#: EM must recover each generating parameter within this absolute error.
RECOVERY_TOLERANCE = 0.05


def mean_abs(a: Sequence[float], b: Sequence[float]) -> float:
    assert len(a) == len(b)
    return sum(abs(x - y) for x, y in zip(a, b, strict=True)) / len(a)


def auc(labels: Sequence[float], scores: Sequence[float]) -> float:
    """Area under the ROC curve (Mann-Whitney, ties counted half)."""
    ranked = sorted(zip(scores, labels, strict=True))
    rank_sum, i = 0.0, 0
    while i < len(ranked):
        j = i
        while j < len(ranked) and ranked[j][0] == ranked[i][0]:
            j += 1
        rank = (i + 1 + j) / 2            # mean 1-based rank of the tie group
        rank_sum += rank * sum(1 for _, y in ranked[i:j] if y == 1)
        i = j
    positives = sum(1 for y in labels if y == 1)
    negatives = len(labels) - positives
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def params_of(d: dict[str, Any]) -> BKTParams:
    return BKTParams(d["prior"], d["learn"], d["guess"], d["slip"], d.get("forget", 0.0))


@pytest.mark.parametrize("case", GOLDEN["cases"] + GOLDEN["runs"], ids=lambda c: c["name"])
def test_online_update_agrees_with_pybkt(case: dict[str, Any]) -> None:
    correct, known = replay(params_of(case["params"]), case["sequences"])
    assert mean_abs(correct, case["correct_predictions"]) <= PREDICTION_TOLERANCE
    assert mean_abs(known, case["state_predictions"]) <= PREDICTION_TOLERANCE


@pytest.mark.parametrize("run", GOLDEN["runs"], ids=lambda c: c["name"])
def test_long_runs_of_right_answers_do_not_saturate(run: dict[str, Any]) -> None:
    params = params_of(run["params"])
    _, known = replay(params, run["sequences"])
    # every single step, not only on average: a stuck state would be far off right after the turn
    assert max(abs(a - b) for a, b in zip(known, run["state_predictions"], strict=True)) <= 0.01
    for seq in run["sequences"]:
        assert -LOGIT_BOUND < fold(seq, params).logit() < LOGIT_BOUND


def test_the_issue_example_recovers_from_a_run_of_24_right_answers() -> None:
    params = BKTParams(0.3, 0.1, 0.2, 0.1)
    high = fold([1.0] * 24, params)
    # P(known) itself rounds to 1.0 in a double here; the log-odds keep the evidence
    assert 30 < high.logit() < LOGIT_BOUND
    assert fold([1.0] * 24 + [0.0] * 40, params).proficiency == pytest.approx(0.1143, abs=1e-3)
    # 10,000 right answers stay inside the bound and wrong answers still bring it down
    top = fold([1.0] * 10_000, params)
    assert top.logit() == LOGIT_BOUND
    assert update(top, 0.0, params).logit() < LOGIT_BOUND
    assert fold([1.0] * 10_000 + [0.0] * 60, params).proficiency < 0.5


@pytest.mark.parametrize("case", GOLDEN["cases"], ids=lambda c: c["name"])
def test_em_lands_where_pybkt_lands(case: dict[str, Any]) -> None:
    forgets = case["params"]["forget"] > 0
    result = fit_best(case["sequences"], forgets=forgets)
    fitted = vars(result.params)
    for name in ("prior", "learn", "guess", "slip", "forget"):
        assert abs(fitted[name] - case["pybkt_fit"][name]) <= FIT_TOLERANCE, (name, fitted, case["pybkt_fit"])
        assert abs(fitted[name] - case["params"][name]) <= RECOVERY_TOLERANCE, (name, fitted, case["params"])
    assert result.converged and not result.rejected
    assert result.observations == sum(len(s) for s in case["sequences"])
    assert result.log_likelihood == pytest.approx(log_likelihood(case["sequences"], result.params), rel=1e-12)


@pytest.mark.parametrize("case", GOLDEN["cases"], ids=lambda c: c["name"])
def test_held_out_learners_are_predicted_as_well_as_by_pybkt(case: dict[str, Any]) -> None:
    result = fit_best(case["sequences"], forgets=case["params"]["forget"] > 0)
    predicted, _ = replay(result.params, case["held_out"])
    labels = [a for seq in case["held_out"] for a in seq]
    assert mean_abs(predicted, case["pybkt_held_out_predictions"]) <= PREDICTION_TOLERANCE
    # BKT predictions tie wherever histories share a prefix; pyBKT's float noise breaks those ties at
    # random for scikit-learn, so compare both under the same tie rule (ties count half).
    theirs = auc(labels, case["pybkt_held_out_predictions"])
    assert theirs == pytest.approx(case["pybkt_held_out_auc"], abs=1e-3)
    assert auc(labels, predicted) >= theirs - 0.005


def test_forgetting_is_estimated_only_when_asked() -> None:
    [case] = [c for c in GOLDEN["cases"] if c["name"] == "forgetful"]
    assert fit_best(case["sequences"]).params.forget == 0.0
    with_forgets = fit_best(case["sequences"], forgets=True)
    assert with_forgets.params.forget > 0.05
    assert with_forgets.log_likelihood > fit_best(case["sequences"]).log_likelihood


def test_em_does_not_lower_the_likelihood_and_reports_that_of_its_result() -> None:
    seqs = GOLDEN["cases"][0]["sequences"]
    one = fit_em(seqs, max_iterations=1)
    more = fit_em(seqs, max_iterations=3)
    assert more.log_likelihood >= one.log_likelihood
    for result in (one, more):   # stopped at max_iterations: still the likelihood of the returned params
        assert not result.converged
        assert result.log_likelihood == pytest.approx(log_likelihood(seqs, result.params), rel=1e-12)


def _declining(rng: random.Random) -> list[float]:
    turn = rng.randint(3, 12)
    return [1.0] * turn + [0.0] * (15 - turn)


DEGENERATE_HISTORIES = {
    "all_right": lambda rng: [1.0] * 15,
    "all_wrong": lambda rng: [0.0] * 15,
    "declining": _declining,
    "declining_noisy": lambda rng: [float(rng.random() < max(0.05, 0.95 - t * 0.07)) for t in range(15)],
}


@pytest.mark.parametrize("forgets", [False, True])
@pytest.mark.parametrize("history", DEGENERATE_HISTORIES)
def test_degenerate_histories_never_yield_a_usable_fit_with_guess_plus_slip_of_one(history: str,
                                                                                   forgets: bool) -> None:
    rng = random.Random(history)
    seqs = [DEGENERATE_HISTORIES[history](rng) for _ in range(100)]
    result = fit_best(seqs, forgets=forgets)
    p = result.params
    if result.rejected:
        assert result.rejected == DEGENERATE and p.guess + p.slip >= 1
    else:
        assert p.guess + p.slip < 1
        # and under the fit a right answer raises P(known)
        assert posterior(0.5, 1.0, p) > 0.5 > posterior(0.5, 0.0, p)
    assert math.isfinite(result.log_likelihood)


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
