"""Careless-responding flags, computed causally per student-week.

A diary is *suspicious* when (almost) all sliders sit at the default midpoint 50 (untouched),
when all answers are (nearly) the same value (straight-lining), when (almost) every answer
repeats last week's, or when it was filled in implausibly fast (optional duration column).
A student-week is flagged when at least 2 of the last 3 diaries were suspicious, or when the
student's running MSSD (mean squared successive difference) is near 0 compared to the cohort.
Flagged weeks are left out of the item-based risk until a person has looked at them.
"""

import numpy as np

MIN_ITEMS = 3  # too few answered items: no judgement
SHARE = 0.9  # share of items that must be identical / at 50
MSSD_RATIO = 0.05  # person MSSD below 5% of the cohort's counts as near-constant
SECONDS_PER_ITEM = 1.0  # faster than this is implausible


def _count(mask):
    """Row counts of a 2-D boolean array (einsum: several times faster than mask.sum(1) on short rows)."""
    return np.einsum("ij->i", mask.astype(np.float32))


def _check_week(x, last, duration_t=None):
    """Suspicious-diary code for one week, all students: 0 ok, 1 untouched, 2 straight, 3 repeat, 4 fast."""
    ok = ~np.isnan(x)
    n_obs = _count(ok)
    enough = n_obs >= MIN_ITEMS
    need = SHARE * np.maximum(n_obs, 1)
    at50 = _count(x == 50) >= need
    straight = (np.fmax.reduce(x, axis=1) - np.fmin.reduce(x, axis=1)) <= 2
    both = ok & ~np.isnan(last)
    nb = _count(both)
    repeat = (nb >= MIN_ITEMS) & (_count(np.abs(x - last) < 0.5) >= SHARE * np.maximum(nb, 1))
    code = np.zeros(len(x), np.int8)
    if duration_t is not None:
        code[enough & (duration_t < SECONDS_PER_ITEM * np.maximum(n_obs, 1))] = 4
    code[enough & repeat] = 3
    code[enough & straight] = 2
    code[enough & at50] = 1
    return code


def careless_flags(X, pooled_var_d, duration=None):
    """Flag (N, T) and reason code (N, T): the most recent suspicious check, or 5 for low MSSD.

    pooled_var_d: (T, I) cohort variance of week-to-week differences up to each week."""
    N, T, I = X.shape  # noqa: E741 (N students, T weeks, I items)
    flag = np.zeros((N, T), bool)
    why = np.zeros((N, T), np.int8)
    hist = np.zeros((N, 3), bool)  # were the last three observed diaries suspicious?
    last_code = np.zeros(N, np.int8)
    prev = np.full((N, I), np.nan, np.float32)
    ssd = np.zeros(N, np.float32)
    npair = np.zeros(N, np.int32)
    ref = np.zeros(N, np.float32)
    for t in range(T):
        x = X[:, t, :]
        o = ~np.isnan(x).all(1)
        code = _check_week(x, prev, None if duration is None else duration[:, t])
        susp = code > 0
        hist[o] = np.concatenate([hist[o, 1:], susp[o, None]], 1)
        last_code = np.where(o & susp, code, last_code)
        d2 = (x - prev) ** 2
        okd = ~np.isnan(d2)
        ssd += np.einsum("ij->i", np.where(okd, d2, np.float32(0)))
        npair += _count(okd).astype(np.int32)
        ref += np.einsum("ij->i", okd * pooled_var_d[t].astype(np.float32))
        prev = np.where(np.isnan(x), prev, x)
        low_mssd = (npair >= 3 * MIN_ITEMS) & (ssd < MSSD_RATIO * ref)
        by_diaries = hist.sum(1) >= 2
        flag[:, t] = by_diaries | low_mssd
        why[:, t] = np.where(by_diaries, last_code, np.where(low_mssd, 5, 0))
    return flag, why
