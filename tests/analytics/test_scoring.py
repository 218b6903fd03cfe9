"""Risk scoring: causality, independence of item names, careless responders, readable reasons."""

import numpy as np
import pytest

from zicht.analytics import quality, risk, simulate


@pytest.fixture(scope="module")
def cohort():
    return simulate.simulate(400, 30, seed=11)


def test_truncating_later_weeks_changes_no_earlier_output(cohort):
    r_full, a_full, p_full = risk.score_arrays(cohort.X, cohort.present)
    for t in (5, 17):
        r_cut, a_cut, p_cut = risk.score_arrays(cohort.X[:, :t], cohort.present[:, :t])
        np.testing.assert_array_equal(r_cut, r_full[:, :t])
        np.testing.assert_array_equal(a_cut, a_full[:, :t])
        np.testing.assert_array_equal(p_cut["item"], p_full["item"][:, :t])


def test_scores_do_not_depend_on_item_names_or_chunking(cohort):
    r1, a1, _ = risk.score_arrays(cohort.X, cohort.present)
    r2, a2, _ = risk.score_arrays(cohort.X, cohort.present, chunk=97)
    np.testing.assert_allclose(r1, r2, rtol=1e-6)
    np.testing.assert_array_equal(a1, a2)


def test_student_who_stops_and_declines_gets_alert_with_dutch_reason():
    rng = np.random.default_rng(5)
    N, T, items = 300, 20, ["v9", "v11", "v25", "mijn_eigen_vraag"]
    X = np.clip(rng.normal(65, 8, (N, T, len(items))), 0, 100).round().astype(np.float32)
    X[0, 10:, :] = np.linspace(60, 20, 10)[:, None]  # steep decline on every item from week 11
    X[0, 10:, 1] = 75  # ... except confidence
    X[0, 18:, :] = np.nan  # then two diaries missed
    present = np.ones((N, T), bool)
    r, a, parts = risk.score_arrays(X, present)
    assert a[0, 19] and r[0, 19] > np.median(r[:, 19])
    text = risk.reason_text(parts, 0, 19, items, True)
    assert "daalde van" in text or "onder het eigen beginniveau" in text
    assert "2 dagboeken op rij gemist" in text
    assert any(label in text for label in ("tevreden met de opleiding", "welbevinden", "mijn_eigen_vraag"))


def test_unknown_item_name_is_used_as_is_in_reason():
    parts = {
        "why": np.zeros((1, 1), np.int8),
        "item": np.zeros((1, 1), np.int16),
        "from": np.array([[72.0]]),
        "to": np.array([[41.0]]),
        "weeks": np.array([[4]]),
        "base": np.array([[70.0]]),
        "streak": np.array([[2]]),
        "missed4": np.array([[2]]),
    }
    text = risk.reason_text(parts, 0, 0, ["stemming_q3"], True)
    assert text == "stemming_q3 daalde van 72 naar 41 in 4 weken; 2 dagboeken op rij gemist"
    assert risk.reason_text(parts, 0, 0, ["v25"], True).startswith("welbevinden daalde van 72 naar 41")


def test_careless_responders_are_flagged_and_serious_ones_are_not():
    rng = np.random.default_rng(2)
    N, T, I = 50, 10, 12  # noqa: E741 (N students, T weeks, I items)
    X = np.clip(rng.normal(60, 15, (N, T, I)), 0, 100).round().astype(np.float32)
    X[0] = 70  # straight-liner: the same answer everywhere, every week
    X[1, 3:] = 50  # serious at first, then leaves every slider untouched at 50
    var_d = np.full((T, I), 200.0)
    flag, why = quality.careless_flags(X, var_d)
    assert flag[0, -1] and why[0, -1] == 2
    assert flag[1, -1] and why[1, -1] == 1
    assert not flag[1, 2]  # not before it started
    assert flag[2:, -1].sum() == 0


def test_fast_completion_is_flagged_when_duration_is_given():
    rng = np.random.default_rng(4)
    X = np.clip(rng.normal(60, 15, (3, 6, 10)), 0, 100).round().astype(np.float32)
    duration = np.full((3, 6), 120.0)
    duration[0] = 4.0  # 10 sliders in 4 seconds
    flag, why = quality.careless_flags(X, np.full((6, 10), 200.0), duration)
    assert flag[0, -1] and why[0, -1] == 4
    assert not flag[1:, -1].any()


def test_flagged_student_gets_review_reason_not_item_decline(cohort):
    X = cohort.X.copy()
    present = cohort.present.copy()
    present[0] = True
    X[0, :4] = 80
    X[0, :4, 0] = 60
    X[0, 4:] = 50  # untouched from week 5: a drop from 80 to 50 that is not real
    r, a, parts = risk.score_arrays(X, present)
    text = risk.reason_text(parts, 0, 10, cohort.items, bool(a[0, 10]))
    assert text.startswith("antwoorden nakijken: alle schuifjes staan op 50")
    assert "daalde" not in text


def test_alert_episode_holds_and_a_sudden_rise_starts_one():
    present = np.ones((3, 12), bool)
    r = np.full((3, 12), 0.002, np.float32)
    r[0, 5] = 0.2  # one very high week: on, and kept for the minimum episode length
    r[1, 9:] = 0.03  # below TH_ON, but 15x this student's own usual risk (3 weeks of history + 4 lag)
    r[2, 9:] = 0.03
    r[2, :9] = 0.02  # ... the same risk is no rise for a student who is usually at 0.02
    a = risk.alert_rule(r, present, th_on=0.05, th_off=0.015, hold=4, rise=8)
    assert a[0].tolist() == [False] * 5 + [True] * 4 + [False] * 3
    assert a[1, 9:].all() and not a[1, :9].any()
    assert not a[2].any()
