"""Asking for contact: who gets it, the notifications, the mentor's list, picking up, and overdue requests."""

from datetime import date, datetime, time, timedelta

import pytest
from django.core import mail
from django.template.loader import render_to_string
from django.test import RequestFactory

from zicht.core import clock
from zicht.feedback import contact, services
from zicht.feedback.models import ContactNotification, ContactRequest
from zicht.messaging import channels
from zicht.people.models import MentorLink

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def outbox(settings):
    settings.ZICHT_SMS_BACKEND = "outbox"


def local(day, hh=10, mm=0):
    return datetime.combine(date.fromisoformat(day), time(hh, mm), tzinfo=clock.local_zone())


def test_student_asks_mentor_gets_mail_and_sms_then_picks_up_and_student_sees_it(
    client, student, mentor, link_for, django_capture_on_commit_callbacks
):
    token = link_for(student)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/d/{token}/contact/", {"message": "Het gaat niet zo goed thuis.", "channel": "text"})
    assert response.status_code == 302
    request = ContactRequest.objects.get(student=student)
    assert (request.routed_to, request.mentor, request.state) == ("mentor", mentor, "new")

    # Notified through the messaging channels: an e-mail and an SMS, both rows first, both sent.
    notes = {n.channel: n for n in request.notifications.all()}
    assert set(notes) == {"email", "sms"} and {n.status for n in notes.values()} == {"sent"}
    assert notes["sms"].to == mentor.phone and "Sanne vraagt of je contact opneemt" in notes["sms"].body
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [mentor.email]
    assert mail.outbox[0].subject == "Sanne wil graag met je praten"
    # The notification never quotes what the student wrote.
    assert "thuis" not in mail.outbox[0].body and "thuis" not in notes["sms"].body

    page = client.get(f"/d/{token}/contact/").content.decode()
    assert "Nog niet gezien" in page

    # The mentor sees it at the top of their list, marks it picked up.
    listed = services.open_contact_requests_for_mentor(mentor)
    assert [r.pk for r in listed] == [request.pk] and listed[0].waiting_days == 0
    client.force_login(mentor.user)
    detail = client.get(f"/staff/contact/{request.pk}/").content.decode()
    assert "Het gaat niet zo goed thuis." in detail
    assert client.post(f"/staff/contact/{request.pk}/opgepakt/").status_code == 302
    request.refresh_from_db()
    assert (request.state, request.picked_up_by, request.picked_up_name) == ("picked_up", mentor.user, "Fatima")

    client.logout()
    page = client.get(f"/d/{token}/contact/").content.decode()
    assert "Fatima heeft je vraag gezien" in page and 'data-contact-state="picked_up"' in page

    client.force_login(mentor.user)
    client.post(f"/staff/contact/{request.pk}/afgerond/")
    request.refresh_from_db()
    assert request.state == "done" and services.open_contact_requests_for_mentor(mentor) == []


def test_a_double_tap_makes_one_request(client, student, mentor, link_for):
    token = link_for(student)
    client.post(f"/d/{token}/contact/", {"message": "een"})
    again = client.post(f"/d/{token}/contact/", {"message": "twee"})
    assert again["Location"].endswith("?open=1")
    assert ContactRequest.objects.filter(student=student).count() == 1


def test_too_long_message_is_refused_with_a_clear_error(client, student, mentor, link_for):
    token = link_for(student)
    response = client.post(f"/d/{token}/contact/", {"message": "x" * 501})
    assert response.status_code == 400
    assert "Je bericht is te lang" in response.content.decode()
    assert not ContactRequest.objects.exists()


