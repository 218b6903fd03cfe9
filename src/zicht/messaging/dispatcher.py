"""The dispatcher: turn due windows into invitations and reminders, and send them exactly once.

The database is the queue. One pass (``run_once``) does, in order:

1. housekeeping: pauses that ended resume, completed stop measurements end their subscription;
2. ``close_windows``: windows past their close become *missed* (and a window nobody invited
   because the worker was down gets a *missed* invitation row, so the coordinator sees it);
3. ``plan_invitations`` / ``plan_reminders``: rows for what is due soon, one per person per
   moment (a mentor's diaries opening together share one invitation);
4. ``claim`` due invitations in small batches (SKIP LOCKED on PostgreSQL, compare-and-set
   UPDATE on SQLite), ``prepare`` them (link, text, one Delivery row per channel, committed
   BEFORE anything is sent) and ``send`` each delivery with its reference as idempotency key;
5. retry deliveries whose ``next_attempt_at`` has come.

Crash safety (docs/scheduling.md): a crash after the provider accepted a message but before we
marked it sent leaves the Delivery queued; the next attempt sends the same body with the same
reference and the provider drops the duplicate. SMTP has no idempotency key, so an e-mail can
be sent twice in that window (it carries the same Message-ID).
"""

import logging
import re
import threading
import time
from collections import Counter, defaultdict
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, F, OuterRef, Q

from zicht.core import clock
from zicht.messaging import channels
from zicht.messaging.models import ContactProblem, Delivery, Invitation, InvitationWindow, OptOut
from zicht.protocols import schedule
from zicht.protocols import services as protocol_services
from zicht.protocols.models import Subscription
from zicht.responses.models import AccessLink, Response, Window

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)  # a claim older than this belongs to a dead worker
PLAN_AHEAD = timedelta(hours=2)  # invitation rows exist this long before their moment
REMINDER_GAP = timedelta(hours=2)  # a late invitation gets its reminder no sooner than this
REMINDER_MARGIN = timedelta(hours=1)  # and no reminder this close to (or after) the close
OPEN_ENDED_LINK = timedelta(days=7)
LATE = timedelta(minutes=15)  # an invitation this far past its moment counts as a catch-up
TOKEN_IN_URL = re.compile(r"/(d|stop)/[A-Za-z0-9_-]{16,}/")


def _clock(now):
    return (lambda: now) if now is not None else clock.now


def run_once(now=None, batch=100, max_seconds=None):
    """One pass of the dispatcher; returns counts of what happened. Safe to run concurrently."""
    get_now = _clock(now)
    started = time.monotonic()
    stats = Counter()
    stats["resumed"] += protocol_services.resume_finished_pauses(get_now())
    stats["stopped"] += protocol_services.apply_stop_rules(get_now())
    stats.update(close_windows(get_now()))
    stats["invitations_planned"] += plan_invitations(get_now())
    stats["reminders_planned"] += plan_reminders(get_now())
    while max_seconds is None or time.monotonic() - started < max_seconds:
        claimed = claim_invitations(get_now(), batch)
        if not claimed:
            break
        for invitation_id in claimed:
            outcome, delivery_ids = prepare(invitation_id, get_now())
            stats[f"invitation_{outcome}"] += 1
            for delivery_id in delivery_ids:
                stats[f"delivery_{send(delivery_id, get_now(), check_windows=False)}"] += 1
    while max_seconds is None or time.monotonic() - started < max_seconds:
        claimed = claim_deliveries(get_now(), batch)
        if not claimed:
            break
        for delivery_id in claimed:
            stats[f"delivery_{send(delivery_id, get_now())}"] += 1
    return {key: value for key, value in stats.items() if value}


# --- windows ------------------------------------------------------------------------------------

def _has_response():
    return Exists(Response.objects.filter(window=OuterRef("pk")))


def _linked(kind, **invitation_filter):
    return Exists(
        InvitationWindow.objects.filter(
            window=OuterRef("pk"), kind=kind, **{f"invitation__{k}": v for k, v in invitation_filter.items()}
        )
    )


def close_windows(now, batch=2000):
    """Windows whose close has passed without a response become missed. Never sent late."""
    counts = Counter()
    while True:
        due = list(
            Window.objects.filter(state=Window.PLANNED, closes_at__lte=now)
            .exclude(_has_response())
            .select_related("subscription")
            .order_by("closes_at")[:batch]
        )
        if not due:
            return counts
        never_invited = Window.objects.filter(pk__in=[w.pk for w in due]).exclude(_linked(Invitation.INVITATION))
        uninvited = [w for w in never_invited.select_related("subscription") if _should_have_been_invited(w)]
        counts["invitations_missed"] += _bundle(
            uninvited, Invitation.INVITATION, now, status=Invitation.MISSED,
            note="window closed before the invitation could be sent (dispatcher not running)",
        )
        counts["windows_missed"] += Window.objects.filter(
            pk__in=[w.pk for w in due], state=Window.PLANNED
        ).update(state=Window.MISSED)
        if len(due) < batch:
            return counts


