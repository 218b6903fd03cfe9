"""Business rules of the continuous support line. Views stay thin and call these.

Every function that depends on the time takes ``now`` (default: core.clock.now()).
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Q

from zicht.core import clock
from zicht.support import consent, schooldays
from zicht.support.models import (
    AftercareContact,
    Deregistration,
    DossierConsent,
    PlannedCheckIn,
    SchoolHoliday,
    TransitionDossier,
)

HANDOVER_CONFIRM_SCHOOL_DAYS = 10
FOLLOW_UP_SCHOOL_DAYS = 10
LANDING_WEEKS = (2, 6, 12)
REVIEW_DAY = 100
AFTERCARE_QUARTERS = 4
OUTFLOW_MONTHS = 6
OUTFLOW_STEP_DAYS = 30
TIMING_BUCKETS = ("<100", "100-180", ">180")

# Protocol definitions the support line enrols people on (scheduling app, protocols/schedule.py).
# Due dates below follow the same rules, so the planned rows and the windows agree.
LANDING_STUDENT_KEY = "support_landing_student"
LANDING_MENTOR_KEY = "support_landing_mentor"
OUTFLOW_KEY = "support_outflow"


def _landing_definition(key, questionnaire, respondent, name):
    return {
        "key": key,
        "name": name,
        "respondent": respondent,
        "weeks": 13,
        "time_zone": "Europe/Amsterdam",
        "reminder_delay": "1d",
        "measurements": [
            {
                "key": f"week{week}",
                "questionnaire": questionnaire,
                "kind": "once",
                "at": {"week": week, "weekday": "thu", "time": "12:00"},
                "open_for": "5d",
            }
            for week in LANDING_WEEKS
        ],
    }


PROTOCOLS = {
    LANDING_STUDENT_KEY: _landing_definition(
        LANDING_STUDENT_KEY,
        "landing_checkin_student",
        "student",
        {"nl": "Eerste 100 dagen: check-in student", "en": "First 100 days: student check-in"},
    ),
    LANDING_MENTOR_KEY: _landing_definition(
        LANDING_MENTOR_KEY,
        "landing_checkin_mentor",
        "mentor",
        {"nl": "Eerste 100 dagen: check-in mentor", "en": "First 100 days: mentor check-in"},
    ),
    OUTFLOW_KEY: {
        "key": OUTFLOW_KEY,
        "name": {"nl": "Na het vertrek: maandelijkse check-in", "en": "After leaving: monthly check-in"},
        "respondent": "student",
        "weeks": 27,
        "time_zone": "Europe/Amsterdam",
        "reminder_delay": "2d",
        "measurements": [
            {
                "key": f"month{month}",
                "questionnaire": "outflow_checkin",
                "kind": "once",
                "after_start": f"{OUTFLOW_STEP_DAYS * month}d12h",
                "open_for": "7d",
            }
            for month in range(1, OUTFLOW_MONTHS + 1)
        ],
    },
}


def scheduling():
    """The scheduling app's services module, or None while it is not available."""
    try:
        from zicht.protocols import services  # noqa: PLC0415 - optional dependency between apps
    except ImportError:
        return None
    return services


def holidays_for(organisation):
    rows = SchoolHoliday.objects.filter(Q(organisation=organisation) | Q(organisation__isnull=True))
    return [(h.starts_on, h.ends_on) for h in rows]


def today(now=None):
    return clock.localtime(now or clock.now()).date()


# --- Transition dossier -------------------------------------------------------------------------


@dataclass
class RegistrationStatus:
    deadline: date
    days_left: int  # negative when the deadline has passed
    registered_on: date | None
    missed: bool  # not registered and the deadline passed, or registered after it

    @property
    def late(self):
        return self.registered_on is not None and self.registered_on > self.deadline


def registration_status(dossier, now=None):
    deadline = schooldays.registration_deadline(dossier.start_year)
    day = today(now)
    registered = dossier.registered_on
    missed = (registered is None and day > deadline) or (registered is not None and registered > deadline)
    return RegistrationStatus(deadline, (deadline - day).days, registered, missed)


def handover_visible_since(dossier, now=None):
    """From when the receiving school can see the dossier: handed over and consent in force."""
    if dossier.handed_over_at is None:
        return None
    since = consent.in_force_since(dossier, DossierConsent.SHARE_SCHOOL, now)
    return None if since is None else max(since, dossier.handed_over_at)


