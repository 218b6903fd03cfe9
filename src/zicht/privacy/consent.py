"""Consent per purpose: given with the exact text version, withdrawn later, asked at any moment."""

from django.db import transaction

from zicht.core import clock
from zicht.privacy.audit import audit
from zicht.privacy.models import AuditEvent, Consent, ConsentText

PURPOSES = [code for code, _label in ConsentText.PURPOSES]


def current_text(purpose):
    text = ConsentText.objects.filter(purpose=purpose).order_by("-version").first()
    if text is None:
        raise ValueError(f"no consent text published for {purpose!r}")
    return text


def give_consent(person, purpose, *, text=None, now=None, recorded_by="self", user=None):
    """Record a yes to ``purpose`` with the current (or given) text; repeating it is harmless."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown purpose {purpose!r}")
    now = now or clock.now()
    text = text or current_text(purpose)
    with transaction.atomic():
        active = (
            Consent.objects.select_for_update()
            .filter(person=person, purpose=purpose, withdrawn_at=None)
            .first()
        )
        if active is not None and active.text_id == text.pk:
            return active
        if active is not None:  # agreeing to a newer text replaces the old yes
            active.withdrawn_at = now
            active.save(update_fields=["withdrawn_at"])
        consent = Consent.objects.create(
            person=person, purpose=purpose, text=text, given_at=now, recorded_by=recorded_by
        )
        audit(
            user,
            AuditEvent.CONSENT,
            consent,
            person=person,
            detail={"purpose": purpose, "version": text.version},
            now=now,
        )
    return consent


def withdraw_consent(person, purpose, *, now=None, user=None):
    """Withdraw a yes; returns how many active consents ended (0 when there was none)."""
    now = now or clock.now()
    with transaction.atomic():
        ended = Consent.objects.filter(person=person, purpose=purpose, withdrawn_at=None).update(
            withdrawn_at=now
        )
        if ended:
            audit(user, AuditEvent.WITHDRAW, person, person=person, detail={"purpose": purpose}, now=now)
    return ended


def has_consent(person, purpose, at=None):
    """Did this person agree to ``purpose`` at instant ``at`` (default: now)?"""
    at = at or clock.now()
    person_id = person.pk if hasattr(person, "pk") else person
    return (
        Consent.objects.filter(person_id=person_id, purpose=purpose, given_at__lte=at)
        .exclude(withdrawn_at__lte=at)
        .exists()
    )


def consent_overview(person):
    """All consent rows of a person, newest first, for the person's privacy page."""
    return Consent.objects.filter(person=person).select_related("text").order_by("purpose", "-given_at")
