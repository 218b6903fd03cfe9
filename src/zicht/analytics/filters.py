"""Batched local-level Kalman filter and causal pooled variance estimates.

Model per student and item:  y_t = mu_t + eps_t (var r),  mu_t = mu_{t-1} + eta_t (var q).
One student has too few weeks to estimate q and r, so they are estimated on the pooled cohort
by the method of moments on first differences d_t = y_t - y_{t-1}:
    Var(d) = q + 2r,   Cov(d_t, d_{t-1}) = -r.
To keep the score causal, the estimate used in week t only uses cohort data up to week t.
"""

import numpy as np

# Prior moments (pseudo-observations) so small cohorts and the first weeks stay sensible.
PRIOR_PAIRS = 200.0
PRIOR_Q, PRIOR_R = 10.0, 130.0


def pooled_moment_sums(X):
    """Per-week sums over students of the moments needed for q and r, shape (T, I) each.

    Returns (n_pairs, sum_d2, n_triples, sum_dd) where pairs are consecutive observed weeks."""
    X = X.astype(np.float32, copy=False)
    N, T, I = X.shape  # noqa: E741 (N students, T weeks, I items)
    n2 = np.zeros((T, I))
    s2 = np.zeros((T, I))
    n3 = np.zeros((T, I))
    s3 = np.zeros((T, I))
    prev_d = None
    for t in range(1, T):
        d = X[:, t, :] - X[:, t - 1, :]
        ok = ~np.isnan(d)
        n2[t] = ok.sum(0)
        s2[t] = np.where(ok, d * d, 0).sum(0, dtype=np.float64)
        if prev_d is not None:
            p = d * prev_d
            ok3 = ~np.isnan(p)
            n3[t] = ok3.sum(0)
            s3[t] = np.where(ok3, p, 0).sum(0, dtype=np.float64)
        prev_d = d
    return n2, s2, n3, s3


def causal_variances(sums):
    """Expanding-window (weeks <= t) method-of-moments q_t, r_t of shape (T, I), with a weak prior."""
    n2, s2, n3, s3 = (np.cumsum(a, axis=0) for a in sums)
    var_d = (s2 + PRIOR_PAIRS * (PRIOR_Q + 2 * PRIOR_R)) / (n2 + PRIOR_PAIRS)
    cov_d = (s3 - PRIOR_PAIRS * PRIOR_R) / (n3 + PRIOR_PAIRS)
    r = np.clip(-cov_d, 0.05 * var_d, 0.5 * var_d)
    q = np.maximum(var_d - 2 * r, 0.01 * var_d)
    return q, r


def local_level_filter(X, q, r):
    """Filtered level and its variance for every (student, week, item).

    X: (N, T, I) with NaN for missing; q, r: scalars or arrays broadcastable to (T, I).
    A missing week only predicts (the level is carried forward, its variance grows).
    Before the first observation the level is NaN; the first observation starts the
    filter with variance r (the exact diffuse initialisation)."""
    N, T, I = X.shape  # noqa: E741 (N students, T weeks, I items)
    q = np.broadcast_to(np.asarray(q, np.float32), (T, I))
    r = np.broadcast_to(np.asarray(r, np.float32), (T, I))
    level = np.full((N, T, I), np.nan, np.float32)
    pvar = np.full((N, T, I), np.nan, np.float32)
    m = np.full((N, I), np.nan, np.float32)
    P = np.full((N, I), np.nan, np.float32)
    for t in range(T):
        m, P = step(m, P, X[:, t, :], q[t], r[t])
        level[:, t, :] = m
        pvar[:, t, :] = P
    return level, pvar


def step(m, P, y, q, r):
    """One week of the filter for all students at once: predict, then update where observed."""
    P = P + q
    gain = P / (P + r)
    innov = y - m
    upd = ~np.isnan(innov)
    m = np.where(upd, m + gain * innov, m)
    P = np.where(upd, (1 - gain) * P, P)
    first = np.isnan(m) & ~np.isnan(y)
    m = np.where(first, y, m)
    P = np.where(first, r, P)
    return m, P
