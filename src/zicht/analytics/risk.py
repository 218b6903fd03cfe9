"""Causal risk score per student-week, the alert rule, and plain-language (Dutch) reasons.

risk  = logistic(features, hinges and products @ COEF + INTERCEPT): a discrete-time hazard
        model (probability of leaving within 4 weeks), with weights learned offline on a
        *different* simulated cohort (see calibrate.py and weights.py).
score = the same terms @ ALERT_COEF + ALERT_INTERCEPT: probability of leaving in 2-12 weeks,
        the window in which an alert helps; alerts use this score, not the 4-week risk.
alert = on when score >= TH_ON; once on, it stays on for at least HOLD weeks and then while
        score >= TH_OFF (hysteresis, so a mentor gets one alert per episode instead of a
        flickering one); an episode also starts when the 4-week risk >= RISE_FLOOR and >= RISE x
        the student's own usual 4-week risk. An episode lasts at most MAX_WEEKS present weeks.
"""

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from zicht.analytics import features, weights
from zicht.analytics.labels import QUALITY_REASONS, item_label

CHUNK = 5000
LOOKBACK = 8  # weeks searched back for the peak when describing a decline
RISE_LAG = 4  # "own usual risk" = mean risk up to 4 weeks ago


def cohort_stats(X, chunk=CHUNK):
    sums = None
    for a in range(0, X.shape[0], chunk):
        sums = features.add_sums(sums, features.cohort_sums(X[a : a + chunk]))
    return features.cohort_stats(sums)


def model_terms(hinges=None, products=None):
    """The model's terms beyond the plain features, as column indices into features.FEATURES:
    hinges [(j, knot)] meaning max(F_j - knot, 0), products [(j, k)] meaning F_j * F_k."""
    idx = {name: j for j, name in enumerate(features.FEATURES)}
    hinges = weights.HINGES if hinges is None else hinges
    products = weights.PRODUCTS if products is None else products
    return [(idx[a], float(k)) for a, k in hinges], [(idx[a], idx[b]) for a, b in products]


def design(F, hinges=None, products=None):
    """All model terms as one matrix (plain features, hinges, products): used for training."""
    h, p = model_terms(hinges, products)
    cols = [F]
    cols += [np.maximum(F[..., j] - k, 0)[..., None] for j, k in h]
    cols += [(F[..., j] * F[..., k])[..., None] for j, k in p]
    return np.concatenate(cols, axis=-1).astype(np.float32)


def linear_scores(F, models, hinges=None, products=None):
    """Logistic scores of several models that share the same terms, in one pass over the terms.

    ``models`` is a list of (coef, intercept). Each term (feature, hinge or product) is computed
    once and added to every model's sum. An explicit sum (not F @ coef) so each row's result never
    depends on the array's size: BLAS may block differently, and truncating later weeks must not
    change earlier scores. Fastest when F[..., j] is contiguous (features.compute returns F as a
    feature-major array seen as (N, T, F))."""
    h, p = model_terms(hinges, products)
    nF = F.shape[-1]
    coefs = [np.asarray(c, np.float32) for c, _ in models]
    for c in coefs:
        if len(c) != nF + len(h) + len(p):
            raise RuntimeError("weights.py does not match the model terms: rerun zicht.analytics.calibrate")
    zs = [np.full(F.shape[:-1], b, np.float32) for _, b in models]
    tmp = np.empty(F.shape[:-1], np.float32)

    def add(term, i):
        for z, c in zip(zs, coefs, strict=True):
            if c[i] != 0:
                z += np.multiply(term, c[i], out=tmp)

    for j in range(nF):
        add(F[..., j], j)
    term = np.empty(F.shape[:-1], np.float32)
    for i, (j, k) in enumerate(h):
        np.subtract(F[..., j], np.float32(k), out=term)
        add(np.maximum(term, 0, out=term), nF + i)
    for i, (j, k) in enumerate(p):
        add(np.multiply(F[..., j], F[..., k], out=term), nF + len(h) + i)
    out = []
    for z in zs:
        np.clip(z, -30, 30, out=z)
        np.negative(z, out=z)
        np.exp(z, out=z)
        z += 1
        out.append(np.reciprocal(z, out=z))
    return out


def _check_weights():
    if list(weights.FEATURES) != features.FEATURES:
        raise RuntimeError("weights.py does not match features.FEATURES: rerun zicht.analytics.calibrate")


