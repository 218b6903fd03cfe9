"""Group figures for coordinators and researchers (the seed study's figures 5c-5g).

Weekly mean with a 95% confidence interval and the inter-quartile band per group, trajectories
of leavers aligned on the week they left, and completion rates per group per week. Statistics are
computed per (group, week) cell with numpy; a cell never needs a loop over students.
"""

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from scipy import stats

from zicht.monitoring import diaries
from zicht.monitoring.items import KEY_CONSTRUCTS, LABELS, SLIDER_ITEMS
from zicht.responses.models import Response, Window

STAYERS, LEAVERS, CONTROL = "blijvers", "uitvallers", "controlegroep"
GROUPINGS = {"outcome": "blijvers / uitvallers / controlegroep", "team": "team"}
# Answer codes that mean "the student left the programme" (mentor diary v2, student post v1).
MENTOR_LEFT = ("v2", {"left_programme"})
POST_LEFT = ("v1", {"left_without_diploma"})
POST_QUESTIONNAIRES = ("student_post", "student_post_control")
ALIGN_WEEKS = 20
MIN_CI = 3  # with 2 answers a 95% interval spans nearly everything: not drawn


def measures():
    """(key, Dutch label, items) for every measure a group chart can show."""
    found = [(key, nl, items) for key, nl, _en, items in KEY_CONSTRUCTS]
    found += [(item, LABELS[item][0], (item,)) for item in SLIDER_ITEMS]
    return found


def measure(key):
    return next((m for m in measures() if m[0] == key), measures()[2])


def leavers(student_ids):
    """{student id: Monday of the week they left} from the mentor diary and the post-measurement."""
    left = {}
    item, codes = MENTOR_LEFT
    mentor_rows = Response.objects.filter(
        window__questionnaire__key=diaries.MENTOR_DIARY_KEY, window__about_id__in=student_ids
    ).values_list("window__about_id", "window__opens_at", "answers")
    for student_id, opens_at, answers in mentor_rows:
        if str((answers or {}).get(item, "")).lower() in codes:
            week = diaries.week_start(opens_at)
            left[student_id] = min(left.get(student_id, week), week)
    item, codes = POST_LEFT
    post_rows = Response.objects.filter(
        window__questionnaire__key__in=POST_QUESTIONNAIRES, window__respondent_id__in=student_ids
    ).values_list("window__respondent_id", "submitted_at", "answers")
    for student_id, submitted_at, answers in post_rows:
        answers = answers or {}
        if str(answers.get(item, "")).lower() in codes:
            try:
                day = date.fromisoformat(str(answers.get("v2")))
            except ValueError:
                day = diaries.clock.localtime(submitted_at).date()
            week = diaries.monday(day)
            left[student_id] = min(left.get(student_id, week), week)
    return left


@dataclass
class GroupData:
    trajectory: list  # [{"week", "group", "mean", "ci_low", "ci_high", "q1", "q3", "n"}]
    aligned: list  # same with "weeks_before" instead of "week"
    completion: list  # [{"week", "group", "rate", "completed", "n"}]
    groups: dict  # group -> number of students


def cell_stats(values):
    """n, mean, 95% CI (t distribution, from MIN_CI answers) and quartiles of one cell's answers."""
    n = len(values)
    mean = float(np.mean(values))
    q1, q3 = (float(v) for v in np.percentile(values, [25, 75]))
    if n >= MIN_CI:
        sd = float(np.std(values, ddof=1))
        half = float(stats.t.ppf(0.975, n - 1)) * sd / np.sqrt(n)
        low, high = max(0.0, mean - half), min(100.0, mean + half)
    else:
        low = high = None
    return {"n": n, "mean": round(mean, 2), "ci_low": None if low is None else round(low, 2),
            "ci_high": None if high is None else round(high, 2), "q1": round(q1, 2), "q3": round(q3, 2)}


