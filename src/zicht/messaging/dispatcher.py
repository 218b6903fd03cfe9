"""The dispatcher: turn due windows into invitations and reminders, and send each exactly once.

The database is the queue. One pass (``run_once``) does, in order:

1. housekeeping: pauses that ended resume, completed stop measurements end their subscription;
2. planning (planner.py): closed windows become *missed*; invitation and reminder rows are
   planned for what is due soon, one per person per moment (a mentor's diaries opening
   together share one invitation);
3. ``claim`` due invitations in small batches (SKIP LOCKED on PostgreSQL, a compare-and-set
   UPDATE on SQLite), ``prepare`` them (link, text, one Delivery row per channel, committed
   BEFORE anything is sent) and ``send`` each delivery with its reference as idempotency key;
4. retry deliveries whose ``next_attempt_at`` has come.

Crash safety (docs/scheduling.md): a crash after the provider accepted a message but before we
marked it sent leaves the Delivery queued; the next attempt sends the same body with the same
reference and the provider drops the duplicate. SMTP has no idempotency key, so an e-mail can
be sent twice in that window (it carries the same Message-ID, which some clients collapse).
"""

import logging
import re
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, close_old_connections, connection, transaction
from django.db.models import F, Q

from zicht.core import clock
from zicht.messaging import channels, planner
from zicht.messaging.models import ContactProblem, Delivery, Invitation, InvitationWindow, OptOut
from zicht.protocols import schedule
from zicht.protocols import services as protocol_services
from zicht.protocols.models import Subscription
from zicht.responses.models import AccessLink, Window

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)  # a claim older than this belongs to a dead worker
MARK_EVERY = 50  # SMS marked "sent" per this many (see SentMarks)
LATE = timedelta(minutes=15)  # an invitation this far past its moment is a catch-up
AWAIT_INVITATION = timedelta(minutes=5)  # a due reminder whose invitation is still on its way looks again
OPEN_ENDED_LINK = timedelta(days=7)
TOKEN_IN_URL = re.compile(r"/(d|stop)/[A-Za-z0-9_-]{16,}/")


def _clock(now):
    return (lambda: now) if now is not None else clock.now


def plan_pass(now):
    """Housekeeping and planning (steps 1 and 2): needed once per tick, however many senders run."""
    stats = Counter()
    stats["resumed"] += protocol_services.resume_finished_pauses(now)
    stats["stopped"] += protocol_services.apply_stop_rules(now)
    stats.update(planner.close_windows(now))
    stats.update(planner.plan_messages(now))
    return stats


def run_once(now=None, batch=100, max_seconds=None, send_threads=1, lease=LEASE, plan=True):
    """One pass of the dispatcher; returns counts of what happened. Safe to run concurrently.

    ``now`` freezes the clock for the whole pass (tests); ``send_threads`` > 1 talks to the
    providers in parallel within a batch; ``lease`` is how long this worker's claims stay its own;
    ``plan=False`` only claims and sends (Celery: one dispatch task per beat tick plans, the others
    do not; zicht/celery.py).
    """
    get_now = _clock(now)
    started = time.monotonic()
    stats = Counter(plan_pass(get_now()) if plan else {})

    def in_time():
        return max_seconds is None or time.monotonic() - started < max_seconds

    pool = ThreadPoolExecutor(send_threads, thread_name_prefix="zicht-send") if send_threads > 1 else None
    # With send threads, a batch is sent while the next one is claimed and prepared: both spend
    # much of their time waiting for the database or the provider, so they overlap well.
    sender = ThreadPoolExecutor(1, thread_name_prefix="zicht-sender") if pool is not None else None
    sending = None
    try:
        while in_time():
            claimed = claim_invitations(get_now(), batch, lease)
            if not claimed:
                break
            outcomes, deliveries = prepare_batch(claimed, get_now(), lease)
            stats.update({f"invitation_{k}": v for k, v in outcomes.items()})
            if sending is not None:
                stats.update(sending.result())
                sending = None
            if sender is None:
                stats.update(_send_all(deliveries, get_now, pool, send_threads, check_windows=False))
            else:
                sending = sender.submit(_send_all, deliveries, get_now, pool, send_threads, check_windows=False)
        if sending is not None:
            stats.update(sending.result())
        while in_time():
            claimed = claim_deliveries(get_now(), batch, lease)
            if not claimed:
                break
            deliveries = list(Delivery.objects.filter(pk__in=claimed).select_related("invitation"))
            stats.update(_send_all(deliveries, get_now, pool, send_threads, check_windows=True))
    finally:
        if sender is not None:
            sender.shutdown()  # lets a batch being sent finish: its deliveries are already committed
        if pool is not None:
            _close_connections(pool, send_threads)
            pool.shutdown()
    return {key: value for key, value in stats.items() if value}


