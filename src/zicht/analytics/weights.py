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
    "cusum",
    "ewma_drop",
    "low_level",
    "partial_missing",
    "reliable",
    "streak_x_decline",
    "missed4_x_decline",
]
COEF = [
    0.0051,
    0.3812,
    -0.0904,
    0.1569,
    0.1566,
    0.5537,
    0.0263,
    0.2110,
    0.5298,
    0.0098,
    0.2473,
    -0.0736,
    0.1851,
    0.0244,
    -0.0505,
    -0.0037,
]
INTERCEPT = -5.0328
TH_ON = 0.0389
TH_OFF = 0.0156
