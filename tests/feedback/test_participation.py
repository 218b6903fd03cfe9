"""The participation page: pause, stop, SMS or e-mail, a verified new number, own data, who sees what."""

import json
from datetime import date, datetime, time, timedelta

import pytest
import time_machine

from zicht.core import clock
from zicht.feedback import participation
from zicht.feedback.models import PhoneChange
from zicht.messaging import channels, dispatcher
from zicht.messaging.models import Delivery, Invitation
from zicht.privacy.models import AuditEvent
from zicht.protocols import services as protocol_services
from zicht.protocols.models import Subscription
from zicht.responses.models import Window

pytestmark = pytest.mark.django_db

START = date(2026, 9, 7)  # a Monday; the diary opens on Thursdays at 12:00


def at(day, hh=0, mm=0):
    return datetime.combine(date.fromisoformat(day), time(hh, mm), tzinfo=clock.local_zone())


@pytest.fixture(autouse=True)
def outbox(settings):
    settings.ZICHT_SMS_BACKEND = "outbox"


@pytest.fixture
def enrolled(student, mentor):
    from zicht.people.models import MentorLink

    # The scenario calendar is fixed; the mentor link must cover it whatever today's date is.
    MentorLink.objects.filter(student=student).update(starts_on=date(2026, 1, 1))
    protocol_services.sync_protocols()
    result = protocol_services.enrol_student(student, START, now=at("2026-09-01", 9))
    return result["student"]


def invited(person):
    """Moments of diary invitations that really went out to this person."""
    sent = Delivery.objects.filter(invitation__person=person, invitation__kind=Invitation.INVITATION)
    return sorted({d.invitation.moment for d in sent.exclude(status=Delivery.QUEUED)
                   if d.invitation.moment.weekday() == 3})


def run(*days):
    for day in days:
        for hour in (12, 20):
            dispatcher.run_once(now=at(day, hour))


def test_pause_on_the_page_means_no_invitations_until_the_chosen_day(client, student, enrolled, link_for):
    run("2026-09-10")
    with time_machine.travel(at("2026-09-12", 10), tick=False):
        token = link_for(student)
        response = client.post(f"/d/{token}/mijn-gegevens/pauze/", {"until": "2026-10-05"})
        assert response.status_code == 302
        page = client.get(response["Location"]).content.decode()
    assert "Je hebt pauze. Vanaf maandag 5 oktober krijg je weer vragenlijsten." in page
    run("2026-09-17", "2026-09-24", "2026-10-01", "2026-10-08")
    assert invited(student) == [at("2026-09-10", 12), at("2026-10-08", 12)]
    # The mentor's diary about the student paused with it.
    mentor_sub = Subscription.objects.get(about=student)
    assert not Invitation.objects.filter(person=mentor_sub.person, moment__range=(at("2026-09-13"), at("2026-10-04")),
                                         status=Invitation.SENT).exists()
    enrolled.refresh_from_db()
    assert enrolled.state == Subscription.ACTIVE  # resumed by itself


def test_pause_date_must_be_in_the_future_and_within_twelve_weeks(client, student, enrolled, link_for):
    with time_machine.travel(at("2026-09-12", 10), tick=False):
        token = link_for(student)
        for bad in ("2026-09-12", "2026-12-31", "morgen"):
            response = client.post(f"/d/{token}/mijn-gegevens/pauze/", {"until": bad})
            assert response.status_code == 400 and "Kies een datum tussen" in response.content.decode()
    enrolled.refresh_from_db()
    assert enrolled.state == Subscription.ACTIVE


def test_resume_early_brings_the_next_weeks_back(client, student, enrolled, link_for):
    with time_machine.travel(at("2026-09-12", 10), tick=False):
        token = link_for(student)
        client.post(f"/d/{token}/mijn-gegevens/pauze/", {"until": "2026-10-26"})
    with time_machine.travel(at("2026-09-20", 10), tick=False):
        assert client.post(f"/d/{token}/mijn-gegevens/verder/").status_code == 302
    run("2026-09-24")
    assert invited(student) == [at("2026-09-24", 12)]