def _close_connections(pool, threads):
    """Close each send thread's database connection at the end of a pass. Reconnecting for every
    batch instead cost PostgreSQL a new backend process per thread per batch (21,000 during the
    national wave). Each thread takes exactly one close job: it waits for the others at a barrier."""
    barrier = threading.Barrier(threads)

    def close(_):
        try:
            barrier.wait(timeout=10)
        except threading.BrokenBarrierError:
            pass
        connection.close()

    list(pool.map(close, range(threads)))


def _send_all(deliveries, get_now, pool, threads, *, check_windows):
    def work(chunk):
        marks = SentMarks()
        try:
            counts = Counter()
            one_by_one = chunk
            size = settings.ZICHT_SMS_BATCH_SIZE
            if size > 1 and not check_windows:  # fresh deliveries: SMS go in batch requests
                sms = [d for d in chunk if d.channel == Delivery.SMS]
                one_by_one = [d for d in chunk if d.channel != Delivery.SMS]
                for start in range(0, len(sms), size):
                    counts.update(send_sms_batch(sms[start : start + size], get_now(), marks))
            counts.update(
                f"delivery_{send(d, get_now(), check_windows=check_windows, marks=marks)}" for d in one_by_one
            )
            return counts
        finally:
            marks.flush()  # a send thread keeps its database connection until the pass ends

    if pool is None:
        return work(deliveries)
    total = Counter()
    for counts in pool.map(work, [c for c in (deliveries[i::threads] for i in range(threads)) if c]):
        total.update(counts)
    return total


MARK_SENT_SQL = (
    f"UPDATE {Delivery._meta.db_table} SET status = '{Delivery.SENT}', provider_id = %s, body = %s, "
    f"sent_at = %s, claimed_until = NULL, last_error = '', error_code = '' "
    f"WHERE id = %s AND status = '{Delivery.QUEUED}'"
)


class SentMarks:
    """Records "sent" for SMS in groups of MARK_EVERY instead of one transaction per message.

    Safe because the provider deduplicates on the reference: if the worker dies before a
    flush, those messages are sent again with the same reference and dropped by the provider.
    E-mail has no such key, so e-mails are always marked one by one, right after sending.
    """

    def __init__(self):
        self.pending = []

    def add(self, delivery, provider_id, now):
        self.pending.append((delivery, provider_id, now))
        if len(self.pending) >= MARK_EVERY:
            self.flush()

    def flush(self):
        if not self.pending:
            return
        pending, self.pending = self.pending, []
        first = min(now for _, _, now in pending)
        adapt = connection.ops.adapt_datetimefield_value
        rows = []
        for delivery, provider_id, now in pending:
            delivery.provider_id, delivery.body = str(provider_id)[:100], _redact(delivery.body)
            delivery.status, delivery.sent_at = Delivery.SENT, now
            rows.append((delivery.provider_id, delivery.body, adapt(now), delivery.pk))
        with transaction.atomic():
            _relaxed_commit()
            # One statement per row, sent together: much cheaper than an ORM bulk_update's CASE.
            with connection.cursor() as cursor:
                cursor.executemany(MARK_SENT_SQL, rows)
            Invitation.objects.filter(pk__in={d.invitation_id for d, _, _ in pending}).exclude(
                status=Invitation.SENT
            ).update(status=Invitation.SENT, sent_at=first, note="", claimed_until=None, updated_at=first)


# --- claiming -----------------------------------------------------------------------------------


def _skip_locked():
    return connection.features.has_select_for_update_skip_locked


