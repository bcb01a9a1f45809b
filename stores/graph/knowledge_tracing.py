"""Bayesian Knowledge Tracing: the O(1) online update, growth and confidence, and EM re-estimation.

A score s in [0, 1] is virtual evidence on whether the answer was correct (Pearl): the likelihood of
the observation is s·P(correct | state) + (1 − s)·P(wrong | state). For s in {0, 1} this is exactly
standard BKT (Corbett & Anderson); the EM below treats the answer's correctness as one more hidden
variable, so it is a proper EM for fractional scores too.

Forgetting (pyBKT's `forgets=True`): after each observation a known skill is lost with probability
P(F), and an unknown one learnt with P(T). P(F) = 0 is classic BKT.

The state is carried as log-odds of P(known), not as P(known): near 1, the float 1 − p has no
digits left (24 right answers under the defaults give p = 1.0 exactly), and a state stuck at 1 ignores
every later wrong answer. Log-odds keep both tails exact; they are bounded by ±LOGIT_BOUND.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

#: Parameters are kept away from 0 and 1 so that no evidence becomes impossible.
EPSILON = 1e-4
#: Bound of the stored log-odds of P(known), i.e. P(known) in [σ(−100), σ(100)] ≈ [4e-44, 1 − 4e-44].
#: Under the defaults a right answer adds about 1.6 and a wrong one removes about 2, so the bound
#: follows exact BKT (pyBKT) through runs of some 60 right answers, and caps how long any run of them
#: can outweigh the wrong answers that follow.
LOGIT_BOUND = 100.0
#: Smoothing factor of growthRate (exponentially weighted mean of per-assessment change).
GROWTH_ALPHA = 0.3
#: Observations at which the evidence factor of confidenceLevel reaches 1/2.
CONFIDENCE_HALF_EVIDENCE = 3.0
#: EM stops when the log-likelihood improves by less than this, relative to its magnitude.
EM_TOLERANCE = 1e-6
#: Fewest observations FitSkillParameters accepts.
MIN_FIT_OBSERVATIONS = 20
#: Why fit_best found no usable solution (FitResult.rejected).
DEGENERATE = "GUESS_PLUS_SLIP_AT_LEAST_ONE"


def _clip(value: float, low: float = EPSILON) -> float:
    return min(1.0 - EPSILON, max(low, float(value)))


@dataclass(frozen=True)
class BKTParams:
    """Per-skill BKT parameters: P(L0), P(T), P(G), P(S) and P(F) (forgetting, 0 by default)."""

    prior: float
    learn: float
    guess: float
    slip: float
    forget: float = 0.0

    def clipped(self) -> BKTParams:
        """The same parameters kept inside [EPSILON, 1 − EPSILON]; forget may stay exactly 0."""
        return BKTParams(_clip(self.prior), _clip(self.learn), _clip(self.guess), _clip(self.slip),
                         _clip(self.forget, 0.0))


#: Service defaults for a skill that was never fitted (classic BKT starting values).
DEFAULT_PARAMS = BKTParams(prior=0.3, learn=0.1, guess=0.2, slip=0.1)


def sigmoid(x: float) -> float:
    """1 / (1 + e^−x) without overflow."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def logit(p: float) -> float:
    """log(p / (1 − p)), bounded by ±LOGIT_BOUND (p = 0 or 1 maps to the bound)."""
    if p <= 0.0:
        return -LOGIT_BOUND
    if p >= 1.0:
        return LOGIT_BOUND
    return max(-LOGIT_BOUND, min(LOGIT_BOUND, math.log(p) - math.log1p(-p)))


@dataclass(frozen=True)
class SkillState:
    """A learner's state of one skill, as stored on HAS_SKILL."""

    proficiency: float      # P(known) now, i.e. after the last observation and its learning step
    growth_rate: float
    confidence: float
    observations: int
    #: log-odds of proficiency, the exact form the update works on; None: derived from proficiency
    #: (an edge written before log-odds were stored, or set by hand).
    log_odds: float | None = None

    @staticmethod
    def initial(params: BKTParams) -> SkillState:
        """The state before any observation: P(known) is the prior."""
        return SkillState(params.prior, 0.0, 0.0, 0, logit(params.prior))

    def logit(self) -> float:
        """The log-odds of P(known)."""
        return self.log_odds if self.log_odds is not None else logit(self.proficiency)


def predict_correct(p_known: float, params: BKTParams) -> float:
    """P(correct) of the next answer given P(known) before it (what pyBKT calls correct_predictions)."""
    return p_known * (1.0 - params.slip) + (1.0 - p_known) * params.guess


def posterior(p_known: float, score: float, params: BKTParams) -> float:
    """P(known | this observation), before the learning transition."""
    known = p_known * (score * (1.0 - params.slip) + (1.0 - score) * params.slip)
    unknown = (1.0 - p_known) * (score * params.guess + (1.0 - score) * (1.0 - params.guess))
    return known / (known + unknown)


