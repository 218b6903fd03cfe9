"""The dispatcher, driven by an injected clock: invitations, bundling, reminders, catch-up, failures."""

import re
from datetime import timedelta

import pytest

from zicht.messaging import dispatcher
from zicht.messaging.models import ContactProblem, Delivery, Invitation, InvitationWindow
from zicht.protocols import services as protocol_services
from zicht.protocols.models import Subscription
from zicht.responses.models import AccessLink, Window

from .conftest import START, at, complete

THU = "2026-09-10"  # first diary: Thursday of week 1
FRI = "2026-09-11"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def keep_links(settings):
    settings.ZICHT_DEV_PAGES = True  # keep the link in stored bodies so tests can follow it
    settings.ZICHT_SMS_BACKEND = "outbox"


def enrol(*people, now=None):
    for person in people:
        protocol_services.enrol_student(person, START, now=now or at("2026-09-01", 9))


def sent_to(person, kind=Invitation.INVITATION, channel=Delivery.SMS, moment=None):
    """Deliveries that went out (or failed) to a person for the Thursday diary (or another moment)."""
    moment = moment or at(THU, 12)
    return list(
        Delivery.objects.filter(
            invitation__person=person, invitation__kind=kind, channel=channel, invitation__moment=moment
        )
        .exclude(status=Delivery.QUEUED)
        .order_by("created_at", "pk")
    )


def diary(person, occasion=1, about=None):
    return Window.objects.get(respondent=person, measurement="diary", occasion=occasion, about=about)


def token_in(body):
    return re.search(r"/d/([A-Za-z0-9_-]+)/", body).group(1)


def test_enrolment_plans_every_window_once(protocols, make_student, mentor):
    student = make_student("Sanne")
    enrol(student)
    enrol(student)  # idempotent
    assert Window.objects.filter(respondent=student).count() == 37  # pre + 35 diaries + post
    assert Window.objects.filter(respondent=mentor, about=student).count() == 35
    assert Window.objects.filter(respondent=mentor, about=None).count() == 2  # mentor pre + post
    assert Subscription.objects.filter(person=mentor).count() == 2


def test_thursday_noon_each_student_one_sms_and_the_mentor_one_bundled_message(
    protocols, make_student, mentor
):
    students = [make_student(name) for name in ("Sanne", "Mo", "Lotte")]
    enrol(*students)
    dispatcher.run_once(now=at("2026-09-09", 17, 45))  # pre-measurements
    dispatcher.run_once(now=at(THU, 8))  # their reminders (17:45 + 8 h is night: moved to 08:00)
    assert len(sent_to(students[0], Invitation.REMINDER, moment=at("2026-09-09", 17, 45))) == 1
    stats = dispatcher.run_once(now=at(THU, 12))

    for student in students:
        invitations = sent_to(student)
        assert len(invitations) == 1
        sms = invitations[0]
        assert sms.status == Delivery.SENT and sms.to == student.phone
        link = AccessLink.objects.get(token_hash=AccessLink.hash_token(token_in(sms.body)))
        assert link.person == student and link.expires_at == at(FRI, 18)

    bundle = Invitation.objects.get(person=mentor, kind=Invitation.INVITATION, moment=at(THU, 12))
    assert bundle.windows.count() == 3
    assert {d.channel for d in bundle.deliveries.all()} == {Delivery.SMS, Delivery.EMAIL}
    mail = bundle.deliveries.get(channel=Delivery.EMAIL)
    assert all(name in mail.body for name in ("Sanne", "Mo", "Lotte"))
    assert stats["delivery_sent"] == 3 + 2
    # A second pass at the same moment sends nothing more.
    assert "delivery_sent" not in dispatcher.run_once(now=at(THU, 12, 1))


