"""Bayesian Knowledge Tracing: the O(1) online update, growth and confidence, and EM re-estimation.

A score s in [0, 1] is virtual evidence on whether the answer was correct (Pearl): the likelihood of
the observation is s·P(correct | state) + (1 − s)·P(wrong | state). For s in {0, 1} this is exactly
standard BKT (Corbett & Anderson); the EM below treats the answer's correctness as one more hidden
variable, so it is a proper EM for fractional scores too. No forgetting (pyBKT's default).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

#: Parameters are kept away from 0 and 1 so that no evidence becomes impossible.
EPSILON = 1e-4
#: Smoothing factor of growthRate (exponentially weighted mean of per-assessment change).
GROWTH_ALPHA = 0.3
#: Observations at which the evidence factor of confidenceLevel reaches 1/2.
CONFIDENCE_HALF_EVIDENCE = 3.0
#: EM stops when the log-likelihood improves by less than this, relative to its magnitude.
EM_TOLERANCE = 1e-6
#: Fewest observations FitSkillParameters accepts.
MIN_FIT_OBSERVATIONS = 20


@dataclass(frozen=True)
class BKTParams:
    """Per-skill BKT parameters: P(L0), P(T), P(G), P(S)."""

    prior: float
    learn: float
    guess: float
    slip: float

    def clipped(self) -> BKTParams:
        """The same parameters kept inside [EPSILON, 1 − EPSILON]."""
        c = lambda v: min(1.0 - EPSILON, max(EPSILON, float(v)))  # noqa: E731
        return BKTParams(c(self.prior), c(self.learn), c(self.guess), c(self.slip))


#: Service defaults for a skill that was never fitted (classic BKT starting values).
DEFAULT_PARAMS = BKTParams(prior=0.3, learn=0.1, guess=0.2, slip=0.1)


@dataclass(frozen=True)
class SkillState:
    """A learner's state of one skill, as stored on HAS_SKILL."""

    proficiency: float      # P(known) now, i.e. after the last observation and its learning step
    growth_rate: float
    confidence: float
    observations: int

    @staticmethod
    def initial(params: BKTParams) -> SkillState:
        """The state before any observation: P(known) is the prior."""
        return SkillState(params.prior, 0.0, 0.0, 0)


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


def update(state: SkillState, score: float, params: BKTParams) -> SkillState:
    """Apply one observation in O(1): posterior, learning transition, growth and confidence."""
    post = posterior(state.proficiency, score, params)
    p_next = post + (1.0 - post) * params.learn
    p_next = min(1.0, max(0.0, p_next))
    growth = GROWTH_ALPHA * (p_next - state.proficiency) + (1.0 - GROWTH_ALPHA) * state.growth_rate
    count = state.observations + 1
    return SkillState(p_next, max(-1.0, min(1.0, growth)), confidence_level(count, p_next), count)


@dataclass(frozen=True)
class FitResult:
    """Outcome of EM."""

    params: BKTParams
    log_likelihood: float
    iterations: int
    converged: bool
    observations: int
    sequences: int


def _pad(sequences: Sequence[Sequence[float]]) -> tuple[np.ndarray, np.ndarray]:
    width = max(len(s) for s in sequences)
    scores = np.zeros((len(sequences), width))
    mask = np.zeros((len(sequences), width), dtype=bool)
    for i, seq in enumerate(sequences):
        scores[i, :len(seq)] = seq
        mask[i, :len(seq)] = True
    return scores, mask


