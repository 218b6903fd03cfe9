"""Pause, resume, stop, the stop rule, a change of mentor, opt-out, rewards and the staff pages."""

import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from zicht.messaging import dispatcher, services
from zicht.messaging.models import Delivery, Invitation, OptOut
from zicht.protocols import services as protocol_services
from zicht.protocols.models import Subscription, SubscriptionEvent
from zicht.responses.models import AccessLink, Window

from .conftest import START, at, complete

pytestmark = pytest.mark.django_db
THU = "2026-09-10"


@pytest.fixture(autouse=True)
def outbox(settings):
    settings.ZICHT_SMS_BACKEND = "outbox"
    settings.ZICHT_DEV_PAGES = False


def enrolled(make_student, name="Sanne", **extra):
    student = make_student(name, **extra)
    result = protocol_services.enrol_student(student, START, now=at("2026-09-01", 9))
    return student, result["student"]


def sms_moments(person, kind=Invitation.INVITATION):
    deliveries = Delivery.objects.filter(
        invitation__person=person, invitation__kind=kind, channel=Delivery.SMS
    )
    return sorted(d.invitation.moment for d in deliveries.exclude(status=Delivery.QUEUED))


def thursdays(*days):
    return [at(day, 12) for day in days]


def run_weeks(*days):
    for day in days:
        for hour in (12, 20):
            dispatcher.run_once(now=at(day, hour))


def test_paused_gets_nothing_until_the_pause_ends(protocols, make_student):
    student, sub = enrolled(make_student, mentor=None)
    run_weeks(THU)
    protocol_services.pause(sub, until=date(2026, 9, 28), now=at("2026-09-14", 9))
    cancelled = Window.objects.filter(subscription=sub, state=Window.CANCELLED)
    assert sorted(w.occasion for w in cancelled) == [2, 3]
    run_weeks("2026-09-17", "2026-09-24", "2026-10-01")
    assert sms_moments(student) == [at("2026-09-09", 17, 45), *thursdays(THU, "2026-10-01")]
    sub.refresh_from_db()
    assert sub.state == Subscription.ACTIVE  # resumed by itself on 28 September
    kinds = list(SubscriptionEvent.objects.filter(subscription=sub).values_list("kind", flat=True))
    assert kinds == ["enrolled", "paused", "resumed"]


def test_pause_while_a_diary_is_open_means_no_reminder_and_resume_brings_weeks_back(protocols, make_student):
    student, sub = enrolled(make_student, mentor=None)
    dispatcher.run_once(now=at(THU, 12))
    dispatcher.run_once(now=at(THU, 12, 1))
    protocol_services.pause(sub, until=date(2026, 10, 12), now=at(THU, 13))
    dispatcher.run_once(now=at(THU, 20))
    assert at(THU, 12) not in sms_moments(student, Invitation.REMINDER)
    protocol_services.resume(sub, now=at("2026-09-21", 9))  # back early
    assert Window.objects.get(subscription=sub, measurement="diary", occasion=3).state == Window.PLANNED
    assert Window.objects.get(subscription=sub, measurement="diary", occasion=2).state == Window.CANCELLED
    run_weeks("2026-09-24")
    assert at("2026-09-24", 12) in sms_moments(student)


def test_stop_cancels_future_windows_and_the_pending_invitation(protocols, make_student):
    student, sub = enrolled(make_student, mentor=None)
    dispatcher.run_once(now=at("2026-09-17", 10, 30))  # the 12:00 invitation is planned
    pending = Invitation.objects.get(person=student, moment=at("2026-09-17", 12), kind=Invitation.INVITATION)
    assert pending.status == Invitation.PLANNED
    protocol_services.stop(sub, now=at("2026-09-17", 11), reason="wil niet meer")
    pending.refresh_from_db()
    assert pending.status == Invitation.CANCELLED
    assert not Window.objects.filter(
        subscription=sub, state=Window.PLANNED, opens_at__gt=at("2026-09-17", 11)
    )
    run_weeks("2026-09-17", "2026-09-24")
    assert at("2026-09-17", 12) not in sms_moments(student)
    sub.refresh_from_db()
    assert sub.state == Subscription.STOPPED and sub.stop_reason == "wil niet meer"


