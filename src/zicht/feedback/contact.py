"""A student asks to talk: the request, who gets it, the e-mail/SMS about it, and what staff do.

The request reaches the student's current mentor; without one (or with an inactive one) it goes
to the coordinators of the student's team. Every notification is a row before it is sent
(ContactNotification); a failed send is retried by ``send_due_notifications`` (the worker).
A request still new after OVERDUE_SCHOOL_DAYS school days is overdue: it is listed for the
coordinator and they get one e-mail about it (``escalate_overdue``).
Notifications name the student but never quote their message: staff read it after logging in.
"""

import logging
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse

from zicht.core import clock
from zicht.feedback.models import ContactNotification, ContactRequest
from zicht.messaging import channels
from zicht.people.models import Person, StaffRole, current_links
from zicht.protocols.models import Subscription
from zicht.support.schooldays import add_school_days

log = logging.getLogger(__name__)

OVERDUE_SCHOOL_DAYS = 2
MAX_MESSAGE = 500
MAX_ATTEMPTS = 8


# --- who ---------------------------------------------------------------------------------------

def route_for(student, now=None):
    """(route, mentor or None): the current active mentor, else the team's coordinators."""
    today = clock.localtime(now).date()
    mentor = student.current_mentor(on=today)
    if mentor is not None and mentor.is_active:
        return ContactRequest.TO_MENTOR, mentor
    return ContactRequest.TO_COORDINATOR, None


def coordinators_of(student):
    """Staff users coordinating the student's team (or their whole organisation)."""
    roles = StaffRole.objects.filter(role=StaffRole.COORDINATOR, organisation_id=student.team.organisation_id).filter(
        Q(team_id=student.team_id) | Q(team__isnull=True)
    )
    return get_user_model().objects.filter(id__in=roles.values("user"), is_active=True).order_by("id")


def staff_name(user):
    """The first name a student sees: the mentor's own name if the user is a mentor."""
    if user is None:
        return ""
    person = Person.objects.filter(user=user).first()
    if person is not None:
        return person.first_name
    return user.first_name or user.get_username()


# --- the request -------------------------------------------------------------------------------

def open_request(student):
    return ContactRequest.objects.filter(student=student, state__in=ContactRequest.OPEN_STATES).first()


def request_contact(student, *, message="", preferred_channel=ContactRequest.IN_PERSON, language="nl", now=None):
    """Create the student's contact request and its notifications. Returns (request, created).

    A student has at most one open request: asking again shows the open one (a double tap
    or a resent form never makes two).
    """
    now = now or clock.now()
    if preferred_channel not in dict(ContactRequest.CHANNELS):
        preferred_channel = ContactRequest.IN_PERSON
    message = (message or "").strip()[:MAX_MESSAGE]
    existing = open_request(student)
    if existing is not None:
        return existing, False
    route, mentor = route_for(student, now)
    try:
        with transaction.atomic():
            request = ContactRequest.objects.create(
                student=student, mentor=mentor, routed_to=route, message=message,
                preferred_channel=preferred_channel, language=language if language in ("nl", "en") else "nl",
                created_at=now,
            )
            notifications = queue_notifications(request, ContactNotification.NEW_REQUEST, now)
            ids = [n.pk for n in notifications]
            transaction.on_commit(lambda: _send_now(ids, now))
    except IntegrityError:  # another tap created it a moment ago
        return open_request(student), False
    return request, True


def _send_now(ids, now):
    for notification in ContactNotification.objects.filter(pk__in=ids):
        send_notification(notification, now)


def pick_up(request, user, now=None):
    """Staff saw the request and will get in touch; the student's page says so. Idempotent."""
    now = now or clock.now()
    updated = ContactRequest.objects.filter(pk=request.pk, state=ContactRequest.NEW).update(
        state=ContactRequest.PICKED_UP, picked_up_at=now, picked_up_by=user, picked_up_name=staff_name(user)[:150]
    )
    request.refresh_from_db()
    return bool(updated)


def mark_done(request, user, now=None):
    """The talk happened (or the request is otherwise dealt with). Picks it up too if needed."""
    now = now or clock.now()
    if request.state == ContactRequest.NEW:
        pick_up(request, user, now)
    updated = ContactRequest.objects.filter(pk=request.pk, state=ContactRequest.PICKED_UP).update(
        state=ContactRequest.DONE, done_at=now, done_by=user
    )
    request.refresh_from_db()
    return bool(updated)


# --- notifications -----------------------------------------------------------------------------

def staff_url(request):
    return settings.SITE_URL + reverse("feedback:staff-detail", args=[request.pk])


