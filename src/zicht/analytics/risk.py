"""Causal risk score per student-week, the alert rule, and plain-language (Dutch) reasons.

risk  = logistic(features @ COEF + INTERCEPT), with weights learned offline on a *different*
        simulated cohort (see calibrate.py and weights.py).
alert = on when risk >= TH_ON; once on, it stays on while risk >= TH_OFF (hysteresis, so a
        mentor gets one alert per episode instead of a flickering one).
"""

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from zicht.analytics import features, weights
from zicht.analytics.labels import QUALITY_REASONS, item_label

CHUNK = 5000
LOOKBACK = 8  # weeks searched back for the peak when describing a decline


def cohort_stats(X, chunk=CHUNK):
    sums = None
    for a in range(0, X.shape[0], chunk):
        sums = features.add_sums(sums, features.cohort_sums(X[a : a + chunk]))
    return features.cohort_stats(sums)


def risk_from_features(F, coef=None, intercept=None):
    if coef is None and list(weights.FEATURES) != features.FEATURES:
        raise RuntimeError("weights.py does not match features.FEATURES: rerun zicht.analytics.calibrate")
    coef = np.asarray(weights.COEF if coef is None else coef, np.float32)
    b = weights.INTERCEPT if intercept is None else intercept
    # an explicit sum (not F @ coef) so each row's result never depends on the array's size:
    # BLAS may block differently, and truncating later weeks must not change earlier scores
    z = np.full(F.shape[:-1], b, np.float32)
    for j in range(F.shape[-1]):
        z += F[..., j] * coef[j]
    return (1 / (1 + np.exp(-z))).astype(np.float32)


def alert_rule(risk, present, th_on=None, th_off=None):
    th_on = weights.TH_ON if th_on is None else th_on
    th_off = weights.TH_OFF if th_off is None else th_off
    N, T = risk.shape
    alert = np.zeros((N, T), bool)
    on = np.zeros(N, bool)
    for t in range(T):
        p = present[:, t]
        on = np.where(p, np.where(on, risk[:, t] >= th_off, risk[:, t] >= th_on), on)
        alert[:, t] = on & p
    return alert


def _reason_parts(ex, alert):
    """Ingredients of the reason for rows that need one (alert or quality flag)."""
    z, level = ex["z"], ex["level"]
    N, T, I = z.shape  # noqa: E741 (N students, T weeks, I items)
    need = alert | ex["flag"]
    n_idx, t_idx = np.nonzero(need)
    zr = np.where(np.isnan(z[n_idx, t_idx]), np.inf, z[n_idx, t_idx])
    j = np.argmin(zr, axis=1)
    zmin = zr[np.arange(len(j)), j]
    now = level[n_idx, t_idx, j]
    peak, peak_lag = now.copy(), np.zeros(len(j), np.int16)
    for k in range(1, LOOKBACK + 1):
        tt = t_idx - k
        v = np.where(tt >= 0, level[n_idx, np.maximum(tt, 0), j], np.nan)
        better = v > peak
        peak = np.where(better, v, peak)
        peak_lag = np.where(better, k, peak_lag)
    parts = {
        "item": np.full((N, T), -1, np.int16),
        "from": np.full((N, T), np.nan, np.float32),
        "to": np.full((N, T), np.nan, np.float32),
        "weeks": np.zeros((N, T), np.int16),
        "base": np.full((N, T), np.nan, np.float32),
    }
    use = zmin <= -1.0
    parts["item"][n_idx, t_idx] = np.where(use, j, -1)
    parts["from"][n_idx, t_idx] = peak
    parts["to"][n_idx, t_idx] = now
    parts["weeks"][n_idx, t_idx] = peak_lag
    parts["base"][n_idx, t_idx] = ex["base"][n_idx, t_idx, j]
    parts["streak"] = ex["streak"].astype(np.int16)
    parts["missed4"] = ex["missed4"].astype(np.int16)
    parts["why"] = ex["why"]
    return parts


def score_arrays(X, present, duration=None, chunk=CHUNK, workers=None):
    """Risk (N, T), alert (N, T) and reason ingredients for a cohort array; causal per week.

    Students are processed in chunks (bounded memory), on ``workers`` threads (numpy releases
    the GIL); the result does not depend on the chunk size or the number of threads."""
    workers = workers or min(2, os.cpu_count() or 1)
    N, T, _ = X.shape
    starts = range(0, N, chunk)
    with ThreadPoolExecutor(workers) as pool:
        sums = None
        for part in pool.map(lambda a: features.cohort_sums(X[a : a + chunk]), starts):
            sums = features.add_sums(sums, part)
        stats = features.cohort_stats(sums)
        risk = np.zeros((N, T), np.float32)
        alert = np.zeros((N, T), bool)
        parts = {}

        def one(a):
            sl = slice(a, a + chunk)
            dur = None if duration is None else duration[sl]
            F, ex = features.compute(X[sl], present[sl], stats, dur)
            r = risk_from_features(F)
            al = alert_rule(r, present[sl])
            return sl, r, al, _reason_parts(ex, al)

        for sl, r, al, p in pool.map(one, starts):
            risk[sl], alert[sl] = r, al
            for k, v in p.items():
                parts.setdefault(k, np.empty((N, T), v.dtype))[sl] = v
    return risk, alert, parts


def reason_text(parts, n, t, items, alert):
    """One Dutch sentence-ish reason for row (n, t); empty when there is nothing to say."""
    bits = []
    why = int(parts["why"][n, t])
    if why:
        bits.append("antwoorden nakijken: " + QUALITY_REASONS[why] + "; telt niet mee tot nagekeken")
    if not alert:
        return "; ".join(bits)
    j = int(parts["item"][n, t])
    if j >= 0 and not why:
        name = item_label(items[j])
        frm, to, k = parts["from"][n, t], parts["to"][n, t], int(parts["weeks"][n, t])
        if k > 0 and frm - to >= 5:
            bits.append(f"{name} daalde van {frm:.0f} naar {to:.0f} in {k} {'week' if k == 1 else 'weken'}")
        else:
            bits.append(
                f"{name} staat op {to:.0f}, duidelijk onder het eigen beginniveau van {parts['base'][n, t]:.0f}"
            )
    s, m = int(parts["streak"][n, t]), int(parts["missed4"][n, t])
    if s >= 1:
        bits.append(f"{s} {'dagboek' if s == 1 else 'dagboeken'} op rij gemist")
    elif m >= 2:
        bits.append(f"{m} van de laatste 4 dagboeken gemist")
    if len(bits) == (1 if why else 0):
        bits.append("meerdere kleine signalen samen (risicoscore hoog)")
    return "; ".join(bits)


def reasons(parts, alert, items, rows_n, rows_t):
    """Reason strings for the given rows (Python loop only over rows that need text)."""
    out = np.full(len(rows_n), "", dtype=object)
    need = alert[rows_n, rows_t] | (parts["why"][rows_n, rows_t] > 0)
    for i in np.nonzero(need)[0]:
        n, t = rows_n[i], rows_t[i]
        out[i] = reason_text(parts, n, t, items, bool(alert[n, t]))
    return out