def test_completing_the_post_measurement_ends_the_subscription(protocols, make_student):
    student, sub = enrolled(make_student, mentor=None)
    post = Window.objects.get(subscription=sub, measurement="post")
    complete(post, post.opens_at)
    dispatcher.run_once(now=post.opens_at)
    sub.refresh_from_db()
    assert sub.state == Subscription.STOPPED and "stop measurement" in sub.stop_reason


def test_change_of_mentor_moves_the_diary_and_the_name_from_the_next_week(
    protocols, make_student, mentor, team
):
    from zicht.people.models import Mentor
    from zicht.questionnaires.variables import variables_for

    student, sub = enrolled(make_student)
    dispatcher.run_once(now=at(THU, 12))
    new = Mentor.objects.create(team=team, external_id="M2", first_name="Joost", phone="+31622222222")
    protocol_services.change_mentor(student, new, date(2026, 9, 14), now=at("2026-09-11", 20))

    old_windows = Window.objects.filter(respondent=mentor, about=student, measurement="diary")
    assert old_windows.get(occasion=1).state == Window.PLANNED  # week 1 stays with the old mentor
    assert not old_windows.filter(occasion__gte=2, state=Window.PLANNED).exists()
    new_windows = Window.objects.filter(respondent=new, about=student, measurement="diary")
    assert sorted(new_windows.values_list("occasion", flat=True)) == list(range(2, 36))

    run_weeks("2026-09-17")
    assert sms_moments(new) == [at("2026-09-17", 12)]
    assert at("2026-09-17", 12) not in sms_moments(mentor)
    week1 = Window.objects.get(subscription=sub, measurement="diary", occasion=1)
    week2 = Window.objects.get(subscription=sub, measurement="diary", occasion=2)
    assert variables_for(week1, on=date(2026, 9, 10))["mentor"] == "Fatima"
    assert variables_for(week2, on=date(2026, 9, 17))["mentor"] == "Joost"
    assert student.current_mentor(on=date(2026, 9, 17)) == new
    assert student.mentor_links.count() == 2  # history kept


def test_no_messages_for_inactive_people_and_failed_when_unreachable(protocols, make_student):
    gone, _ = enrolled(make_student, "Gone", mentor=None)
    silent, _ = enrolled(make_student, "Silent", mentor=None)
    type(gone).objects.filter(pk=gone.pk).update(is_active=False)
    type(silent).objects.filter(pk=silent.pk).update(phone="", email="")
    dispatcher.run_once(now=at(THU, 12))
    assert not Invitation.objects.filter(person=gone).exclude(status=Invitation.CANCELLED).exists()
    assert not Delivery.objects.filter(invitation__person=gone).exists()
    failed = Invitation.objects.filter(person=silent, status=Invitation.FAILED)
    assert failed.exists() and "no usable" in failed.first().note


def test_sent_bodies_do_not_keep_the_personal_link(protocols, make_student):
    student, _ = enrolled(make_student, mentor=None)
    dispatcher.run_once(now=at(THU, 12))
    sms = Delivery.objects.filter(invitation__person=student, status=Delivery.SENT).first()
    assert "/d/…/" in sms.body
    assert AccessLink.objects.filter(person=student).count() >= 1  # only hashes are kept


def test_rewards_streak_and_payout(
    protocols, make_student, client, coordinator, other_mentor, messaging_urls
):
    student, sub = enrolled(make_student, mentor=None)
    diaries = {w.occasion: w for w in Window.objects.filter(subscription=sub, measurement="diary")}
    for occasion in (1, 2, 3, 5):
        complete(diaries[occasion], diaries[occasion].opens_at)
    Window.objects.filter(pk=diaries[4].pk).update(state=Window.MISSED)
    earned = services.rewards_for(student)
    assert earned["total_cents"] == 200 + 200 + 300 + 0 + 200
    assert earned["streak"] == 1
    assert [w["cents"] for w in earned["per_window"][:5]] == [200, 200, 300, 0, 200]

    client.force_login(coordinator)
    response = client.get("/staff/messages/payout.csv", {"from": "2026-09-07", "to": "2026-09-27"})
    assert response.status_code == 200
    rows = response.content.decode().splitlines()
    assert rows[0].startswith("school_number,")
    assert rows[1].endswith(",3,700,900")
    assert client.get("/staff/messages/payout.csv", {"from": "2026-09-27", "to": "x"}).status_code == 400
    client.force_login(other_mentor.user)
    assert (
        client.get("/staff/messages/payout.csv", {"from": "2026-09-07", "to": "2026-09-27"}).status_code
        == 403
    )


