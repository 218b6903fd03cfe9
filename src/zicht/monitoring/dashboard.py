"""What the mentor pages show, assembled in a fixed number of queries (never one per student)."""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np

from zicht.core import clock
from zicht.monitoring import access, charts, diaries
from zicht.monitoring.items import ACTION_CATEGORIES, KEY_CONSTRUCTS, label
from zicht.monitoring.models import Alert, CaseNote, MonitoringSettings, RiskScore
from zicht.questionnaires.models import QuestionnaireVersion
from zicht.questionnaires.parse import chosen_codes
from zicht.responses.models import Window

SPARK_WEEKS = 10


# --------------------------------------------------------------------------------------------
# Mentor diary: logged actions


NEUTRAL = {
    "nl": {"student": "student", "he_she": "hij/zij", "his_her": "zijn/haar", "him_her": "hem/haar"},
    "en": {"student": "student", "he_she": "he/she", "his_her": "his/her", "him_her": "him/her"},
}


def neutral_text(text, language="nl"):
    """A label without text variables, for lists about many students ({{Student}} -> Student)."""
    words = NEUTRAL.get(language, NEUTRAL["nl"])

    def replace(match):
        name = match.group(1)
        word = words.get(name.lower(), "")
        return word[:1].upper() + word[1:] if name[:1].isupper() else word

    return re.sub(r"\{\{\s*([A-Za-z_]+)\s*\}\}", replace, text)


def option_labels(questionnaire_key, item_ids, language="nl"):
    """{item id: {code: label}} from the latest published version (one query)."""
    version = QuestionnaireVersion.objects.filter(questionnaire__key=questionnaire_key).order_by("-number").first()
    found = {item_id: {} for item_id in item_ids}
    if version is None:
        return found

    def walk(items):
        for item in items:
            if item["id"] in found:
                for option in item.get("options", ()):
                    text = option["label"]
                    text = (text.get(language) or text.get("nl")) if isinstance(text, dict) else str(text)
                    found[item["id"]][option["value"]] = neutral_text(text, language)
            walk(item.get("items", ()))

    walk(version.definition.get("items", []))
    return found


def actions_from_answers(answers, categories=None):
    """Logged actions of one mentor diary: [{"text", "categories": [labels]}]; [] when none."""
    answers = answers or {}
    if not diaries.is_yes(answers.get("v1", "")):
        return []
    categories = categories or {}
    found = []
    for block in answers.get("v3") or []:
        if not isinstance(block, dict):
            continue
        codes = chosen_codes(block.get("v3_2"))
        names = [categories.get(c) or ACTION_CATEGORIES.get(c, (c,))[0] for c in codes]
        found.append({"text": str(block.get("v3_1") or "").strip(), "categories": names})
    return found


def mentor_diaries(student_ids, since=None):
    """Mentor diary windows about these students: [{window, student, mentor, week, state, answers, response}]."""
    windows = Window.objects.filter(questionnaire__key=diaries.MENTOR_DIARY_KEY, about_id__in=list(student_ids)).exclude(
        state=Window.CANCELLED
    )
    if since is not None:
        windows = windows.filter(opens_at__gte=since)
    rows = windows.order_by("about_id", "opens_at", "id").values_list(
        "id", "about_id", "respondent_id", "opens_at", "closes_at", "state", "response__answers", "response__id"
    )
    return [
        {"window_id": r[0], "student_id": r[1], "mentor_id": r[2], "opens_at": r[3], "closes_at": r[4],
         "week": diaries.week_start(r[3]), "state": r[5], "answers": r[6], "response_id": r[7]}
        for r in rows
    ]


# --------------------------------------------------------------------------------------------
# Caseload


@dataclass
class CaseloadRow:
    student: object
    shared: bool
    student_status: str | None = None
    mentor_status: str | None = None
    sparks: list = field(default_factory=list)
    alerts: list = field(default_factory=list)
    risk: float | None = None
    last_action: dict | None = None

    @property
    def sort_key(self):
        top = max((a.risk for a in self.alerts), default=-1.0)
        return (0 if self.alerts else 1, -top, -(self.risk if self.risk is not None else -1.0),
                self.student.first_name, self.student.pk)


def construct_series(rows, weeks, items_of):
    """Weekly values of one construct (mean of its items) for one student; None when not answered."""
    by_week = {r["week"]: r for r in rows}
    series = []
    for week in weeks:
        r = by_week.get(week)
        values = [diaries._number((r["answers"] or {}).get(i)) for i in items_of] if r and r["answers"] else []
        values = [v for v in values if not np.isnan(v)]
        series.append(sum(values) / len(values) if values else None)
    return series


