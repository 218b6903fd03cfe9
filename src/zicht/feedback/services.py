"""Public API of the feedback app; other apps import from here.

Student side
- thank_you_context(person, window, language, now) -> template context for responses/done.html
- request_contact(student, message=, preferred_channel=, language=, now=) -> (ContactRequest, created)

Staff side
- open_contact_requests_for_mentor(mentor_person, now=None) -> [ContactRequest with .waiting_days, .overdue]
- open_contact_requests_for_team(team, now=None) -> same, for a coordinator's team view
- overdue_contact_requests(now) -> new requests not picked up within 2 school days
- pick_up(request, user, now=None), mark_done(request, user, now=None)

Worker (call every pass)
- send_due_notifications(now), escalate_overdue(now)

Dispatcher
- wanted_targets(person, targets) -> the participant's SMS / e-mail choice applied
"""

from zicht.core import clock
from zicht.feedback import personal
from zicht.feedback.contact import (  # noqa: F401 - re-exported
    escalate_overdue,
    mark_done,
    open_contact_requests_for_mentor,
    open_contact_requests_for_team,
    open_request,
    overdue_contact_requests,
    pick_up,
    request_contact,
    send_due_notifications,
)
from zicht.feedback.models import ContactRequest
from zicht.feedback.participation import wanted_targets  # noqa: F401 - re-exported
from zicht.messaging import rewards as reward_rules


def rewards_summary(person, language="nl"):
    """Euros earned so far, the current streak, and what the next diary earns."""
    from zicht.messaging.services import rewards_for

    earned = rewards_for(person)
    # The convention of messaging.rewards: True completed, False missed, None open or future.
    outcomes = [True if w["state"] == "completed" else (False if w["state"] == "missed" else None)
                for w in earned["per_window"]]
    completed = sum(1 for o in outcomes if o is True)
    return {
        "total": reward_rules.format_euros(earned["total_cents"], language),
        "total_cents": earned["total_cents"],
        "streak": earned["streak"],
        "completed": completed,
        "next": reward_rules.format_euros(reward_rules.next_reward_cents(outcomes), language),
    }


def mentor_word(student, language="nl"):
    """What the student calls their mentor in this team ('coach', 'begeleider', ...)."""
    title = (student.team.mentor_title or "").strip()
    if language == "en":
        return title if title and title.isascii() and title not in ("begeleider",) else "mentor"
    return title or "begeleider"


def contact_context(student, language="nl", now=None):
    """Who a contact request would reach and the state of the student's latest request."""
    now = now or clock.now()
    mentor = student.current_mentor(on=clock.localtime(now).date())
    if mentor is not None and not mentor.is_active:
        mentor = None
    latest = ContactRequest.objects.filter(student=student).order_by("-created_at", "-pk").first()
    return {
        "contact_mentor": mentor,
        "mentor_word": mentor_word(student, language),
        "contact_latest": latest,
        "contact_open": latest if latest is not None and latest.is_open else None,
        "channel_choices": ContactRequest.CHANNELS,
    }


def thank_you_context(person, window, language="nl", now=None):
    """Everything the thank-you page shows besides the thanks: feedback, rewards, contact."""
    now = now or clock.now()
    context = {"is_student": person.role == person.STUDENT, "feedback": None}
    if not context["is_student"]:
        return context
    context["rewards"] = rewards_summary(person, language)
    context.update(contact_context(person, language, now))
    if personal.is_diary(window):
        feedback, choice = personal.feedback_for(person, window, language, now)
        personal.record_exposure(person, window, feedback, choice, now)
        context["feedback"] = feedback
        if feedback.dip:
            name = context["contact_mentor"].first_name if context["contact_mentor"] else context["mentor_word"]
            context["dip_sentence"] = personal.dip_sentence(name, language)
    return context