def _e_step(scores: np.ndarray, mask: np.ndarray, p: BKTParams) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    """Scaled forward-backward over all sequences at once; returns (log-lik, gamma_known, xi_learn, w)."""
    n, width = scores.shape
    e_known = scores * (1.0 - p.slip) + (1.0 - scores) * p.slip
    e_unknown = scores * p.guess + (1.0 - scores) * (1.0 - p.guess)
    alpha = np.zeros((n, width, 2))       # [.., 0] known, [.., 1] unknown; normalised per step
    scale = np.ones((n, width))
    a_k, a_u = p.prior * e_known[:, 0], (1.0 - p.prior) * e_unknown[:, 0]
    for t in range(width):
        if t > 0:
            prev = alpha[:, t - 1]
            pk = prev[:, 0] + prev[:, 1] * p.learn
            pu = prev[:, 1] * (1.0 - p.learn)
            a_k, a_u = pk * e_known[:, t], pu * e_unknown[:, t]
        c = a_k + a_u
        live = mask[:, t]
        scale[:, t] = np.where(live, c, 1.0)
        alpha[:, t, 0] = np.where(live, a_k / c, 0.0)
        alpha[:, t, 1] = np.where(live, a_u / c, 0.0)
    beta = np.ones((n, width, 2))
    xi = np.zeros((n, width))             # P(unknown at t, known at t+1 | data)
    for t in range(width - 2, -1, -1):
        live = mask[:, t + 1]
        bk = beta[:, t + 1, 0] * e_known[:, t + 1]
        bu = beta[:, t + 1, 1] * e_unknown[:, t + 1]
        c = scale[:, t + 1]
        new_k = bk / c                                  # known stays known
        new_u = (p.learn * bk + (1.0 - p.learn) * bu) / c
        beta[:, t, 0] = np.where(live, new_k, 1.0)
        beta[:, t, 1] = np.where(live, new_u, 1.0)
        xi[:, t] = np.where(live, alpha[:, t, 1] * p.learn * bk / c, 0.0)
    gamma = alpha * beta
    gamma /= np.where(mask, gamma.sum(axis=2), 1.0)[:, :, None]
    loglik = float(np.log(scale[mask]).sum())
    return loglik, gamma, xi, np.stack([e_known, e_unknown], axis=2)


def _m_step(scores: np.ndarray, mask: np.ndarray, gamma: np.ndarray, xi: np.ndarray,
            p: BKTParams) -> BKTParams:
    g_known = np.where(mask, gamma[:, :, 0], 0.0)
    g_unknown = np.where(mask, gamma[:, :, 1], 0.0)
    prior = float(g_known[:, 0].mean())
    # Transitions exist between t and t + 1 only where t + 1 is observed.
    has_next = np.zeros_like(mask)
    has_next[:, :-1] = mask[:, 1:]
    learn = float(xi.sum() / max(np.where(has_next, g_unknown, 0.0).sum(), 1e-12))
    # Posterior that the hidden answer was correct, given the state and the virtual evidence.
    right_known = scores * (1.0 - p.slip)
    w_known = right_known / np.maximum(right_known + (1.0 - scores) * p.slip, 1e-300)
    right_unknown = scores * p.guess
    w_unknown = right_unknown / np.maximum(right_unknown + (1.0 - scores) * (1.0 - p.guess), 1e-300)
    slip = float((g_known * (1.0 - w_known)).sum() / max(g_known.sum(), 1e-12))
    guess = float((g_unknown * w_unknown).sum() / max(g_unknown.sum(), 1e-12))
    return BKTParams(prior, learn, guess, slip).clipped()


def fit_em(sequences: Sequence[Sequence[float]], *, start: BKTParams = DEFAULT_PARAMS,
           max_iterations: int = 100, tolerance: float = EM_TOLERANCE) -> FitResult:
    """Baum-Welch from start until the log-likelihood gains less than tolerance·|LL|."""
    seqs = [list(s) for s in sequences if len(s) > 0]
    if not seqs:
        raise ValueError("no observations")
    scores, mask = _pad(seqs)
    params = start.clipped()
    previous = -math.inf
    loglik = previous
    converged = False
    iterations = 0
    for iterations in range(1, max_iterations + 1):
        loglik, gamma, xi, _ = _e_step(scores, mask, params)
        if previous > -math.inf and abs(loglik - previous) <= tolerance * max(1.0, abs(loglik)):
            converged = True
            break
        previous = loglik
        params = _m_step(scores, mask, gamma, xi, params)
    # Identifiability: a "known" state that answers worse than the "unknown" one is the swapped solution.
    if params.guess + params.slip >= 1.0:
        converged = False
    return FitResult(params, loglik, iterations, converged, int(mask.sum()), len(seqs))


def fit_best(sequences: Sequence[Sequence[float]], *, max_iterations: int = 100) -> FitResult:
    """EM from a few fixed starting points; the best log-likelihood with guess + slip < 1 wins."""
    starts = [DEFAULT_PARAMS, BKTParams(0.5, 0.2, 0.1, 0.05), BKTParams(0.1, 0.05, 0.3, 0.2)]
    results = [fit_em(sequences, start=s, max_iterations=max_iterations) for s in starts]
    sane = [r for r in results if r.params.guess + r.params.slip < 1.0] or results
    return max(sane, key=lambda r: r.log_likelihood)
