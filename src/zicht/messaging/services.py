"""Messaging write functions and read models: texts for an invitation, opt-out, delivery reports,
rewards and the payout report. Views and the dispatcher call these; they hold the rules."""

import csv
import io
from collections import defaultdict
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from zicht.core import clock
from zicht.messaging import rewards, texts
from zicht.messaging.models import ContactProblem, Delivery, Invitation, OptOut
from zicht.people.models import Person, current_links
from zicht.protocols import schedule
from zicht.protocols.models import Protocol, Subscription
from zicht.responses.models import Window

CONTROL_PROTOCOLS = {"student_control"}


# --- texts ------------------------------------------------------------------------------------


def personal_url(token):
    return f"{settings.SITE_URL}/d/{token}/"


def opt_out_url(token):
    return f"{settings.SITE_URL}/stop/{token}/"


def rewarded_measurements():
    """(protocol id, measurement key) of weekly measurements that earn money (protocols with reward tiers)."""
    keys = set()
    for protocol in Protocol.objects.all():
        if not protocol.definition.get("rewards"):
            continue
        for raw in protocol.definition.get("measurements", []):
            if raw.get("kind") == "weekly" and int(raw.get("reward_points", 0)) > 0:
                keys.add((protocol.pk, raw["key"]))
    return keys


def diary_windows(person):
    """The person's rewarded diary windows (all subscriptions), oldest first; cancelled ones left out."""
    measured = rewarded_measurements()
    query = Q(pk__in=[])
    for protocol_id, key in measured:
        query |= Q(subscription__protocol_id=protocol_id, measurement=key)
    return (
        Window.objects.filter(query, respondent=person)
        .exclude(state=Window.CANCELLED)
        .order_by("opens_at", "pk")
    )


def outcome(window):
    """True completed, False missed, None still open or in the future (rewards.py's convention)."""
    return state_outcome(window.state)


def state_outcome(state):
    return {Window.COMPLETED: True, Window.MISSED: False}.get(state)


def diary_history(person, before):
    return [outcome(w) for w in diary_windows(person).filter(opens_at__lt=before)]


class TextFacts:
    """What the texts need to know (past diaries, current mentor), loaded once for a batch."""

    def __init__(self, invitations, now):
        people = {invitation.person for invitation in invitations}
        students = [p.pk for p in people if p.role == Person.STUDENT]
        mentors = [p.pk for p in people if p.role == Person.MENTOR]
        latest = max((invitation.moment for invitation in invitations), default=now)
        self.past = defaultdict(list)  # person id -> [(opens_at, outcome)], oldest first
        rewarded = rewarded_measurements()
        # No join with subscriptions in SQL: with 500,000 of them PostgreSQL chose to hash them
        # all for every batch (0.5 s). Their protocols are looked up by primary key instead.
        found = list(
            Window.objects.filter(
                respondent_id__in=students, measurement__in={key for _, key in rewarded}, opens_at__lt=latest
            )
            .exclude(state=Window.CANCELLED)
            .order_by("opens_at", "pk")
            .values_list("respondent_id", "opens_at", "state", "subscription_id", "measurement")
        )
        protocol_of = dict(
            Subscription.objects.filter(pk__in={row[3] for row in found if row[3]}).values_list("pk", "protocol_id")
        )
        rows = [
            (person_id, opens_at, state)
            for person_id, opens_at, state, subscription_id, measurement in found
            if (protocol_of.get(subscription_id), measurement) in rewarded
        ]
        rows += list(
            Window.objects.filter(respondent_id__in=mentors, about__isnull=False, opens_at__lt=latest)
            .exclude(state=Window.CANCELLED)
            .order_by("opens_at", "pk")
            .values_list("respondent_id", "opens_at", "state")
        )
        for person_id, opens_at, state in rows:
            self.past[person_id].append((opens_at, state_outcome(state)))
        today = clock.localtime(now).date()
        links = current_links(today).filter(student_id__in=students).select_related("mentor")
        self.mentor_names = {link.student_id: link.mentor.first_name for link in links}

    def history(self, person, before):
        return [result for opens_at, result in self.past[person.pk] if opens_at < before]