def confidence_level(observations: int, p_known: float) -> float:
    """Evidence factor n/(n + 3) times posterior certainty 1 − H2(p) (binary entropy, bits)."""
    if p_known <= 0.0 or p_known >= 1.0:
        certainty = 1.0
    else:
        certainty = 1.0 + p_known * math.log2(p_known) + (1.0 - p_known) * math.log2(1.0 - p_known)
    return observations / (observations + CONFIDENCE_HALF_EVIDENCE) * certainty


def step_log_odds(log_odds: float, score: float, params: BKTParams) -> float:
    """One observation in log-odds: Bayes' rule on the evidence, then the learn/forget transition."""
    evidence_known = score * (1.0 - params.slip) + (1.0 - score) * params.slip
    evidence_unknown = score * params.guess + (1.0 - score) * (1.0 - params.guess)
    post = max(-LOGIT_BOUND, min(LOGIT_BOUND, log_odds)) + math.log(evidence_known) - math.log(evidence_unknown)
    known, unknown = sigmoid(post), sigmoid(-post)   # each exact in its own tail
    next_known = known * (1.0 - params.forget) + unknown * params.learn
    next_unknown = unknown * (1.0 - params.learn) + known * params.forget
    return max(-LOGIT_BOUND, min(LOGIT_BOUND, math.log(next_known) - math.log(next_unknown)))


def update(state: SkillState, score: float, params: BKTParams) -> SkillState:
    """Apply one observation in O(1): posterior, learn/forget transition, growth and confidence."""
    log_odds = step_log_odds(state.logit(), score, params)
    p_next = sigmoid(log_odds)
    growth = GROWTH_ALPHA * (p_next - state.proficiency) + (1.0 - GROWTH_ALPHA) * state.growth_rate
    count = state.observations + 1
    return SkillState(p_next, max(-1.0, min(1.0, growth)), confidence_level(count, p_next), count, log_odds)


def replay(params: BKTParams, sequences: Sequence[Sequence[float]]) -> tuple[list[float], list[float]]:
    """The online update over sequences: P(correct) and P(known) before each step (what pyBKT's
    predictions are compared with)."""
    correct, known = [], []
    for seq in sequences:
        state = SkillState.initial(params)
        for score in seq:
            correct.append(predict_correct(state.proficiency, params))
            known.append(state.proficiency)
            state = update(state, score, params)
    return correct, known


def fold(scores: Sequence[float], params: BKTParams, start: SkillState | None = None) -> SkillState:
    """The state after a whole history, oldest first, from start (default: the initial state): what
    HAS_SKILL holds for it."""
    state = start or SkillState.initial(params)
    for score in scores:
        state = update(state, score, params)
    return state


@dataclass(frozen=True)
class FitResult:
    """Outcome of EM; log_likelihood is that of params (the returned parameters, not an earlier iterate)."""

    params: BKTParams
    log_likelihood: float
    iterations: int
    converged: bool
    observations: int
    sequences: int
    #: Why the result must not be stored ("" when it may): DEGENERATE for guess + slip >= 1.
    rejected: str = ""


def _pad(sequences: Sequence[Sequence[float]]) -> tuple[np.ndarray, np.ndarray]:
    width = max(len(s) for s in sequences)
    scores = np.zeros((len(sequences), width))
    mask = np.zeros((len(sequences), width), dtype=bool)
    for i, seq in enumerate(sequences):
        scores[i, :len(seq)] = seq
        mask[i, :len(seq)] = True
    return scores, mask


@dataclass(frozen=True)
class _Posteriors:
    loglik: float
    gamma: np.ndarray      # P(state at t | data), [..., 0] known, [..., 1] unknown
    xi_learn: np.ndarray   # P(unknown at t, known at t + 1 | data)
    xi_forget: np.ndarray  # P(known at t, unknown at t + 1 | data)


def _e_step(scores: np.ndarray, mask: np.ndarray, p: BKTParams) -> _Posteriors:
    """Scaled forward-backward over all sequences at once, with learn and forget transitions."""
    n, width = scores.shape
    # emission[.., 0]: P(observation | known), [.., 1]: P(observation | unknown)
    emission = np.stack([scores * (1.0 - p.slip) + (1.0 - scores) * p.slip,
                         scores * p.guess + (1.0 - scores) * (1.0 - p.guess)], axis=2)
    # transition[i, j] = P(state j at t + 1 | state i at t)
    transition = np.array([[1.0 - p.forget, p.forget], [p.learn, 1.0 - p.learn]])
    alpha = np.zeros((n, width, 2))       # normalised per step
    scale = np.ones((n, width))
    a = np.stack([np.full(n, p.prior), np.full(n, 1.0 - p.prior)], axis=1) * emission[:, 0]
    for t in range(width):
        if t > 0:
            a = (alpha[:, t - 1] @ transition) * emission[:, t]
        c = a.sum(axis=1)
        live = mask[:, t]
        scale[:, t] = np.where(live, c, 1.0)
        alpha[:, t] = np.where(live[:, None], a / c[:, None], 0.0)
    beta = np.ones((n, width, 2))
    xi_learn = np.zeros((n, width))
    xi_forget = np.zeros((n, width))
    for t in range(width - 2, -1, -1):
        live = mask[:, t + 1]
        weighted = beta[:, t + 1] * emission[:, t + 1] / scale[:, t + 1][:, None]
        beta[:, t] = np.where(live[:, None], weighted @ transition.T, 1.0)
        xi_learn[:, t] = np.where(live, alpha[:, t, 1] * p.learn * weighted[:, 0], 0.0)
        xi_forget[:, t] = np.where(live, alpha[:, t, 0] * p.forget * weighted[:, 1], 0.0)
    gamma = alpha * beta
    gamma /= np.where(mask, gamma.sum(axis=2), 1.0)[:, :, None]
    return _Posteriors(float(np.log(scale[mask]).sum()), gamma, xi_learn, xi_forget)


