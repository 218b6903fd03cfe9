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


def diary_checks(X, duration=None):
    """Per (student, week): suspicious bool and a code 0=ok 1=untouched 2=straight 3=repeat 4=fast."""
    N, T, I = X.shape  # noqa: E741 (N students, T weeks, I items)
    ok = ~np.isnan(X)
    n_obs = ok.sum(2)
    enough = n_obs >= MIN_ITEMS
    at50 = (X == 50).sum(2) >= SHARE * np.maximum(n_obs, 1)
    spread = np.nanmax(np.where(ok, X, -np.inf), axis=2) - np.nanmin(np.where(ok, X, np.inf), axis=2)
    straight = spread <= 2
    # repeat of the previous *observed* diary, item by item
    last = np.full((N, I), np.nan, np.float32)
    repeat = np.zeros((N, T), bool)
    for t in range(T):
        x = X[:, t, :]
        both = ~np.isnan(x) & ~np.isnan(last)
        nb = both.sum(1)
        same = (both & (np.abs(x - last) < 0.5)).sum(1)
        repeat[:, t] = (nb >= MIN_ITEMS) & (same >= SHARE * np.maximum(nb, 1))
        last = np.where(np.isnan(x), last, x)
    code = np.zeros((N, T), np.int8)
    if duration is not None:
        fast = duration < SECONDS_PER_ITEM * np.maximum(n_obs, 1)
        code = np.where(enough & fast, 4, code)
    code = np.where(enough & repeat, 3, code)
    code = np.where(enough & straight, 2, code)
    code = np.where(enough & at50, 1, code)
    return code > 0, code


def careless_flags(X, pooled_var_d, duration=None):
    """Flag (N, T) and reason code (N, T): the most recent suspicious check, or 5 for low MSSD.

    pooled_var_d: (T, I) cohort variance of week-to-week differences up to each week."""
    N, T, I = X.shape  # noqa: E741 (N students, T weeks, I items)
    susp, code = diary_checks(X, duration)
    obs = (~np.isnan(X)).any(2)
    flag = np.zeros((N, T), bool)
    why = np.zeros((N, T), np.int8)
    hist = np.zeros((N, 3), bool)  # last three observed diaries
    last_code = np.zeros(N, np.int8)
    prev = np.full((N, I), np.nan, np.float32)
    ssd = np.zeros(N)
    npair = np.zeros(N)
    ref = np.zeros(N)
    for t in range(T):
        o = obs[:, t]
        hist = np.where(o[:, None], np.concatenate([hist[:, 1:], susp[:, t, None]], 1), hist)
        last_code = np.where(o & susp[:, t], code[:, t], last_code)
        x = X[:, t, :]
        d2 = (x - prev) ** 2
        okd = ~np.isnan(d2)
        ssd += np.where(okd, d2, 0).sum(1)
        npair += okd.sum(1)
        ref += np.where(okd, pooled_var_d[t][None, :], 0).sum(1)
        prev = np.where(np.isnan(x), prev, x)
        low_mssd = (npair >= 3 * MIN_ITEMS) & (ssd < MSSD_RATIO * ref)
        by_diaries = hist.sum(1) >= 2
        flag[:, t] = by_diaries | low_mssd
        why[:, t] = np.where(by_diaries, last_code, np.where(low_mssd, 5, 0))
    return flag, why