def _should_have_been_invited(window):
    sub = window.subscription
    return sub is None or sub.state == Subscription.ACTIVE


def _invitable_windows(now):
    return (
        Window.objects.filter(state=Window.PLANNED, respondent__is_active=True)
        .filter(Q(closes_at__gt=now) | Q(closes_at__isnull=True))
        .filter(Q(subscription__isnull=True) | Q(subscription__state=Subscription.ACTIVE))
        .exclude(_has_response())
    )


def plan_invitations(now):
    """Invitation rows for windows opening within PLAN_AHEAD (or open already: catch-up)."""
    windows = (
        _invitable_windows(now)
        .filter(opens_at__lte=now + PLAN_AHEAD)
        .exclude(_linked(Invitation.INVITATION))
        .order_by("opens_at", "respondent_id")
    )
    return _bundle(list(windows[:50_000]), Invitation.INVITATION, now)


def reminder_due(window, invitation_sent_at, rules):
    """When to remind: the protocol's delay after opening, but at least REMINDER_GAP after a late
    invitation, moved out of the quiet hours; None when that is within REMINDER_MARGIN of the close."""
    rule = rules.get((window.subscription.protocol_id if window.subscription else None, window.measurement))
    delay, zone, quiet = rule
    if delay is None:
        return None
    due = max(window.opens_at + delay, invitation_sent_at + REMINDER_GAP)
    due = schedule.quiet_until(due, zone, quiet) or due
    if window.closes_at is not None and due > window.closes_at - REMINDER_MARGIN:
        return None
    return due


def _reminder_rules(windows):
    """(delay, zone, quiet hours) per (protocol, measurement) of these windows."""
    rules = {}
    for w in windows:
        sub = w.subscription
        key = (sub.protocol_id if sub else None, w.measurement)
        if key not in rules:
            definition = sub.protocol.definition if sub else {}
            m = schedule.measurement(definition, w.measurement)
            rules[key] = (
                m["reminder_delay"] if m else schedule.DEFAULT_REMINDER_DELAY,
                protocol_services.zone_of(sub.protocol) if sub else clock.local_zone(),
                schedule.quiet_hours(definition),
            )
    return rules


def plan_reminders(now):
    """A reminder row for every still-open window whose invitation went out and has no reminder yet."""
    windows = list(
        _invitable_windows(now)
        .filter(_linked(Invitation.INVITATION, status=Invitation.SENT))
        .exclude(_linked(Invitation.REMINDER))
        .select_related("subscription__protocol")
        .order_by("opens_at", "respondent_id")[:50_000]
    )
    if not windows:
        return 0
    sent_at = dict(
        InvitationWindow.objects.filter(window__in=windows, kind=Invitation.INVITATION).values_list(
            "window_id", "invitation__sent_at"
        )
    )
    rules = _reminder_rules(windows)
    wanted, too_late = [], []
    for window in windows:
        due = reminder_due(window, sent_at[window.pk] or now, rules)
        if due is None:
            too_late.append(window)
        else:
            window.reminder_due = due
            wanted.append(window)
    planned = _bundle(wanted, Invitation.REMINDER, now, due=lambda ws: max(w.reminder_due for w in ws))
    # Recorded, so the next pass does not reconsider them and the coordinator can see why.
    _bundle(too_late, Invitation.REMINDER, now, status=Invitation.CANCELLED, note="too close to closing")
    return planned


def _bundle(windows, kind, now, *, status=Invitation.PLANNED, note="", due=None):
    """Attach windows to one invitation per (person, moment); returns how many invitations got windows.

    Windows are only added to an invitation that is still planned (one a worker has claimed
    is frozen); otherwise a new bundle is started at ``now``. The unique (window, kind) constraint
    makes a second invitation for the same window impossible even when planners race.
    """
    groups = defaultdict(list)
    for window in windows:
        groups[(window.respondent_id, window.opens_at)].append(window)
    touched = 0
    for (person_id, moment), group in groups.items():
        due_at = due(group) if due else moment
        for candidate_moment in (moment, now.replace(microsecond=0)):
            try:
                if _attach(person_id, kind, candidate_moment, due_at, group, status, note, now):
                    touched += 1
                    break
            except IntegrityError:
                log.info("planner race on person %s %s %s; next pass retries", person_id, kind, candidate_moment)
                break
    return touched


