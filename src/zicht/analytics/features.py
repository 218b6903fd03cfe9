"""Per student-week features for the risk score. Every feature at week t uses weeks <= t only.

Cohort-level numbers (noise variances, within-person SD, cohort means) come from
``CohortStats`` which is built from cumulative per-week sums, so they are causal as well.
"""

from dataclasses import dataclass

import numpy as np

from zicht.analytics import filters, quality

BASELINE_DIARIES = 3  # an item's own baseline: mean of its first 3 answers
WINDOW = 4  # "recent" = the last 4 weeks
CUSUM_K = 0.5  # allowance of the CUSUM, in within-person SD units
EWMA_LAMBDA = 0.3

FEATURES = [
    "streak",
    "streak2",
    "streak3",
    "surprise",
    "missed4",
    "completion_drop",
    "decline_mean",
    "decline_top",
    "slope4",
    "slope8",
    "cusum",
    "ewma_drop",
    "low_level",
    "partial_missing",
    "reliable",
    "streak_x_decline",
    "missed4_x_decline",
]


@dataclass
class CohortStats:
    q: np.ndarray  # (T, I) level noise variance
    r: np.ndarray  # (T, I) observation noise variance
    sd_within: np.ndarray  # (T, I) pooled within-person SD
    var_d: np.ndarray  # (T, I) variance of week-to-week differences
    mean: np.ndarray  # (T, I) cohort mean of answers up to week t
    sd: np.ndarray  # (T, I) cohort SD of answers up to week t


def cohort_sums(X):
    """Additive per-week sums of one chunk of students; add chunks together, then ``cohort_stats``."""
    ok = ~np.isnan(X)
    x = np.where(ok, X, 0).astype(np.float64)
    return {
        "moments": filters.pooled_moment_sums(X),
        "n": ok.sum(0).astype(np.float64),
        "s": x.sum(0),
        "ss": (x * x).sum(0),
    }


def add_sums(a, b):
    if a is None:
        return b
    return {
        "moments": tuple(x + y for x, y in zip(a["moments"], b["moments"], strict=False)),
        "n": a["n"] + b["n"],
        "s": a["s"] + b["s"],
        "ss": a["ss"] + b["ss"],
    }


def cohort_stats(sums):
    q, r = filters.causal_variances(sums["moments"])
    n2, s2 = (np.cumsum(a, 0) for a in sums["moments"][:2])
    var_d = (s2 + filters.PRIOR_PAIRS * (filters.PRIOR_Q + 2 * filters.PRIOR_R)) / (n2 + filters.PRIOR_PAIRS)
    n, s, ss = (np.cumsum(sums[k], 0) for k in ("n", "s", "ss"))
    prior = 50.0
    mean = (s + prior * 60.0) / (n + prior)
    var = (ss + prior * (60.0**2 + 400.0)) / (n + prior) - mean**2
    return CohortStats(q, r, np.sqrt(q / 2 + r), var_d, mean, np.sqrt(np.maximum(var, 1.0)))


def _rowmean(a):
    """Mean over the last axis ignoring NaN (NaN when nothing observed), and the count."""
    ok = ~np.isnan(a)
    n = ok.sum(-1)
    return np.where(n > 0, np.where(ok, a, 0).sum(-1) / np.maximum(n, 1), np.nan), n