def compose(invitation, person, windows, token, now, facts=None):
    """The texts for an invitation: texts.compose() filled from the rows (called by the dispatcher)."""
    facts = facts or TextFacts([invitation], now)
    first = windows[0]
    organisation = person.team.organisation
    protocol_key = first.subscription.protocol.key if first.subscription else ""
    role = texts.MENTOR if person.role == Person.MENTOR else texts.STUDENT
    context = texts.TextContext(
        role=role,
        language=person.language if person.language in ("nl", "en") else "nl",
        first_name=person.first_name,
        programme_name=organisation.programme_name or organisation.name,
        kind=texts.REMINDER if invitation.kind == Invitation.REMINDER else texts.INVITATION,
        measurement=first.measurement if first.measurement in ("pre", "diary", "post") else "diary",
        link=personal_url(token),
        control_group=protocol_key in CONTROL_PROTOCOLS,
        reference=f"i{invitation.pk}",
        history=facts.history(person, invitation.moment),
    )
    if role == texts.MENTOR:
        context.students_to_do = [w.about.first_name for w in windows if w.about is not None]
    elif not context.control_group:
        context.mentor_name = facts.mentor_names.get(person.pk, "")
    message = texts.compose(context)
    # The e-mail also gets the opt-out page; an SMS reply STOP does the same for SMS.
    footer = (
        f"Afmelden of pauzeren: {opt_out_url(token)}"
        if context.language == "nl"
        else f"Unsubscribe or pause: {opt_out_url(token)}"
    )
    return texts.Message(
        sms=message.sms,
        email_subject=message.email_subject,
        email_text=message.email_text.rstrip("\n") + "\n\n" + footer + "\n",
        rule=message.rule,
    )


# --- cancelling -------------------------------------------------------------------------------


def cancel_invitations_for_windows(window_ids, reason, now=None):
    """Planned invitations left with no planned window are cancelled (pause, stop, mentor change)."""
    now = now or clock.now()
    candidates = Invitation.objects.filter(
        status=Invitation.PLANNED, links__window_id__in=window_ids
    ).distinct()
    cancelled = 0
    for invitation in candidates:
        if not invitation.windows.filter(state=Window.PLANNED).exists():
            cancelled += Invitation.objects.filter(pk=invitation.pk, status=Invitation.PLANNED).update(
                status=Invitation.CANCELLED, note=reason[:200], updated_at=now
            )
    return cancelled


# --- provider webhooks ------------------------------------------------------------------------


def record_status(reference, status, now=None):
    """A delivery report from the SMS provider. Returns the Delivery, or None for an unknown reference."""
    from zicht.messaging.dispatcher import flag_contact, roll_up

    now = now or clock.now()
    delivery = Delivery.objects.select_related("invitation").filter(reference=reference).first()
    if delivery is None:
        return None
    with transaction.atomic():
        if status == "delivered":
            Delivery.objects.filter(pk=delivery.pk).exclude(status=Delivery.FAILED).update(
                status=Delivery.DELIVERED, status_at=now, claimed_until=None
            )
        elif status == "failed":
            Delivery.objects.filter(pk=delivery.pk).update(
                status=Delivery.FAILED,
                status_at=now,
                claimed_until=None,
                last_error="the provider reported the message as undeliverable",
                error_code="undeliverable",
            )
            # A phone that is off for two days also "fails"; only a second failure in a row
            # to the same number marks it as not working (an invalid number fails at once, on send).
            previous = (
                Delivery.objects.filter(
                    invitation__person_id=delivery.invitation.person_id, channel=delivery.channel, to=delivery.to
                )
                .filter(pk__lt=delivery.pk)
                .exclude(status=Delivery.QUEUED)
                .order_by("-pk")
                .values_list("status", flat=True)
                .first()
            )
            if previous == Delivery.FAILED:
                flag_contact(delivery, "the provider could not deliver to this number twice in a row", now)
        else:  # sent / buffered: accepted, on its way
            Delivery.objects.filter(pk=delivery.pk, status=Delivery.QUEUED).update(
                status=Delivery.SENT, sent_at=now, claimed_until=None
            )
            Delivery.objects.filter(pk=delivery.pk).update(status_at=now)
        roll_up(delivery.invitation_id, now)
    delivery.refresh_from_db()
    return delivery


START_WORDS = {"start", "aanmelden", "unstop"}


def handle_inbound(from_e164, text, now=None):
    """An SMS reply. STOP (or a synonym) opts the number out; START undoes that. Returns what happened."""
    from zicht.messaging.channels import is_stop_request

    now = now or clock.now()
    words = text.strip().casefold().split()
    if is_stop_request(text):
        people = list(Person.objects.filter(phone=from_e164))
        with transaction.atomic():
            if not OptOut.objects.filter(phone=from_e164, person=None, revoked_at=None).exists():
                OptOut.objects.create(
                    phone=from_e164, source=OptOut.SMS_REPLY, text=text[:160], created_at=now
                )
            for person in people:
                opt_out(person, OptOut.SMS_REPLY, now, text=text)
        return "opted_out"
    if words and words[0] in START_WORDS:
        revoked = OptOut.objects.filter(phone=from_e164, revoked_at=None, source=OptOut.SMS_REPLY).update(
            revoked_at=now
        )
        return "opted_in" if revoked else "ignored"
    return "ignored"