def _texts(request, purpose, language, student_name, url):
    team = request.student.team.name
    if purpose == ContactNotification.OVERDUE:
        if language == "en":
            subject = f"Contact request from {student_name} not picked up yet"
            body = (f"{student_name} ({team}) asked for contact {OVERDUE_SCHOOL_DAYS} school days ago and nobody "
                    f"has picked it up yet. Please make sure someone gets in touch: {url}")
        else:
            subject = f"Contactverzoek van {student_name} nog niet opgepakt"
            body = (f"{student_name} ({team}) vroeg {OVERDUE_SCHOOL_DAYS} schooldagen geleden om contact en "
                    f"niemand heeft het nog opgepakt. Zorg je dat iemand contact opneemt? {url}")
        return subject, body, body
    no_mentor = request.routed_to == ContactRequest.TO_COORDINATOR
    if language == "en":
        subject = f"{student_name} would like to talk to you"
        extra = " They have no (available) mentor, so the request came to you." if no_mentor else ""
        sms = f"zicht: {student_name} asks you to get in touch.{extra} Read the request: {url}"
        body = (f"{student_name} ({team}) asked through the diary to talk.{extra}\n\n"
                f"Read the request and let them know you saw it (they see that on their page): {url}\n")
    else:
        subject = f"{student_name} wil graag met je praten"
        extra = " Er is geen (beschikbare) begeleider, daarom komt het bij jou." if no_mentor else ""
        sms = f"zicht: {student_name} vraagt of je contact opneemt.{extra} Lees het verzoek: {url}"
        body = (f"{student_name} ({team}) vroeg via het dagboek om een gesprek.{extra}\n\n"
                f"Lees het verzoek en laat weten dat je het hebt gezien (de student ziet dat op de eigen "
                f"pagina): {url}\n")
    return subject, body, sms


def _reference():
    return "fb" + uuid.uuid4().hex


def queue_notifications(request, purpose, now):
    """Write the notification rows (mentor: e-mail and SMS; coordinators: e-mail). Not sent yet."""
    student = request.student
    url = staff_url(request)
    targets = []  # (channel, address, language)
    if purpose == ContactNotification.NEW_REQUEST and request.routed_to == ContactRequest.TO_MENTOR:
        mentor = request.mentor
        language = mentor.language if mentor.language in ("nl", "en") else "nl"
        if mentor.email:
            targets.append((ContactNotification.EMAIL, mentor.email, language))
        if mentor.phone:
            targets.append((ContactNotification.SMS, mentor.phone, language))
    else:
        for user in coordinators_of(student):
            if user.email:
                targets.append((ContactNotification.EMAIL, user.email, "nl"))
    rows = []
    for channel, address, language in targets:
        subject, body, sms = _texts(request, purpose, language, student.first_name, url)
        rows.append(ContactNotification.objects.create(
            contact_request=request, purpose=purpose, channel=channel, to=address,
            subject=subject if channel == ContactNotification.EMAIL else "",
            body=body if channel == ContactNotification.EMAIL else sms,
            reference=_reference(), next_attempt_at=now, created_at=now,
        ))
    if not rows:
        log.warning("contact request %s: nobody to notify (no address); it is listed on the staff page", request.pk)
    return rows


def send_notification(notification, now=None):
    """Send one queued notification; returns its status. The reference is the idempotency key."""
    now = now or clock.now()
    if notification.status != ContactNotification.QUEUED:
        return notification.status
    attempts = notification.attempts + 1
    try:
        if notification.channel == ContactNotification.SMS:
            channels.send_sms(notification.to, notification.body, reference=notification.reference)
        else:
            channels.send_email(notification.to, notification.subject, notification.body,
                                reference=notification.reference)
    except channels.PermanentError as error:
        ContactNotification.objects.filter(pk=notification.pk).update(
            status=ContactNotification.FAILED, attempts=attempts, last_error=str(error)[:300]
        )
    except channels.RetryableError as error:
        give_up = attempts >= MAX_ATTEMPTS
        ContactNotification.objects.filter(pk=notification.pk).update(
            status=ContactNotification.FAILED if give_up else ContactNotification.QUEUED, attempts=attempts,
            last_error=str(error)[:300], next_attempt_at=now + channels.retry_delay(attempts),
        )
    else:
        ContactNotification.objects.filter(pk=notification.pk).update(
            status=ContactNotification.SENT, attempts=attempts, sent_at=now, last_error=""
        )
    notification.refresh_from_db()
    return notification.status


def send_due_notifications(now=None, batch=100):
    """Retry queued notifications whose time has come (the worker calls this every pass)."""
    now = now or clock.now()
    counts = {}
    due = ContactNotification.objects.filter(status=ContactNotification.QUEUED, next_attempt_at__lte=now)
    for notification in due.order_by("next_attempt_at")[:batch]:
        status = send_notification(notification, now)
        counts[status] = counts.get(status, 0) + 1
    return counts


