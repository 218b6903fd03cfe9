"""The student's own control over taking part: pause, stop, phone number, SMS or e-mail, their data,
and who sees what. Pausing and stopping go through zicht.protocols.services; nothing here decides
about windows or invitations itself.
"""

import secrets
import uuid
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils.crypto import constant_time_compare, salted_hmac

from zicht.core import clock
from zicht.feedback.models import ChannelPreference, ContactRequest, FeedbackExposure, PhoneChange
from zicht.messaging import channels
from zicht.messaging.phone import display_phone, normalise_phone
from zicht.protocols import services as protocol_services
from zicht.protocols.models import Subscription
from zicht.responses.models import Response, Window

MAX_PAUSE_WEEKS = 12
CODE_MINUTES = 15
CODE_ATTEMPTS = 5
CODES_PER_DAY = 3


# --- pause and stop ----------------------------------------------------------------------------

def running_subscriptions(student):
    """The student's own subscriptions and the mentor diaries about them that are not stopped."""
    return Subscription.objects.filter(Q(person=student) | Q(about=student)).filter(
        state__in=[Subscription.ACTIVE, Subscription.PAUSED]
    ).select_related("protocol")


def status(student):
    """('active' | 'paused' | 'stopped' | 'none', paused_until or None) of the student's own diary."""
    own = Subscription.objects.filter(person=student).order_by("-starts_on", "-pk")
    if not own.exists():
        return "none", None
    running = own.exclude(state=Subscription.STOPPED)
    paused = running.filter(state=Subscription.PAUSED).exclude(paused_until=None).order_by("-paused_until").first()
    if paused is not None:
        return "paused", paused.paused_until
    if running.exists():
        return "active", None
    return "stopped", None


def pause_bounds(now=None):
    today = clock.localtime(now).date()
    return today + timedelta(days=1), today + timedelta(weeks=MAX_PAUSE_WEEKS)


def pause_until(student, until, now=None):
    """Pause until the date ``until`` (first day back). Returns how many windows were cancelled."""
    now = now or clock.now()
    first, last = pause_bounds(now)
    if not first <= until <= last:
        raise ValueError(f"choose a date from {first} to {last}")
    cancelled = 0
    with transaction.atomic():
        for subscription in running_subscriptions(student):
            cancelled += protocol_services.pause(subscription, until, now)
    return cancelled


def resume_now(student, now=None):
    now = now or clock.now()
    restored = 0
    with transaction.atomic():
        for subscription in running_subscriptions(student).filter(state=Subscription.PAUSED):
            restored += protocol_services.resume(subscription, now)
    return restored


def stop_participation(student, now=None):
    """Stop for good: the student's diaries and the mentor's diary about them. Data stays stored."""
    now = now or clock.now()
    cancelled = 0
    with transaction.atomic():
        for subscription in running_subscriptions(student):
            cancelled += protocol_services.stop(subscription, now, reason="stopped by the student on their own page")
    return cancelled


# --- SMS or e-mail -----------------------------------------------------------------------------

def channel_options(person):
    """The choices that make sense for this person: only channels with an address."""
    options = []
    if person.phone:
        options.append(ChannelPreference.SMS)
    if person.email:
        options.append(ChannelPreference.EMAIL)
    if person.phone and person.email:
        options.append(ChannelPreference.BOTH)
    return options


def channel_of(person):
    preference = ChannelPreference.objects.filter(person=person).first()
    return preference.channel if preference else ChannelPreference.BOTH


def set_channel(person, channel, now=None):
    if channel not in channel_options(person):
        raise ValueError(f"channel {channel!r} is not available for this person")
    preference, _created = ChannelPreference.objects.update_or_create(
        person=person, defaults={"channel": channel, "updated_at": now or clock.now()}
    )
    return preference


def wanted_targets(person, targets):
    """Filter the dispatcher's [(channel, address)] by the person's choice. Never leaves nothing:
    if the chosen channel is not usable right now, the other one still carries the link."""
    choice = channel_of(person)
    if choice == ChannelPreference.BOTH:
        return targets
    chosen = [t for t in targets if t[0] == choice]
    return chosen or targets


# --- phone number ------------------------------------------------------------------------------

class PhoneChangeError(Exception):
    """Why a phone change could not go on; ``code`` names it for the page."""

    def __init__(self, code):
        super().__init__(code)
        self.code = code


def _code_hash(change_id, code):
    return salted_hmac("zicht.feedback.phone-code", f"{change_id}:{code}", algorithm="sha256").hexdigest()