def claim_invitations(now, batch, lease=LEASE):
    """Claim up to ``batch`` due invitations for this worker; returns their ids."""
    claimable = [
        Q(status=Invitation.PLANNED, due_at__lte=now),
        Q(status=Invitation.SENDING, claimed_until__isnull=False, claimed_until__lt=now),  # a dead worker's
    ]
    return _claim(
        Invitation, claimable, "due_at", now, batch, {"status": Invitation.SENDING, "updated_at": now}, lease
    )


def claim_deliveries(now, batch, lease=LEASE):
    """Claim deliveries waiting for a (re)try; the attempt counter goes up with the claim."""
    claimable = [
        Q(status=Delivery.QUEUED, next_attempt_at__lte=now, claimed_until__isnull=True),
        Q(status=Delivery.QUEUED, next_attempt_at__lte=now, claimed_until__lt=now),
    ]
    return _claim(Delivery, claimable, "next_attempt_at", now, batch, {"attempts": F("attempts") + 1}, lease)


def _claim(model, claimable, order, now, batch, changes, lease):
    changes = {**changes, "claimed_until": now + lease}
    claimed = []
    for condition in claimable:
        room = batch - len(claimed)
        if room <= 0:
            break
        if _skip_locked():
            # PostgreSQL: rows another worker is claiming right now are skipped, not waited for.
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
            with transaction.atomic():
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
    b = Delivery.objects.filter(status=Delivery.QUEUED, claimed_until__isnull=False).update(
        claimed_until=None
    )
    return a + b


# --- preparing ----------------------------------------------------------------------------------


def opted_out(person):
    phone_q = Q(phone=person.phone) if person.phone else Q(pk__in=[])
    return OptOut.objects.filter(revoked_at__isnull=True).filter(Q(person=person) | phone_q).exists()


def linked_windows(invitation_ids):
    """Per invitation, all its windows (with subscription, student and protocol), in message order.

    Two queries driven by the ids (links by invitation, windows by primary key), so the plan
    stays an index lookup even when the table statistics lag behind a big planning run.
    """
    links = list(
        InvitationWindow.objects.filter(invitation_id__in=invitation_ids).values_list("invitation_id", "window_id")
    )
    windows = (
        Window.objects.filter(pk__in=[window_id for _, window_id in links])
        .annotate(answered=planner.has_response())
        .select_related("subscription", "about", "questionnaire")
        .in_bulk()
    )
    planner.attach_protocols(list(windows.values()))
    result = defaultdict(list)
    for invitation_id, window_id in links:
        result[invitation_id].append(windows[window_id])
    for found in result.values():
        found.sort(key=lambda w: (w.about.first_name if w.about else "", w.pk))
    return result


def is_live(window, now):
    """Can still be filled in: planned, not closed, not answered, subscription (if any) active."""
    return (
        window.state == Window.PLANNED
        and (window.closes_at is None or window.closes_at > now)
        and not window.answered
        and (window.subscription is None or window.subscription.state == Subscription.ACTIVE)
    )


def live_windows(invitation_ids, now):
    """Per invitation, its windows that can still be filled in (subscription active), ordered."""
    return {
        invitation_id: live
        for invitation_id, windows in linked_windows(invitation_ids).items()
        if (live := [w for w in windows if is_live(w, now)])
    }


