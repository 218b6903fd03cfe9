"""Diary values for tests: steady students and students who decline at the end."""

try:
    from tests.conftest import make_user, screenshot  # noqa: F401
except ImportError:
    from conftest import make_user, screenshot  # noqa: F401


def steady(level, weeks, items=("v5", "v6", "v8", "v9", "v10", "v11", "v25"), wobble=(0, 3, -2, 1, -3, 2)):
    return [{"v1": "yes", **{i: level + wobble[(k + j) % len(wobble)] for j, i in enumerate(items)}}
            for k in range(weeks)]


def declining(start, end, weeks, decline_weeks=6, **kw):
    rows = steady(start, weeks, **kw)
    for k in range(weeks - decline_weeks, weeks):
        drop = (start - end) * (k - (weeks - decline_weeks) + 1) / decline_weeks
        for key, value in rows[k].items():
            if key.startswith("v") and key != "v1":
                rows[k][key] = max(0, round(value - drop))
    return rows
