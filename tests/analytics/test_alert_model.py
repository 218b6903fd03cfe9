"""The alert score, its training rows, episode limits and the helpers behind them: known answers."""

import numpy as np
import pytest

from zicht.analytics import calibrate, features, risk, weights


def test_linear_scores_match_a_hand_computation():
    names = features.FEATURES
    F = np.zeros((1, 1, len(names)), np.float32)
    F[..., 0], F[..., 1] = 2.0, 3.0
    hinges, products = [(names[0], 1.5)], [(names[0], names[1])]
    n = len(names) + 2
    a = np.zeros(n)
    a[0], a[-2], a[-1] = 1.0, 2.0, 0.5  # 2 + 2 * (2 - 1.5) + 0.5 * 2 * 3 = 6
    b = np.zeros(n)
    b[1] = 1.0  # 3
    r1, r2 = risk.linear_scores(F, [(a, -6.0), (b, -2.0)], hinges, products)
    assert r1[0, 0] == pytest.approx(0.5)
    assert r2[0, 0] == pytest.approx(1 / (1 + np.exp(-1.0)), rel=1e-6)


def test_scores_from_features_equal_the_design_matrix_product():
    rng = np.random.default_rng(0)
    F = rng.normal(0, 1, (7, 5, len(features.FEATURES))).astype(np.float32)
    r, s = risk.scores_from_features(F)
    A = risk.design(F).astype(np.float64)
    for got, coef, b in ((r, weights.COEF, weights.INTERCEPT), (s, weights.ALERT_COEF, weights.ALERT_INTERCEPT)):
        want = 1 / (1 + np.exp(-np.clip(A @ np.asarray(coef) + b, -30, 30)))
        np.testing.assert_allclose(got, want, rtol=1e-3, atol=1e-6)


def test_alert_training_rows_cover_leaving_2_to_12_weeks_ahead():
    present = np.ones((2, 15), bool)
    present[0, 13:] = False  # leaves in week 14: rows for weeks 1-13
    label, rows = calibrate.alert_rows(present, np.array([14, 0]))
    weeks = np.arange(1, 16)
    assert weeks[label[0]].tolist() == list(range(2, 13))  # 14 - 12 ... 14 - 2
    assert weeks[rows[0]].tolist() == list(range(1, 13))  # week 13 (1 week ahead) is left out
    assert not label[1].any() and rows[1].all()


def test_alert_episode_ends_after_max_weeks_and_needs_a_drop_to_start_again():
    present = np.ones((2, 20), bool)
    r = np.full((2, 20), 0.001, np.float32)
    r[0, 2:12] = 0.2  # high for 10 weeks
    r[0, 12:14] = 0.01  # below th_off for 2 weeks
    r[0, 14:] = 0.2  # high again
    r[1, 2:12] = 0.2
    r[1, 12:14] = 0.03  # stays above th_off: no new alert
    r[1, 14:] = 0.2
    a = risk.alert_rule(r, present, th_on=0.05, th_off=0.015, hold=1, rise=8, max_weeks=3)
    assert np.nonzero(a[0])[0].tolist() == [2, 3, 4, 14, 15, 16]
    assert np.nonzero(a[1])[0].tolist() == [2, 3, 4]
    unlimited = risk.alert_rule(r, present, th_on=0.05, th_off=0.015, hold=1, rise=8, max_weeks=0)
    assert np.nonzero(unlimited[1])[0].tolist() == list(range(2, 20))


def test_lowest3_and_row_sums_ignore_missing_items():
    z = np.array([[1.0, np.nan, -2.0, 0.5, -1.0], [np.nan, np.nan, 3.0, np.nan, np.nan]], np.float32)
    mean3, lowest = features._lowest3(z)
    assert mean3.tolist() == pytest.approx([(-2.0 - 1.0 + 0.5) / 3, 3.0])
    assert lowest.tolist() == [-2.0, 3.0]
    m, n = features._rowmean(z)
    assert n.tolist() == [4, 1]
    assert m.tolist() == pytest.approx([-1.5 / 4, 3.0])
    none, _ = features._lowest3(np.full((1, 4), np.nan, np.float32))
    assert np.isnan(none[0])


def test_student_with_a_perfect_record_who_stops_filling_in_gets_an_alert():
    """Twelve students, 16 weeks (as in tests/monitoring/test_alerts.py): ten steady, one who
    declines in the last 6 weeks, one who fills in every week and then misses the last 4."""
    wobble = (0, 3, -2, 1, -3, 2)

    def steady(level, weeks):
        return np.array([[level + wobble[(k + j) % 6] for j in range(7)] for k in range(weeks)], np.float32)

    X = np.zeros((12, 16, 7), np.float32)
    for k in range(10):
        X[k] = steady(60 + 2 * k, 16)
    X[10] = steady(75, 16)
    for k in range(10, 16):
        X[10, k] = np.maximum(0, np.round(X[10, k] - 50 * (k - 9) / 6))
    X[11] = steady(65, 16)
    X[11, 12:] = np.nan
    _, alert, _ = risk.score_arrays(X, np.ones((12, 16), bool))
    assert alert[10, -1] and alert[11, -1]
    assert alert[11, 14]  # already after 3 missed diaries
    assert not alert[:10].any()