def test_stop_needs_a_confirmation_and_then_nothing_more_is_sent(client, student, enrolled, link_for):
    with time_machine.travel(at("2026-09-12", 10), tick=False):
        token = link_for(student)
        confirm = client.get(f"/d/{token}/mijn-gegevens/stoppen/").content.decode()
        assert "Wil je echt stoppen?" in confirm
        client.post(f"/d/{token}/mijn-gegevens/stoppen/")  # no confirmation: nothing happens
        enrolled.refresh_from_db()
        assert enrolled.state == Subscription.ACTIVE
        client.post(f"/d/{token}/mijn-gegevens/stoppen/", {"confirm": "yes"})
    assert set(Subscription.objects.filter(person=student).values_list("state", flat=True)) == {"stopped"}
    assert Subscription.objects.get(about=student).state == "stopped"
    run("2026-09-17", "2026-09-24")
    assert invited(student) == []


def test_channel_choice_is_saved_and_applied_to_the_targets(client, student, link_for):
    student.email = "sanne@example.org"
    student.save()
    token = link_for(student)
    targets = [("sms", student.phone), ("email", student.email)]
    assert participation.wanted_targets(student, targets) == targets
    client.post(f"/d/{token}/mijn-gegevens/berichten/", {"channel": "email"})
    assert participation.wanted_targets(student, targets) == [("email", "sanne@example.org")]
    # If the chosen channel can't be used, the link still arrives the other way.
    assert participation.wanted_targets(student, [("sms", student.phone)]) == [("sms", student.phone)]
    assert client.post(f"/d/{token}/mijn-gegevens/berichten/", {"channel": "pigeon"}).status_code == 400


@pytest.fixture
def texts(monkeypatch):
    sent = []

    def fake_send_sms(to, body, *, reference, **kwargs):
        sent.append((to, body, reference))
        return "outbox-" + reference

    monkeypatch.setattr(channels, "send_sms", fake_send_sms)
    return sent


def test_new_number_is_only_stored_after_the_texted_code(client, student, link_for, texts):
    token = link_for(student)
    response = client.post(f"/d/{token}/mijn-gegevens/nummer/", {"phone": "06-1111 2222"})
    assert response["Location"].endswith("/mijn-gegevens/nummer/code/")
    (to, body, _ref), = texts
    code = body.split("code is ")[1][:6]
    assert to == "+31611112222" and code.isdigit()
    change = PhoneChange.objects.get(person=student)
    assert change.code_hash != code and len(change.code_hash) == 64  # an HMAC, not the code
    student.refresh_from_db()
    assert student.phone == "+31687654321"  # unchanged until confirmed

    wrong = "000000" if code != "000000" else "111111"
    page = client.post(f"/d/{token}/mijn-gegevens/nummer/code/", {"code": wrong})
    assert page.status_code == 400 and "nog 4 keer" in page.content.decode()
    assert client.post(f"/d/{token}/mijn-gegevens/nummer/code/", {"code": code})["Location"].endswith("done=phone#status")
    student.refresh_from_db()
    assert student.phone == "+31611112222"


def test_code_locks_after_five_tries_and_expires_after_fifteen_minutes(student, texts):
    now = clock.now()
    participation.start_phone_change(student, "0611112222", now=now)
    code = texts[-1][1].split("code is ")[1][:6]
    wrong = "000000" if code != "000000" else "111111"
    for expected in ("wrong", "wrong", "wrong", "wrong", "locked"):
        with pytest.raises(participation.PhoneChangeError) as failure:
            participation.verify_phone_code(student, wrong, now=now)
        assert failure.value.code == expected
    with pytest.raises(participation.PhoneChangeError) as failure:
        participation.verify_phone_code(student, code, now=now)  # the right code, too late
    assert failure.value.code == "none"

    participation.start_phone_change(student, "0611113333", now=now)
    code = texts[-1][1].split("code is ")[1][:6]
    with pytest.raises(participation.PhoneChangeError) as failure:
        participation.verify_phone_code(student, code, now=now + timedelta(minutes=16))
    assert failure.value.code == "none"
    student.refresh_from_db()
    assert student.phone == "+31687654321"


