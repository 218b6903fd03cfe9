"""Evaluation metrics on a tiny example computed by hand."""

import numpy as np
import pytest

from zicht.analytics import evaluate


def tiny():
    T = 6
    present = np.zeros((4, T), bool)
    risk = np.zeros((4, T))
    alert = np.zeros((4, T), bool)
    # A: leaves in week 5 (rows 1-4), alert from week 3
    present[0, :4] = True
    risk[0, :4] = [0.1, 0.2, 0.6, 0.9]
    alert[0, 2:4] = True
    # B: stayer, two alert episodes (week 2, weeks 4-5)
    present[1] = True
    risk[1] = [0.1, 0.3, 0.1, 0.7, 0.1, 0.1]
    alert[1, [1, 3, 4]] = True
    # C: leaves in week 3, never alerted
    present[2, :2] = True
    risk[2, :2] = [0.2, 0.4]
    # D: leaves in week 6, alerted only in week 5 (one week ahead)
    present[3, :5] = True
    risk[3, :5] = 0.05
    alert[3, 4] = True
    return risk, alert, present, np.array([5, 0, 3, 6])


def test_metrics_match_hand_computation():
    m = evaluate.metrics(*tiny())
    # positives: A weeks 1-4, C weeks 1-2, D weeks 2-5; negatives: B weeks 1-6 and D week 1.
    # Counting pairs with the positive ranked higher (ties 1/2): 3+5+6+7+5+6+4*0.5 = 34 of 70.
    assert m["auc_4w"] == pytest.approx(34 / 70)
    assert m["share_alerted_2w_ahead"] == pytest.approx(1 / 3)  # only A (alert in week 3 = L-2)
    assert m["median_lead_weeks"] == pytest.approx(1.5)  # A: 5-3 = 2, D: 6-5 = 1
    assert m["false_alarms_per_mentor_month"] == pytest.approx(2 / 6 * 10 * 52 / 12)
    assert m["stayer_weeks_in_alert"] == pytest.approx(3 / 6)


def test_lead_counts_from_the_last_episode_before_leaving():
    present = np.ones((1, 20), bool)
    alert = np.zeros((1, 20), bool)
    alert[0, [9, 15, 16]] = True  # weeks 10, 16-17; leaves in week 19
    m = evaluate.metrics(alert.astype(float), alert, present & (np.arange(1, 21) < 19), np.array([19]))
    assert m["median_lead_weeks"] == 3  # last episode started in week 16
    assert m["median_lead_weeks_first_alert"] == 9
    assert m["share_alerted_2w_ahead"] == 1


def test_baselines():
    X = np.full((2, 5, 2), 60.0, np.float32)
    X[0, 1:3] = np.nan  # two missed in a row (weeks 2-3)
    X[1, 3, 1] = 35  # one key value below 40 in week 4 ...
    X[1, 4, :] = np.nan  # ... and it stays the last value in week 5
    present = np.ones((2, 5), bool)
    streak, a_missed = evaluate.baseline_missed(X, present)
    assert streak[0].tolist() == [0, 1, 2, 0, 0]
    assert a_missed[0].tolist() == [False, False, True, False, False]
    _, a_low = evaluate.baseline_low(X, present, ["v9", "v25"])
    assert a_low[1].tolist() == [False, False, False, True, True]
    # with no known key items every item counts
    _, a_all = evaluate.baseline_low(X, present, ["x", "y"])
    assert a_all[1].tolist() == [False, False, False, True, True]
