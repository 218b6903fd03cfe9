"""How good is a risk score and alert rule? Metrics and the two simple baselines.

Definitions (also in docs/early-warning.md). Weeks are protocol weeks; ``left_week`` L is the
first week a leaver is no longer enrolled, so the leaver has rows for weeks < L.
- auc_4w: AUC of risk over all present student-weeks; positive when the student leaves within
  the next 4 weeks (t < L <= t + 4).
- share_alerted_2w_ahead: share of leavers with an alert in some week t with L-12 <= t <= L-2.
- median_lead_weeks: over leavers with an alert in [L-12, L-1], the median of L minus the start
  week of the *last* alert episode that began in that window (null if none). This is how long
  the warning had been standing when the student left; counting from the first alert instead
  rewards rules that flicker on and off at random (reported as median_lead_weeks_first_alert).
- false_alarms_per_mentor_month: new alert episodes (alert this week, no alert in the
  student's previous present week) on stayers, per stayer student-week, times 10 students
  times 4.33 weeks per month.
- stayer_weeks_in_alert (extra): share of stayer student-weeks with the alert on.
"""

import numpy as np
from scipy.stats import rankdata

from zicht.analytics.labels import KEY_ITEMS

HORIZON = 4
MIN_LEAD = 2
LOOKBACK = 12
CASELOAD = 10
WEEKS_PER_MONTH = 52 / 12


def auc(score, label):
    score = np.asarray(score, np.float64)
    label = np.asarray(label, bool)
    n1, n0 = label.sum(), (~label).sum()
    if n1 == 0 or n0 == 0:
        return float("nan")
    ranks = rankdata(score)
    return float((ranks[label].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def metrics(risk, alert, present, left_week, with_auc=True):
    """risk, alert, present: (N, T) arrays; left_week: (N,) int, 0 for stayers.

    with_auc=False skips the (slow) AUC, for threshold searches that only look at the alerts."""
    N, T = present.shape
    week = np.arange(1, T + 1)[None, :]
    L = np.asarray(left_week)[:, None]
    leaver = L > 0
    rows = present & (~leaver | (week < L))
    label = leaver & (week < L) & (L <= week + HORIZON)
    out = {"auc_4w": auc(risk[rows], label[rows]) if with_auc else float("nan")}

    alert = alert & rows
    window = leaver & (week >= L - LOOKBACK) & (week <= L - MIN_LEAD)
    lv = leaver[:, 0]
    out["share_alerted_2w_ahead"] = float((alert & window).any(1)[lv].mean()) if lv.any() else float("nan")
    in_look = alert & leaver & (week >= L - LOOKBACK) & (week < L)
    has = in_look.any(1) & lv
    # episode starts inside the look-back window (an alert already on at L-12 starts there)
    before = np.concatenate([np.zeros((N, 1), bool), in_look[:, :-1]], 1)
    starts = in_look & ~before
    last_start = T - np.argmax(starts[:, ::-1], axis=1)
    first = np.argmax(in_look, axis=1) + 1
    leads = (L[:, 0] - last_start)[has]
    firsts = (L[:, 0] - first)[has]
    out["median_lead_weeks"] = float(np.median(leads)) if len(leads) else float("nan")
    out["median_lead_weeks_first_alert"] = float(np.median(firsts)) if len(firsts) else float("nan")

    # previous present week's alert state
    prev = np.zeros(N, bool)
    new = np.zeros((N, T), bool)
    for t in range(T):
        new[:, t] = alert[:, t] & ~prev
        prev = np.where(rows[:, t], alert[:, t], prev)
    stay_rows = rows & ~leaver
    weeks = stay_rows.sum()
    out["false_alarms_per_mentor_month"] = (
        float(new[stay_rows].sum() / weeks * CASELOAD * WEEKS_PER_MONTH) if weeks else float("nan")
    )
    # Extra transparency: how much of the time stayers are flagged (episodes alone would reward
    # alerts that never switch off), and the lead counted from the *first* alert in the window.
    out["stayer_weeks_in_alert"] = float(alert[stay_rows].mean()) if weeks else float("nan")
    return out


def baseline_missed(X, present):
    """Baseline (a): alert after 2 missed diaries in a row; risk = current run of missed diaries."""
    missed = present & np.isnan(X).all(2)
    streak = np.zeros(present.shape, np.float32)
    run = np.zeros(present.shape[0], np.float32)
    for t in range(present.shape[1]):
        run = np.where(missed[:, t], run + 1, np.where(present[:, t], 0, run))
        streak[:, t] = run
    return streak, (streak >= 2) & present


def baseline_low(X, present, items):
    """Baseline (b): alert when the last observed value of any key item is below 40.

    Key items are the known ones (labels.KEY_ITEMS) when present, else all items.
    risk = 100 - lowest last observed key value."""
    keys = [j for j, name in enumerate(items) if str(name).strip().lower() in KEY_ITEMS]
    Xk = X[:, :, keys] if keys else X
    N, T, K = Xk.shape
    last = np.full((N, K), np.nan, np.float32)
    low = np.full((N, T), np.nan, np.float32)
    for t in range(T):
        x = Xk[:, t, :]
        last = np.where(np.isnan(x), last, x)
        ok = ~np.isnan(last)
        low[:, t] = np.where(ok.any(1), np.where(ok, last, np.inf).min(1), np.nan)
    risk = 100 - np.nan_to_num(low, nan=100.0)
    return risk.astype(np.float32), (low < 40) & present


def evaluate_all(X, present, left_week, items, risk, alert):
    """Model and baseline metrics in one flat dict (baseline keys prefixed)."""
    out = metrics(risk, alert, present, left_week)
    for prefix, (r, a) in (
        ("baseline_missed_", baseline_missed(X, present)),
        ("baseline_low_", baseline_low(X, present, items)),
    ):
        for k, v in metrics(r, a, present, left_week).items():
            out[prefix + k] = v
    return out