def _attach(person_id, kind, moment, due_at, windows, status, note, now):
    with transaction.atomic():
        invitation, created = Invitation.objects.get_or_create(
            person_id=person_id,
            kind=kind,
            moment=moment,
            defaults={"due_at": due_at, "status": status, "note": note, "created_at": now, "updated_at": now},
        )
        if not created:
            if status == Invitation.PLANNED:
                # Lock it so a worker cannot claim it between our check and our insert.
                invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
            if invitation.status != status:
                return False
        links = [InvitationWindow(invitation=invitation, window=w, kind=kind) for w in windows]
        InvitationWindow.objects.bulk_create(links, ignore_conflicts=True)
        if not invitation.links.exists():  # every window was taken by a concurrent planner
            invitation.delete()
            return True
    return True


# --- claiming -----------------------------------------------------------------------------------

def _skip_locked():
    return connection.features.has_select_for_update_skip_locked


def claim_invitations(now, batch):
    """Claim up to ``batch`` due invitations for this worker; returns their ids."""
    claimable = [
        Q(status=Invitation.PLANNED, due_at__lte=now),
        Q(status=Invitation.SENDING, claimed_until__isnull=False, claimed_until__lt=now),
    ]
    return _claim(Invitation, claimable, "due_at", now, batch, {"status": Invitation.SENDING, "updated_at": now})


def claim_deliveries(now, batch):
    """Claim deliveries waiting for a (re)try; the attempt counter goes up with the claim."""
    claimable = [
        Q(status=Delivery.QUEUED, next_attempt_at__lte=now, claimed_until__isnull=True),
        Q(status=Delivery.QUEUED, next_attempt_at__lte=now, claimed_until__lt=now),
    ]
    return _claim(Delivery, claimable, "next_attempt_at", now, batch, {"attempts": F("attempts") + 1})


def _claim(model, claimable, order, now, batch, changes):
    changes = {**changes, "claimed_until": now + LEASE}
    claimed = []
    for condition in claimable:
        room = batch - len(claimed)
        if room <= 0:
            break
        if _skip_locked():
            with transaction.atomic():
                ids = list(
                    model.objects.select_for_update(skip_locked=True)
                    .filter(condition)
                    .order_by(order)
                    .values_list("pk", flat=True)[:room]
                )
                model.objects.filter(pk__in=ids).update(**changes)
            claimed += ids
        else:
            ids = list(model.objects.filter(condition).order_by(order).values_list("pk", flat=True)[:room])
            for pk in ids:
                # Compare-and-set: only one worker sees rowcount 1 for the same row.
                if model.objects.filter(condition, pk=pk).update(**changes) == 1:
                    claimed.append(pk)
    return claimed


def release_claims(now):
    """Make claims of dead workers available at once. Only when this is the only worker (SQLite lock)."""
    expired = now - timedelta(seconds=1)
    a = Invitation.objects.filter(status=Invitation.SENDING, claimed_until__isnull=False).update(
        claimed_until=expired
    )
    b = Delivery.objects.filter(status=Delivery.QUEUED, claimed_until__isnull=False).update(claimed_until=None)
    return a + b


# --- preparing ----------------------------------------------------------------------------------

def _finish(invitation, status, note, now):
    Invitation.objects.filter(pk=invitation.pk, status=Invitation.SENDING).update(
        status=status, note=note[:200], claimed_until=None, updated_at=now
    )
    return status


def opted_out(person):
    phone_q = Q(phone=person.phone) if person.phone else Q(pk__in=[])
    return OptOut.objects.filter(revoked_at__isnull=True).filter(Q(person=person) | phone_q).exists()


def _phone_opted_out(phone):
    return OptOut.objects.filter(revoked_at__isnull=True, phone=phone).exists()


def _blocked(person, channel, address):
    return ContactProblem.objects.filter(
        person=person, channel=channel, address=address, resolved_at__isnull=True
    ).exists()


def live_windows(invitation, now):
    """The invitation's windows that can still be filled in, with their subscription active."""
    return list(
        invitation.windows.filter(state=Window.PLANNED)
        .filter(Q(closes_at__gt=now) | Q(closes_at__isnull=True))
        .filter(Q(subscription__isnull=True) | Q(subscription__state=Subscription.ACTIVE))
        .exclude(_has_response())
        .select_related("subscription__protocol", "about", "questionnaire")
        .order_by("about__first_name", "pk")
    )


