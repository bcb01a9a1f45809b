"""Golden files for the BKT tests: pyBKT's per-step predictions and EM fits on synthetic learners.

pyBKT is a test-only reference and needs numpy<2 and scikit-learn<1.6, so run this script in a
throwaway venv, not in the service's:

    python3 -m venv "$BKTVENV"        # any throwaway directory outside the repository
    "$BKTVENV"/bin/pip install pyBKT 'numpy<2' 'scikit-learn<1.6'
    "$BKTVENV"/bin/python scripts/bkt_golden.py      # writes tests/stores/data/bkt_golden.json

Learners are simulated from known parameters with a fixed seed (cases with forget > 0 lose a known
skill with that probability after each step). Per case the JSON holds the observations, pyBKT's
predictions under the generating parameters (correct_predictions: P(correct) of a step before it is
seen; state_predictions: P(known) before the step), pyBKT's own EM fit (forgets=True where the case
forgets), and held-out learners from the same parameters with pyBKT's predictions under its fit and
their AUC. "runs" are hand-made sequences (long runs of right answers, then wrong ones) with pyBKT's
predictions under the given parameters.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from pyBKT.models import Model
from sklearn.metrics import roc_auc_score

SEED = 20240607
#: (name, prior, learn, guess, slip, forget, learners, steps)
CASES = [("classic", 0.3, 0.15, 0.2, 0.1, 0.0, 300, 20),
         ("hard", 0.1, 0.05, 0.25, 0.15, 0.0, 300, 30),
         ("easy", 0.6, 0.3, 0.1, 0.05, 0.0, 200, 15),
         ("forgetful", 0.3, 0.2, 0.15, 0.1, 0.08, 400, 25),
         ("slow_forget", 0.2, 0.12, 0.2, 0.1, 0.03, 400, 30)]
HELD_OUT = 200
#: (name, prior, learn, guess, slip, forget, sequences)
RUNS = [("defaults", 0.3, 0.1, 0.2, 0.1, 0.0,
         [[1] * 24 + [0] * 40, [1] * 40 + [0] * 40, [1] * 30 + [0] * 10 + [1] * 10, [0] * 30 + [1] * 30]),
        ("defaults_forget", 0.3, 0.1, 0.2, 0.1, 0.05,
         [[1] * 24 + [0] * 40, [1] * 40 + [0] * 40, [0] * 30 + [1] * 30])]
OUT = Path(__file__).resolve().parent.parent / "tests" / "stores" / "data" / "bkt_golden.json"


def simulate(rng: np.random.Generator, prior: float, learn: float, guess: float, slip: float,
             forget: float, learners: int, steps: int) -> list[list[int]]:
    """Answers of learners from the BKT generative model (learn and forget after each step)."""
    out = []
    for _ in range(learners):
        known = rng.random() < prior
        seq = []
        for _ in range(steps):
            correct = rng.random() < ((1 - slip) if known else guess)
            seq.append(int(correct))
            # Draw only what the step needs, so cases without forgetting keep their random stream.
            if known:
                known = not (forget > 0 and rng.random() < forget)
            else:
                known = rng.random() < learn
        out.append(seq)
    return out


def frame(skill: str, sequences: list[list[int]], prefix: str = "u") -> pd.DataFrame:
    """pyBKT's input format, one row per answer in order."""
    rows = []
    order = 0
    for user, seq in enumerate(sequences):
        for correct in seq:
            rows.append({"order_id": order, "user_id": f"{prefix}{user}", "skill_name": skill,
                         "correct": correct})
            order += 1
    return pd.DataFrame(rows)


def predict_with(skill: str, df: pd.DataFrame, prior: float, learn: float, guess: float, slip: float,
                 forget: float) -> pd.DataFrame:
    """pyBKT's predictions of df under the given parameters."""
    # preload skips EM; its random As/pi_0 then overwrite learns and prior, so set the
    # parameters on the fitted model itself (predict reads prior, learns, forgets, guesses, slips).
    model = Model(seed=SEED, num_fits=1)
    model.fit(data=df, preload=True)
    model.fit_model[skill].update({"prior": prior, "learns": np.array([learn]),
                                   "forgets": np.array([forget]), "guesses": np.array([guess]),
                                   "slips": np.array([slip])})
    return model.predict(data=df).sort_values("order_id")


def rounded(values: pd.Series) -> list[float]:
    return [round(float(v), 12) for v in values]


def main() -> None:
    rng = np.random.default_rng(SEED)
    held_rng = np.random.default_rng(SEED + 1)   # its own stream, so adding cases changes no earlier data
    cases = []
    for name, prior, learn, guess, slip, forget, learners, steps in CASES:
        sequences = simulate(rng, prior, learn, guess, slip, forget, learners, steps)
        df = frame(name, sequences)
        fitted = Model(seed=SEED, num_fits=5)
        fitted.fit(data=df, forgets=forget > 0)
        coef = fitted.coef_[name]
        pred = predict_with(name, df, prior, learn, guess, slip, forget)
        held = simulate(held_rng, prior, learn, guess, slip, forget, HELD_OUT, steps)
        held_pred = fitted.predict(data=frame(name, held, "h")).sort_values("order_id")
        cases.append({
            "name": name,
            "params": {"prior": prior, "learn": learn, "guess": guess, "slip": slip, "forget": forget},
            "sequences": sequences,
            "correct_predictions": rounded(pred["correct_predictions"]),
            "state_predictions": rounded(pred["state_predictions"]),
            "pybkt_fit": {"prior": float(coef["prior"]), "learn": float(coef["learns"][0]),
                          "guess": float(coef["guesses"][0]), "slip": float(coef["slips"][0]),
                          "forget": float(coef["forgets"][0]) if forget > 0 else 0.0},
            "held_out": held,
            "pybkt_held_out_predictions": rounded(held_pred["correct_predictions"]),
            "pybkt_held_out_auc": float(roc_auc_score([a for s in held for a in s],
                                                      held_pred["correct_predictions"])),
        })
    runs = []
    for name, prior, learn, guess, slip, forget, sequences in RUNS:
        pred = predict_with("runs", frame("runs", sequences), prior, learn, guess, slip, forget)
        runs.append({"name": name,
                     "params": {"prior": prior, "learn": learn, "guess": guess, "slip": slip, "forget": forget},
                     "sequences": sequences,
                     "correct_predictions": rounded(pred["correct_predictions"]),
                     "state_predictions": rounded(pred["state_predictions"])})
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"generator": "scripts/bkt_golden.py", "seed": SEED, "pybkt": "1.4.3",
                               "cases": cases, "runs": runs}, separators=(",", ":")) + "\n")
    print(f"wrote {OUT.name}: {sum(len(c['correct_predictions']) for c in cases)} predictions")


if __name__ == "__main__":
    main()
