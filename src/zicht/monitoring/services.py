"""Early-warning bookkeeping and the alert lifecycle: every write of the monitoring app goes through here.

``compute_alerts`` is meant to run after each diary window closes (the worker calls it; so does
``zicht compute_alerts``). It scores the whole cohort in one batched run of the analytics scorer,
stores the risk of each newly closed student-week, and turns the scorer's alert episodes into
``Alert`` rows. Running it again on the same data changes nothing.
"""

import logging
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from zicht.analytics import risk as ews
from zicht.core import clock
from zicht.monitoring import diaries
from zicht.monitoring.models import Alert, AlertEvent, CaseNote, RiskScore

log = logging.getLogger(__name__)

# Reason used for a quality (careless responding) flag when the scorer gives none.
CARELESS_FALLBACK = "antwoorden nakijken: mogelijk niet serieus ingevuld"


class TransitionError(ValueError):
    """The requested state change is not allowed from the alert's current state."""


@dataclass
class ComputeResult:
    students: int = 0
    weeks_scored: int = 0
    alerts_created: int = 0
    alerts_updated: int = 0
    alerts_ended: int = 0
    created: list = field(default_factory=list, repr=False)

    def __str__(self):
        return (
            f"{self.students} studenten, {self.weeks_scored} nieuwe student-weken gescoord, "
            f"{self.alerts_created} signalen nieuw, {self.alerts_updated} bijgewerkt, {self.alerts_ended} afgelopen"
        )


# --------------------------------------------------------------------------------------------
# Episodes: a run of consecutive weeks with the signal on is one alert.


def episode_starts(on):
    """For every (student, week): the week index where the current run of ``on`` started, -1 if off."""
    N, T = on.shape
    prev = np.zeros_like(on)
    prev[:, 1:] = on[:, :-1]
    onset = on & ~prev
    idx = np.where(onset, np.arange(T)[None, :], -1)
    start = np.maximum.accumulate(idx, axis=1)
    return np.where(on, start, -1)


def classify(parts, n, t):
    """The kind of an alert from the scorer's reason ingredients in one week (the latest of the episode,
    so the kind always matches the reason shown with it)."""
    item = int(parts["item"][n, t]) if "item" in parts else -1
    why = int(parts["why"][n, t]) if "why" in parts else 0
    if item >= 0 and not why:
        drop = float(parts["from"][n, t]) - float(parts["to"][n, t])
        if int(parts["weeks"][n, t]) > 0 and drop >= 5:
            return Alert.DECLINE
        return Alert.BELOW_BASELINE
    if int(parts.get("streak", np.zeros((1, 1)))[n, t]) >= 1 or int(parts.get("missed4", np.zeros((1, 1)))[n, t]) >= 2:
        return Alert.MISSED
    return Alert.COMBINED


def _careless_reason(parts, n, t, items):
    text = ews.reason_text(parts, n, t, items, False)
    return text or CARELESS_FALLBACK


def family(kind):
    """Quality flags and risk signals are separate episodes; the risk kinds are one family."""
    return "quality" if kind == Alert.CARELESS else "risk"


@dataclass
class Episode:
    student_id: int
    kind: str
    start: int  # week index
    last: int
    reason: str
    risk: float
    max_risk: float
    window_id: int
    ongoing: bool


def _episodes(cohort, risk, on, todo, kind_of, reason_of):
    """Episodes that have at least one week in ``todo`` (N, T) bool, with their latest state."""
    start = episode_starts(on)
    rows_n, rows_t = np.nonzero(on & todo)
    found = {}
    for n, t in zip(rows_n.tolist(), rows_t.tolist(), strict=True):  # sparse: only weeks with a signal
        s = int(start[n, t])
        key = (n, s)
        ep = found.get(key)
        if ep is None:
            ep = found[key] = Episode(
                student_id=int(cohort.student_ids[n]), kind="", start=s, last=t,
                reason="", risk=0.0, max_risk=0.0, window_id=int(cohort.window_ids[n, s]), ongoing=False,
            )
        ep.last = max(ep.last, t)
    for (n, s), ep in found.items():
        # The run may have started before the weeks processed now: include it in max_risk.
        ep.max_risk = float(risk[n, s:ep.last + 1].max())
        ep.risk = float(risk[n, ep.last])
        ep.reason = reason_of(n, ep.last)
        ep.kind = kind_of(n, ep.last)
        ep.ongoing = ep.last == int(cohort.n_weeks[n]) - 1
    return list(found.values())