def prepare(invitation_id, now):
    """Decide whether a claimed invitation still has a point, and write its deliveries.

    Returns (outcome, delivery ids to send now). Everything is written in one transaction,
    before anything leaves the building.
    """
    invitation = Invitation.objects.select_related("person__team__organisation").get(pk=invitation_id)
    person = invitation.person
    claim = invitation.claimed_until
    if invitation.status != Invitation.SENDING:
        return "skipped", []
    windows = live_windows(invitation, now)
    if invitation.kind == Invitation.REMINDER:
        # Remind only about windows whose own invitation really went out.
        sent = set(
            InvitationWindow.objects.filter(
                window__in=windows, kind=Invitation.INVITATION, invitation__status=Invitation.SENT
            ).values_list("window_id", flat=True)
        )
        windows = [w for w in windows if w.pk in sent]
    if not person.is_active:
        return _finish(invitation, Invitation.CANCELLED, "person is inactive", now), []
    if not windows:
        closed = invitation.windows.filter(state__in=[Window.PLANNED, Window.MISSED], closes_at__lte=now)
        if closed.exists():
            return _finish(invitation, Invitation.MISSED, "window closed before it could be sent", now), []
        return _finish(invitation, Invitation.CANCELLED, "nothing left to fill in", now), []
    if opted_out(person):
        return _finish(invitation, Invitation.CANCELLED, "opted out", now), []
    later = _quiet_deferral(invitation, windows, now)
    if later is not None:
        Invitation.objects.filter(pk=invitation.pk, status=Invitation.SENDING, claimed_until=claim).update(
            status=Invitation.PLANNED, due_at=later, claimed_until=None, updated_at=now,
            note="late; waits for the end of the quiet hours",
        )
        return "deferred", []

    targets = []
    if person.phone and not _phone_opted_out(person.phone) and not _blocked(person, Delivery.SMS, person.phone):
        targets.append((Delivery.SMS, person.phone))
    if person.email and not _blocked(person, Delivery.EMAIL, person.email):
        targets.append((Delivery.EMAIL, person.email))
    if not targets:
        return _finish(invitation, Invitation.FAILED, "no usable phone number or e-mail address", now), []

    from zicht.messaging.services import compose  # texts live with the other message services

    # The link works until the last bundled window closes (open-ended windows: a week).
    closes = max(w.closes_at or now + OPEN_ENDED_LINK for w in windows)
    try:
        with transaction.atomic():
            link, token = AccessLink.issue(person, expires_at=closes)
            message = compose(invitation, person, windows, token, now)
            ids = []
            for channel, address in targets:
                delivery = Delivery.objects.create(
                    invitation=invitation,
                    channel=channel,
                    to=address,
                    subject=message.email_subject if channel == Delivery.EMAIL else "",
                    body=message.email_text if channel == Delivery.EMAIL else message.sms,
                    next_attempt_at=now,
                    created_at=now,
                    claimed_until=now + LEASE,  # ours: sent right after this commit
                    attempts=1,
                )
                ids.append(delivery.pk)
            # Fencing: only the worker whose claim is still on the row may finish preparing.
            fenced = Invitation.objects.filter(pk=invitation.pk, status=Invitation.SENDING, claimed_until=claim)
            if fenced.update(claimed_until=None, updated_at=now) != 1:
                raise IntegrityError("claim lost")
    except IntegrityError:
        log.warning("invitation %s was prepared by another worker", invitation.pk)
        return "skipped", []
    return "prepared", ids


def _quiet_deferral(invitation, windows, now):
    """A late invitation (the worker was down) does not wake people at night: it waits for the
    end of the quiet hours, if its windows are still open an hour after that."""
    if now - invitation.due_at < LATE or invitation.kind != Invitation.INVITATION:
        return None
    first = windows[0]
    definition = first.subscription.protocol.definition if first.subscription else {}
    zone = protocol_services.zone_of(first.subscription.protocol) if first.subscription else clock.local_zone()
    until = schedule.quiet_until(now, zone, schedule.quiet_hours(definition))
    if until is None:
        return None
    closes = max(w.closes_at or until + OPEN_ENDED_LINK for w in windows)
    return until if until + REMINDER_MARGIN < closes else None


# --- sending ------------------------------------------------------------------------------------

def _redact(body):
    if getattr(settings, "ZICHT_DEV_PAGES", False):
        return body  # the development outbox page shows working links
    return TOKEN_IN_URL.sub(lambda m: f"/{m.group(1)}/…/", body)


def status_url():
    return f"{settings.SITE_URL}/hooks/sms/status/"