def test_coordinator_sees_failures_and_misses_an_outsider_sees_nothing(
    protocols, make_student, client, coordinator, other_mentor, messaging_urls, settings
):
    from zicht.messaging.models import ContactProblem

    student, _ = enrolled(make_student, mentor=None)
    dispatcher.run_once(now=at("2026-09-12", 10))  # first pass after the first diary closed
    delivery = Delivery.objects.filter(invitation__person=student).first()
    ContactProblem.objects.create(
        person=student, channel="sms", address=student.phone, reason="nummer bestaat niet", delivery=delivery
    )
    url = f"/staff/messages/person/{student.pk}/"
    assert client.get(url).status_code == 302  # login first
    client.force_login(coordinator)
    page = client.get(url).content.decode()
    assert "nummer bestaat niet" in page and "Gemiste vragenlijsten" in page
    assert "not running" in page  # the missed invitation and why
    client.force_login(other_mentor.user)
    assert client.get(url).status_code == 403


def test_opt_out_page_stops_pauses_and_restarts(protocols, make_student, client, messaging_urls):
    student, sub = enrolled(make_student, mentor=None)
    _, token = AccessLink.issue(student, expires_at=at("2026-09-11", 18))
    url = f"/stop/{token}/"
    assert "Berichten van zicht" in client.get(url).content.decode()
    assert "Messages from zicht" in client.get(url, {"lang": "en"}).content.decode()
    assert client.get("/stop/not-a-token/").status_code == 404
    client.post(url, {"action": "stop"})
    assert services.is_opted_out(student)
    dispatcher.run_once(now=at(THU, 12))
    assert not Delivery.objects.filter(invitation__person=student).exists()
    client.post(url, {"action": "start"})
    assert not services.is_opted_out(student)
    assert OptOut.objects.get(person=student).revoked_at is not None
    assert client.post(url, {"action": "pause", "weeks": "9"}).status_code == 400
    client.post(url, {"action": "pause", "weeks": "2"})
    sub.refresh_from_db()
    assert sub.state == Subscription.PAUSED


def test_dev_outbox_only_on_development_pages(protocols, make_student, client, settings, messaging_urls):
    student, _ = enrolled(make_student, mentor=None)
    assert client.get("/dev/outbox/").status_code == 404
    settings.ZICHT_DEV_PAGES = True
    dispatcher.run_once(now=at(THU, 12))
    page = client.get("/dev/outbox/").content.decode()
    assert f'href="{settings.SITE_URL}/d/' in page and student.phone in page


def test_schedule_preview_prints_json_lines_with_local_offsets(db):
    out = StringIO()
    call_command("schedule", "preview", "--start", "2026-03-25", "--weeks", "2", stdout=out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    diaries = [line for line in lines if line["measurement"] == "diary"]
    assert [d["opens_at"] for d in diaries] == ["2026-03-26T12:00:00+01:00", "2026-04-02T12:00:00+02:00"]
    assert diaries[0]["reminder_at"] == "2026-03-26T20:00:00+01:00"
    assert diaries[0]["closes_at"] == "2026-03-27T18:00:00+01:00"
    assert set(lines[0]) >= {"measurement", "opens_at", "reminder_at", "closes_at"}
    out = StringIO()
    call_command("schedule", "preview", "--start", "2026-09-07", "--protocol", "mentor_diary", stdout=out)
    assert len(out.getvalue().splitlines()) == 35


def test_the_participants_channel_choice_is_honoured(protocols, make_student):
    from zicht.feedback.participation import set_channel

    student, _ = enrolled(make_student, mentor=None, email="sanne@example.org")
    set_channel(student, "email")
    dispatcher.run_once(now=at(THU, 12))
    channels = set(Delivery.objects.filter(invitation__person=student).values_list("channel", flat=True))
    assert channels == {Delivery.EMAIL}