@dataclass
class HandoverStatus:
    visible_since: object  # datetime or None
    confirm_by: date | None
    confirmed_at: object
    overdue: bool


def handover_status(dossier, now=None, holidays=None):
    now = now or clock.now()
    since = handover_visible_since(dossier, now)
    if since is None:
        return HandoverStatus(None, None, dossier.receipt_confirmed_at, False)
    if holidays is None:
        holidays = holidays_for(dossier.receiving_team.organisation)
    confirm_by = schooldays.add_school_days(
        clock.localtime(since).date(), HANDOVER_CONFIRM_SCHOOL_DAYS, holidays
    )
    overdue = dossier.receipt_confirmed_at is None and today(now) > confirm_by
    return HandoverStatus(since, confirm_by, dossier.receipt_confirmed_at, overdue)


def create_dossier(user, student, *, contacts=(), now=None, **fields):
    now = now or clock.now()
    with transaction.atomic():
        dossier = TransitionDossier.objects.create(
            student=student, sending_team=student.team, created_by=user, created_at=now, **fields
        )
        for contact in contacts:
            dossier.contacts.create(**contact)
    return dossier


def hand_over(dossier, now=None):
    """The sending school releases the dossier; the receiving school sees it once consent is in force."""
    if dossier.handed_over_at is None:
        dossier.handed_over_at = now or clock.now()
        dossier.save(update_fields=["handed_over_at"])
    return dossier


def assign_contact(dossier, contact_user, receiving_mentor=None, now=None):
    dossier.receiving_contact = contact_user
    dossier.contact_assigned_at = now or clock.now()
    dossier.receiving_mentor = receiving_mentor
    dossier.save(update_fields=["receiving_contact", "contact_assigned_at", "receiving_mentor"])
    return dossier


def confirm_receipt(dossier, user, now=None):
    """Only the assigned contact person confirms the warm hand-over."""
    if dossier.receiving_contact_id != user.pk:
        raise PermissionError("only the assigned contact person confirms receipt")
    if dossier.receipt_confirmed_at is None:
        dossier.receipt_confirmed_at = now or clock.now()
        dossier.save(update_fields=["receipt_confirmed_at"])
    return dossier


def landing_due_dates(started_on):
    """Check-ins on the Thursday of weeks 2, 6 and 12 (week 1 is the week of the first day)."""
    monday = started_on - timedelta(days=started_on.weekday())
    return {week: monday + timedelta(days=7 * (week - 1) + 3) for week in LANDING_WEEKS}


def _protocol(key):
    from zicht.protocols.models import Protocol  # noqa: PLC0415

    definition = PROTOCOLS[key]
    protocol, _ = Protocol.objects.update_or_create(
        key=key, defaults={"name": definition["name"]["nl"], "definition": definition}
    )
    return protocol


def _windows_by_measurement(subscription):
    return {w.measurement: w for w in subscription.windows.all()}


def plan_landing(dossier, now=None):
    """Plan the week 2/6/12 check-ins for student and mentor and the 100-day review.

    With the scheduling app the student (and the receiving mentor, if assigned) are enrolled on a
    short protocol, so the usual invitations go out; each planned row points at its window.
    Idempotent: planning twice changes nothing.
    """
    now = now or clock.now()
    if dossier.mbo_started_on is None:
        raise ValueError("set the first day at the MBO before planning the landing period")
    started = dossier.mbo_started_on
    due = landing_due_dates(started)
    services = scheduling()
    with transaction.atomic():
        windows = {}
        if services is not None:
            student_sub = services.enrol(dossier.student, _protocol(LANDING_STUDENT_KEY), started, now=now)
            windows[PlannedCheckIn.LANDING_STUDENT] = _windows_by_measurement(student_sub)
            if dossier.receiving_mentor is not None:
                mentor_sub = services.enrol(
                    dossier.receiving_mentor,
                    _protocol(LANDING_MENTOR_KEY),
                    started,
                    about=dossier.student,
                    now=now,
                )
                windows[PlannedCheckIn.LANDING_MENTOR] = _windows_by_measurement(mentor_sub)
        plans = [
            (PlannedCheckIn.LANDING_STUDENT, "landing_checkin_student", dossier.student),
        ]
        if dossier.receiving_mentor is not None:  # planned (again) once a mentor is assigned
            plans.append((PlannedCheckIn.LANDING_MENTOR, "landing_checkin_mentor", dossier.receiving_mentor))
        for kind, questionnaire, respondent in plans:
            for occasion, week in enumerate(LANDING_WEEKS, start=1):
                window = windows.get(kind, {}).get(f"week{week}")
                PlannedCheckIn.objects.update_or_create(
                    dossier=dossier,
                    deregistration=None,
                    kind=kind,
                    occasion=occasion,
                    defaults={
                        "questionnaire_key": questionnaire,
                        "respondent": respondent,
                        "due_on": due[week],
                        "window": window,
                    },
                )
        PlannedCheckIn.objects.get_or_create(
            dossier=dossier,
            deregistration=None,
            kind=PlannedCheckIn.REVIEW_100,
            occasion=1,
            defaults={"due_on": started + timedelta(days=REVIEW_DAY)},
        )
    return list(dossier.checkins.all())