def _aggregate(groups, keys, values, key_name, key_out, min_n):
    """Stats per (group, key) cell, sorted by group then key."""
    out = []
    if not len(values):
        return out
    order = np.lexsort((keys, groups))
    groups, keys, values = groups[order], keys[order], values[order]
    cell = np.flatnonzero(np.r_[True, (groups[1:] != groups[:-1]) | (keys[1:] != keys[:-1])])
    for start, end in zip(cell, np.r_[cell[1:], len(values)], strict=True):
        if end - start < min_n:
            continue
        row = {key_name: key_out(keys[start]), "group": str(groups[start])}
        row.update(cell_stats(values[start:end]))
        out.append(row)
    return out


def group_data(teams, grouping, measure_key, now, min_n=2):
    """All group figures for these teams, from one query over their student diaries."""
    _key, _label, items = measure(measure_key)
    rows = list(
        Window.objects.filter(
            questionnaire__key__in=diaries.STUDENT_DIARY_KEYS, respondent__team__in=teams, opens_at__lte=now
        )
        .exclude(state=Window.CANCELLED)
        .values_list("respondent_id", "respondent__team__name", "opens_at", "closes_at", "state",
                     "questionnaire__key", "response__answers")
    )
    if not rows:
        return GroupData([], [], [], {})
    student = np.array([r[0] for r in rows])
    left = leavers(sorted(set(student.tolist())))
    control = {r[0] for r in rows if r[5] == diaries.CONTROL_DIARY_KEY}
    if grouping == "team":
        group = np.array([r[1] for r in rows], dtype=object)
    else:
        group = np.array([CONTROL if r[0] in control else LEAVERS if r[0] in left else STAYERS for r in rows],
                         dtype=object)
    week = np.array([diaries.week_start(r[2]).toordinal() for r in rows])
    completed = np.array([r[4] == Window.COMPLETED for r in rows])
    closed = completed | np.array([r[4] == Window.MISSED or (r[3] is not None and r[3] <= now) for r in rows])
    matrix = diaries.answer_values([(r[6], None) for r in rows], list(items))
    with np.errstate(all="ignore"):
        value = np.nanmean(matrix, axis=1) if matrix.shape[1] > 1 else matrix[:, 0]
    answered = completed & ~np.isnan(value)

    as_date = lambda o: date.fromordinal(int(o)).isoformat()  # noqa: E731
    trajectory = _aggregate(group[answered], week[answered], value[answered], "week", as_date, min_n)

    left_week = np.array([left[s].toordinal() if s in left else 0 for s in student.tolist()])
    relative = (week - left_week) // 7
    in_window = answered & (left_week > 0) & (relative <= 0) & (relative >= -ALIGN_WEEKS)
    aligned_group = group[in_window] if grouping == "team" else np.full(in_window.sum(), LEAVERS, dtype=object)
    aligned = _aggregate(aligned_group, relative[in_window], value[in_window], "weeks_before", int, min_n)

    completion = []
    if closed.any():
        g, w, c = group[closed], week[closed], completed[closed]
        order = np.lexsort((w, g))
        g, w, c = g[order], w[order], c[order]
        cell = np.flatnonzero(np.r_[True, (g[1:] != g[:-1]) | (w[1:] != w[:-1])])
        for start, end in zip(cell, np.r_[cell[1:], len(c)], strict=True):
            done = int(c[start:end].sum())
            completion.append({"week": as_date(w[start]), "group": str(g[start]), "completed": done,
                               "n": int(end - start), "rate": round(done / (end - start), 4)})
    sizes = {}
    for name in sorted(set(group.tolist())):
        sizes[name] = len(set(student[group == name].tolist()))
    return GroupData(trajectory, aligned, completion, sizes)


def csv_columns(kind):
    if kind == "aligned":
        return ["weeks_before", "group", "n", "mean", "ci_low", "ci_high", "q1", "q3"]
    if kind == "completion":
        return ["week", "group", "n", "completed", "rate"]
    return ["week", "group", "n", "mean", "ci_low", "ci_high", "q1", "q3"]


def weeks_ago(today, n):
    return diaries.monday(today) - timedelta(weeks=n)