def _m_step(scores: np.ndarray, mask: np.ndarray, post: _Posteriors, p: BKTParams,
            forgets: bool) -> BKTParams:
    g_known = np.where(mask, post.gamma[:, :, 0], 0.0)
    g_unknown = np.where(mask, post.gamma[:, :, 1], 0.0)
    prior = float(g_known[:, 0].mean())
    # Transitions exist between t and t + 1 only where t + 1 is observed.
    has_next = np.zeros_like(mask)
    has_next[:, :-1] = mask[:, 1:]
    learn = float(post.xi_learn.sum() / max(np.where(has_next, g_unknown, 0.0).sum(), 1e-12))
    forget = (float(post.xi_forget.sum() / max(np.where(has_next, g_known, 0.0).sum(), 1e-12))
              if forgets else 0.0)
    # Posterior that the hidden answer was correct, given the state and the virtual evidence.
    right_known = scores * (1.0 - p.slip)
    w_known = right_known / np.maximum(right_known + (1.0 - scores) * p.slip, 1e-300)
    right_unknown = scores * p.guess
    w_unknown = right_unknown / np.maximum(right_unknown + (1.0 - scores) * (1.0 - p.guess), 1e-300)
    slip = float((g_known * (1.0 - w_known)).sum() / max(g_known.sum(), 1e-12))
    guess = float((g_unknown * w_unknown).sum() / max(g_unknown.sum(), 1e-12))
    return BKTParams(prior, learn, guess, slip, forget).clipped()


def log_likelihood(sequences: Sequence[Sequence[float]], params: BKTParams) -> float:
    """Log-likelihood of the sequences under params."""
    scores, mask = _pad([list(s) for s in sequences if len(s) > 0])
    return _e_step(scores, mask, params.clipped()).loglik


def fit_em(sequences: Sequence[Sequence[float]], *, start: BKTParams = DEFAULT_PARAMS,
           max_iterations: int = 100, tolerance: float = EM_TOLERANCE, forgets: bool = False) -> FitResult:
    """Baum-Welch from start until the log-likelihood gains less than tolerance·|LL|.

    forgets=False keeps P(F) at 0 (classic BKT); True estimates it too (pyBKT's forgets=True).
    """
    seqs = [list(s) for s in sequences if len(s) > 0]
    if not seqs:
        raise ValueError("no observations")
    scores, mask = _pad(seqs)
    params = start.clipped()
    if not forgets:
        params = BKTParams(params.prior, params.learn, params.guess, params.slip, 0.0)
    post = _e_step(scores, mask, params)
    converged = False
    iterations = 0
    # The loop variable outlives the loop: the result reports how many iterations ran.
    for iterations in range(1, max_iterations + 1):  # noqa: B007
        params = _m_step(scores, mask, post, params, forgets)
        previous, post = post.loglik, _e_step(scores, mask, params)
        # post now belongs to params, so the reported likelihood is always that of the result.
        if abs(post.loglik - previous) <= tolerance * max(1.0, abs(post.loglik)):
            converged = True
            break
    # Identifiability: a "known" state that answers worse than the "unknown" one is the swapped solution.
    rejected = DEGENERATE if params.guess + params.slip >= 1.0 else ""
    return FitResult(params, post.loglik, iterations, converged, int(mask.sum()), len(seqs), rejected)


#: EM starting points (prior, learn, guess, slip); with forgets each also starts from P(F) = 0.05.
STARTS = (DEFAULT_PARAMS, BKTParams(0.5, 0.2, 0.1, 0.05), BKTParams(0.1, 0.05, 0.3, 0.2),
          BKTParams(0.7, 0.3, 0.25, 0.15))


def fit_best(sequences: Sequence[Sequence[float]], *, max_iterations: int = 100,
             forgets: bool = False) -> FitResult:
    """EM from a few fixed starting points; the best log-likelihood among the valid ones wins.

    A result with guess + slip >= 1 is never chosen. When every restart is degenerate, the best of
    them comes back with rejected set, and the caller must not store it.
    """
    starts = [BKTParams(s.prior, s.learn, s.guess, s.slip, 0.05 if forgets else 0.0) for s in STARTS]
    results = [fit_em(sequences, start=s, max_iterations=max_iterations, forgets=forgets) for s in starts]
    valid = [r for r in results if not r.rejected]
    return max(valid or results, key=lambda r: r.log_likelihood)