def test_reminder_only_for_what_is_still_open_and_the_mentor_list_shrinks(protocols, make_student, mentor):
    sanne, mo, lotte = (make_student(name) for name in ("Sanne", "Mo", "Lotte"))
    enrol(sanne, mo, lotte)
    dispatcher.run_once(now=at(THU, 12))
    dispatcher.run_once(now=at(THU, 12, 1))  # plans the reminders for 20:00
    planned = Invitation.objects.filter(
        kind=Invitation.REMINDER, status=Invitation.PLANNED, moment=at(THU, 12)
    )
    assert planned.count() == 4  # three students and one bundle for the mentor

    complete(diary(sanne), at(THU, 14))
    complete(diary(mentor, about=sanne), at(THU, 15))
    dispatcher.run_once(now=at(THU, 19, 59))
    assert not sent_to(mo, Invitation.REMINDER)
    dispatcher.run_once(now=at(THU, 20))

    assert sent_to(sanne, Invitation.REMINDER) == []
    reminder = Invitation.objects.get(person=sanne, kind=Invitation.REMINDER, moment=at(THU, 12))
    assert reminder.status == Invitation.CANCELLED
    assert len(sent_to(mo, Invitation.REMINDER)) == 1
    assert len(sent_to(lotte, Invitation.REMINDER)) == 1
    mentor_mail = sent_to(mentor, Invitation.REMINDER, Delivery.EMAIL)
    assert len(mentor_mail) == 1
    assert (
        "Mo" in mentor_mail[0].body and "Lotte" in mentor_mail[0].body and "Sanne" not in mentor_mail[0].body
    )
    # Never a second reminder, and nothing after the close.
    for moment in (at(THU, 22), at(FRI, 12), at(FRI, 18), at("2026-09-12", 9)):
        dispatcher.run_once(now=moment)
    assert len(sent_to(mo, Invitation.REMINDER)) == 1
    assert diary(mo).state == Window.MISSED and diary(sanne).state == Window.COMPLETED


def test_outage_from_11_to_15_catches_up_and_shifts_nothing_it_need_not(protocols, make_student):
    student = make_student("Sanne")
    enrol(student)
    dispatcher.run_once(now=at(THU, 11))  # plans the 12:00 invitation; then the worker dies
    stats = dispatcher.run_once(now=at(THU, 15))  # back at 15:00
    assert stats["invitation_prepared"] >= 1
    invitation = Invitation.objects.get(person=student, moment=at(THU, 12), kind=Invitation.INVITATION)
    assert invitation.status == Invitation.SENT and invitation.sent_at == at(THU, 15)
    dispatcher.run_once(now=at(THU, 15, 1))
    reminder = Invitation.objects.get(person=student, moment=at(THU, 12), kind=Invitation.REMINDER)
    assert reminder.due_at == at(THU, 20)  # 8 h after opening is still > 2 h after the late invitation
    dispatcher.run_once(now=at(THU, 20))
    assert len(sent_to(student, Invitation.REMINDER)) == 1


def test_late_invitation_pushes_the_reminder_back_and_out_of_the_night(protocols, make_student):
    student = make_student("Sanne")
    enrol(student)
    dispatcher.run_once(now=at(THU, 19))  # the worker was down from Wednesday night until 19:00
    dispatcher.run_once(now=at(THU, 19, 1))
    reminder = Invitation.objects.get(person=student, moment=at(THU, 12), kind=Invitation.REMINDER)
    # 19:00 + 2 h = 21:00 falls in the quiet hours (21:00-08:00): Friday 08:00, before the 18:00 close.
    assert reminder.due_at == at(FRI, 8)


def test_reminder_planned_ahead_waits_two_hours_after_an_invitation_that_went_out_late(
    protocols, make_student
):
    student = make_student("Sanne", mentor=None)
    enrol(student)
    dispatcher.run_once(now=at(THU, 11))  # invitation (12:00) and reminder (20:00) planned together
    reminder = Invitation.objects.get(person=student, moment=at(THU, 12), kind=Invitation.REMINDER)
    assert reminder.status == Invitation.PLANNED and reminder.due_at == at(THU, 20)
    dispatcher.run_once(now=at(THU, 19))  # the worker was down from 11:00 to 19:00
    assert len(sent_to(student)) == 1
    dispatcher.run_once(now=at(THU, 20))
    assert sent_to(student, Invitation.REMINDER) == []  # one hour after the invitation: too soon
    reminder.refresh_from_db()
    # 19:00 + 2 h = 21:00 is in the quiet hours: Friday 08:00, still before the 18:00 close.
    assert reminder.status == Invitation.PLANNED and reminder.due_at == at(FRI, 8)
    dispatcher.run_once(now=at(FRI, 8))
    assert len(sent_to(student, Invitation.REMINDER)) == 1


