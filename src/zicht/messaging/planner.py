"""Planning: which invitation and reminder rows should exist now, and which windows are missed.

Planning runs in one place per tick (``zicht worker``'s pass, or the Celery ``plan`` task), not
in every dispatch process: sending scales out, planning needs no more than one.

Rows are planned in bulk (a few statements per thousand windows). Correctness does not depend on
only one planner running: (person, kind, moment) is unique for invitations and (window, kind)
for their links, so racing planners can only add the same rows once.
"""

import logging
from collections import defaultdict
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q

from zicht.core import clock
from zicht.messaging.models import Invitation, InvitationWindow
from zicht.protocols import schedule
from zicht.protocols import services as protocol_services
from zicht.protocols.models import Protocol, Subscription
from zicht.responses.models import Response, Window

log = logging.getLogger(__name__)

PLAN_AHEAD = timedelta(hours=2)  # invitation rows exist this long before their moment
REMINDER_GAP = timedelta(hours=2)  # a late invitation gets its reminder no sooner than this
REMINDER_MARGIN = timedelta(hours=1)  # and no reminder this close to (or after) the close
CHUNK = 1000


def has_response():
    return Exists(Response.objects.filter(window=OuterRef("pk")))


def linked(kind, **invitation_filter):
    """Windows that already have an invitation (or reminder) link, optionally in some state."""
    return Exists(
        InvitationWindow.objects.filter(
            window=OuterRef("pk"), kind=kind, **{f"invitation__{k}": v for k, v in invitation_filter.items()}
        )
    )


def open_or_endless(now):
    return Q(closes_at__gt=now) | Q(closes_at__isnull=True)


def active_subscription():
    return Q(subscription__isnull=True) | Q(subscription__state=Subscription.ACTIVE)


def invitable_windows(now):
    """Windows someone could still be asked to fill in: planned, open (or future), person and subscription active."""
    return (
        Window.objects.filter(state=Window.PLANNED, respondent__is_active=True)
        .filter(open_or_endless(now))
        .filter(active_subscription())
        .exclude(has_response())
    )


def close_windows(now, batch=CHUNK):
    """Windows whose close has passed without a response become missed: never sent late.

    A window that was never invited (the dispatcher was not running all the time it was open)
    gets a *missed* invitation row, so the coordinator can see what was lost and why.
    """
    missed_windows = missed_invitations = 0
    while True:
        due = list(
            Window.objects.filter(state=Window.PLANNED, closes_at__lte=now)
            .exclude(has_response())
            .order_by("closes_at")
            .values_list("pk", flat=True)[:batch]
        )
        if not due:
            break
        uninvited = list(
            Window.objects.filter(pk__in=due)
            .filter(active_subscription())
            .exclude(linked(Invitation.INVITATION))
        )
        missed_invitations += bundle(
            uninvited,
            Invitation.INVITATION,
            now,
            status=Invitation.MISSED,
            note="window closed before the invitation could be sent (dispatcher not running)",
        )
        missed_windows += Window.objects.filter(pk__in=due, state=Window.PLANNED).update(state=Window.MISSED)
        if len(due) < batch:
            break
    return {"windows_missed": missed_windows, "invitations_missed": missed_invitations}


def plan_messages(now, limit=50_000):
    """Invitation and reminder rows for windows opening within PLAN_AHEAD, or open already (catch-up).

    Both rows are planned together, once per window (``Window.messages_planned``), so no pass
    ever has to search the whole window table for what still needs a reminder. The reminder's
    time assumes the invitation goes out on time; when it goes out late, the dispatcher moves
    the reminder when it comes due (see ``reminder_due``). Returns counts.
    """
    windows = list(
        invitable_windows(now)
        .filter(messages_planned=False, opens_at__lte=now + PLAN_AHEAD)
        .select_related("subscription")
        .order_by("opens_at", "respondent_id")[:limit]
    )
    attach_protocols(windows)
    rules = reminder_rules(windows)
    counts = {"invitations_planned": 0, "reminders_planned": 0}
    for chunk in _chunks(windows):
        counts["invitations_planned"] += bundle(chunk, Invitation.INVITATION, now)
        wanted, too_late = [], []
        for window in chunk:
            due = reminder_due(window, max(now, window.opens_at), rules[rule_key(window)])
            if due is None:
                too_late.append(window)
            else:
                window.reminder_due = due
                wanted.append(window)
        counts["reminders_planned"] += bundle(
            wanted, Invitation.REMINDER, now, due=lambda ws: max(w.reminder_due for w in ws)
        )
        # Recorded, so the coordinator can see why there was no reminder.
        bundle(too_late, Invitation.REMINDER, now, status=Invitation.CANCELLED, note="too close to closing")
        Window.objects.filter(pk__in=[w.pk for w in chunk]).update(messages_planned=True)
    return counts