def start_phone_change(person, raw_number, now=None):
    """Check the number, store a hashed 6-digit code and text it to the new number.

    Returns the PhoneChange. Raises PhoneChangeError: invalid, same, too_many, not_sent.
    """
    now = now or clock.now()
    try:
        number = normalise_phone(raw_number)
    except Exception as error:  # ValidationError: invalid_phone / phone_country
        raise PhoneChangeError(getattr(error, "code", "invalid") or "invalid") from error
    if number == person.phone:
        raise PhoneChangeError("same")
    if PhoneChange.objects.filter(person=person, created_at__gt=now - timedelta(days=1)).count() >= CODES_PER_DAY:
        raise PhoneChangeError("too_many")
    code = f"{secrets.randbelow(1_000_000):06d}"
    with transaction.atomic():
        # Earlier codes stop working when a new one is asked for.
        PhoneChange.objects.filter(person=person, verified_at=None, expires_at__gt=now).update(expires_at=now)
        change = PhoneChange.objects.create(
            person=person, new_phone=number, code_hash="-", created_at=now,
            expires_at=now + timedelta(minutes=CODE_MINUTES),
        )
        change.code_hash = _code_hash(change.pk, code)
        change.save(update_fields=["code_hash"])
    language = person.language if person.language in ("nl", "en") else "nl"
    if language == "en":
        body = (f"Your zicht code is {code}. It works for {CODE_MINUTES} minutes. "
                "Did you not ask for it? Then ignore this message.")
    else:
        body = (f"Je zicht-code is {code}. Hij werkt {CODE_MINUTES} minuten. "
                "Heb je hier niet om gevraagd? Dan kun je dit bericht negeren.")
    try:
        channels.send_sms(number, body, reference="fbp" + uuid.uuid4().hex)
    except (channels.PermanentError, channels.RetryableError) as error:
        PhoneChange.objects.filter(pk=change.pk).update(send_error=str(error)[:300], expires_at=now)
        raise PhoneChangeError("not_sent") from error
    PhoneChange.objects.filter(pk=change.pk).update(sent_at=now)
    change.refresh_from_db()
    return change


def pending_phone_change(person, now=None):
    now = now or clock.now()
    return (
        PhoneChange.objects.filter(person=person, verified_at=None, expires_at__gt=now, attempts__lt=CODE_ATTEMPTS)
        .exclude(sent_at=None)
        .order_by("-created_at")
        .first()
    )


def verify_phone_code(person, code, now=None):
    """Check the code for the pending change; on success the new number is stored. Returns the number.

    Raises PhoneChangeError: none (nothing pending or expired), wrong (try again), locked (too many tries).
    """
    now = now or clock.now()
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    with transaction.atomic():  # no exception inside: a wrong try must stay counted
        change = pending_phone_change(person, now)
        if change is None:
            failure = "none"
        else:
            change = PhoneChange.objects.select_for_update().get(pk=change.pk)
            change.attempts += 1
            if len(code) == 6 and constant_time_compare(_code_hash(change.pk, code), change.code_hash):
                failure = None
                change.verified_at = now
                person.phone = change.new_phone
                person.save(update_fields=["phone"])
            else:
                failure = "locked" if change.attempts >= CODE_ATTEMPTS else "wrong"
            change.save(update_fields=["attempts", "verified_at"])
    if failure:
        raise PhoneChangeError(failure)
    return change.new_phone


# --- what is stored, and who sees it -----------------------------------------------------------

def _iso(value):
    return value.isoformat() if value is not None else None


def _question_texts(definition, language):
    from zicht.questionnaires.engine import iter_items

    texts = {}
    for item in iter_items(definition):
        value = item.get("text")
        if isinstance(value, dict):
            value = value.get(language) or value.get("nl")
        texts[item["id"]] = str(value or item["id"])
    return texts