class _Batch:
    """Everything prepare needs about a batch of claimed invitations, in a handful of queries."""

    def __init__(self, ids, now):
        self.invitations = list(
            Invitation.objects.filter(pk__in=ids, status=Invitation.SENDING).select_related(
                "person__team__organisation"
            )
        )
        ids = [i.pk for i in self.invitations]
        linked = linked_windows(ids)
        self.windows = {i: [w for w in windows if is_live(w, now)] for i, windows in linked.items()}
        reminder_windows = [
            w.pk for i in self.invitations if i.kind == Invitation.REMINDER for w in self.windows[i.pk]
        ]
        self.invited = {}  # window id -> when its invitation went out
        self.awaiting_invitation = set()  # window ids whose invitation has not gone out yet
        for window_id, status, sent_at in InvitationWindow.objects.filter(
            window_id__in=reminder_windows, kind=Invitation.INVITATION
        ).values_list("window_id", "invitation__status", "invitation__sent_at"):
            if status == Invitation.SENT:
                self.invited[window_id] = sent_at
            elif status in (Invitation.PLANNED, Invitation.SENDING):
                self.awaiting_invitation.add(window_id)
        self.closed = {  # invitations with a window that closed unanswered
            invitation_id
            for invitation_id, windows in linked.items()
            if any(
                w.state in (Window.PLANNED, Window.MISSED) and w.closes_at is not None and w.closes_at <= now
                for w in windows
            )
        }
        people = [i.person for i in self.invitations]
        phones = [p.phone for p in people if p.phone]
        self.opted_people, self.opted_phones = set(), set()
        for person_id, phone in (
            OptOut.objects.filter(revoked_at__isnull=True)
            .filter(Q(person__in=people) | Q(phone__in=phones))
            .values_list("person_id", "phone")
        ):
            if person_id:
                self.opted_people.add(person_id)
            else:
                self.opted_phones.add(phone)
        self.blocked = set(
            ContactProblem.objects.filter(person__in=people, resolved_at__isnull=True).values_list(
                "person_id", "channel", "address"
            )
        )
        self.chooses = _people_with_channel_choice(people)

    def targets(self, person):
        found = []
        if (
            person.phone
            and person.phone not in self.opted_phones
            and (person.pk, "sms", person.phone) not in self.blocked
        ):
            found.append((Delivery.SMS, person.phone))
        if person.email and (person.pk, "email", person.email) not in self.blocked:
            found.append((Delivery.EMAIL, person.email))
        if person.pk in self.chooses:
            from zicht.feedback.participation import wanted_targets

            found = wanted_targets(person, found)  # the participant's own SMS / e-mail choice
        return found

    def decide(self, invitation, now):
        """('finish', status, note) / ('defer', until, note) / ('send', windows, targets)."""
        person = invitation.person
        windows = self.windows.get(invitation.pk, [])
        if invitation.kind == Invitation.REMINDER:
            if not any(w.pk in self.invited for w in windows) and any(
                w.pk in self.awaiting_invitation for w in windows
            ):  # after an outage both are due: the invitation goes first
                return ("defer", now + AWAIT_INVITATION, "waits for its invitation")
            windows = [w for w in windows if w.pk in self.invited]  # only after a real invitation
        if not person.is_active:
            return ("finish", Invitation.CANCELLED, "person is inactive")
        if not windows:
            if invitation.pk in self.closed:
                return ("finish", Invitation.MISSED, "window closed before it could be sent")
            return ("finish", Invitation.CANCELLED, "nothing left to fill in")
        if person.pk in self.opted_people or (
            person.phone and person.phone in self.opted_phones and not person.email
        ):
            return ("finish", Invitation.CANCELLED, "opted out")
        if invitation.kind == Invitation.REMINDER:
            sent_at = max(self.invited[w.pk] or now for w in windows)
            if now < sent_at + planner.REMINDER_GAP:
                return _reminder_deferral(windows, sent_at)
        later = _quiet_deferral(invitation, windows, now)
        if later is not None:
            return ("defer", later, "late; waits for the end of the quiet hours")
        targets = self.targets(person)
        if not targets:
            return ("finish", Invitation.FAILED, "no usable phone number or e-mail address")
        return ("send", windows, targets)


def _people_with_channel_choice(people):
    """Ids of people who chose SMS or e-mail only on their participation page (feedback app)."""
    if not apps.is_installed("zicht.feedback"):
        return set()
    from zicht.feedback.models import ChannelPreference

    return set(
        ChannelPreference.objects.filter(person__in=people)
        .exclude(channel=ChannelPreference.BOTH)
        .values_list("person_id", flat=True)
    )


def _reminder_deferral(windows, sent_at):
    """The reminder was planned assuming its invitation went out on time; it went out late, so the
    reminder waits until REMINDER_GAP after it (and out of the quiet hours), or is dropped."""
    first = windows[0]
    due = planner.reminder_due(first, sent_at, planner.reminder_rules([first])[planner.rule_key(first)])
    if due is None:
        return ("finish", Invitation.CANCELLED, "too close to closing")
    return ("defer", due, "waits until 2 hours after the late invitation")