def compute(X, present, stats, duration=None):
    """Return (features (N, T, F) float32, extras dict with reason ingredients)."""
    N, T, I = X.shape  # noqa: E741 (N students, T weeks, I items)
    X = X.astype(np.float32, copy=False)
    ok = ~np.isnan(X)
    obs = present & ok.any(2)
    missed = present & ~obs

    # Engagement -----------------------------------------------------------------------------
    streak = np.zeros((N, T), np.float32)
    run = np.zeros(N, np.float32)
    for t in range(T):
        run = np.where(missed[:, t], run + 1, np.where(obs[:, t], 0, run))
        streak[:, t] = run
    cm = np.cumsum(missed, 1, dtype=np.float32)
    cp = np.cumsum(present, 1, dtype=np.float32)
    lag = lambda a: np.concatenate([np.zeros((N, WINDOW), np.float32), a[:, :-WINDOW]], 1)[:, :T]  # noqa: E731
    miss_w, pres_w = cm - lag(cm), cp - lag(cp)
    missed4 = miss_w / np.maximum(pres_w, 1)
    prior_rate = (lag(cp) - lag(cm) + 2 * 0.67) / (lag(cp) + 2)
    completion_drop = prior_rate - (1 - missed4)
    # How unusual is the current run of missed diaries for *this* student? Own miss rate before
    # the run (with a weak prior), and the log-likelihood of the run under that rate.
    before_m, before_p = cm - streak, cp - streak
    own_rate = (before_m + 2 * 0.33) / (before_p + 2)
    surprise = streak * -np.log(own_rate)

    # One pass over the weeks for everything item-based; only (students, items) slices are live.
    sdw_inv = (1 / stats.sd_within).astype(np.float32)
    c_mean, c_sd_inv = stats.mean.astype(np.float32), (1 / stats.sd).astype(np.float32)
    q, r = stats.q.astype(np.float32), stats.r.astype(np.float32)
    level = np.empty((N, T, I), np.float32)
    z = np.empty((N, T, I), np.float32)
    base_all = np.empty((N, T, I), np.float32)
    decline_mean, decline_top, slope4, slope8, low_level = (
        np.full((N, T), np.nan, np.float32) for _ in range(5)
    )
    n_items = np.zeros((N, T), np.int16)
    cusum, ewma, pm = (np.zeros((N, T), np.float32) for _ in range(3))
    m = np.full((N, I), np.nan, np.float32)
    P = np.full((N, I), np.nan, np.float32)
    cnt = np.zeros((N, I), np.int16)
    bsum = np.zeros((N, I), np.float32)
    c = np.zeros(N, np.float32)
    w = np.zeros(N, np.float32)
    pm_sum = np.zeros(N, np.float32)
    nd = np.zeros(N, np.int16)
    ew = np.full(N, np.nan, np.float32)
    for t in range(T):
        y = X[:, t, :]
        okt = ~np.isnan(y)
        m, P = filters.step(m, P, y, q[t], r[t])
        cnt += okt
        bsum += np.where(okt & (cnt <= BASELINE_DIARIES), y, 0)
        base = np.where(cnt > 0, bsum / np.clip(cnt, 1, BASELINE_DIARIES), np.nan).astype(np.float32)
        zt = (m - base) * sdw_inv[t]
        level[:, t], z[:, t], base_all[:, t] = m, zt, base
        decline_mean[:, t], n_items[:, t] = _rowmean(-zt)
        low3 = np.partition(np.where(np.isnan(zt), np.inf, zt), min(2, I - 1), axis=1)[:, :3]
        decline_top[:, t], _ = _rowmean(-np.where(np.isinf(low3), np.nan, low3))
        if t >= WINDOW:
            slope4[:, t], _ = _rowmean(-(m - level[:, t - WINDOW]) * sdw_inv[t])
        if t >= 2 * WINDOW:  # change against a recent baseline: the start baseline drifts away
            slope8[:, t], _ = _rowmean(-(m - level[:, t - 2 * WINDOW]) * sdw_inv[t])
        low_level[:, t], _ = _rowmean(-(m - c_mean[t]) * c_sd_inv[t])
        # Sustained decline on the raw answers: CUSUM and EWMA of the mean standardised deviation.
        et, n_obs = _rowmean((y - base) * sdw_inv[t])
        has = n_obs > 0
        c = np.where(has, np.maximum(0, c - et - CUSUM_K), c)
        w = np.where(has, (1 - EWMA_LAMBDA) * w + EWMA_LAMBDA * (-et), w)
        cusum[:, t], ewma[:, t] = c, w
        # Answers skipped inside submitted diaries (e.g. school items when not at school), vs own start.
        share = 1 - n_obs / I
        nd += has
        pm_sum = np.where(has & (nd <= BASELINE_DIARIES), pm_sum + share, pm_sum)
        pm_base = pm_sum / np.clip(nd, 1, BASELINE_DIARIES)
        ew = np.where(has, np.where(np.isnan(ew), share, (1 - EWMA_LAMBDA) * ew + EWMA_LAMBDA * share), ew)
        pm[:, t] = np.where(nd > 0, np.nan_to_num(ew - pm_base), 0)

    n_diaries = np.cumsum(obs, 1)
    reliable = np.minimum(n_diaries, 6) / 6.0

    flag, why = quality.careless_flags(X, stats.var_d, duration)
    item_ok = (~flag).astype(np.float32)

    def clean(a, lo, hi):
        return np.clip(np.nan_to_num(a), lo, hi).astype(np.float32) * item_ok

    dmean = clean(decline_mean, -3, 6) * reliable
    F = np.stack(
        [
            np.minimum(streak, 6),
            (streak >= 2).astype(np.float32),
            (streak >= 3).astype(np.float32),
            np.minimum(surprise, 10),
            missed4,
            completion_drop,
            dmean,
            clean(decline_top, -3, 8) * reliable,
            clean(slope4, -3, 6),
            clean(slope8, -3, 6),
            clean(cusum, 0, 10),
            clean(ewma, -3, 6),
            clean(low_level, -3, 4),
            np.clip(pm, -1, 1),
            reliable,
            np.minimum(streak, 6) * dmean,
            missed4 * dmean,
        ],
        axis=2,
    ).astype(np.float32)
    extras = {
        "z": z,
        "level": level,
        "base": base_all,
        "streak": streak,
        "missed4": miss_w,
        "flag": flag,
        "why": why,
        "n_items": n_items,
    }
    return F, extras
