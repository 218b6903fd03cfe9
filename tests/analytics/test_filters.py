"""The batched local-level filter against a hand computation and statsmodels."""

import numpy as np
import pytest

from zicht.analytics.filters import causal_variances, local_level_filter, pooled_moment_sums


def test_filter_matches_hand_computation_with_missing_week():
    q, r = 4.0, 16.0
    y = np.array([[[50.0], [np.nan], [60.0]]], np.float32)
    level, pvar = local_level_filter(y, q, r)
    # week 1: start at the observation with variance r
    assert level[0, 0, 0] == pytest.approx(50.0)
    assert pvar[0, 0, 0] == pytest.approx(16.0)
    # week 2 missing: level carried forward, variance grows by q
    assert level[0, 1, 0] == pytest.approx(50.0)
    assert pvar[0, 1, 0] == pytest.approx(20.0)
    # week 3: predicted variance 24, gain 24/40
    assert level[0, 2, 0] == pytest.approx(50.0 + 0.6 * 10.0)
    assert pvar[0, 2, 0] == pytest.approx(0.4 * 24.0)


@pytest.mark.filterwarnings("ignore::statsmodels.tools.sm_exceptions.ModelWarning")
def test_filter_matches_statsmodels_local_level():
    sm = pytest.importorskip("statsmodels.api")
    rng = np.random.default_rng(3)
    q, r = 9.0, 100.0
    y = 60 + np.cumsum(rng.normal(0, 3, 30)) + rng.normal(0, 10, 30)
    y[[4, 5, 17]] = np.nan
    mod = sm.tsa.UnobservedComponents(y, level="llevel")
    mod.ssm.initialize_diffuse()  # exact diffuse start, as ours
    res = mod.filter([r, q])
    ours, pvar = local_level_filter(y.astype(np.float32)[None, :, None], q, r)
    np.testing.assert_allclose(ours[0, :, 0], res.filtered_state[0], rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(pvar[0, :, 0], res.filtered_state_cov[0, 0], rtol=1e-4)


def test_filter_is_batched_over_students_and_items():
    rng = np.random.default_rng(0)
    X = rng.normal(50, 10, (7, 12, 3)).astype(np.float32)
    X[rng.random(X.shape) < 0.3] = np.nan
    level, _ = local_level_filter(X, 5.0, 50.0)
    one, _ = local_level_filter(X[4:5, :, 2:3], 5.0, 50.0)
    np.testing.assert_array_equal(level[4:5, :, 2:3], one)


def test_moment_estimates_recover_cohort_variances():
    rng = np.random.default_rng(1)
    q, r = 4.0, 64.0
    mu = 50 + np.cumsum(rng.normal(0, np.sqrt(q), (20000, 20, 1)), axis=1)
    X = (mu + rng.normal(0, np.sqrt(r), mu.shape)).astype(np.float32)
    qh, rh = causal_variances(pooled_moment_sums(X))
    assert qh[-1, 0] == pytest.approx(q, rel=0.25)
    assert rh[-1, 0] == pytest.approx(r, rel=0.1)