def reminder_due(window, invitation_sent_at, rule):
    """When to remind: the protocol's delay after opening, but at least REMINDER_GAP after a late
    invitation, moved out of the quiet hours; None when that is within REMINDER_MARGIN of the close."""
    delay, zone, quiet = rule
    if delay is None:
        return None
    due = max(window.opens_at + delay, invitation_sent_at + REMINDER_GAP)
    due = schedule.quiet_until(due, zone, quiet) or due
    if window.closes_at is not None and due > window.closes_at - REMINDER_MARGIN:
        return None
    return due


def attach_protocols(windows):
    """Give the windows' subscriptions their protocol, each protocol loaded (and its JSON decoded)
    once instead of once per window row."""
    subscriptions = [w.subscription for w in windows if w.subscription_id]
    protocols = Protocol.objects.in_bulk({s.protocol_id for s in subscriptions})
    for subscription in subscriptions:
        subscription.protocol = protocols[subscription.protocol_id]


def rule_key(window):
    return (window.subscription.protocol_id if window.subscription_id else None, window.measurement)


def reminder_rules(windows):
    """(delay, zone, quiet hours) per (protocol, measurement) of these windows."""
    rules = {}
    for w in windows:
        key = rule_key(w)
        if key not in rules:
            sub = w.subscription if w.subscription_id else None
            definition = sub.protocol.definition if sub else {}
            m = schedule.measurement(definition, w.measurement)
            rules[key] = (
                m["reminder_delay"] if m else schedule.DEFAULT_REMINDER_DELAY,
                protocol_services.zone_of(sub.protocol) if sub else clock.local_zone(),
                schedule.quiet_hours(definition),
            )
    return rules


def _chunks(items, size=CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def bundle(windows, kind, now, *, status=Invitation.PLANNED, note="", due=None):
    """Attach windows to one invitation per (person, moment); returns how many invitations got windows.

    Windows are only added to an invitation that is still in ``status`` (one a worker has claimed
    is frozen); otherwise the group starts a new bundle at ``now``. The unique (window, kind)
    constraint makes a second invitation for the same window impossible even when planners race.
    """
    groups = defaultdict(list)
    for window in windows:
        groups[(window.respondent_id, window.opens_at)].append(window)
    keys = list(groups)
    touched = 0
    for chunk in _chunks(keys):
        try:
            added, leftovers = _bundle_chunk({k: groups[k] for k in chunk}, kind, now, status, note, due)
        except IntegrityError:
            log.info("planner race on a %s chunk; trying the groups one by one", kind)
            added, leftovers = 0, chunk
        touched += added
        for person_id, moment in leftovers:  # their bundle moved on: a new one, at now
            group = {(person_id, now.replace(microsecond=0)): groups[(person_id, moment)]}
            try:
                touched += _bundle_chunk(group, kind, now, status, note, due)[0]
            except IntegrityError:
                log.info("planner race on person %s; the next pass retries", person_id)
    return touched


def _bundle_chunk(groups, kind, now, status, note, due):
    """One transaction: create missing invitations, lock the ones we may add to, insert the links."""
    with transaction.atomic():
        Invitation.objects.bulk_create(
            [
                Invitation(
                    person_id=person_id,
                    kind=kind,
                    moment=moment,
                    due_at=due(ws) if due else moment,
                    status=status,
                    note=note,
                    created_at=now,
                    updated_at=now,
                )
                for (person_id, moment), ws in groups.items()
            ],
            ignore_conflicts=True,
        )
        people = {person_id for person_id, _ in groups}
        moments = {moment for _, moment in groups}
        found = Invitation.objects.filter(kind=kind, person_id__in=people, moment__in=moments)
        if status == Invitation.PLANNED:
            found = found.select_for_update()  # a worker cannot claim them between our check and insert
        by_key = {(i.person_id, i.moment): i for i in found}
        links, leftovers, used = [], [], set()
        for key, ws in groups.items():
            invitation = by_key.get(key)
            if invitation is None or invitation.status != status:
                leftovers.append(key)
                continue
            used.add(invitation.pk)
            links += [InvitationWindow(invitation=invitation, window=w, kind=kind) for w in ws]
        InvitationWindow.objects.bulk_create(links, ignore_conflicts=True)
        # Every window of a new invitation may have been taken by a concurrent planner.
        Invitation.objects.filter(pk__in=used, links__isnull=True).delete()
    return len(used), leftovers