def opt_out(person, source, now=None, *, text=""):
    """No more messages to this person (until opt_in). Idempotent."""
    now = now or clock.now()
    existing = OptOut.objects.filter(person=person, revoked_at=None).first()
    if existing:
        return existing
    return OptOut.objects.create(
        person=person, phone=person.phone, source=source, text=text[:160], created_at=now
    )


def opt_in(person, now=None):
    now = now or clock.now()
    phone_q = Q(phone=person.phone) if person.phone else Q(pk__in=[])
    return OptOut.objects.filter(revoked_at=None).filter(Q(person=person) | phone_q).update(revoked_at=now)


def is_opted_out(person):
    from zicht.messaging.dispatcher import opted_out

    return opted_out(person)


def pause_person(person, weeks, now=None):
    """Pause every running subscription of a person (and mentor diaries about them) for some weeks."""
    from zicht.protocols.services import pause

    now = now or clock.now()
    today = clock.localtime(now).date()
    until = today + timedelta(days=7 * int(weeks))
    subscriptions = Subscription.objects.filter(Q(person=person) | Q(about=person)).filter(
        state__in=[Subscription.ACTIVE, Subscription.PAUSED]
    )
    for subscription in subscriptions:
        pause(subscription, until, now)
    return until


# --- rewards ----------------------------------------------------------------------------------


def rewards_for(person, now=None):
    """What a student earned: {"total_cents", "streak", "per_window": [{window_id, opens_at, state, cents}]}."""
    windows = list(diary_windows(person))
    outcomes = [outcome(w) for w in windows]
    cents = rewards.diary_rewards(outcomes)
    return {
        "total_cents": sum(cents),
        "streak": rewards.current_streak(outcomes),
        "per_window": [
            {"window_id": w.pk, "opens_at": w.opens_at, "state": w.state, "cents": c}
            for w, c in zip(windows, cents, strict=True)
        ],
    }


def payout_rows(people, starts_on, ends_on):
    """Per student: diaries completed and cents earned for windows opening in [starts_on, ends_on]
    (local dates, inclusive), plus the running total. Streaks count the whole history."""
    zone = clock.local_zone()
    start = schedule.local_to_utc(datetime.combine(starts_on, time(0)), zone)
    end = schedule.local_to_utc(datetime.combine(ends_on + timedelta(days=1), time(0)), zone)
    rows = []
    for person in (
        people.filter(role=Person.STUDENT)
        .select_related("team__organisation")
        .order_by("team__name", "last_name", "first_name", "pk")
    ):
        earned = rewards_for(person)
        in_period = [w for w in earned["per_window"] if start <= w["opens_at"] < end]
        if not earned["per_window"]:
            continue
        rows.append(
            {
                "school_number": person.external_id,
                "first_name": person.first_name,
                "last_name": person.last_name,
                "team": person.team.name,
                "period_from": starts_on.isoformat(),
                "period_to": ends_on.isoformat(),
                "diaries_completed": sum(1 for w in in_period if w["state"] == Window.COMPLETED),
                "cents_period": sum(w["cents"] for w in in_period),
                "cents_total": earned["total_cents"],
            }
        )
    return rows


PAYOUT_COLUMNS = [
    "school_number",
    "first_name",
    "last_name",
    "team",
    "period_from",
    "period_to",
    "diaries_completed",
    "cents_period",
    "cents_total",
]


def payout_csv(people, starts_on, ends_on):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=PAYOUT_COLUMNS)
    writer.writeheader()
    for row in payout_rows(people, starts_on, ends_on):
        writer.writerow(row)
    return buffer.getvalue()


# --- read model for the coordinator -------------------------------------------------------------


def person_messages(person, limit=200):
    """Everything message-related about one person, newest first, for the coordinator page."""
    earned = rewards_for(person) if person.role == Person.STUDENT else None
    invitations = list(
        Invitation.objects.filter(person=person)
        .prefetch_related("deliveries", "windows__about")
        .order_by("-moment", "-pk")[:limit]
    )
    missed_windows = list(
        Window.objects.filter(respondent=person, state=Window.MISSED)
        .select_related("about", "questionnaire")
        .order_by("-opens_at")[:limit]
    )
    return {
        "invitations": invitations,
        "missed_windows": missed_windows,
        "problems": list(ContactProblem.objects.filter(person=person).order_by("-created_at")),
        "opt_outs": list(
            OptOut.objects.filter(Q(person=person) | (Q(phone=person.phone) & ~Q(phone=""))).order_by(
                "-created_at"
            )
        ),
        "opted_out": is_opted_out(person),
        "rewards": earned,
        "rewards_total": rewards.format_euros(earned["total_cents"]) if earned else None,
    }