def test_no_reminder_when_the_late_invitation_leaves_no_room_before_the_close(protocols, make_student):
    student = make_student("Sanne", mentor=None)
    enrol(student)
    dispatcher.run_once(now=at(THU, 11))
    dispatcher.run_once(now=at(FRI, 16))  # invitation sent two hours before the 18:00 close
    assert len(sent_to(student)) == 1
    for moment in (at(FRI, 16, 30), at(FRI, 17, 30)):
        dispatcher.run_once(now=moment)
    assert sent_to(student, Invitation.REMINDER) == []
    reminder = Invitation.objects.get(person=student, moment=at(THU, 12), kind=Invitation.REMINDER)
    assert reminder.status == Invitation.CANCELLED and reminder.note == "too close to closing"


def test_each_window_is_planned_once_and_sending_passes_do_not_plan(protocols, make_student, mentor):
    student = make_student("Sanne")
    enrol(student)
    dispatcher.run_once(now=at("2026-09-09", 17, 45))  # the pre-measurements
    assert "invitations_planned" not in dispatcher.run_once(now=at(THU, 11), plan=False)
    first = dispatcher.run_once(now=at(THU, 11))
    assert first["invitations_planned"] == 2 and first["reminders_planned"] == 2  # Sanne + her mentor
    assert diary(student).messages_planned and diary(mentor, about=student).messages_planned
    again = dispatcher.run_once(now=at(THU, 11, 30))
    assert "invitations_planned" not in again and "reminders_planned" not in again


def test_catch_up_at_night_waits_for_the_morning(protocols, make_student):
    student = make_student("Sanne")
    enrol(student)
    dispatcher.run_once(now=at(THU, 23))
    assert sent_to(student) == []
    waiting = Invitation.objects.get(person=student, moment=at(THU, 12), kind=Invitation.INVITATION)
    assert waiting.status == Invitation.PLANNED and waiting.due_at == at(FRI, 8)
    dispatcher.run_once(now=at(FRI, 8))
    waiting.refresh_from_db()
    assert waiting.status == Invitation.SENT and waiting.sent_at == at(FRI, 8)


def test_windows_that_closed_during_the_outage_are_missed_never_sent_late(protocols, make_student, mentor):
    student = make_student("Sanne")
    enrol(student)
    dispatcher.run_once(now=at(THU, 11))  # invitation rows planned, then the worker is down until Saturday
    dispatcher.run_once(now=at("2026-09-12", 10))
    for window in (diary(student), diary(mentor, about=student)):
        assert window.state == Window.MISSED
        invitation = InvitationWindow.objects.get(window=window, kind=Invitation.INVITATION).invitation
        assert invitation.status == Invitation.MISSED and not invitation.deliveries.exists()
    assert not Delivery.objects.filter(invitation__moment=at(THU, 12)).exists()


def test_a_window_never_planned_because_the_worker_was_down_gets_a_visible_missed_row(
    protocols, make_student, mentor
):
    student = make_student("Sanne")
    enrol(student)
    dispatcher.run_once(now=at("2026-09-12", 10))  # first pass ever: Saturday
    missed = InvitationWindow.objects.get(window=diary(student), kind=Invitation.INVITATION).invitation
    assert missed.status == Invitation.MISSED and "not running" in missed.note
    bundle = InvitationWindow.objects.get(window=diary(mentor, about=student), kind=Invitation.INVITATION)
    assert bundle.invitation.status == Invitation.MISSED
    assert not Delivery.objects.filter(invitation__moment=at(THU, 12)).exists()
    # The pre-measurement is open until the end: it is invited now, late but not too late.
    assert len(sent_to(student, moment=at("2026-09-09", 17, 45))) == 1


