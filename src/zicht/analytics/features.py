"""Per student-week features for the risk score. Every feature at week t uses weeks <= t only.

Cohort-level numbers (noise variances, within-person SD, cohort means, how often each item is
skipped inside a submitted diary) come from ``CohortStats``, built from cumulative per-week sums,
so they are causal as well. Item names are never used.
"""

from dataclasses import dataclass

import numpy as np

from zicht.analytics import filters, quality

BASELINE_DIARIES = 3  # an item's own baseline: mean of its first 3 answers
CUSUM_K = 0.5  # allowance of the CUSUM, in within-person SD units
EWMA_LAMBDA = 0.3
DECLINED_SD = 1.5  # an item counts as "declining" when 1.5 within-person SD below its baseline
SKIP_PRIOR = 5.0  # pseudo-diaries behind each item's cohort skip rate (prior rate 0.1)
SKIP_IGNORE = 0.9  # items left empty in more than 90% of submitted diaries are not in use
LAGS = (2, 4, 8, 12)  # weeks over which the filtered level's change is measured
WEEK_KNOTS = (5, 10, 15, 20, 25, 30, 35)  # piecewise-linear effect of the protocol week

FEATURES = (
    [
        "streak",
        "streak1",
        "streak2",
        "streak3",
        "streak4",
        "missed2",
        "missed4",
        "missed8",
        "own_miss_rate",
        "completion_drop4",
        "completion_drop8",
        "surprise",
        "weeks_seen",
        "decline_mean",
        "decline_top",
        "decline_min",
        "share_declining",
        "slope2",
        "slope4",
        "slope8",
        "slope12",
        "slope4_top",
        "slope8_top",
        "cusum",
        "ewma_drop",
        "last_drop",
        "low_level",
        "start_level",
        "skip_now",
        "skip_ewma",
        "skip_rise",
        "reliable",
        "week",
    ]
    + [f"week_after_{k}" for k in WEEK_KNOTS]
    + [
        "streak_x_decline",
        "streak_x_slope8",
        "missed4_x_decline",
        "missed4_x_slope8",
        "missed8_x_top",
        "skip_x_decline",
        "late_x_missed4",
    ]
)

# The risk model also bends (piecewise-linear hinges at knots learned on the training cohort) and
# combines (pairwise products) the most informative features; see risk.risk_from_features.
HINGE_FEATURES = [
    "streak",
    "missed2",
    "missed4",
    "missed8",
    "own_miss_rate",
    "completion_drop4",
    "decline_mean",
    "decline_top",
    "share_declining",
    "slope2",
    "slope4",
    "slope8",
    "last_drop",
    "skip_now",
    "skip_ewma",
    "skip_rise",
    "week",
    "low_level",
]
PRODUCT_FEATURES = [
    "streak",
    "missed2",
    "missed4",
    "own_miss_rate",
    "decline_mean",
    "decline_top",
    "slope2",
    "slope8",
    "last_drop",
    "skip_ewma",
    "skip_now",
    "week",
]


@dataclass
class CohortStats:
    q: np.ndarray  # (T, I) level noise variance
    r: np.ndarray  # (T, I) observation noise variance
    sd_within: np.ndarray  # (T, I) pooled within-person SD
    var_d: np.ndarray  # (T, I) variance of week-to-week differences
    mean: np.ndarray  # (T, I) cohort mean of answers up to week t
    sd: np.ndarray  # (T, I) cohort SD of answers up to week t
    skip: np.ndarray  # (T, I) share of submitted diaries up to week t in which the item was left empty


def cohort_sums(X):
    """Additive per-week sums of one chunk of students; add chunks together, then ``cohort_stats``."""
    ok = ~np.isnan(X)
    x = np.where(ok, X, 0).astype(np.float64)
    sub = ok.any(2)
    return {
        "moments": filters.pooled_moment_sums(X),
        "n": ok.sum(0).astype(np.float64),
        "s": x.sum(0),
        "ss": (x * x).sum(0),
        "sub": sub.sum(0).astype(np.float64),
        "skip": (sub[:, :, None] & ~ok).sum(0).astype(np.float64),
    }


def add_sums(a, b):
    if a is None:
        return b
    out = {k: a[k] + b[k] for k in a if k != "moments"}
    out["moments"] = tuple(x + y for x, y in zip(a["moments"], b["moments"], strict=False))
    return out


def cohort_stats(sums):
    q, r = filters.causal_variances(sums["moments"])
    n2, s2 = (np.cumsum(a, 0) for a in sums["moments"][:2])
    var_d = (s2 + filters.PRIOR_PAIRS * (filters.PRIOR_Q + 2 * filters.PRIOR_R)) / (n2 + filters.PRIOR_PAIRS)
    n, s, ss = (np.cumsum(sums[k], 0) for k in ("n", "s", "ss"))
    prior = 50.0
    mean = (s + prior * 60.0) / (n + prior)
    var = (ss + prior * (60.0**2 + 400.0)) / (n + prior) - mean**2
    sub, skip = np.cumsum(sums["sub"], 0), np.cumsum(sums["skip"], 0)
    skip_rate = (skip + SKIP_PRIOR * 0.1) / (sub[:, None] + SKIP_PRIOR)
    return CohortStats(q, r, np.sqrt(q / 2 + r), var_d, mean, np.sqrt(np.maximum(var, 1.0)), skip_rate)