def checkin_state(checkin, now=None):
    """done / open / overdue / planned / cancelled, from the window when there is one."""
    day = today(now)
    if checkin.cancelled_at:
        return "cancelled"
    window = checkin.window
    if window is not None:
        from zicht.responses.models import Window  # noqa: PLC0415

        if window.state == Window.COMPLETED:
            return "done"
        if window.state == Window.CANCELLED:
            return "cancelled"
        if window.state == Window.MISSED:
            return "overdue"
        return (
            "open"
            if window.is_open(now or clock.now())
            else ("planned" if day <= checkin.due_on else "overdue")
        )
    if checkin.done_at:
        return "done"
    return "planned" if day <= checkin.due_on else "overdue"


def record_review(dossier, on, notes, now=None):
    dossier.review_100_on = on
    dossier.review_100_notes = notes
    dossier.save(update_fields=["review_100_on", "review_100_notes"])
    dossier.checkins.filter(kind=PlannedCheckIn.REVIEW_100, done_at__isnull=True).update(
        done_at=now or clock.now()
    )


def aftercare_start(dossier):
    return dossier.mbo_started_on or date(dossier.start_year, 8, 1)


def _add_months(day, months):
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def aftercare_quarters(start, contact_dates, today_, quarters=AFTERCARE_QUARTERS):
    """The aftercare year in quarters, each with its contacts and a state.

    States: done (at least one contact), missing (the quarter ended without one), current, future.
    """
    result = []
    for index in range(quarters):
        begin = _add_months(start, 3 * index)
        end = _add_months(start, 3 * (index + 1)) - timedelta(days=1)
        contacts = [d for d in contact_dates if begin <= d <= end]
        if contacts:
            state = "done"
        elif today_ > end:
            state = "missing"
        elif today_ >= begin:
            state = "current"
        else:
            state = "future"
        result.append(
            {"number": index + 1, "begin": begin, "end": end, "contacts": len(contacts), "state": state}
        )
    return result


def record_aftercare(dossier, user, contacted_on, channel="call", notes="", now=None):
    return AftercareContact.objects.create(
        dossier=dossier,
        contacted_on=contacted_on,
        channel=channel,
        notes=notes,
        recorded_by=user,
        recorded_at=now or clock.now(),
    )


def dossier_flags(dossier, now=None):
    """Everything that needs attention on one dossier, in plain words (Dutch first)."""
    now = now or clock.now()
    flags = []
    registration = registration_status(dossier, now)
    if registration.missed:
        flags.append("Aanmelddatum 1 april gemist")
    handover = handover_status(dossier, now)
    if handover.overdue:
        flags.append("Ontvangst niet bevestigd binnen 10 schooldagen")
    overdue = [c for c in dossier.checkins.all() if checkin_state(c, now) == "overdue"]
    if overdue:
        flags.append(f"{len(overdue)} check-in{'s' if len(overdue) > 1 else ''} te laat")
    quarters = aftercare_quarters(
        aftercare_start(dossier), [c.contacted_on for c in dossier.aftercare_contacts.all()], today(now)
    )
    missing = [q for q in quarters if q["state"] == "missing"]
    if missing:
        flags.append(
            f"Nazorg: {len(missing)} {'kwartalen' if len(missing) > 1 else 'kwartaal'} zonder contact"
        )
    return flags