def test_invalid_same_and_too_many_numbers_are_refused(client, student, link_for, texts):
    token = link_for(student)
    assert "geen geldig mobiel nummer" in client.post(f"/d/{token}/mijn-gegevens/nummer/",
                                                       {"phone": "020 1234567"}).content.decode()
    assert "Dit is al je nummer" in client.post(f"/d/{token}/mijn-gegevens/nummer/",
                                                 {"phone": "06 87654321"}).content.decode()
    for number in ("0611110001", "0611110002", "0611110003"):
        participation.start_phone_change(student, number)
    with pytest.raises(participation.PhoneChangeError) as failure:
        participation.start_phone_change(student, "0611110004")
    assert failure.value.code == "too_many"


def test_data_download_has_own_answers_in_plain_words_and_is_audited(client, student, diaries):
    windows, token = diaries(student, [{"v1": "yes", "v4": 61, "v25": 77}])
    response = client.get(f"/d/{token}/mijn-gegevens/mijn-gegevens.json")
    assert response["Content-Disposition"] == 'attachment; filename="zicht-mijn-gegevens.json"'
    data = json.loads(response.content)
    answers = {a["item"]: a for a in data["answers"][0]["answers"]}
    assert answers["v25"] == {"question": "Hoe ging het deze week met je, alles bij elkaar?", "item": "v25",
                              "answer": 77}
    assert data["person"]["phone"] == "+31687654321" and data["person"]["mentor"] == "Fatima Bakker"
    event = AuditEvent.objects.get(action=AuditEvent.ACCESS_EXPORT, person_id=student.pk)
    assert event.actor_id is None and "self-service" in event.why
    summary = client.get(f"/d/{token}/mijn-gegevens/").content.decode()
    assert "Je antwoorden op 1 vragenlijst(en)" in summary and "06 87654321" in summary


def test_who_sees_what_follows_consent_and_the_sharing_rule(client, student, mentor, organisation, link_for):
    from zicht.monitoring.models import MonitoringSettings
    from zicht.privacy.consent import give_consent, withdraw_consent
    from zicht.privacy.models import ConsentText

    token = link_for(student)
    page = client.get(f"/d/{token}/mijn-gegevens/").content.decode()
    assert "Fatima, je coach" in page
    assert "Ziet je antwoorden niet." in page
    assert "je hebt geen toestemming gegeven voor onderzoek" in page
    assert "We hebben geen toestemmingsformulier van jou opgeslagen" in page

    MonitoringSettings.objects.create(organisation=organisation, share_answers_default=True)
    for purpose in (ConsentText.RESEARCH, ConsentText.SHARE_WITH_MENTOR):
        ConsentText.objects.get_or_create(purpose=purpose, version=1, defaults={"text_nl": "ja", "text_en": "yes"})
    give_consent(student, ConsentText.RESEARCH)
    page = client.get(f"/d/{token}/mijn-gegevens/").content.decode()
    assert "Ziet ook je antwoorden, om je beter te kunnen helpen." in page
    assert "Krijgen je antwoorden met een code in plaats van je naam." in page
    assert "Je antwoorden gebruiken voor onderzoek, zonder naam" in page

    give_consent(student, ConsentText.SHARE_WITH_MENTOR)
    withdraw_consent(student, ConsentText.SHARE_WITH_MENTOR)  # the student's own "no" beats the default
    page = client.get(f"/d/{token}/mijn-gegevens/").content.decode()
    assert "Ziet je antwoorden niet." in page and "ingetrokken op" in page


def test_mentor_window_count_is_untouched_by_a_students_page_visit(client, student, enrolled, link_for):
    before = Window.objects.count()
    client.get(f"/d/{link_for(student)}/mijn-gegevens/")
    assert Window.objects.count() == before


def test_email_only_choice_reaches_the_dispatcher(client, student, enrolled, link_for):
    student.email = "sanne@example.org"
    student.save()
    with time_machine.travel(at("2026-09-12", 10), tick=False):
        client.post(f"/d/{link_for(student)}/mijn-gegevens/berichten/", {"channel": "email"})
    run("2026-09-17")
    channels_used = set(Delivery.objects.filter(invitation__person=student, invitation__moment=at("2026-09-17", 12))
                        .values_list("channel", flat=True))
    assert channels_used == {Delivery.EMAIL}