def caseload_rows(students, now=None):
    """Rows for these students, sorted by concern (open alerts first, then risk). Constant queries."""
    now = now or clock.now()
    today = clock.localtime(now).date()
    this_week = diaries.monday(today)
    students = list(students)
    if not students:
        return []
    ids = [s.pk for s in students]
    shared = diaries.sharing_students(students)
    since = now - timedelta(weeks=SPARK_WEEKS + 1)
    weeks = [this_week - timedelta(weeks=k) for k in range(SPARK_WEEKS - 1, -1, -1)]

    student_windows = defaultdict(list)
    for r in diaries.diary_weeks(ids, since=since, until=now):
        student_windows[r["student_id"]].append(r)
    mentor_windows = defaultdict(list)
    for r in mentor_diaries(ids, since=now - timedelta(weeks=26)):
        if r["opens_at"] <= now:
            mentor_windows[r["student_id"]].append(r)
    categories = option_labels(diaries.MENTOR_DIARY_KEY, ["v3_2"])["v3_2"]
    alerts = defaultdict(list)
    for alert in access.alerts_for(students, shared).filter(access.current_filter(today)).order_by("-risk"):
        alerts[alert.student_id].append(alert)
    risks = {}
    recent = RiskScore.objects.filter(student_id__in=ids, week_start__gte=this_week - timedelta(weeks=SPARK_WEEKS))
    for student_id, risk in recent.order_by("week_start").values_list("student_id", "risk"):
        risks[student_id] = risk  # ordered by week: the last one wins

    rows = []
    for student in students:
        row = CaseloadRow(student=student, shared=student.pk in shared, alerts=alerts[student.pk])
        mine = student_windows[student.pk]
        current = [r for r in mine if r["week"] == this_week]
        if current:
            r = current[-1]
            row.student_status = diaries.diary_status(r["state"], r["opens_at"], r["closes_at"], now)
        current = [r for r in mentor_windows[student.pk] if r["week"] == this_week]
        if current:
            r = current[-1]
            row.mentor_status = diaries.diary_status(r["state"], r["opens_at"], r["closes_at"], now)
        for r in reversed(mentor_windows[student.pk]):
            actions = actions_from_answers(r["answers"], categories)
            if actions:
                row.last_action = {"week": r["week"], "actions": actions}
                break
        if row.shared:
            row.risk = risks.get(student.pk)
            for key, nl, _en, items_of in KEY_CONSTRUCTS:
                series = construct_series(mine, weeks, items_of)
                last = next((v for v in reversed(series) if v is not None), None)
                row.sparks.append({"key": key, "label": nl, "svg": charts.sparkline(series, nl),
                                   "trend": charts.trend(series), "last": last})
        rows.append(row)
    rows.sort(key=lambda r: r.sort_key)
    return rows


def record_views(request, students, what):
    """One audit row per student shown on a list page, written in a single INSERT.

    (privacy.audit.record_view writes one row per call; a caseload of 40 would cost 40 queries.)
    """
    from zicht.privacy.models import AuditEvent

    user = request.user
    at = clock.now()
    AuditEvent.objects.bulk_create([
        AuditEvent(at=at, actor_id=user.pk, actor_name=user.get_username(), action=AuditEvent.VIEW,
                   object_type="people.person", object_id=str(s.pk), person_id=s.pk,
                   organisation_id=s.team.organisation_id, detail={"path": request.path[:200], "what": what})
        for s in students
    ])


# --------------------------------------------------------------------------------------------
# Student page


def baseline_band(values, k):
    """Mean ± SD of the first k answered weeks; None with fewer than 2 answers."""
    first = [v for v in values if v is not None][:k]
    if len(first) < 2:
        return None
    mean = float(np.mean(first))
    sd = float(np.std(first, ddof=1))
    return max(0.0, mean - sd), min(100.0, mean + sd)


