"""Reading stored diaries into the shapes the dashboard and the early-warning scorer need.

The scorer wants one array ``X[student, week, item]`` (float32, NaN = no answer) for the whole
cohort; pages want a handful of students' recent weeks. Both come from here, in a fixed, small
number of queries whatever the number of students.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np
from django.db.models import Q

from zicht.core import clock
from zicht.monitoring.items import SLIDER_ITEMS
from zicht.people.models import Person
from zicht.questionnaires.models import QuestionnaireVersion
from zicht.responses.models import Response, Window

STUDENT_DIARY_KEYS = ("student_diary", "student_diary_control")
CONTROL_DIARY_KEY = "student_diary_control"
MENTOR_DIARY_KEY = "mentor_diary"
# Post-measurement with the student's own answer on sharing diary answers with the mentor.
SHARING_QUESTIONNAIRE = "student_post"
SHARING_ITEM = "v10"
YES_CODES = {"yes", "ja", "1", "true", "y"}
NO_CODES = {"no", "nee", "0", "false", "n"}
# An untouched slider is stored as missing plus a note in meta["untouched"]; for the scorer it
# counts as "left at the default position", which is what its careless-responding check expects.
UNTOUCHED_VALUE = 50.0


def week_start(instant):
    """Monday (local time) of the week an instant falls in."""
    day = clock.localtime(instant).date()
    return day - timedelta(days=day.weekday())


def slider_items():
    """0-100 slider items of the published student diaries (all versions), in a stable order."""
    found = []
    versions = QuestionnaireVersion.objects.filter(questionnaire__key__in=STUDENT_DIARY_KEYS).order_by("number")
    for definition in versions.values_list("definition", flat=True):
        for item in definition.get("items", ()):
            if item.get("type") == "slider" and item.get("min", 0) == 0 and item.get("max", 100) == 100:
                if item["id"] not in found:
                    found.append(item["id"])
    if not found:
        return list(SLIDER_ITEMS)
    known = [i for i in SLIDER_ITEMS if i in found]
    return known + [i for i in found if i not in known]


def _number(value):
    if isinstance(value, bool) or value is None:
        return np.nan
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value).strip())
    except ValueError:
        return np.nan


def answer_matrix(rows, items):
    """(len(rows), len(items)) float32 from (answers, meta) pairs; untouched sliders become 50."""
    values = np.full((len(rows), len(items)), np.nan, np.float32)
    index = {item: j for j, item in enumerate(items)}
    for k, (answers, meta) in enumerate(rows):
        if answers:
            values[k] = [_number(answers.get(item)) for item in items]
        for item in (meta or {}).get("untouched", ()):
            j = index.get(item)
            if j is not None and np.isnan(values[k, j]):
                values[k, j] = UNTOUCHED_VALUE
    return values


def answer_values(rows, items):
    """Like answer_matrix but without the untouched-as-50 rule: what the student really answered."""
    return answer_matrix([(answers, None) for answers, _ in rows], items)


@dataclass
class Cohort:
    """Everything the scorer and the alert bookkeeping need, aligned on (student, protocol week)."""

    student_ids: np.ndarray  # (N,) Person ids
    items: list
    X: np.ndarray  # (N, T, I) float32
    present: np.ndarray  # (N, T) bool: a diary week that has closed
    duration: np.ndarray  # (N, T) float32 seconds to complete, NaN unknown
    window_ids: np.ndarray  # (N, T) int64, 0 = no week
    week_starts: np.ndarray  # (N, T) int64 date ordinals, 0 = no week
    n_weeks: np.ndarray  # (N,) closed diary weeks per student


def closed_diary_windows(now, students=None):
    """Student diary windows that have closed (completed or not), not cancelled ones."""
    windows = Window.objects.filter(
        questionnaire__key__in=STUDENT_DIARY_KEYS, respondent__role=Person.STUDENT, opens_at__lte=now
    ).filter(Q(closes_at__lte=now) | Q(state=Window.MISSED)).exclude(state=Window.CANCELLED)
    if students is not None:
        windows = windows.filter(respondent__in=students)
    return windows


def load_cohort(now=None, students=None, items=None):
    """One pass over the closed student diaries of everyone (or of ``students``) into arrays.

    Week t of a student is their t-th closed diary window (1 = first week of their protocol).
    """
    now = now or clock.now()
    items = items or slider_items()
    rows = list(
        closed_diary_windows(now, students)
        .order_by("respondent_id", "opens_at", "id")
        .values_list("id", "respondent_id", "opens_at", "state", "response__answers", "response__meta")
    )
    n_items = len(items)
    if not rows:
        empty = np.zeros((0, 0), np.int64)
        return Cohort(np.zeros(0, np.int64), items, np.zeros((0, 0, n_items), np.float32), np.zeros((0, 0), bool),
                      np.zeros((0, 0), np.float32), empty, empty.copy(), np.zeros(0, np.int64))
    respondent = np.fromiter((r[1] for r in rows), np.int64, len(rows))
    student_ids, student_index = np.unique(respondent, return_inverse=True)
    first = np.searchsorted(respondent, respondent, side="left")  # rows are sorted by respondent
    week_index = np.arange(len(rows)) - first
    N, T = len(student_ids), int(week_index.max()) + 1
    values = answer_matrix([(r[4], r[5]) for r in rows], items)
    completed = np.fromiter((r[4] is not None for r in rows), bool, len(rows))
    values[~completed] = np.nan
    seconds = np.fromiter(
        ((r[5] or {}).get("seconds_to_complete") if r[4] is not None else None for r in rows), object, len(rows)
    )
    X = np.full((N, T, n_items), np.nan, np.float32)
    X[student_index, week_index] = values
    present = np.zeros((N, T), bool)
    present[student_index, week_index] = True
    duration = np.full((N, T), np.nan, np.float32)
    duration[student_index, week_index] = np.array([_number(s) for s in seconds], np.float32)
    window_ids = np.zeros((N, T), np.int64)
    window_ids[student_index, week_index] = [r[0] for r in rows]
    week_starts = np.zeros((N, T), np.int64)
    week_starts[student_index, week_index] = [week_start(r[2]).toordinal() for r in rows]
    n_weeks = present.sum(1)
    return Cohort(student_ids, items, X, present, duration, window_ids, week_starts, n_weeks)


# --------------------------------------------------------------------------------------------
# Pages: a few students' weeks


def diary_weeks(student_ids, since=None, until=None):
    """Student diary windows (any state but cancelled) of these students, with their answers.

    Returns a list of dicts ordered by student and time: window id, student id, week start,
    state, answers (or None), meta (or None), questionnaire key.
    """
    windows = Window.objects.filter(
        questionnaire__key__in=STUDENT_DIARY_KEYS, respondent_id__in=list(student_ids)
    ).exclude(state=Window.CANCELLED)
    if since is not None:
        windows = windows.filter(opens_at__gte=since)
    if until is not None:
        windows = windows.filter(opens_at__lte=until)
    rows = windows.order_by("respondent_id", "opens_at", "id").values_list(
        "id", "respondent_id", "opens_at", "closes_at", "state", "response__answers", "response__meta",
        "questionnaire__key",
    )
    return [
        {
            "window_id": r[0], "student_id": r[1], "opens_at": r[2], "closes_at": r[3],
            "week": week_start(r[2]), "state": r[4], "answers": r[5], "meta": r[6], "questionnaire": r[7],
        }
        for r in rows
    ]


def diary_status(state, opens_at, closes_at, now):
    """done / open / missed / upcoming for one window."""
    if state == Window.COMPLETED:
        return "done"
    if state == Window.MISSED or (closes_at is not None and closes_at <= now):
        return "missed"
    if opens_at > now:
        return "upcoming"
    return "open"


def is_yes(value):
    return str(value).strip().lower() in YES_CODES


def is_no(value):
    return str(value).strip().lower() in NO_CODES


def sharing_students(students):
    """Ids of students whose diary answers may be shown to their mentor and team staff.

    The latest explicit choice of the student wins: a consent record for the purpose
    "share_with_mentor" (given = yes, withdrawn = no) or their answer to the sharing question
    of the post-measurement (v10). Without any, the organisation's default
    (MonitoringSettings.share_answers_default; no settings row = not shared).
    Three queries, whatever the number of students.
    """
    from zicht.privacy.models import Consent, ConsentText

    ids = [s.pk if hasattr(s, "pk") else int(s) for s in students]
    if not ids:
        return set()
    latest = {}

    def note(student_id, at, shared):
        if at is not None and (student_id not in latest or at >= latest[student_id][0]):
            latest[student_id] = (at, shared)

    answers = Response.objects.filter(
        window__respondent_id__in=ids, window__questionnaire__key=SHARING_QUESTIONNAIRE
    ).values_list("window__respondent_id", "submitted_at", "answers")
    for student_id, at, data in answers:
        value = (data or {}).get(SHARING_ITEM)
        if value is not None and (is_yes(value) or is_no(value)):
            note(student_id, at, is_yes(value))
    consents = Consent.objects.filter(
        person_id__in=ids, purpose=ConsentText.SHARE_WITH_MENTOR
    ).values_list("person_id", "given_at", "withdrawn_at")
    for student_id, given_at, withdrawn_at in consents:
        note(student_id, given_at, True)
        note(student_id, withdrawn_at, False)
    defaults = dict(
        Person.objects.filter(pk__in=ids, team__organisation__monitoring_settings__isnull=False).values_list(
            "pk", "team__organisation__monitoring_settings__share_answers_default"
        )
    )
    return {pk for pk in ids if (latest[pk][1] if pk in latest else defaults.get(pk, False))}


def local_midnight(day):
    """The instant a local calendar day starts."""
    return datetime.combine(day, time(0), tzinfo=clock.local_zone())


def monday(day):
    return day - timedelta(days=day.weekday())


def ordinal_to_date(value):
    return date.fromordinal(int(value))
