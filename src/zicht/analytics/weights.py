"""Risk weights learned by calibrate.py on simulated cohort seed=1, 20000 students (default settings).

Do not evaluate on that seed. Regenerate with: .venv/bin/python -m zicht.analytics.calibrate
"""

FEATURES = [
    "streak",
    "streak2",
    "streak3",
    "surprise",
    "missed4",
    "completion_drop",
    "decline_mean",
    "decline_top",
    "slope4",
    "slope8",
    "cusum",
    "ewma_drop",
    "low_level",
    "partial_missing",
    "reliable",
    "streak_x_decline",
    "missed4_x_decline",
]
COEF = [
    0.0068,
    0.3801,
    -0.0903,
    0.1568,
    0.1574,
    0.5555,
    -0.0288,
    0.1892,
    0.4494,
    0.3124,
    0.0199,
    0.2070,
    -0.0849,
    0.1857,
    0.0307,
    -0.0438,
    -0.0126,
]
INTERCEPT = -5.0367
TH_ON = 0.0380
TH_OFF = 0.0152