def own_data(person, language="nl", now=None):
    """What we store about this person that they gave us or that was sent to them, as plain data.

    Mentor notes, early-warning calculations and audit logs are not in this self-service copy;
    the coordinator can give a complete copy (privacy app, access request).
    """
    from zicht.messaging.models import Invitation
    from zicht.messaging.services import rewards_for
    from zicht.privacy.consent import consent_overview

    now = now or clock.now()
    mentor = person.current_mentor(on=clock.localtime(now).date())
    responses = Response.objects.filter(window__respondent=person).select_related(
        "window__questionnaire", "version"
    ).order_by("submitted_at")
    questionnaires = []
    for response in responses:
        texts = _question_texts(response.version.definition, language)
        questionnaires.append({
            "questionnaire": response.window.questionnaire.title,
            "submitted_at": _iso(response.submitted_at),
            "answers": [{"question": texts.get(key, key), "item": key, "answer": value}
                        for key, value in response.answers.items()],
        })
    windows = Window.objects.filter(respondent=person).select_related("questionnaire").order_by("opens_at")
    earned = rewards_for(person) if person.role == person.STUDENT else None
    return {
        "exported_at": _iso(now),
        "about": "zicht: what is stored about you (your own copy)",
        "person": {
            "first_name": person.first_name, "last_name": person.last_name, "school_number": person.external_id,
            "phone": person.phone, "email": person.email, "language": person.language,
            "school": person.team.organisation.name, "team": person.team.name,
            "mentor": mentor.full_name if mentor else None,
        },
        "participation": [
            {"protocol": s.protocol.name, "starts_on": _iso(s.starts_on), "ends_on": _iso(s.ends_on),
             "state": s.state, "paused_until": _iso(s.paused_until), "stopped_at": _iso(s.stopped_at)}
            for s in Subscription.objects.filter(person=person).select_related("protocol").order_by("starts_on")
        ],
        "questionnaires_asked": [
            {"questionnaire": w.questionnaire.title, "opens_at": _iso(w.opens_at), "closes_at": _iso(w.closes_at),
             "state": w.state}
            for w in windows
        ],
        "answers": questionnaires,
        "messages_sent_to_you": [
            {"kind": i.kind, "moment": _iso(i.moment), "status": i.status,
             "channels": sorted({d.channel for d in i.deliveries.all()})}
            for i in Invitation.objects.filter(person=person).prefetch_related("deliveries").order_by("moment")
        ],
        "rewards": {"total_cents": earned["total_cents"], "streak": earned["streak"]} if earned else None,
        "consents": [
            {"purpose": c.purpose, "version": c.text.version, "given_at": _iso(c.given_at),
             "withdrawn_at": _iso(c.withdrawn_at)}
            for c in consent_overview(person)
        ],
        "contact_requests": [
            {"created_at": _iso(r.created_at), "message": r.message, "preferred_channel": r.preferred_channel,
             "state": r.state, "picked_up_at": _iso(r.picked_up_at), "done_at": _iso(r.done_at)}
            for r in ContactRequest.objects.filter(student=person).order_by("created_at")
        ],
        "message_channel": channel_of(person),
        "phone_changes": [
            {"asked_at": _iso(c.created_at), "new_phone": c.new_phone, "confirmed_at": _iso(c.verified_at)}
            for c in PhoneChange.objects.filter(person=person).order_by("created_at")
        ],
        "feedback_pages": [
            {"at": _iso(e.at), "shown": e.shown, "constructs": e.constructs}
            for e in FeedbackExposure.objects.filter(person=person).order_by("at")
        ],
    }


def data_summary(person, now=None):
    """Counts and facts for the plain-language summary on the page."""
    from zicht.messaging.models import Invitation

    responses = Response.objects.filter(window__respondent=person)
    first = responses.order_by("submitted_at").first()
    last = responses.order_by("-submitted_at").first()
    return {
        "phone": display_phone(person.phone) if person.phone else "",
        "email": person.email,
        "answered": responses.count(),
        "first_at": first.submitted_at if first else None,
        "last_at": last.submitted_at if last else None,
        "messages": Invitation.objects.filter(person=person, status="sent").count(),
        "contact_requests": ContactRequest.objects.filter(student=person).count(),
    }


def who_sees_what(person, now=None):
    """Facts for the "who sees what" part, from the consent records and the sharing rule that the
    mentor dashboard itself applies (monitoring.diaries.sharing_students)."""
    from zicht.monitoring.diaries import sharing_students
    from zicht.privacy.consent import consent_overview, has_consent
    from zicht.privacy.models import ConsentText

    now = now or clock.now()
    mentor = person.current_mentor(on=clock.localtime(now).date())
    consents = list(consent_overview(person))
    return {
        "mentor": mentor,
        "mentor_title": person.team.mentor_title,
        "answers_shared": person.pk in sharing_students([person]),
        "research": has_consent(person, ConsentText.RESEARCH, at=now),
        "has_consent_records": bool(consents),
        "consents": consents,
    }