def send(delivery_id, now, *, check_windows=True):
    """Send one claimed delivery once and record the outcome: sent, retry or failed."""
    delivery = Delivery.objects.select_related("invitation__person").get(pk=delivery_id)
    if delivery.status != Delivery.QUEUED:
        return "skipped"
    invitation = delivery.invitation
    if check_windows and not live_windows(invitation, now):
        _fail(delivery, "closed", "the window closed (or was completed or stopped) before a retry", now)
        return "expired"
    try:
        if delivery.channel == Delivery.SMS:
            provider_id = channels.send_sms(
                delivery.to, delivery.body, reference=delivery.reference, status_url=status_url()
            )
        else:
            provider_id = channels.send_email(
                delivery.to, delivery.subject, delivery.body, reference=delivery.reference
            )
    except channels.PermanentError as error:
        _fail(delivery, getattr(error, "code", "rejected"), str(error), now, flag=True)
        return "failed"
    except Exception as error:  # noqa: BLE001 - anything else is worth another try, never a loss
        retryable = isinstance(error, channels.RetryableError)
        if not retryable:
            log.exception("unexpected error sending delivery %s; will retry", delivery.pk)
        _retry(delivery, getattr(error, "code", type(error).__name__), str(error), now)
        return "retry"
    with transaction.atomic():
        Delivery.objects.filter(pk=delivery.pk, status=Delivery.QUEUED).update(
            status=Delivery.SENT, sent_at=now, claimed_until=None, last_error="", body=_redact(delivery.body)
        )
        Delivery.objects.filter(pk=delivery.pk).update(provider_id=str(provider_id)[:100])
        roll_up(invitation.pk, now)
    return "sent"


def _retry(delivery, code, message, now):
    attempt = max(delivery.attempts, 1)
    Delivery.objects.filter(pk=delivery.pk, status=Delivery.QUEUED).update(
        next_attempt_at=now + channels.retry_delay(attempt),
        claimed_until=None,
        last_error=message[:300],
        error_code=str(code)[:40],
    )


def _fail(delivery, code, message, now, *, flag=False):
    with transaction.atomic():
        Delivery.objects.filter(pk=delivery.pk).exclude(status=Delivery.FAILED).update(
            status=Delivery.FAILED,
            claimed_until=None,
            last_error=message[:300],
            error_code=str(code)[:40],
            status_at=now,
            body=_redact(delivery.body),
        )
        if flag:
            flag_contact(delivery, message, now)
        roll_up(delivery.invitation_id, now)


def flag_contact(delivery, reason, now):
    """Remember that this address does not work; the coordinator sees it on the person's page."""
    try:
        with transaction.atomic():
            ContactProblem.objects.get_or_create(
                person_id=delivery.invitation.person_id,
                channel=delivery.channel,
                address=delivery.to,
                resolved_at=None,
                defaults={"reason": reason[:300], "delivery": delivery, "created_at": now},
            )
    except IntegrityError:
        pass


def roll_up(invitation_id, now):
    """An invitation is sent once any channel got it out; failed when every channel failed."""
    statuses = set(Delivery.objects.filter(invitation_id=invitation_id).values_list("status", flat=True))
    invitation = Invitation.objects.filter(pk=invitation_id)
    if statuses & {Delivery.SENT, Delivery.DELIVERED}:
        first = Delivery.objects.filter(invitation_id=invitation_id, sent_at__isnull=False).order_by("sent_at")
        sent_at = first.values_list("sent_at", flat=True).first() or now
        invitation.exclude(status=Invitation.SENT).update(
            status=Invitation.SENT, sent_at=sent_at, note="", claimed_until=None, updated_at=now
        )
    elif statuses == {Delivery.FAILED}:
        errors = Delivery.objects.filter(invitation_id=invitation_id).values_list("last_error", flat=True)
        invitation.exclude(status=Invitation.FAILED).update(
            status=Invitation.FAILED, note="; ".join(errors)[:200], claimed_until=None, updated_at=now
        )


# --- the worker loop ------------------------------------------------------------------------------

def run_forever(stop_event=None, interval=30.0, batch=100, on_pass=None):
    """Run passes until ``stop_event`` is set; a pass in progress always finishes (SIGTERM-safe)."""
    stop_event = stop_event or threading.Event()
    while not stop_event.is_set():
        try:
            stats = run_once(batch=batch)
            if on_pass:
                on_pass(stats)
        except Exception:  # noqa: BLE001 - a bad pass must not kill the worker; rows stay due
            log.exception("dispatcher pass failed; retrying next pass")
        finally:
            from django.db import close_old_connections

            close_old_connections()
        stop_event.wait(interval)