# --- De-registrations ---------------------------------------------------------------------------

# The default reason codes (seeds/000 and seeds/002), also shipped by migration 0002.
DEFAULT_REASONS = [
    ("no_show", "Niet verschenen", "No-show", 10),
    ("study_choice", "Verkeerde studiekeuze", "Wrong study choice", 20),
    ("behaviour", "Gedrag", "Behaviour", 30),
    ("personal_health", "Persoonlijke omstandigheden of gezondheid", "Personal circumstances or health", 40),
    ("work", "Gaat werken", "Work", 50),
    ("moved", "Verhuisd", "Moved", 60),
    ("other", "Anders", "Other", 90),
]


def ensure_default_reasons():
    """Create the default reason codes when the table is empty (a fresh or flushed database)."""
    from zicht.support.models import DeregistrationReason  # noqa: PLC0415

    if DeregistrationReason.objects.exists():
        return 0
    DeregistrationReason.objects.bulk_create(
        [DeregistrationReason(code=c, label_nl=nl, label_en=en, order=o) for c, nl, en, o in DEFAULT_REASONS],
        ignore_conflicts=True,
    )
    return len(DEFAULT_REASONS)


def timing_bucket(days):
    if days < 100:
        return "<100"
    if days <= 180:
        return "100-180"
    return ">180"


def follow_up_due(deregistration, holidays=None):
    if holidays is None:
        holidays = holidays_for(deregistration.team.organisation)
    return schooldays.add_school_days(deregistration.deregistered_on, FOLLOW_UP_SCHOOL_DAYS, holidays)


def followed_up_in_time(deregistration, holidays=None):
    if deregistration.follow_up_on is None:
        return False
    return deregistration.follow_up_on <= follow_up_due(deregistration, holidays)


def stop_invitations(student, reason, now=None):
    """Stop every protocol the student follows and the mentor diaries about them. Returns how many."""
    services = scheduling()
    if services is None:
        return 0
    from zicht.protocols.models import Subscription  # noqa: PLC0415

    stopped = 0
    subscriptions = (
        Subscription.objects.filter(Q(person=student) | Q(about=student))
        .exclude(state=Subscription.STOPPED)
        .exclude(protocol__key=OUTFLOW_KEY)
    )
    for subscription in subscriptions:
        services.stop(subscription, now, reason=reason)
        stopped += 1
    return stopped


def outflow_due_dates(deregistered_on):
    """Every 30 days from the Monday of the week of leaving, for six months."""
    monday = deregistered_on - timedelta(days=deregistered_on.weekday())
    return [monday + timedelta(days=OUTFLOW_STEP_DAYS * month) for month in range(1, OUTFLOW_MONTHS + 1)]


def start_outflow(deregistration, now=None):
    """Monthly "how are you doing, do you want help?" for six months, only with the student's consent."""
    now = now or clock.now()
    if not deregistration.outflow_consent:
        return []
    services = scheduling()
    windows = {}
    if services is not None:
        subscription = services.enrol(
            deregistration.student, _protocol(OUTFLOW_KEY), deregistration.deregistered_on, now=now
        )
        windows = _windows_by_measurement(subscription)
    rows = []
    for month, due_on in enumerate(outflow_due_dates(deregistration.deregistered_on), start=1):
        row, _ = PlannedCheckIn.objects.update_or_create(
            dossier=None,
            deregistration=deregistration,
            kind=PlannedCheckIn.OUTFLOW,
            occasion=month,
            defaults={
                "questionnaire_key": "outflow_checkin",
                "respondent": deregistration.student,
                "due_on": due_on,
                "window": windows.get(f"month{month}"),
            },
        )
        rows.append(row)
    return rows


def stop_outflow(deregistration, now=None):
    """The student no longer wants the check-in: stop it from now on."""
    now = now or clock.now()
    services = scheduling()
    if services is not None:
        from zicht.protocols.models import Subscription  # noqa: PLC0415

        for subscription in Subscription.objects.filter(
            person=deregistration.student, protocol__key=OUTFLOW_KEY
        ).exclude(state=Subscription.STOPPED):
            services.stop(subscription, now, reason="outflow consent withdrawn")
    deregistration.outflow_consent = False
    deregistration.save(update_fields=["outflow_consent"])
    return deregistration.checkins.filter(
        done_at__isnull=True, cancelled_at__isnull=True, due_on__gt=today(now)
    ).update(cancelled_at=now)