def test_without_a_mentor_it_goes_to_the_coordinator(student, mentor, coordinator, django_capture_on_commit_callbacks):
    coordinator.email = "coco@example.org"
    coordinator.save()
    MentorLink.objects.filter(student=student).update(ends_on=clock.localtime().date() - timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        request, created = services.request_contact(student, message="")
    assert created and (request.routed_to, request.mentor) == ("coordinator", None)
    assert [m.to for m in mail.outbox] == [["coco@example.org"]]
    assert "geen (beschikbare) begeleider" in mail.outbox[0].body


def test_an_inactive_mentor_counts_as_no_mentor(student, mentor, coordinator):
    mentor.is_active = False
    mentor.save()
    request, _ = services.request_contact(student)
    assert request.routed_to == "coordinator"


def test_mentor_of_another_school_cannot_see_or_pick_up(client, student, mentor, other_mentor):
    request, _ = services.request_contact(student, message="geheim")
    client.force_login(other_mentor.user)
    assert client.get(f"/staff/contact/{request.pk}/").status_code == 404
    assert client.post(f"/staff/contact/{request.pk}/opgepakt/").status_code == 404
    assert "Sanne" not in client.get("/staff/contact/").content.decode()
    request.refresh_from_db()
    assert request.state == "new"


def test_failed_sms_is_retried_by_the_worker(student, mentor, monkeypatch, django_capture_on_commit_callbacks):
    def down(*args, **kwargs):
        raise channels.RetryableError("provider unreachable", code="unreachable")

    monkeypatch.setattr(channels, "send_sms", down)
    now = clock.now()
    with django_capture_on_commit_callbacks(execute=True):
        request, _ = services.request_contact(student, now=now)
    sms = request.notifications.get(channel="sms")
    assert (sms.status, sms.attempts) == ("queued", 1)
    assert services.send_due_notifications(now + timedelta(seconds=30)) == {}  # not due yet
    monkeypatch.undo()
    assert services.send_due_notifications(now + timedelta(minutes=2)) == {"sent": 1}
    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == ("sent", 2)


def test_overdue_after_two_school_days_and_the_coordinator_is_told_once(
    student, mentor, coordinator, django_capture_on_commit_callbacks
):
    coordinator.email = "coco@example.org"
    coordinator.save()
    request, _ = services.request_contact(student, now=local("2026-09-11", 15))  # a Friday afternoon
    mail.outbox.clear()
    # Saturday, Sunday and Monday don't make it overdue; Tuesday 15:00 does (2 school days).
    for moment in (local("2026-09-12"), local("2026-09-14", 16), local("2026-09-15", 14, 59)):
        assert services.overdue_contact_requests(moment) == []
    assert services.overdue_contact_requests(local("2026-09-15", 15)) == [request]
    with django_capture_on_commit_callbacks(execute=True):
        assert services.escalate_overdue(local("2026-09-15", 15)) == 1
        assert services.escalate_overdue(local("2026-09-16", 9)) == 0
    assert [m.to for m in mail.outbox] == [["coco@example.org"]]
    assert mail.outbox[0].subject == "Contactverzoek van Sanne nog niet opgepakt"
    assert request.notifications.filter(purpose=ContactNotification.OVERDUE).count() == 1
    # Once picked up it is no longer overdue.
    services.pick_up(request, mentor.user, now=local("2026-09-16", 10))
    assert services.overdue_contact_requests(local("2026-09-16", 11)) == []


def test_overdue_counts_school_days_around_the_protocols_holidays(student, mentor):
    from zicht.protocols.models import Protocol, Subscription

    protocol = Protocol.objects.create(key="student", name="x", definition={
        "holidays": [{"from": "2026-10-19", "to": "2026-10-23", "name": "herfstvakantie"}],
    })
    Subscription.objects.create(protocol=protocol, person=student, starts_on=date(2026, 9, 7))
    request, _ = services.request_contact(student, now=local("2026-10-16", 9))  # Friday before the break
    assert contact.overdue_at(request, contact._holidays(student)) == local("2026-10-27", 9)


def test_coordinator_list_shows_overdue_first(client, student, mentor, coordinator):
    request, _ = services.request_contact(student, now=clock.now() - timedelta(days=6))
    client.force_login(coordinator)
    html = client.get("/staff/contact/").content.decode()
    overdue = html.split('id="overdue"')[1].split("</section>")[0]
    assert f'data-contact-request="{request.pk}"' in overdue and "wacht al 6 dagen" in overdue


def test_caseload_include_shows_age_and_a_pick_up_button(student, mentor):
    request, _ = services.request_contact(student, message="Kan ik je spreken?", now=clock.now() - timedelta(days=2))
    rf = RequestFactory().get("/staff/mentor/")
    rf.user = mentor.user
    html = render_to_string("feedback/_contact_requests.html", {
        "contact_requests": services.open_contact_requests_for_mentor(mentor), "request": rf,
    }, request=rf)
    assert "Sanne de Vries" in html and "wacht al 2 dagen" in html and "Kan ik je spreken?" in html
    assert f'action="/staff/contact/{request.pk}/opgepakt/"' in html
    assert render_to_string("feedback/_contact_requests.html", {"contact_requests": []}).strip() == ""


def test_team_list_for_a_coordinator(student, mentor, team):
    request, _ = services.request_contact(student)
    assert [r.pk for r in services.open_contact_requests_for_team(team)] == [request.pk]
    services.mark_done(request, None)
    assert services.open_contact_requests_for_team(team) == []
