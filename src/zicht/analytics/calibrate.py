"""Learn the risk weights and alert thresholds offline on a simulated *training* cohort.

Run:  .venv/bin/python -m zicht.analytics.calibrate --seed 1 --students 20000
It rewrites weights.py. Evaluate only on other seeds (2, 3, ...): calibrating on the cohort
being evaluated would flatter the model.
"""

import argparse
import pathlib

import numpy as np
from scipy.optimize import minimize

from zicht.analytics import evaluate, features, risk, simulate

FA_TARGET = 0.85  # stay well under the 1 false alarm per mentor-month target, leaving room for new cohorts
BURDEN_MAX = 0.08  # at most 8% of stayer-weeks flagged: an alert must be able to switch off again
L2 = 1e-3


def training_rows(cohort):
    X, present = cohort.X, cohort.present
    stats = risk.cohort_stats(X)
    F, _ = features.compute(X, present, stats)
    T = X.shape[1]
    week = np.arange(1, T + 1)[None, :]
    L = cohort.left_week[:, None]
    label = (L > 0) & (week < L) & (L <= week + evaluate.HORIZON)
    return F, label, present


def fit_logistic(F, y):
    A = np.concatenate([F, np.ones((len(F), 1), np.float32)], 1).astype(np.float64)
    y = y.astype(np.float64)

    def loss(w):
        z = A @ w
        p = 1 / (1 + np.exp(-z))
        ll = np.logaddexp(0, z) - y * z
        g = A.T @ (p - y) / len(y) + L2 * np.r_[w[:-1], 0]
        return ll.mean() + 0.5 * L2 * (w[:-1] ** 2).sum(), g

    res = minimize(loss, np.zeros(A.shape[1]), jac=True, method="L-BFGS-B")
    return res.x[:-1], res.x[-1]


def choose_thresholds(r, present, left_week):
    best = None
    for th_on in np.quantile(r[present], np.linspace(0.80, 0.995, 60)):
        for ratio in (0.3, 0.4, 0.5, 0.65, 0.8, 1.0):
            al = risk.alert_rule(r, present, th_on, th_on * ratio)
            m = evaluate.metrics(r, al, present, left_week)
            if m["false_alarms_per_mentor_month"] > FA_TARGET or m["stayer_weeks_in_alert"] > BURDEN_MAX:
                continue
            key = (m["share_alerted_2w_ahead"], m["median_lead_weeks"])
            if best is None or key > best[0]:
                best = (key, float(th_on), float(th_on * ratio), m)
    return best


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--students", type=int, default=20000)
    ap.add_argument("--out", default=str(pathlib.Path(__file__).with_name("weights.py")))
    a = ap.parse_args(argv)
    cohort = simulate.simulate(a.students, 40, seed=a.seed)
    F, label, present = training_rows(cohort)
    coef, b = fit_logistic(F[present], label[present])
    r = risk.risk_from_features(F, coef, b)
    (_, th_on, th_off, m) = choose_thresholds(r, present, cohort.left_week)
    print(f"training metrics (seed {a.seed}):", m)
    lines = [
        f'"""Risk weights learned by calibrate.py on simulated cohort seed={a.seed}, '
        f"{a.students} students (default settings).",
        "",
        "Do not evaluate on that seed. Regenerate with: .venv/bin/python -m zicht.analytics.calibrate",
        '"""',
        "",
        f"FEATURES = {features.FEATURES!r}",
        "COEF = [" + ", ".join(f"{c:.4f}" for c in coef) + "]",
        f"INTERCEPT = {b:.4f}",
        f"TH_ON = {th_on:.4f}",
        f"TH_OFF = {th_off:.4f}",
        "",
    ]
    pathlib.Path(a.out).write_text("\n".join(lines))
    for name, c in zip(features.FEATURES, coef, strict=False):
        print(f"  {name:18s} {c:+.3f}")
    print(f"  intercept {b:+.3f}  th_on {th_on:.4f}  th_off {th_off:.4f}")


if __name__ == "__main__":
    main()