def risk_from_features(F, coef=None, intercept=None, hinges=None, products=None):
    """Estimated probability of leaving within 4 weeks, per student-week (the hazard model).

    A logistic model on the features plus hinge and product terms (see ``design``), computed
    term by term so the extra columns never have to be held in memory at once."""
    if coef is None:
        _check_weights()
    coef = weights.COEF if coef is None else coef
    b = weights.INTERCEPT if intercept is None else intercept
    return linear_scores(F, [(coef, b)], hinges, products)[0]


def scores_from_features(F):
    """(risk, alert score) with the weights in weights.py, sharing the term computation.

    risk: probability of leaving within 4 weeks (reported, ranks students: the AUC figure).
    alert score: probability of leaving in 2 to 12 weeks from now, the window in which an alert
    is useful to a mentor; the alert rule runs on this score (see calibrate.py)."""
    _check_weights()
    return linear_scores(F, [(weights.COEF, weights.INTERCEPT), (weights.ALERT_COEF, weights.ALERT_INTERCEPT)])


def own_reference(risk, present, lag=RISE_LAG, skip=3, min_weeks=3):
    """The student's own usual risk: mean over present weeks up to ``lag`` weeks ago, leaving out
    the first ``skip`` present weeks (little data yet, so the risk is still high); inf until
    there are ``min_weeks`` such weeks, so nothing counts as a rise before there is a history."""
    N, T = risk.shape
    use = present & (np.cumsum(present, 1) > skip)
    cs = np.cumsum(np.where(use, risk, 0), 1, dtype=np.float64)
    cn = np.cumsum(use, 1)
    ref = np.full((N, T), np.inf, np.float32)
    if T > lag:
        ok = cn[:, :-lag] >= min_weeks
        ref[:, lag:] = np.where(ok, cs[:, :-lag] / np.maximum(cn[:, :-lag], 1), np.inf)
    return ref


def alert_rule(score, present, th_on=None, th_off=None, hold=None, rise=None, max_weeks=None, risk=None, rise_floor=None):
    """Alert episodes on a score (in scoring: the alert score, see ``scores_from_features``).

    An episode starts when the score >= th_on, or on a sudden change: when ``risk`` (the 4-week
    risk; the score itself if not given) is at least ``rise`` times the student's own usual value
    and at least ``rise_floor`` (th_off if no risk is given), e.g. a student with a good record
    who stops filling in. Once on it stays on for at least ``hold`` present weeks and after that
    as long as the score >= th_off, so a warning keeps standing while the score stays elevated
    instead of flickering on and off. An episode lasts at most ``max_weeks`` present weeks
    (0: no limit); after that a new one can only start once the score has been below th_off
    (the mentor has been told; a student whose score stays high does not keep a standing alert
    for months, but a renewed rise gives a new alert)."""
    th_on = weights.TH_ON if th_on is None else th_on
    th_off = weights.TH_OFF if th_off is None else th_off
    hold = weights.HOLD if hold is None else hold
    rise = weights.RISE if rise is None else rise
    max_weeks = weights.MAX_WEEKS if max_weeks is None else max_weeks
    max_weeks = max_weeks or np.iinfo(np.int32).max
    if risk is None:
        risk, rise_floor = score, th_off
    else:
        rise_floor = weights.RISE_FLOOR if rise_floor is None else rise_floor
    N, T = score.shape
    start = (score >= th_on) | ((risk >= rise_floor) & (risk >= rise * own_reference(risk, present)))
    alert = np.zeros((N, T), bool)
    on = np.zeros(N, bool)
    armed = np.ones(N, bool)  # may a new episode start? (not until the score was below th_off)
    age = np.zeros(N, np.int32)  # present weeks the current episode has been on
    for t in range(T):
        p = present[:, t]
        low = score[:, t] < th_off
        keep = (~low | (age < hold)) & (age < max_weeks)
        now = np.where(on, keep, start[:, t] & armed)
        age = np.where(p, np.where(now, np.where(on, age + 1, 1), 0), age)
        armed = np.where(p, ~now & (armed | low), armed)
        on = np.where(p, now, on)
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
            r, s_alert = scores_from_features(F)
            al = alert_rule(s_alert, present[sl], risk=r)
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