# --- lists for staff ---------------------------------------------------------------------------

def _holidays(student):
    """School holidays from the student's protocol, as (from, to) date pairs."""
    from datetime import date

    sub = Subscription.objects.filter(person=student).select_related("protocol").order_by("-starts_on").first()
    ranges = []
    for raw in (sub.protocol.definition.get("holidays") or []) if sub else []:
        try:
            ranges.append((date.fromisoformat(str(raw["from"])), date.fromisoformat(str(raw["to"]))))
        except (KeyError, TypeError, ValueError):
            continue
    return ranges


def overdue_at(request, holidays=()):
    """The instant a new request becomes overdue: OVERDUE_SCHOOL_DAYS school days later, same time."""
    created = clock.localtime(request.created_at)
    day = add_school_days(created.date(), OVERDUE_SCHOOL_DAYS, holidays)
    return datetime.combine(day, created.timetz())


def is_overdue(request, now=None, holidays=None):
    now = now or clock.now()
    if request.state != ContactRequest.NEW:
        return False
    return now >= overdue_at(request, _holidays(request.student) if holidays is None else holidays)


def overdue_contact_requests(now=None):
    """New requests nobody picked up within OVERDUE_SCHOOL_DAYS school days, oldest first."""
    now = now or clock.now()
    # Two school days are at least two calendar days: only those need the exact check.
    candidates = ContactRequest.objects.filter(
        state=ContactRequest.NEW, created_at__lte=now - timedelta(days=OVERDUE_SCHOOL_DAYS)
    ).select_related("student__team__organisation", "mentor").order_by("created_at", "pk")
    return [r for r in candidates if is_overdue(r, now)]


def escalate_overdue(now=None):
    """Tell the coordinators once about each overdue request (the worker calls this every pass)."""
    now = now or clock.now()
    escalated = 0
    for request in overdue_contact_requests(now):
        if request.escalated_at is not None:
            continue
        with transaction.atomic():
            marked = ContactRequest.objects.filter(pk=request.pk, escalated_at__isnull=True).update(escalated_at=now)
            if not marked:
                continue
            ids = [n.pk for n in queue_notifications(request, ContactNotification.OVERDUE, now)]
            transaction.on_commit(lambda ids=ids: _send_now(ids, now))
        escalated += 1
    return escalated


def waiting_days(request, now=None):
    """Whole calendar days since the request (local dates): 0 = today."""
    now = now or clock.now()
    return (clock.localtime(now).date() - clock.localtime(request.created_at).date()).days


def _annotate(requests, now):
    for request in requests:
        request.waiting_days = waiting_days(request, now)
        request.overdue = is_overdue(request, now)
    return requests


def open_contact_requests_for_mentor(mentor_person, now=None):
    """Open requests of the mentor's current students: new ones first, then oldest first.

    Each has ``waiting_days`` and ``overdue`` set, for feedback/_contact_requests.html.
    """
    now = now or clock.now()
    students = current_links(clock.localtime(now).date()).filter(mentor=mentor_person).values("student")
    return _open_list(ContactRequest.objects.filter(student__in=students), now)


def open_contact_requests_for_team(team, now=None):
    now = now or clock.now()
    return _open_list(ContactRequest.objects.filter(student__team=team), now)


def _open_list(queryset, now):
    requests = list(
        queryset.filter(state__in=ContactRequest.OPEN_STATES).select_related("student", "mentor")
        .order_by("created_at", "pk")
    )
    requests.sort(key=lambda r: (r.state != ContactRequest.NEW, r.created_at, r.pk))
    return _annotate(requests, now)


def visible_contact_requests(user):
    """Every request of a student this user may see (core.permissions decides)."""
    from zicht.core import permissions

    return ContactRequest.objects.filter(student__in=permissions.visible_people(user)).select_related(
        "student__team", "mentor"
    )


def staff_lists(user, now=None):
    """The staff page: overdue, new, picked up, and recently done requests this user may see."""
    now = now or clock.now()
    visible = visible_contact_requests(user)
    open_ = _annotate(list(visible.filter(state__in=ContactRequest.OPEN_STATES).order_by("created_at", "pk")), now)
    done = list(visible.filter(state=ContactRequest.DONE, done_at__gte=now - timedelta(days=30)).order_by("-done_at"))
    return {
        "overdue": [r for r in open_ if r.overdue],
        "new": [r for r in open_ if r.state == ContactRequest.NEW and not r.overdue],
        "picked_up": [r for r in open_ if r.state == ContactRequest.PICKED_UP],
        "done": _annotate(done, now),
    }