def _week(cohort, n, t):
    return date.fromordinal(int(cohort.week_starts[n, t]))


@transaction.atomic
def _store(cohort, risk, alert, flag, todo, episodes, now, result):
    index = {int(sid): n for n, sid in enumerate(cohort.student_ids)}
    # Risk scores of the weeks processed now (the last stored week is rewritten, older ones kept).
    rows_n, rows_t = np.nonzero(todo & cohort.present)
    scores = [
        RiskScore(
            student_id=int(cohort.student_ids[n]), week_start=_week(cohort, n, t), protocol_week=t + 1,
            window_id=int(cohort.window_ids[n, t]) or None, risk=float(risk[n, t]), alert=bool(alert[n, t]),
            quality_flag=bool(flag[n, t]), computed_at=now,
        )
        for n, t in zip(rows_n.tolist(), rows_t.tolist(), strict=True)
    ]
    RiskScore.objects.bulk_create(
        scores, batch_size=2000, update_conflicts=True, unique_fields=["student", "week_start"],
        update_fields=["protocol_week", "window", "risk", "alert", "quality_flag", "computed_at"],
    )
    result.weeks_scored = len(scores)

    students = {ep.student_id for ep in episodes}
    existing = list(
        Alert.objects.filter(student_id__in=students).only(
            "id", "student_id", "kind", "week_start", "last_week_start", "ongoing", "state"
        )
    ) if students else []
    # An episode keeps its identity (student, start week, family) while its kind follows the
    # latest reason: a run of missed diaries that turns into a clear decline is one alert.
    by_key = {(a.student_id, a.week_start, family(a.kind)): a for a in existing}
    touched = set()
    new, changed = [], []
    for ep in episodes:
        n = index[ep.student_id]
        start_week, last_week = _week(cohort, n, ep.start), _week(cohort, n, ep.last)
        found = by_key.get((ep.student_id, start_week, family(ep.kind)))
        if found is None:
            # The same episode may already be stored under a slightly different start week
            # (cohort statistics move a little as new students join): continue that one.
            found = next(
                (a for a in existing if a.student_id == ep.student_id and family(a.kind) == family(ep.kind)
                 and start_week <= a.last_week_start <= last_week),
                None,
            )
        if found is None:
            new.append(
                Alert(
                    student_id=ep.student_id, kind=ep.kind, week_start=start_week, last_week_start=last_week,
                    window_id=ep.window_id or None, protocol_week=ep.start + 1, risk=ep.risk,
                    max_risk=ep.max_risk, reason=ep.reason, ongoing=ep.ongoing, created_at=now, updated_at=now,
                )
            )
            continue
        touched.add(found.pk)
        found.last_week_start = max(found.last_week_start, last_week)
        found.risk, found.max_risk, found.reason, found.ongoing = ep.risk, ep.max_risk, ep.reason, ep.ongoing
        found.kind = ep.kind
        found.updated_at = now
        changed.append(found)
    # Signals of processed students that were on before and are off now have ended.
    processed = [int(cohort.student_ids[n]) for n in np.nonzero(todo.any(1))[0]]
    ended = Alert.objects.filter(student_id__in=processed, ongoing=True).exclude(pk__in=touched)
    result.alerts_ended = ended.update(ongoing=False, updated_at=now)
    if changed:
        Alert.objects.bulk_update(
            changed, ["kind", "last_week_start", "risk", "max_risk", "reason", "ongoing", "updated_at"],
            batch_size=1000,
        )
    if new:
        Alert.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
    result.alerts_created, result.alerts_updated = len(new), len(changed)
    result.created = new