def test_provider_500s_are_retried_with_backoff_and_sent_exactly_once(protocols, make_student, provider):
    student = make_student("Sanne", mentor=None)
    enrol(student)
    dispatcher.run_once(now=at(THU, 11, 30))  # the pre-measurement goes out (catch-up)
    provider.reset()
    provider.fail_next(3)  # the client tries 3 times per call, then the dispatcher retries later
    dispatcher.run_once(now=at(THU, 12))
    sms = Delivery.objects.get(invitation__person=student, invitation__moment=at(THU, 12))
    assert sms.status == Delivery.QUEUED and sms.attempts == 1 and sms.error_code == "provider_error"
    assert sms.next_attempt_at == at(THU, 12, 1)  # retry_delay(1) = 1 minute
    dispatcher.run_once(
        now=at(
            THU,
            12,
            0,
        )
        + timedelta(seconds=30)
    )
    assert Delivery.objects.get(pk=sms.pk).status == Delivery.QUEUED  # not due yet
    dispatcher.run_once(now=at(THU, 12, 1))
    sms.refresh_from_db()
    assert sms.status == Delivery.SENT and sms.attempts == 2 and sms.provider_id.startswith("fp-")
    assert provider.stats()["received"] == 1
    assert [m["to"] for m in provider.messages] == [student.phone]


def test_a_rejected_number_fails_is_flagged_and_not_tried_again(protocols, make_student, provider):
    student = make_student("Sanne", phone="+31611111111", mentor=None)
    provider.reject_numbers = {student.phone}
    enrol(student)
    dispatcher.run_once(now=at("2026-09-09", 17, 45))
    pre = Invitation.objects.get(person=student, kind=Invitation.INVITATION)
    assert pre.status == Invitation.FAILED
    delivery = pre.deliveries.get()
    assert delivery.status == Delivery.FAILED and delivery.error_code == "invalid_recipient"
    problem = ContactProblem.objects.get(person=student)
    assert problem.address == student.phone and problem.resolved_at is None
    requests = provider.stats()["requests"]
    dispatcher.run_once(now=at(THU, 12))
    assert provider.stats()["requests"] == requests  # no more attempts at a known-bad number
    diary_invitation = Invitation.objects.get(person=student, moment=at(THU, 12), kind=Invitation.INVITATION)
    assert diary_invitation.status == Invitation.FAILED and "no usable" in diary_invitation.note


def test_one_request_carries_the_whole_wave_and_a_refused_number_fails_alone(
    protocols, make_student, provider
):
    students = [make_student(name, phone=f"+3161111111{n}", mentor=None) for n, name in enumerate("ABCD")]
    enrol(*students)
    dispatcher.run_once(now=at(THU, 11, 30))  # plans 12:00, sends the pre-measurements
    provider.reset()
    provider.reject_numbers = {students[2].phone}

    stats = dispatcher.run_once(now=at(THU, 12))

    assert stats["delivery_sent"] == 3 and stats["delivery_failed"] == 1
    assert [r["path"] for r in provider.requests] == ["/messages/batch"]
    for student in students:
        (sms,) = sent_to(student)
        assert sms.status == (Delivery.FAILED if student == students[2] else Delivery.SENT)
    assert list(ContactProblem.objects.values_list("person", flat=True)) == [students[2].pk]


@pytest.mark.parametrize("batch_size", [1, 100], ids=["one-per-request", "batch-endpoint"])
def test_crash_after_the_provider_accepted_resends_with_the_same_key(
    protocols, make_student, provider, monkeypatch, settings, batch_size
):
    """Simulate kill -9 between the provider's answer and our 'sent' mark: the retry is deduplicated."""
    from zicht.messaging import channels

    settings.ZICHT_SMS_BATCH_SIZE = batch_size
    student = make_student("Sanne", mentor=None)
    enrol(student)
    dispatcher.run_once(now=at(THU, 11, 30))
    name = "send_sms" if batch_size == 1 else "send_sms_batch"
    real_send = getattr(channels, name)

    def send_then_crash(*args, **kwargs):
        real_send(*args, **kwargs)
        raise SystemExit("killed")  # the process dies before it can record anything

    monkeypatch.setattr(channels, name, send_then_crash)
    with pytest.raises(SystemExit):
        dispatcher.run_once(now=at(THU, 12))
    monkeypatch.setattr(channels, name, real_send)
    sms = Delivery.objects.get(invitation__person=student, invitation__moment=at(THU, 12))
    assert sms.status == Delivery.QUEUED and sms.claimed_until is not None
    assert dispatcher.release_claims(at(THU, 12, 1)) >= 1  # what `zicht worker` does at start
    dispatcher.run_once(now=at(THU, 12, 1))
    sms.refresh_from_db()
    assert sms.status == Delivery.SENT
    assert [m["reference"] for m in provider.messages].count(sms.reference) == 1
    assert provider.stats()["duplicates"] == 1


