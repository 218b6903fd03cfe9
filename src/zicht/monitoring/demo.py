"""Simulated diary history for a demo team, stored as real Window and Response rows.

The demo needs a dashboard that looks like a school in February: most students doing fine with
ups and downs, a few declining, one who stopped filling in, one who leaves every slider untouched,
and a student who already left. Values are drawn with numpy; the rows go through the normal
protocol planning and the normal submit function, so they are indistinguishable from real use.
"""

from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from django.db import transaction

from zicht.core import clock
from zicht.monitoring import diaries
from zicht.monitoring.items import SLIDER_ITEMS
from zicht.monitoring.models import MonitoringSettings
from zicht.people.models import MentorLink, Person
from zicht.protocols import services as protocols
from zicht.protocols.models import Subscription
from zicht.questionnaires.models import QuestionnaireVersion
from zicht.responses.models import Window
from zicht.responses.services import WindowClosed, submit_response

SCHOOL_ITEMS = ["v2", "v3", "v4", "v5", "v6"]
MENTOR_ITEMS = ["v19", "v20", "v21", "v22", "v23", "v24"]
KEY_ITEMS = ["v5", "v6", "v8", "v9", "v10", "v11", "v25"]
DOMAINS = ["hobby", "work", "friends", "relationship", "home"]
ACTIONS = [
    ("informal", "relationship", "Even bijgepraat in de kantine over het weekend."),
    ("motivating", "skills", "Complimenten gegeven over de presentatie en aangemoedigd om door te zetten."),
    ("schoolwork", "skills", "Samen een planning gemaakt voor de toetsweek."),
    ("emotional_support", "wellbeing", "Lang gesprek gehad; vooral geluisterd naar wat er thuis speelt."),
    ("environment", "change_environment", "Moeder gebeld over het verzuim en afgesproken samen te praten."),
    ("colleagues", "know_environment", "Overlegd met de stagebegeleider over de eerste weken."),
    ("confronting", "self_insight", "Aangesproken op het te laat komen en gevraagd wat er achter zit."),
    ("informing", "skills", "Uitgelegd hoe de herkansingen werken en waar het rooster staat."),
    ("observing", "inner_world", "In de les meegekeken hoe het gaat in de groep."),
    ("verbal_exercise", "skills", "Rollenspel gedaan voor het gesprek met de stagebegeleider."),
]
STUDENT_KEYS = (protocols.STUDENT, protocols.STUDENT_CONTROL)


@dataclass
class Plan:
    """What happens to one student in the simulation (week numbers are 0-based)."""

    profile: str  # stayer / decliner / misser / careless / leaver
    leave_week: int | None = None
    decline_from: int | None = None