def compute_alerts(now=None, students=None):
    """Score every student's closed diary weeks and raise or update alerts. Idempotent.

    Only weeks from each student's last stored week onwards are (re)written, so stored risks stay
    as they were when the mentor saw them. ``students`` limits the bookkeeping (the cohort
    statistics then come from those students only); the worker passes nothing.
    """
    now = now or clock.now()
    cohort = diaries.load_cohort(now, students)
    result = ComputeResult(students=len(cohort.student_ids))
    if not len(cohort.student_ids):
        return result
    risk, alert, parts = ews.score_arrays(cohort.X, cohort.present, cohort.duration)
    flag = parts["why"] > 0 if "why" in parts else np.zeros_like(alert)
    alert &= cohort.present
    flag &= cohort.present

    # Weeks to process: from each student's last stored week onwards.
    last = dict(
        RiskScore.objects.filter(student_id__in=cohort.student_ids.tolist())
        .values("student_id").annotate(last=Max("week_start")).values_list("student_id", "last")
    )
    last_ordinal = np.array([last[s].toordinal() if s in last else 0 for s in cohort.student_ids.tolist()], np.int64)
    todo = cohort.present & (cohort.week_starts >= last_ordinal[:, None])

    items = cohort.items
    episodes = _episodes(
        cohort, risk, alert, todo,
        kind_of=lambda n, t: classify(parts, n, t),
        reason_of=lambda n, t: ews.reason_text(parts, n, t, items, True),
    )
    episodes += _episodes(
        cohort, risk, flag, todo,
        kind_of=lambda n, t: Alert.CARELESS,
        reason_of=lambda n, t: _careless_reason(parts, n, t, items),
    )
    _store(cohort, risk, alert, flag, todo, episodes, now, result)
    log.info("compute_alerts: %s", result)
    return result


def compute_alerts_if_due(now=None):
    """Run compute_alerts when a student diary window closed since the last run; else do nothing.

    Cheap enough (one or two indexed queries) for the worker to call on every loop.
    Returns the ComputeResult, or None when nothing was due.
    """
    now = now or clock.now()
    last = RiskScore.objects.aggregate(last=Max("computed_at"))["last"]
    closed = diaries.closed_diary_windows(now)
    if last is not None:
        closed = closed.filter(closes_at__gt=last)
    if not closed.exists():
        return None
    return compute_alerts(now=now)


# --------------------------------------------------------------------------------------------
# Lifecycle: new -> seen -> acted / dismissed (acted and dismissed close the alert).

ALLOWED = {
    Alert.SEEN: {Alert.NEW},
    Alert.ACTED: {Alert.NEW, Alert.SEEN},
    Alert.DISMISSED: {Alert.NEW, Alert.SEEN},
}


def _transition(alert, user, to_state, *, note="", case_note=None, action_response=None, now=None):
    now = now or clock.now()
    with transaction.atomic():
        locked = Alert.objects.select_for_update().get(pk=alert.pk)
        if locked.state not in ALLOWED[to_state]:
            raise TransitionError(
                _("Dit signaal staat al op ‘%(state)s’.") % {"state": locked.get_state_display()}
            )
        event = AlertEvent.objects.create(
            alert=locked, actor=user, from_state=locked.state, to_state=to_state, note=note,
            case_note=case_note, action_response=action_response, at=now,
        )
        locked.state = to_state
        locked.state_changed_at = now
        locked.save(update_fields=["state", "state_changed_at"])
    alert.state, alert.state_changed_at = locked.state, locked.state_changed_at
    return event


def mark_seen(alert, user, now=None):
    """The mentor has read the alert. Seeing it twice is not an error: returns None the second time."""
    if alert.state != Alert.NEW:
        return None
    return _transition(alert, user, Alert.SEEN, now=now)


def act_on(alert, user, note, *, action_response=None, now=None):
    """Something was done: the note becomes a case note, linked to the event (and a logged action)."""
    note = (note or "").strip()
    if not note:
        raise TransitionError(_("Schrijf kort op wat je gedaan hebt."))
    if action_response is not None and action_response.window.about_id != alert.student_id:
        raise TransitionError(_("Die actie gaat over een andere student."))
    now = now or clock.now()
    with transaction.atomic():
        case_note = add_case_note(alert.student, user, note, now=now)
        return _transition(alert, user, Alert.ACTED, note=note, case_note=case_note,
                           action_response=action_response, now=now)


def dismiss(alert, user, reason, now=None):
    """Not a concern (e.g. a known situation): the reason is required and kept with the event."""
    reason = (reason or "").strip()
    if not reason:
        raise TransitionError(_("Geef een reden waarom dit signaal geen zorg is."))
    return _transition(alert, user, Alert.DISMISSED, note=reason, now=now)


def add_case_note(student, user, text, now=None):
    text = (text or "").strip()
    if not text:
        raise TransitionError(_("Een notitie mag niet leeg zijn."))
    return CaseNote.objects.create(student=student, author=user, text=text, created_at=now or clock.now())