def _quiet_deferral(invitation, windows, now):
    """A late invitation (the worker was down) does not wake people at night: it waits for the
    end of the quiet hours, if its windows are still open an hour after that."""
    if now - invitation.due_at < LATE or invitation.kind != Invitation.INVITATION:
        return None
    first = windows[0]
    definition = first.subscription.protocol.definition if first.subscription else {}
    zone = (
        protocol_services.zone_of(first.subscription.protocol) if first.subscription else clock.local_zone()
    )
    until = schedule.quiet_until(now, zone, schedule.quiet_hours(definition))
    if until is None:
        return None
    closes = max(w.closes_at or until + OPEN_ENDED_LINK for w in windows)
    return until if until + planner.REMINDER_MARGIN < closes else None


def prepare_batch(ids, now, lease=LEASE):
    """Decide what each claimed invitation still needs, and write its deliveries.

    Returns (Counter of outcomes, Delivery objects to send now). Links and deliveries are
    committed in one transaction BEFORE anything leaves the building. If another worker took
    over one of these claims meanwhile (its lease expired), the batch is redone one by one.
    """
    from zicht.messaging.services import TextFacts, compose

    outcomes = Counter()
    batch = _Batch(ids, now)
    to_send = []
    for invitation in batch.invitations:
        decision = batch.decide(invitation, now)
        if decision[0] == "finish":
            _finish(invitation, decision[1], decision[2], now)
            outcomes[decision[1]] += 1
        elif decision[0] == "defer":
            Invitation.objects.filter(
                pk=invitation.pk, status=Invitation.SENDING, claimed_until=invitation.claimed_until
            ).update(
                status=Invitation.PLANNED,
                due_at=decision[1],
                claimed_until=None,
                updated_at=now,
                note=decision[2],
            )
            outcomes["deferred"] += 1
        else:
            to_send.append((invitation, decision[1], decision[2]))
    if not to_send:
        return outcomes, []
    facts = TextFacts([invitation for invitation, _, _ in to_send], now)
    try:
        with transaction.atomic():
            deliveries = []
            tokens = _issue_links(to_send, now)
            for (invitation, windows, targets), token in zip(to_send, tokens, strict=True):
                message = compose(invitation, invitation.person, windows, token, now, facts)
                for channel, address in targets:
                    email = channel == Delivery.EMAIL
                    deliveries.append(
                        Delivery(
                            invitation=invitation,
                            channel=channel,
                            to=address,
                            subject=message.email_subject if email else "",
                            body=message.email_text if email else message.sms,
                            next_attempt_at=now,
                            created_at=now,
                            attempts=1,
                            claimed_until=now + lease,  # ours: sent right after this commit
                        )
                    )
            Delivery.objects.bulk_create(deliveries)
            # Fencing: only while our claims are still on the rows may we finish preparing them.
            fenced = Q()
            for invitation, _, _ in to_send:
                fenced |= Q(pk=invitation.pk, claimed_until=invitation.claimed_until)
            done = Invitation.objects.filter(fenced, status=Invitation.SENDING).update(
                claimed_until=None, updated_at=now
            )
            if done != len(to_send):
                raise IntegrityError("a claim was lost")
    except IntegrityError:
        if len(ids) == 1:
            log.warning("invitation %s was prepared by another worker", ids[0])
            outcomes["skipped"] += 1
            return outcomes, []
        log.warning("a claim in this batch was lost; preparing one by one")
        deliveries = []
        for invitation, _, _ in to_send:
            more, sent = prepare_batch([invitation.pk], now, lease)
            outcomes.update(more)
            deliveries += sent
        return outcomes, deliveries
    outcomes["prepared"] += len(to_send)
    return outcomes, deliveries


def _issue_links(to_send, now):
    """One personal link per invitation, valid until its last window closes; one INSERT per batch."""
    built = [
        AccessLink.build(invitation.person, max(w.closes_at or now + OPEN_ENDED_LINK for w in windows), now)
        for invitation, windows, _ in to_send
    ]
    AccessLink.objects.bulk_create([link for link, _ in built])
    return [token for _, token in built]


def prepare(invitation_id, now):
    """Prepare one claimed invitation (see prepare_batch)."""
    return prepare_batch([invitation_id], now)