def _rowsum(a):
    """Sum over the last axis of a 2-D array. einsum is about 5x faster than a.sum(-1) on short
    rows (one row per student, one column per item), and a row's sum still uses that row only."""
    return np.einsum("ij->i", a)


def _rowmean(a):
    """Mean over the last axis ignoring NaN (NaN when nothing observed), and the count."""
    ok = ~np.isnan(a)
    n = _rowsum(ok.astype(np.float32))
    return np.where(n > 0, _rowsum(np.where(ok, a, np.float32(0))) / np.maximum(n, 1), np.float32(np.nan)), n


def _lowest3(a):
    """Mean of the 3 lowest non-NaN values per row (fewer if fewer are there; NaN if none), and
    the lowest value (NaN if none)."""
    k = min(2, a.shape[-1] - 1)
    low = np.partition(np.where(np.isnan(a), np.inf, a), k, axis=-1)[..., : k + 1]
    low = np.where(np.isinf(low), np.float32(np.nan), low)
    return _rowmean(low)[0], np.fmin.reduce(low, axis=-1)


def _lowest3_mean(a):
    return _lowest3(a)[0]


def _window_sum(a, k):
    """Sum of a (N, T) array over the last k weeks (this week included)."""
    c = np.cumsum(a, 1, dtype=np.float32)
    lagged = np.concatenate([np.zeros((a.shape[0], k), np.float32), c[:, :-k]], 1)[:, : a.shape[1]]
    return c - lagged


