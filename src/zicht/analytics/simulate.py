"""Synthetic cohorts of weekly student diaries, for testing the early-warning model.

The design follows the seed study (docs/early-warning.md, "Simulation"); it was fixed
before the model was built and is not tuned to make the model look good.

Shape conventions used throughout zicht.analytics:
``X[student, week, item]`` float32, 0-100, NaN = missing; ``present[student, week]`` is
True while the student is enrolled (a row exists in the CSV).
"""

from dataclasses import dataclass

import numpy as np

# Slider items of the student diary (instruments §1). v1/v13/v18 are not sliders and v7 is 0-40 hours.
ITEMS = [
    "v2",
    "v3",
    "v4",
    "v5",
    "v6",
    "v8",
    "v9",
    "v10",
    "v11",
    "v12",
    "v14",
    "v15",
    "v16",
    "v17",
    "v19",
    "v20",
    "v21",
    "v22",
    "v23",
    "v24",
    "v25",
]
SCHOOL_GATED = ["v2", "v3", "v4", "v5", "v6"]  # shown only if the student attended school
MENTOR_GATED = ["v19", "v20", "v21", "v22", "v23", "v24"]  # shown only if the student talked to the mentor
KEY_ITEMS = ["v8", "v9", "v10", "v11", "v25"]  # time, programme bond, confidence, wellbeing (seed study)

DROPOUT_SHARE = 0.13
TIMING_SHARES = (0.27, 0.22, 0.51)  # <100 days, 100-180 days, later (seeds/002)


@dataclass
class Cohort:
    student_ids: np.ndarray  # (N,) str
    mentor_ids: np.ndarray  # (N,) str
    items: list
    X: np.ndarray  # (N, T, I) float32
    present: np.ndarray  # (N, T) bool
    left_week: np.ndarray  # (N,) int, 0 for stayers


def _item_weights(items):
    """How strongly a leaver's decline shows on each item (key items fully, others partly)."""
    w = np.full(len(items), 0.3)
    for j, name in enumerate(items):
        if name in KEY_ITEMS:
            w[j] = 1.0
        elif name in SCHOOL_GATED:
            w[j] = 0.6
        elif name in MENTOR_GATED:
            w[j] = 0.2
    return w


def _leave_weeks(rng, n, n_weeks):
    """Week of leaving (first week no longer enrolled), spread as in seeds/002.

    100 days ~ week 14 and 180 days ~ week 26 of a 40-week year; scaled to n_weeks.
    """
    s = n_weeks / 40.0
    b1, b2 = max(3, round(14 * s)), max(4, round(26 * s))
    bucket = rng.choice(3, size=n, p=TIMING_SHARES)
    lo = np.array([2, b1 + 1, b2 + 1])[bucket]
    hi = np.array([b1, b2, n_weeks])[bucket]
    return rng.integers(lo, np.maximum(lo, hi) + 1)