def record_deregistration(
    user,
    student,
    *,
    reason,
    enrolled_on,
    deregistered_on,
    initiated_by,
    kind=Deregistration.DEREGISTRATION,
    destination="",
    reason_text="",
    outflow_consent=False,
    designated_contact=None,
    team=None,
    now=None,
):
    """Record a de-registration (or negative BSA), stop the student's invitations and, with consent,
    start the outflow check-in. All in one transaction: either all of it happens or none."""
    now = now or clock.now()
    if deregistered_on < enrolled_on:
        raise ValueError("the de-registration date is before the enrolment date")
    with transaction.atomic():
        deregistration = Deregistration.objects.create(
            student=student,
            team=team or student.team,
            kind=kind,
            enrolled_on=enrolled_on,
            deregistered_on=deregistered_on,
            reason=reason,
            reason_text=reason_text,
            destination=destination,
            initiated_by=initiated_by,
            outflow_consent=outflow_consent,
            outflow_consent_at=now if outflow_consent else None,
            designated_contact=designated_contact,
            recorded_by=user,
            recorded_at=now,
        )
        deregistration.stopped_subscriptions = stop_invitations(student, f"deregistered ({reason.code})", now)
        deregistration.save(update_fields=["stopped_subscriptions"])
        start_outflow(deregistration, now)
    return deregistration


def record_follow_up(deregistration, user, on, notes=""):
    deregistration.follow_up_on = on
    deregistration.follow_up_notes = notes
    deregistration.follow_up_by = user
    deregistration.save(update_fields=["follow_up_on", "follow_up_notes", "follow_up_by"])
    return deregistration


def monitor(deregistrations, now=None, holidays_by_org=None):
    """Figures for the de-registration monitor over a queryset (already limited to team and period).

    Returns counts by reason × days since enrolment, the share followed up within 10 school days
    and the open tasks (no follow-up yet), most urgent first.
    """
    now = now or clock.now()
    day = today(now)
    holidays_by_org = holidays_by_org if holidays_by_org is not None else {}
    rows = list(deregistrations.select_related("reason", "student", "team__organisation"))
    by_reason = {}
    in_time = 0
    tasks = []
    for row in rows:
        org = row.team.organisation_id
        if org not in holidays_by_org:
            holidays_by_org[org] = holidays_for(row.team.organisation)
        holidays = holidays_by_org[org]
        counts = by_reason.setdefault(row.reason, dict.fromkeys(TIMING_BUCKETS, 0))
        counts[timing_bucket(row.days_enrolled)] += 1
        due = follow_up_due(row, holidays)
        if row.follow_up_on is not None and row.follow_up_on <= due:
            in_time += 1
        if row.follow_up_on is None:
            tasks.append(
                {"deregistration": row, "due": due, "overdue": day > due, "days_left": (due - day).days}
            )
    tasks.sort(key=lambda t: (t["due"], t["deregistration"].pk))
    table = [
        {"reason": reason, "counts": [counts[b] for b in TIMING_BUCKETS], "total": sum(counts.values())}
        for reason, counts in sorted(by_reason.items(), key=lambda item: (item[0].order, item[0].code))
    ]
    totals = [sum(r["counts"][i] for r in table) for i in range(len(TIMING_BUCKETS))]
    return {
        "buckets": TIMING_BUCKETS,
        "table": table,
        "totals": totals,
        "total": len(rows),
        "followed_up_in_time": in_time,
        "share_in_time": (in_time / len(rows)) if rows else None,
        "tasks": tasks,
        "overdue": sum(1 for t in tasks if t["overdue"]),
    }


def outflow_answers(user):
    """Outflow check-ins answered by students whose school named ``user`` as the contact person."""
    return (
        PlannedCheckIn.objects.filter(kind=PlannedCheckIn.OUTFLOW, deregistration__designated_contact=user)
        .filter(window__state="completed")
        .select_related("deregistration__student", "window__response")
        .order_by("-window__completed_at")
    )


def wants_help(checkin):
    response = getattr(checkin.window, "response", None) if checkin.window_id else None
    if response is None:
        return None
    return response.answers.get("wants_help") in ("yes", "ja", True, 1, "1")