def post_signed(client, path, payload, secret="hook-secret"):
    import json
    import time

    from zicht.messaging.channels import sign_webhook

    body = json.dumps(payload).encode()
    return client.post(
        path,
        data=body,
        content_type="application/json",
        headers={"X-Zicht-Signature": sign_webhook(body, secret, int(time.time()))},
    )


def test_reply_stop_means_no_further_messages(protocols, make_student, provider, client, messaging_urls):
    student = make_student("Sanne", mentor=None)
    enrol(student)
    dispatcher.run_once(now=at("2026-09-09", 17, 45))
    assert len(provider.messages) == 1
    inbound = {
        "id": "mo-1",
        "from": student.phone.lstrip("+"),
        "to": "zicht",
        "text": "Stop",
        "received_at": "x",
    }
    assert post_signed(client, "/hooks/sms/inbound/", inbound, secret="wrong").status_code == 403
    response = post_signed(client, "/hooks/sms/inbound/", inbound)
    assert response.status_code == 200 and response.json() == {"result": "opted_out"}
    for moment in (at(THU, 12), at(THU, 20), at("2026-09-17", 12)):
        dispatcher.run_once(now=moment)
    assert len(provider.messages) == 1
    cancelled = Invitation.objects.filter(person=student, status=Invitation.CANCELLED, note="opted out")
    assert cancelled.count() >= 2


def test_delivery_reports_update_the_delivery(protocols, make_student, provider, client, messaging_urls):
    student = make_student("Sanne", mentor=None)
    enrol(student)
    dispatcher.run_once(now=at("2026-09-09", 17, 45))
    sms = Delivery.objects.get(invitation__person=student)
    report = {"id": sms.provider_id, "reference": sms.reference, "to": sms.to, "status": "delivered"}
    assert post_signed(client, "/hooks/sms/status/", report).json()["status"] == "delivered"
    assert Delivery.objects.get(pk=sms.pk).status == Delivery.DELIVERED
    unknown = post_signed(client, "/hooks/sms/status/", dict(report, reference="znope"))
    assert unknown.status_code == 404
    broken = post_signed(client, "/hooks/sms/status/", {"reference": sms.reference, "status": "lost"})
    assert broken.status_code == 400 and Delivery.objects.get(pk=sms.pk).status == Delivery.DELIVERED


def test_two_undeliverable_reports_in_a_row_flag_the_number(protocols, make_student, provider, client, messaging_urls):
    student = make_student("Sanne", mentor=None)
    enrol(student)
    dispatcher.run_once(now=at("2026-09-09", 17, 45))  # pre-measurement
    dispatcher.run_once(now=at(THU, 12))  # first diary
    first, second = Delivery.objects.filter(invitation__person=student).order_by("created_at", "pk")[:2]
    for delivery in (first, second):
        report = {"id": delivery.provider_id, "reference": delivery.reference, "status": "failed"}
        assert post_signed(client, "/hooks/sms/status/", report).json()["status"] == "failed"
        flagged = ContactProblem.objects.filter(person=student, address=student.phone).exists()
        assert flagged == (delivery == second)  # a phone that was off once is not a bad number
    dispatcher.run_once(now=at("2026-09-17", 12))
    blocked = Invitation.objects.get(person=student, moment=at("2026-09-17", 12), kind=Invitation.INVITATION)
    assert blocked.status == Invitation.FAILED and not blocked.deliveries.exists()