def _finish(invitation, status, note, now):
    Invitation.objects.filter(pk=invitation.pk, status=Invitation.SENDING).update(
        status=status, note=note[:200], claimed_until=None, updated_at=now
    )


# --- sending ------------------------------------------------------------------------------------


def _redact(body):
    if getattr(settings, "ZICHT_DEV_PAGES", False):
        return body  # the development outbox page shows working links
    return TOKEN_IN_URL.sub(lambda m: f"/{m.group(1)}/…/", body)


def status_url():
    return f"{settings.SITE_URL}/hooks/sms/status/"


def send(delivery, now, *, check_windows=True, marks=None):
    """Send one claimed delivery once and record the outcome: sent, retry, failed or expired."""
    if not isinstance(delivery, Delivery):
        delivery = Delivery.objects.select_related("invitation").get(pk=delivery)
    if delivery.status != Delivery.QUEUED:
        return "skipped"
    if check_windows and not live_windows([delivery.invitation_id], now):
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
        if not isinstance(error, channels.RetryableError):
            log.exception("unexpected error sending delivery %s; will retry", delivery.pk)
        _retry(delivery, getattr(error, "code", type(error).__name__), str(error), now)
        return "retry"
    if marks is not None and delivery.channel == Delivery.SMS:
        marks.add(delivery, provider_id, now)
        return "sent"
    with transaction.atomic():
        _relaxed_commit()
        Delivery.objects.filter(pk=delivery.pk, status=Delivery.QUEUED).update(
            status=Delivery.SENT,
            sent_at=now,
            claimed_until=None,
            last_error="",
            error_code="",
            provider_id=str(provider_id)[:100],
            body=_redact(delivery.body),
        )
        Invitation.objects.filter(pk=delivery.invitation_id).exclude(status=Invitation.SENT).update(
            status=Invitation.SENT, sent_at=now, note="", claimed_until=None, updated_at=now
        )
    return "sent"


def send_sms_batch(deliveries, now, marks):
    """Send fresh SMS deliveries in one provider request; each gets its own outcome, as in ``send``."""
    try:
        results = channels.send_sms_batch(
            [{"to": d.to, "body": d.body, "reference": d.reference, "status_url": status_url()} for d in deliveries]
        )
    except Exception as error:  # noqa: BLE001 - a broken request is worth another try, never a loss
        log.exception("unexpected error sending a batch of %d SMS; will retry", len(deliveries))
        results = [error] * len(deliveries)
    outcomes = Counter()
    for delivery, result in zip(deliveries, results, strict=True):
        if isinstance(result, channels.PermanentError):
            _fail(delivery, getattr(result, "code", "rejected"), str(result), now, flag=True)
            outcomes["delivery_failed"] += 1
        elif isinstance(result, Exception):
            _retry(delivery, getattr(result, "code", type(result).__name__), str(result), now)
            outcomes["delivery_retry"] += 1
        else:
            marks.add(delivery, result, now)
            outcomes["delivery_sent"] += 1
    return outcomes


def _relaxed_commit():
    """PostgreSQL: do not wait for the disk when recording "sent". If the database server itself
    crashes, the mark may be lost; the delivery is then sent again with the same reference and
    the provider drops the duplicate. The deliveries themselves are always committed durably."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


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
    person_id = (
        Invitation.objects.filter(pk=delivery.invitation_id).values_list("person_id", flat=True).first()
    )
    try:
        with transaction.atomic():
            ContactProblem.objects.get_or_create(
                person_id=person_id,
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
        first = Delivery.objects.filter(invitation_id=invitation_id, sent_at__isnull=False).order_by(
            "sent_at"
        )
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


def run_forever(stop_event=None, interval=30.0, batch=100, send_threads=1, lease=LEASE, on_pass=None):
    """Run passes until ``stop_event`` is set; a pass in progress always finishes (SIGTERM-safe)."""
    stop_event = stop_event or threading.Event()
    while not stop_event.is_set():
        try:
            stats = run_once(batch=batch, send_threads=send_threads, lease=lease)
            if on_pass:
                on_pass(stats)
        except Exception:  # noqa: BLE001 - a bad pass must not kill the worker; rows stay due
            log.exception("dispatcher pass failed; retrying next pass")
        finally:
            close_old_connections()
        stop_event.wait(interval)