def compute(X, present, stats, duration=None):
    """Return (features (N, T, F) float32, extras dict with reason ingredients)."""
    N, T, I = X.shape  # noqa: E741 (N students, T weeks, I items)
    X = X.astype(np.float32, copy=False)
    ok = ~np.isnan(X)
    obs = present & ok.any(2)
    missed = present & ~obs
    mf, pf = missed.astype(np.float32), present.astype(np.float32)

    # Engagement -----------------------------------------------------------------------------
    streak = np.zeros((N, T), np.float32)
    run = np.zeros(N, np.float32)
    for t in range(T):
        run = np.where(missed[:, t], run + 1, np.where(obs[:, t], 0, run))
        streak[:, t] = run
    rate = {}
    for k in (2, 4, 8):
        rate[k] = _window_sum(mf, k) / np.maximum(_window_sum(pf, k), 1)
    cm, cp = np.cumsum(mf, 1), np.cumsum(pf, 1)
    # the student's own miss rate before the last 8 weeks (weak prior at the cohort's usual 1/3)
    m8, p8 = cm - _window_sum(mf, 8), cp - _window_sum(pf, 8)
    own_rate = (m8 + 2 * 0.33) / (p8 + 2)
    before_m, before_p = cm - streak, cp - streak
    run_rate = (before_m + 2 * 0.33) / (before_p + 2)
    surprise = streak * -np.log(run_rate)  # how unusual the current run is for this student

    # One pass over the weeks for everything item-based; only (students, items) slices are live.
    sdw_inv = (1 / stats.sd_within).astype(np.float32)
    c_mean, c_sd_inv = stats.mean.astype(np.float32), (1 / stats.sd).astype(np.float32)
    q, r = stats.q.astype(np.float32), stats.r.astype(np.float32)
    p_skip = np.clip(stats.skip, 0.01, 0.99).astype(np.float32)
    # items that are mostly absent from submitted diaries (not in this school's diary) say nothing
    skip_w = np.where(p_skip > SKIP_IGNORE, 0, 1 / np.sqrt(p_skip * (1 - p_skip))).astype(np.float32)
    level = np.empty((N, T, I), np.float32)
    z = np.empty((N, T, I), np.float32)
    base_all = np.empty((N, T, I), np.float32)
    nan_nt = lambda: np.full((N, T), np.nan, np.float32)  # noqa: E731
    decline_mean, decline_top, decline_min, share_decl, low_level, start_level = (nan_nt() for _ in range(6))
    slope = {k: nan_nt() for k in LAGS}
    slope_top = {k: nan_nt() for k in (4, 8)}
    n_items = np.zeros((N, T), np.int16)
    cusum, ewma, last_drop, skip_now, skip_ewma, skip_rise = (np.zeros((N, T), np.float32) for _ in range(6))
    m = np.full((N, I), np.nan, np.float32)
    P = np.full((N, I), np.nan, np.float32)
    cnt = np.zeros((N, I), np.int16)
    bsum = np.zeros((N, I), np.float32)
    c = np.zeros(N, np.float32)
    w = np.zeros(N, np.float32)
    ld = np.zeros(N, np.float32)
    sk_last = np.zeros(N, np.float32)
    sk_ew = np.full(N, np.nan, np.float32)
    sk_sum = np.zeros(N, np.float32)
    nd = np.zeros(N, np.int16)
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
        top, lowest = _lowest3(zt)
        decline_top[:, t], decline_min[:, t] = -top, -lowest
        share_decl[:, t] = _rowsum((zt < -DECLINED_SD).astype(np.float32)) / np.maximum(n_items[:, t], 1)
        for k in LAGS:  # change against a recent level: the start baseline drifts during a year
            if t >= k:
                dk = (m - level[:, t - k]) * sdw_inv[t]
                slope[k][:, t], _ = _rowmean(-dk)
                if k in slope_top:
                    slope_top[k][:, t] = -_lowest3_mean(dk)
        low_level[:, t], _ = _rowmean(-(m - c_mean[t]) * c_sd_inv[t])
        start_level[:, t], _ = _rowmean((base - c_mean[t]) * c_sd_inv[t])
        # Sustained decline on the raw answers: CUSUM and EWMA of the mean standardised deviation.
        et, n_obs = _rowmean((y - base) * sdw_inv[t])
        has = n_obs > 0
        c = np.where(has, np.maximum(0, c - et - CUSUM_K), c)
        w = np.where(has, (1 - EWMA_LAMBDA) * w + EWMA_LAMBDA * (-et), w)
        ld = np.where(has, -et, ld)  # the latest diary's distance below baseline, kept while none come
        cusum[:, t], ewma[:, t], last_drop[:, t] = c, w, ld
        # Sliders left empty in a submitted diary, weighted by how unusual that is for the item
        # (e.g. school questions skipped because the student was not at school that week).
        sk = _rowsum((~okt - p_skip[t]) * skip_w[t]) / np.float32(I)
        nd += has
        sk_last = np.where(has, sk, sk_last)
        sk_sum = np.where(has & (nd <= BASELINE_DIARIES), sk_sum + sk, sk_sum)
        sk_ew = np.where(has, np.where(np.isnan(sk_ew), sk, (1 - EWMA_LAMBDA) * sk_ew + EWMA_LAMBDA * sk), sk_ew)
        skip_now[:, t] = sk_last
        skip_ewma[:, t] = np.nan_to_num(sk_ew)
        skip_rise[:, t] = np.where(nd > 0, np.nan_to_num(sk_ew) - sk_sum / np.clip(nd, 1, BASELINE_DIARIES), 0)

    n_diaries = np.cumsum(obs, 1)
    reliable = np.minimum(n_diaries, 6) / 6.0

    flag, why = quality.careless_flags(X, stats.var_d, duration)
    item_ok = (~flag).astype(np.float32)

    def clean(a, lo, hi):
        return np.clip(np.nan_to_num(a), lo, hi).astype(np.float32) * item_ok

    dmean = clean(decline_mean, -3, 6) * reliable
    dtop = clean(decline_top, -3, 8) * reliable
    s8 = clean(slope[8], -3, 6)
    st = np.minimum(streak, 8)
    week = np.broadcast_to(np.arange(1, T + 1, dtype=np.float32)[None, :], (N, T))
    late = (week >= 25).astype(np.float32)
    cols = [
        st,
        (streak >= 1).astype(np.float32),
        (streak >= 2).astype(np.float32),
        (streak >= 3).astype(np.float32),
        (streak >= 4).astype(np.float32),
        rate[2],
        rate[4],
        rate[8],
        own_rate,
        rate[4] - own_rate,
        rate[8] - own_rate,
        np.minimum(surprise, 12),
        np.minimum(n_diaries, 20) / 20.0,
        dmean,
        dtop,
        clean(decline_min, -3, 10) * reliable,
        clean(share_decl, 0, 1) * reliable,
        clean(slope[2], -3, 6),
        clean(slope[4], -3, 6),
        s8,
        clean(slope[12], -3, 6),
        clean(slope_top[4], -3, 8),
        clean(slope_top[8], -3, 8),
        clean(cusum, 0, 10),
        clean(ewma, -3, 6),
        clean(last_drop, -4, 6),
        clean(low_level, -3, 4),
        clean(start_level, -3, 3),
        np.clip(skip_now, -2, 4),
        np.clip(skip_ewma, -2, 4),
        np.clip(skip_rise, -3, 4),
        reliable,
        week / 40.0,
    ]
    cols += [np.maximum(week - k, 0) / 40.0 for k in WEEK_KNOTS]
    cols += [
        st * dmean,
        st * s8,
        rate[4] * dmean,
        rate[4] * s8,
        rate[8] * dtop,
        np.clip(skip_ewma, -2, 4) * dmean,
        late * rate[4],
    ]
    # feature-major storage seen as (N, T, F): each feature F[..., j] is one contiguous block,
    # which makes the term-by-term risk sum (risk.linear_scores) several times faster
    F = np.empty((len(cols), N, T), np.float32)
    for j, col in enumerate(cols):
        F[j] = col
    F = F.transpose(1, 2, 0)
    extras = {
        "z": z,
        "level": level,
        "base": base_all,
        "streak": streak,
        "missed4": _window_sum(mf, 4),
        "flag": flag,
        "why": why,
        "n_items": n_items,
    }
    return F, extras
