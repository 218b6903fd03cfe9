"""Enrol, pause, resume, stop, change mentor: every change to who is asked what goes through here.

Each function is idempotent where that makes sense, writes a SubscriptionEvent row, and plans
Window rows ahead (the (subscription, measurement, occasion) constraint makes planning safe to repeat).
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q

from zicht.core import clock
from zicht.people.models import MentorLink
from zicht.protocols import schedule
from zicht.protocols.definitions import load_definition, shipped_keys
from zicht.protocols.models import Protocol, Subscription, SubscriptionEvent
from zicht.questionnaires.models import Questionnaire
from zicht.responses.models import Window

STUDENT = "student"
STUDENT_CONTROL = "student_control"
MENTOR_DIARY = "mentor_diary"
MENTOR_PREPOST = "mentor_prepost"
# Windows opening this soon are left alone when a definition changes: their invitation may be on its way.
REPLAN_MARGIN = timedelta(hours=3)
# On stop, an open window closing within this time is left to finish (see stop()).
KEEP_OPEN_ON_STOP = timedelta(days=2)


def zone_of(protocol):
    return ZoneInfo(protocol.definition.get("time_zone") or settings.TIME_ZONE)


def local_midnight(day, zone):
    return schedule.local_to_utc(datetime.combine(day, time(0)), zone)


def sync_protocols(keys=None):
    """Create or update Protocol rows from the shipped YAML definitions; returns them."""
    protocols = []
    for key in keys or shipped_keys():
        definition = load_definition(key)
        name = definition.get("name", key)
        if isinstance(name, dict):
            name = name.get("nl") or next(iter(name.values()))
        protocol, _ = Protocol.objects.update_or_create(
            key=key, defaults={"name": name, "definition": definition}
        )
        protocols.append(protocol)
    return protocols


def get_protocol(protocol):
    """A Protocol row from a row or a key; shipped definitions are loaded on first use."""
    if isinstance(protocol, Protocol):
        return protocol
    found = Protocol.objects.filter(key=protocol).first()
    return found or sync_protocols([protocol])[0]


def schedule_for(subscription):
    definition = subscription.protocol.definition
    return schedule.compute(
        definition, subscription.starts_on, ends_on=subscription.ends_on, zone=zone_of(subscription.protocol)
    )


def _questionnaires(keys):
    found = {q.key: q for q in Questionnaire.objects.filter(key__in=keys)}
    for key in set(keys) - set(found):
        # The questionnaire loader fills in title and versions; a window only needs the key.
        found[key], _ = Questionnaire.objects.get_or_create(key=key, defaults={"title": key})
    return found


def _paused_before(subscription):
    """Windows opening before this instant fall inside the current pause (None: not paused)."""
    if subscription.state != Subscription.PAUSED or subscription.paused_until is None:
        return None
    return local_midnight(subscription.paused_until, zone_of(subscription.protocol))


def plan_windows(subscription, now=None):
    """Make the Window rows match the schedule. Safe to repeat; returns counts.

    New windows are created unless they closed already or open before ``not_before``.
    Windows opening more than REPLAN_MARGIN from now follow a changed definition (new time,
    or cancelled when the occasion disappeared, e.g. a holiday was added).
    """
    now = now or clock.now()
    counts = {"created": 0, "updated": 0, "cancelled": 0}
    if subscription.state == Subscription.STOPPED:
        return counts
    planned = schedule_for(subscription)
    questionnaires = _questionnaires({w.questionnaire for w in planned})
    existing = {(w.measurement, w.occasion): w for w in subscription.windows.all()}
    paused_before = _paused_before(subscription)
    wanted = set()
    new = []
    for item in planned:
        key = (item.measurement, item.occasion)
        wanted.add(key)
        window = existing.get(key)
        if window is None:
            if item.closes_at <= now or (subscription.not_before and item.opens_at < subscription.not_before):
                continue
            paused = paused_before is not None and now <= item.opens_at < paused_before
            new.append(
                Window(
                    subscription=subscription,
                    respondent_id=subscription.person_id,
                    about_id=subscription.about_id,
                    questionnaire=questionnaires[item.questionnaire],
                    measurement=item.measurement,
                    occasion=item.occasion,
                    opens_at=item.opens_at,
                    closes_at=item.closes_at,
                    state=Window.CANCELLED if paused else Window.PLANNED,
                )
            )
        elif (
            window.state == Window.PLANNED
            and window.opens_at > now + REPLAN_MARGIN
            and (window.opens_at, window.closes_at) != (item.opens_at, item.closes_at)
        ):
            window.opens_at, window.closes_at = item.opens_at, item.closes_at
            window.save(update_fields=["opens_at", "closes_at"])
            counts["updated"] += 1
    if new:
        Window.objects.bulk_create(new, ignore_conflicts=True)
        counts["created"] = len(new)
    gone = [
        w.pk
        for key, w in existing.items()
        if key not in wanted and w.state == Window.PLANNED and w.opens_at > now + REPLAN_MARGIN
    ]
    if gone:
        counts["cancelled"] = Window.objects.filter(pk__in=gone).update(state=Window.CANCELLED)
    return counts


def _event(subscription, kind, now, **detail):
    SubscriptionEvent.objects.create(subscription=subscription, kind=kind, at=now, detail=detail)


def enrol(person, protocol, starts_on, *, about=None, ends_on=None, not_before=None, now=None):
    """Subscribe a person to a protocol from ``starts_on`` and plan their windows. Idempotent."""
    now = now or clock.now()
    protocol = get_protocol(protocol)
    weeks = int(protocol.definition.get("weeks", 1))
    defaults = {
        "ends_on": ends_on or schedule.default_ends_on(starts_on, weeks),
        "not_before": not_before,
        "created_at": now,
    }
    with transaction.atomic():
        try:
            with transaction.atomic():
                subscription, created = Subscription.objects.get_or_create(
                    protocol=protocol, person=person, about=about, starts_on=starts_on, defaults=defaults
                )
        except IntegrityError:  # enrolled by someone else a moment ago
            subscription, created = (
                Subscription.objects.get(protocol=protocol, person=person, about=about, starts_on=starts_on),
                False,
            )
        if created:
            _event(subscription, SubscriptionEvent.ENROLLED, now, starts_on=str(starts_on))
        plan_windows(subscription, now)
    return subscription


def enrol_student(student, starts_on, *, control=False, now=None):
    """Enrol a student and, in the intervention group, their mentor's diary about them.

    The mentor's own pre/post subscription is created too if the mentor has none yet.
    """
    now = now or clock.now()
    with transaction.atomic():
        own = enrol(student, STUDENT_CONTROL if control else STUDENT, starts_on, now=now)
        result = {"student": own, "mentor_diary": None, "mentor_prepost": None}
        if control:
            return result
        mentor = student.current_mentor(on=max(starts_on, clock.localtime(now).date()))
        if mentor is None:
            return result
        result["mentor_diary"] = enrol(
            mentor, MENTOR_DIARY, starts_on, about=student, ends_on=own.ends_on, now=now
        )
        prepost = get_protocol(MENTOR_PREPOST)
        existing = Subscription.objects.filter(person=mentor, protocol=prepost).exclude(
            state=Subscription.STOPPED
        )
        result["mentor_prepost"] = existing.first() or enrol(mentor, prepost, starts_on, now=now)
    return result


def _cancel_windows(windows, reason, now):
    """Cancel planned windows and the invitations waiting for them."""
    ids = list(windows.filter(state=Window.PLANNED).values_list("pk", flat=True))
    if not ids:
        return 0
    Window.objects.filter(pk__in=ids, state=Window.PLANNED).update(state=Window.CANCELLED)
    from zicht.messaging.services import cancel_invitations_for_windows  # messaging builds on protocols

    cancel_invitations_for_windows(ids, reason, now)
    return len(ids)


def pause(subscription, until, now=None):
    """Pause (e.g. a holiday) until the date ``until``: windows opening before that day are cancelled.

    Windows already open stay open, but get no reminder. The subscription resumes by itself on
    ``until`` (the dispatcher checks every run) or earlier through resume().
    """
    now = now or clock.now()
    if subscription.state == Subscription.STOPPED:
        raise ValueError("a stopped subscription cannot be paused")
    with transaction.atomic():
        subscription.state = Subscription.PAUSED
        subscription.paused_until = until
        subscription.save(update_fields=["state", "paused_until"])
        back = local_midnight(until, zone_of(subscription.protocol))
        cancelled = _cancel_windows(
            subscription.windows.filter(opens_at__gte=now, opens_at__lt=back), "paused", now
        )
        _event(subscription, SubscriptionEvent.PAUSED, now, until=str(until), cancelled=cancelled)
    return cancelled


def resume(subscription, now=None):
    """End a pause now: windows cancelled by the pause that have not opened yet come back."""
    now = now or clock.now()
    if subscription.state != Subscription.PAUSED:
        return 0
    with transaction.atomic():
        paused = subscription.windows.filter(state=Window.CANCELLED, opens_at__gt=now)
        if subscription.paused_until:
            paused = paused.filter(
                opens_at__lt=local_midnight(subscription.paused_until, zone_of(subscription.protocol))
            )
        restored = paused.update(state=Window.PLANNED)
        subscription.state = Subscription.ACTIVE
        subscription.paused_until = None
        subscription.save(update_fields=["state", "paused_until"])
        _event(subscription, SubscriptionEvent.RESUMED, now, restored=restored)
        plan_windows(subscription, now)
    return restored


def stop(subscription, now=None, reason=""):
    """End a subscription for good: future windows and their pending invitations are cancelled.

    A short window that is open right now (this week's diary) stays open, since the person may
    be filling it in, but gets no reminder; if nobody completes it, it becomes missed when it
    closes. Long-open windows (a pre-measurement open until the end) are cancelled.
    """
    now = now or clock.now()
    with transaction.atomic():
        updated = (
            Subscription.objects.filter(pk=subscription.pk)
            .exclude(state=Subscription.STOPPED)
            .update(state=Subscription.STOPPED, stopped_at=now, stop_reason=reason[:200], paused_until=None)
        )
        subscription.refresh_from_db()
        if not updated:
            return 0
        ending = Q(opens_at__gt=now) | Q(closes_at__isnull=True) | Q(closes_at__gt=now + KEEP_OPEN_ON_STOP)
        cancelled = _cancel_windows(subscription.windows.filter(ending), "stopped", now)
        _event(subscription, SubscriptionEvent.STOPPED, now, reason=reason, cancelled=cancelled)
    return cancelled


def change_mentor(student, new_mentor, on, *, now=None):
    """Hand a student over to another mentor from the date ``on`` (history is kept).

    The old link ends on ``on`` and the new one starts then. The old mentor's diary about this
    student gets no windows from that day; the new mentor's diary starts then, on the same weeks
    as the student's own protocol. Questions that mention "your mentor" take the name from the
    links at fill-in time, so they switch with the first window that opens after the change.
    """
    now = now or clock.now()
    with transaction.atomic():
        old_link = (
            MentorLink.objects.select_for_update().filter(student=student, ends_on__isnull=True).first()
        )
        if old_link and old_link.mentor_id == new_mentor.pk:
            return old_link
        if old_link:
            old_link.ends_on = max(on, old_link.starts_on)
            old_link.save(update_fields=["ends_on"])
        new_link = MentorLink.objects.create(mentor=new_mentor, student=student, starts_on=on)

        diary = get_protocol(MENTOR_DIARY)
        zone = zone_of(diary)
        cutoff = local_midnight(on, zone)
        old_subs = Subscription.objects.filter(protocol=diary, about=student).exclude(person=new_mentor)
        for old in old_subs.exclude(state=Subscription.STOPPED):
            _cancel_windows(old.windows.filter(opens_at__gte=max(cutoff, now)), "mentor changed", now)
            old.ends_on = max(on - timedelta(days=1), old.starts_on)
            old.save(update_fields=["ends_on"])
            if on <= clock.localtime(now).date():
                stop(old, now, reason="mentor changed")
            _event(old, SubscriptionEvent.MENTOR_CHANGED, now, to=new_mentor.pk, on=str(on))

        own = (
            Subscription.objects.filter(person=student, protocol__key__in=[STUDENT, STUDENT_CONTROL])
            .exclude(state=Subscription.STOPPED)
            .order_by("-starts_on")
            .first()
        )
        template = own or old_subs.order_by("-starts_on").first()
        if template is not None and template.protocol.key != STUDENT_CONTROL:
            _take_over_diary(new_mentor, student, diary, template, cutoff, now)
    return new_link


def _take_over_diary(mentor, student, diary, template, cutoff, now):
    """Start (or restart, when a mentor gets a former student back) the mentor-diary subscription."""
    existing = Subscription.objects.filter(
        protocol=diary, person=mentor, about=student, starts_on=template.starts_on
    ).first()
    if existing is None:
        sub = enrol(
            mentor,
            diary,
            template.starts_on,
            about=student,
            ends_on=template.ends_on,
            not_before=cutoff,
            now=now,
        )
    else:
        existing.state = Subscription.ACTIVE
        existing.stopped_at = None
        existing.stop_reason = ""
        existing.ends_on = template.ends_on
        existing.not_before = cutoff
        existing.save(update_fields=["state", "stopped_at", "stop_reason", "ends_on", "not_before"])
        existing.windows.filter(state=Window.CANCELLED, opens_at__gte=max(cutoff, now)).update(
            state=Window.PLANNED
        )
        plan_windows(existing, now)
        sub = existing
    _event(sub, SubscriptionEvent.MENTOR_CHANGED, now, student=student.pk, starts=str(cutoff))
    return sub


def stop_measurement_key(protocol):
    for raw in protocol.definition.get("measurements", []):
        if raw.get("stop"):
            return raw["key"]
    return None


def on_window_completed(window, now=None):
    """The stop rule: completing the stop measurement (e.g. the post-measurement) ends the subscription.

    The responses app may call this after a submit; the dispatcher also sweeps for it every run.
    """
    subscription = window.subscription
    if subscription is None or window.state != Window.COMPLETED:
        return False
    if window.measurement != stop_measurement_key(subscription.protocol):
        return False
    stop(subscription, now, reason="completed the stop measurement")
    return True


def apply_stop_rules(now=None):
    """Stop every subscription whose stop measurement is completed (returns how many)."""
    now = now or clock.now()
    stopped = 0
    for protocol in Protocol.objects.all():
        key = stop_measurement_key(protocol)
        if not key:
            continue
        done = Window.objects.filter(
            subscription__protocol=protocol, measurement=key, state=Window.COMPLETED
        ).exclude(subscription__state=Subscription.STOPPED)
        for window in done.select_related("subscription__protocol"):
            stop(window.subscription, now, reason="completed the stop measurement")
            stopped += 1
    return stopped


def resume_finished_pauses(now=None):
    """Pauses end by themselves on their ``paused_until`` date (local)."""
    now = now or clock.now()
    today = clock.localtime(now).date()
    resumed = 0
    for subscription in Subscription.objects.filter(state=Subscription.PAUSED, paused_until__lte=today):
        resume(subscription, now)
        resumed += 1
    return resumed
