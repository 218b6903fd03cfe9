"""Storing what a respondent typed: drafts while filling in, one response per window on submit."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from zicht.responses.models import AccessLink, Draft, Response, Window


class WindowClosed(Exception):
    """The window closed (or was cancelled) before the answers arrived."""


def find_link(token, now=None):
    """Return (link, problem): problem is None, 'unknown' or 'expired'."""
    now = now or timezone.now()
    if not token or len(token) > 100:
        return None, "unknown"
    link = AccessLink.objects.select_related("person", "person__team").filter(
        token_hash=AccessLink.hash_token(token)
    ).first()
    if link is None:
        return None, "unknown"
    if link.revoked_at is not None or link.expires_at <= now:
        return link, "expired"
    return link, None


def save_draft(window, answers, meta, now=None):
    """Keep the latest typed answers; harmless to repeat, ignored once the window is done."""
    now = now or timezone.now()
    if window.state != Window.PLANNED:
        return None
    draft, created = Draft.objects.get_or_create(
        window=window, defaults={"answers": answers, "meta": meta, "started_at": now, "updated_at": now}
    )
    if not created:
        draft.answers = answers
        draft.meta = {**draft.meta, **meta}
        draft.updated_at = now
        draft.save(update_fields=["answers", "meta", "updated_at"])
    return draft


def submit_response(window, version, answers, meta, *, language="nl", started_at=None, now=None):
    """Store the response for a window exactly once.

    Returns (response, created). A second submit of the same window returns the first
    response unchanged, so a double tap or a resent form never stores two.
    """
    now = now or timezone.now()
    existing = Response.objects.filter(window=window).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            locked = Window.objects.select_for_update().get(pk=window.pk)
            if Response.objects.filter(window=locked).exists():
                return Response.objects.get(window=locked), False
            if not locked.is_open(now):
                raise WindowClosed()
            draft = Draft.objects.filter(window=locked).first()
            started_at = started_at or (draft.started_at if draft else None)
            if started_at is not None:
                meta = {**meta, "seconds_to_complete": round((now - started_at).total_seconds(), 1)}
            response = Response.objects.create(
                window=locked,
                version=version,
                answers=answers,
                meta=meta,
                language=language,
                started_at=started_at,
                submitted_at=now,
            )
            locked.state = Window.COMPLETED
            locked.completed_at = now
            locked.save(update_fields=["state", "completed_at"])
            Draft.objects.filter(window=locked).delete()
    except IntegrityError:
        # Another request stored this window's response a moment earlier.
        return Response.objects.get(window=window), False
    return response, True


def apply_stop_rules(response, now=None):
    """What a submitted answer ends: the post-measurement ends its protocol; a mentor's
    "I stopped coaching this student" (an option marked ``stops_subscription``) ends that diary."""
    from zicht.protocols import services as protocol_services
    from zicht.questionnaires.engine import stopping_options

    window = response.window
    protocol_services.on_window_completed(window, now)
    stops = stopping_options(response.version.definition, response.answers)
    if stops and window.subscription_id is not None:
        item, code = stops[0]
        protocol_services.stop(window.subscription, now, reason=f"answer {item}={code}")