def assign_profiles(n, weeks, rng):
    """Profiles for n students: about 1 in 4 declining, 1 leaver, 1 misser, 1 careless responder."""
    plans = [Plan("stayer") for _ in range(n)]
    order = list(rng.permutation(n))
    wanted = []
    if n >= 3:
        wanted.append("leaver")
    if n >= 4:
        wanted.append("careless")
    if n >= 5:
        wanted.append("misser")
    wanted += ["decliner"] * max(1, round(n / 4))
    if n >= 10:
        wanted.append("leaver")  # about 13-15% leave, as in the seed study
    if n >= 20:
        wanted += ["leaver", "misser"]
    for index, profile in zip(order, wanted, strict=False):
        plan = plans[index]
        plan.profile = profile
        if profile == "leaver":
            plan.leave_week = int(rng.integers(max(4, weeks // 2), max(5, weeks - 3)))
            plan.decline_from = max(1, plan.leave_week - int(rng.integers(5, 9)))
        elif profile == "decliner":
            plan.decline_from = max(3, weeks - int(rng.integers(5, 10)))
    return plans


def simulate_values(plans, weeks, rng):
    """(students, weeks, items) answers 0-100 for SLIDER_ITEMS, and (students, weeks) missed."""
    n, items = len(plans), SLIDER_ITEMS
    t = np.arange(weeks)
    level = 62 + rng.normal(0, 9, (n, 1)) + rng.normal(0, 8, (n, len(items)))
    mood = np.zeros((n, weeks))
    for w in range(1, weeks):
        mood[:, w] = 0.55 * mood[:, w - 1] + rng.normal(0, 5, n)
    noise = rng.normal(0, 6, (n, weeks, len(items)))
    key = np.isin(items, KEY_ITEMS)
    decline = np.zeros((n, weeks, len(items)))
    missed = rng.random((n, weeks)) < 0.08
    for i, plan in enumerate(plans):
        if plan.decline_from is not None:
            end = plan.leave_week if plan.leave_week is not None else weeks - 1
            progress = np.clip((t - plan.decline_from) / max(end - plan.decline_from, 1), 0, 1) ** 1.3
            depth = rng.uniform(35, 50)
            decline[i] = progress[:, None] * depth * np.where(key, 1.0, 0.45)[None, :]
            late = t >= plan.decline_from + 2
            missed[i] |= late & (rng.random(weeks) < 0.35)
        if plan.profile == "misser":
            missed[i, weeks - 3:] = True
            missed[i, weeks - 8:weeks - 3] |= rng.random(5) < 0.4
        if plan.leave_week is not None:
            missed[i, plan.leave_week - 2:] = True
    values = level[:, None, :] + mood[:, :, None] + noise - decline
    missed[:, :2] = False  # everybody starts
    return np.clip(np.round(values), 0, 100), missed


def _student_answers(values, rng, careless):
    """Answers and meta of one student diary, shaped as the questionnaire engine stores them."""
    at_school = rng.random() < 0.9
    talked = rng.random() < 0.55
    answers = {"v1": "yes" if at_school else "no", "v7": int(rng.integers(8, 36)),
               "v13": sorted(rng.choice(DOMAINS, size=int(rng.integers(1, 3)), replace=False).tolist()),
               "v18": "yes" if talked else "no"}
    hidden = ([] if at_school else SCHOOL_ITEMS) + ([] if talked else MENTOR_ITEMS)
    untouched, touched = [], ["v1", "v7", "v13", "v18"]
    for item, value in zip(SLIDER_ITEMS, values, strict=True):
        if item in hidden:
            continue
        if careless:
            untouched.append(item)
        else:
            answers[item] = int(value)
            touched.append(item)
    if careless:
        answers.pop("v7")
        untouched.append("v7")
    return answers, {"untouched": untouched, "touched": touched, "hidden": hidden}


def _mentor_answers(rng, plan, week, weeks):
    worried = plan.decline_from is not None and week >= plan.decline_from + 1
    if plan.profile == "misser" and week >= weeks - 3:
        worried = True
    acted = rng.random() < (0.85 if worried else 0.55)
    if not acted:
        return {"v1": "no", "v2": "no_contact"}
    blocks = []
    picks = rng.choice(len(ACTIONS), size=int(rng.integers(1, 3)), replace=False)
    if worried:
        picks = np.unique(np.r_[picks[:1], rng.choice([3, 4], size=1)])
    for index in picks:
        category, goal, text = ACTIONS[int(index)]
        blocks.append({"v3_1": text, "v3_2": [category], "v3_3": [goal], "v3_4": int(rng.integers(40, 95)),
                       "v3_5": int(rng.integers(50, 95))})
    return {"v1": "yes", "v3": blocks, "v4": int(rng.choice([15, 30, 45, 60, 90])),
            "v5": int(rng.integers(30, 90)), "v6": int(rng.integers(40, 95)), "v7": int(rng.integers(40, 95)),
            "v8": int(rng.integers(40, 95)), "v9": "no"}


def _subscriptions(student, starts_on, now):
    """The student's own subscription and the mentor diary about them, with past windows planned."""
    own = Subscription.objects.filter(person=student, protocol__key__in=STUDENT_KEYS).exclude(
        state=Subscription.STOPPED
    ).first()
    if own is None:
        protocols.enrol_student(student, starts_on, now=now)
        own = Subscription.objects.get(person=student, protocol__key__in=STUDENT_KEYS, starts_on=starts_on)
    mentor_diary = Subscription.objects.filter(about=student, protocol__key=protocols.MENTOR_DIARY).exclude(
        state=Subscription.STOPPED
    ).first()
    start_instant = protocols.local_midnight(own.starts_on, protocols.zone_of(own.protocol))
    # Planning "as of" the start creates the windows of the past weeks as well.
    protocols.plan_windows(own, now=start_instant)
    if mentor_diary is not None:
        protocols.plan_windows(mentor_diary, now=start_instant)
    return own, mentor_diary


def _latest_version(key):
    version = QuestionnaireVersion.objects.filter(questionnaire__key=key).order_by("-number").first()
    if version is None:
        raise LookupError(f"questionnaire {key!r} has no published version; run `zicht sync_questionnaires`")
    return version


def _submit(window, version, answers, meta, rng):
    seconds = float(rng.uniform(70, 240))
    open_hours = (window.closes_at - window.opens_at).total_seconds() / 3600
    at = window.opens_at + timedelta(hours=float(rng.uniform(0.2, max(0.5, min(28.0, open_hours - 0.5)))))
    try:
        submit_response(window, version, answers, meta, started_at=at - timedelta(seconds=seconds), now=at)
    except WindowClosed:
        pass


def load_demo_cohort(team, weeks=22, seed=0, now=None, compute=True):
    """Fill ``team``'s students with ``weeks`` of simulated diaries (and their mentors' diaries).

    Students who already have completed diaries are left alone, so running it twice adds nothing.
    Returns a summary dict.
    """
    from zicht.monitoring.services import compute_alerts

    now = now or clock.now()
    rng = np.random.default_rng(seed)
    today = clock.localtime(now).date()
    starts_on = today - timedelta(weeks=weeks, days=today.weekday())
    students = list(
        Person.objects.filter(team=team, role=Person.STUDENT, is_active=True).order_by("external_id", "pk")
    )
    students = [s for s in students if s.current_mentor(on=today) is not None]
    done = set(
        Window.objects.filter(respondent__in=students, questionnaire__key__in=diaries.STUDENT_DIARY_KEYS,
                              state=Window.COMPLETED).values_list("respondent_id", flat=True)
    )
    todo = [s for s in students if s.pk not in done]
    summary = {"students": len(todo), "diaries": 0, "missed": 0, "mentor_diaries": 0, "left": 0}
    if not todo:
        return summary
    MonitoringSettings.objects.get_or_create(organisation=team.organisation, defaults={"share_answers_default": True})
    plans = assign_profiles(len(todo), weeks, rng)
    values, missed = simulate_values(plans, weeks, rng)
    careless_from = int(rng.integers(5, 9))
    versions = {}

    def version(key):
        if key not in versions:
            versions[key] = _latest_version(key)
        return versions[key]

    for i, (student, plan) in enumerate(zip(todo, plans, strict=True)):
        with transaction.atomic():
            own, mentor_diary = _subscriptions(student, starts_on, now)
            diary_windows = list(
                own.windows.filter(questionnaire__key__in=diaries.STUDENT_DIARY_KEYS, closes_at__lte=now,
                                   state=Window.PLANNED).select_related("questionnaire").order_by("opens_at")
            )[-weeks:]
            mentor_windows = {}
            if mentor_diary is not None:
                for w in mentor_diary.windows.filter(closes_at__lte=now, state=Window.PLANNED):
                    mentor_windows[diaries.week_start(w.opens_at)] = w
            offset = weeks - len(diary_windows)
            for k, window in enumerate(diary_windows):
                week = k + offset
                if plan.leave_week is not None and week > plan.leave_week:
                    break
                if missed[i, week]:
                    Window.objects.filter(pk=window.pk, state=Window.PLANNED).update(state=Window.MISSED)
                    summary["missed"] += 1
                else:
                    careless = plan.profile == "careless" and week >= careless_from
                    answers, meta = _student_answers(values[i, week], rng, careless)
                    _submit(window, version(window.questionnaire.key), answers, meta, rng)
                    summary["diaries"] += 1
                mentor_window = mentor_windows.get(diaries.week_start(window.opens_at))
                if mentor_window is not None and (rng.random() < 0.7 or plan.profile != "stayer"):
                    if plan.leave_week is not None and week == plan.leave_week:
                        answers = {"v1": "no", "v2": "left_programme", "v16": "Wil gaan werken.", "v17": "work",
                                   "v18": "yes"}
                    else:
                        answers = _mentor_answers(rng, plan, week, weeks)
                    _submit(mentor_window, version(diaries.MENTOR_DIARY_KEY), answers, {}, rng)
                    summary["mentor_diaries"] += 1
            if plan.leave_week is not None and 0 <= plan.leave_week - offset < len(diary_windows):
                left_at = diary_windows[plan.leave_week - offset].closes_at
                protocols.stop(own, now=left_at, reason="demo: left the programme")
                if mentor_diary is not None:
                    protocols.stop(mentor_diary, now=left_at, reason="demo: student left the programme")
                MentorLink.objects.filter(student=student, ends_on__isnull=True).update(
                    ends_on=clock.localtime(left_at).date()
                )
                summary["left"] += 1
    # Windows that closed unanswered (the mentors' too) are missed, as the worker would mark them.
    Window.objects.filter(respondent__team=team, state=Window.PLANNED, closes_at__lte=now).update(state=Window.MISSED)
    if compute:
        summary["alerts"] = compute_alerts(now=now).alerts_created
    return summary