def simulate(n_students, n_weeks=40, seed=0, effect=1.0, missing=0.33, noise=1.0):
    """Return a Cohort. ``effect`` scales every leaver-specific signal, ``missing`` is the target
    share of missed diaries, ``noise`` scales week-to-week measurement noise."""
    rng = np.random.default_rng(seed)
    n, T, items = n_students, n_weeks, ITEMS
    I = len(items)  # noqa: E741 (N students, T weeks, I items)
    weeks = np.arange(1, T + 1)
    w_item = _item_weights(items)
    key = np.isin(items, KEY_ITEMS)

    leaver = rng.random(n) < DROPOUT_SHARE
    left = np.where(leaver, _leave_weeks(rng, n, T), 0)
    present = np.where(leaver[:, None], weeks[None, :] < left[:, None], True)

    # Personal baselines: a general factor plus item-specific deviations.
    item_mean = 55 + 15 * rng.random(I)
    level = item_mean[None, :] + rng.normal(0, 9, (n, 1)) + rng.normal(0, 8, (n, I))
    level += (leaver[:, None] * effect) * np.where(key, 3.0, 1.5)[None, :]  # leavers start a bit higher

    # Dynamics shared by everyone: slow drifts (person + item) and a weekly mood (AR(1)).
    drift = np.cumsum(rng.normal(0, 1.0, (n, T, 1)), axis=1) + np.cumsum(
        rng.normal(0, 0.8, (n, T, I)), axis=1
    )
    mood = np.zeros((n, T))
    mood[:, 0] = rng.normal(0, 6, n)
    for t in range(1, T):
        mood[:, t] = 0.5 * mood[:, t - 1] + rng.normal(0, 6 * np.sqrt(1 - 0.25), n)
    loading = rng.uniform(0.6, 1.0, I)

    # Leavers: 75% decline, steepening towards the week of leaving; 25% leave without visible decline.
    decliner = leaver & (rng.random(n) < 0.75)
    onset = left - rng.integers(4, 13, n)
    span = np.maximum(left - onset, 1)
    prog = np.clip((weeks[None, :] - onset[:, None]) / span[:, None], 0, 1) * leaver[:, None]
    depth = np.where(decliner, np.clip(rng.normal(28, 8, n), 5, None), 0.0) * effect
    decline = depth[:, None, None] * (prog**1.5)[:, :, None] * w_item[None, None, :]

    # Some stayers go through a rough patch and recover (not every dip ends in leaving).
    dip_on = (~leaver) & (rng.random(n) < 0.2)
    d_start = rng.integers(1, T + 1, n)
    d_len = rng.integers(4, 11, n)
    x = (weeks[None, :] - d_start[:, None]) / d_len[:, None]
    dip_shape = np.clip(1 - np.abs(2 * x - 1), 0, 1) * dip_on[:, None]
    dip = (np.abs(rng.normal(12, 5, n))[:, None, None] * dip_shape[:, :, None]) * w_item[None, None, :]

    person_noise = 9 * noise * rng.lognormal(0, 0.3, n)
    y = (
        level[:, None, :]
        + drift
        + mood[:, :, None] * loading[None, None, :]
        - decline
        - dip
        + rng.normal(0, 1, (n, T, I)) * person_noise[:, None, None]
    )
    y = np.clip(np.round(y), 0, 100)

    # Gated items: school items only when attended, mentor items only after a talk with the mentor.
    p_absent = np.clip(0.08 + effect * 0.4 * prog + 0.3 * dip_shape, 0, 0.95)
    absent = rng.random((n, T)) < p_absent
    no_talk = rng.random((n, T)) < 0.45
    y[:, :, np.isin(items, SCHOOL_GATED)] = np.where(
        absent[:, :, None], np.nan, y[:, :, np.isin(items, SCHOOL_GATED)]
    )
    y[:, :, np.isin(items, MENTOR_GATED)] = np.where(
        no_talk[:, :, None], np.nan, y[:, :, np.isin(items, MENTOR_GATED)]
    )

    # Careless responders (2%): straight-liners and students who leave every slider at its default of 50.
    careless = rng.random(n) < 0.02
    kind = rng.random(n) < 0.5
    from_week = rng.integers(1, 9, n)
    const = np.round(rng.uniform(50, 90, n))
    after = (weeks[None, :] >= from_week[:, None]) & careless[:, None]
    straight = after & kind[:, None]
    untouched = after & ~kind[:, None]
    obs_item = ~np.isnan(y)
    y = np.where(
        straight[:, :, None] & obs_item,
        np.clip(const[:, None, None] + np.round(rng.normal(0, 1, (n, T, 1))), 0, 100),
        y,
    )
    y = np.where(untouched[:, :, None] & obs_item, 50.0, y)

    missed = _missed_diaries(rng, n, T, missing, present, effect, left, dip_shape)
    y[missed] = np.nan
    y[~present] = np.nan
    ids = np.array([f"s{i + 1:06d}" for i in range(n)])
    mentors = np.array([f"m{i // 10 + 1:05d}" for i in range(n)])
    return Cohort(ids, mentors, list(items), y.astype(np.float32), present, left.astype(int))


def _missed_diaries(rng, n, T, target, present, effect, left, dip_shape):
    """Missed diaries: personal tendency, streaks, fewer diaries late in the year, leavers stopping
    before they leave. A global offset is solved so the overall missed share equals ``target``."""
    weeks = np.arange(1, T + 1)
    person = rng.normal(0, 1.0, n)
    late = np.where(weeks >= round(25 * T / 40), 0.5, 0.0)
    ramp = np.clip((weeks[None, :] - (left[:, None] - 6)) / 6.0, 0, 1) * (left[:, None] > 0)
    extra = person[:, None] + late[None, :] + effect * 3.0 * ramp + 1.0 * dip_shape
    u = rng.random((n, T))

    def run(offset):
        missed = np.zeros((n, T), bool)
        prev = np.zeros(n, bool)
        for t in range(T):
            logit = offset + extra[:, t] + 1.2 * prev
            missed[:, t] = u[:, t] < 1 / (1 + np.exp(-logit))
            prev = missed[:, t]
        return missed & present

    if target <= 0:
        return np.zeros((n, T), bool)
    lo, hi = -10.0, 10.0
    for _ in range(30):
        mid = (lo + hi) / 2
        share = run(mid).sum() / max(present.sum(), 1)
        lo, hi = (mid, hi) if share < target else (lo, mid)
    return run((lo + hi) / 2)