def group_iqr(team_id, items, weeks, now, min_n=5):
    """Per item and week: P25/P75 of the team's answers that week ({item: [{week, q1, q3, n}]}).

    Cells with fewer than ``min_n`` answers are left out, so a band never shows a few people.
    """
    result = {item: [] for item in items}
    if not weeks:
        return result
    rows = list(
        Window.objects.filter(
            questionnaire__key__in=diaries.STUDENT_DIARY_KEYS, respondent__team_id=team_id, state=Window.COMPLETED,
            opens_at__gte=diaries.local_midnight(weeks[0]),
            opens_at__lte=now,
        ).values_list("opens_at", "response__answers")
    )
    if not rows:
        return result
    values = diaries.answer_values([(answers, None) for _, answers in rows], items)
    week_of = np.array([diaries.week_start(at).toordinal() for at, _ in rows])
    for week in sorted(set(weeks)):
        block = values[week_of == week.toordinal()]
        n = (~np.isnan(block)).sum(0)
        for j, item in enumerate(items):
            if n[j] >= min_n:
                q1, q3 = np.nanpercentile(block[:, j], [25, 75])
                result[item].append({"week": week.isoformat(), "q1": float(q1), "q3": float(q3), "n": int(n[j])})
    return result


def student_page(user, student, now=None):
    """Everything on the student page; answers only when the student shares them."""
    now = now or clock.now()
    today = clock.localtime(now).date()
    shared = student.pk in diaries.sharing_students([student])
    settings = MonitoringSettings.objects.filter(organisation_id=student.team.organisation_id).first()
    k = settings.baseline_weeks if settings else 4
    weeks_rows = [r for r in diaries.diary_weeks([student.pk], until=now)]
    for r in weeks_rows:
        r["status"] = diaries.diary_status(r["state"], r["opens_at"], r["closes_at"], now)
    weeks = [r["week"] for r in weeks_rows]
    categories = option_labels(diaries.MENTOR_DIARY_KEY, ["v3_2"])["v3_2"]
    mentor_rows = mentor_diaries([student.pk])
    actions = []
    for r in mentor_rows:
        for action in actions_from_answers(r["answers"], categories):
            actions.append({"week": r["week"], "response_id": r["response_id"], **action})
    alerts = list(
        access.alerts_for([student], {student.pk} if shared else set())
        .prefetch_related("events__actor", "events__case_note").order_by("-week_start", "kind")
    )
    current = access.current_filter(today)
    open_ids = set(access.alerts_for([student], {student.pk} if shared else set()).filter(current).values_list("pk", flat=True))
    notes = list(CaseNote.objects.filter(student=student).select_related("author").order_by("-created_at"))
    action_choices = [r for r in mentor_rows if r["response_id"] and actions_from_answers(r["answers"], categories)]

    page = {
        "student": student, "shared": shared, "weeks": weeks_rows, "actions": actions, "alerts": alerts,
        "open_alert_ids": open_ids, "notes": notes, "action_choices": action_choices[-8:][::-1],
        "specs": None, "table": None, "baseline_weeks": k,
    }
    if not shared or not weeks_rows:
        return page

    items = diaries.slider_items()
    values = diaries.answer_values([(r["answers"], r["meta"]) for r in weeks_rows], items)
    answered = ~np.all(np.isnan(values), axis=0)
    items = [i for i, keep in zip(items, answered, strict=True) if keep]
    values = values[:, answered]
    group = group_iqr(student.team_id, items, weeks, now)
    domain = [weeks[0].isoformat(), (weeks[-1] + timedelta(days=6)).isoformat()]
    action_marks = [{"week": a["week"].isoformat(), "text": (", ".join(a["categories"]) + ": " + a["text"])[:160]}
                    for a in actions]
    alert_marks = [{"week": a.week_start.isoformat(), "text": a.reason[:160]} for a in alerts
                   if a.kind != Alert.MISSED]
    item_charts = []
    table_rows = []
    for j, item in enumerate(items):
        series = [None if np.isnan(v) else float(v) for v in values[:, j]]
        rows = [{"week": w.isoformat(), "value": v, "state": r["status"]} for w, v, r in zip(weeks, series, weeks_rows, strict=True)]
        item_charts.append(
            charts.item_chart(label(item), rows, baseline=baseline_band(series, k), group=group[item],
                              actions=action_marks, alerts=alert_marks, domain=domain)
        )
    for i, r in enumerate(weeks_rows):
        cells = [None if np.isnan(v) else round(float(v)) for v in values[i]]
        table_rows.append({"week": r["week"], "status": r["status"], "cells": cells})
    page["specs"] = charts.student_specs(item_charts)
    page["table"] = {"items": [(i, label(i)) for i in items], "rows": table_rows}
    return page
