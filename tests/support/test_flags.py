"""Deadline and follow-up flags, computed with an injected clock (no sleeps, no real today)."""

from datetime import date

import pytest
import time_machine

from zicht.support import consent, services
from zicht.support.models import DossierConsent, PlannedCheckIn, SchoolHoliday

from .conftest import at

pytestmark = pytest.mark.django_db


def test_registration_countdown_then_missed_then_late(make_dossier):
    dossier = make_dossier(start_year=2026)
    status = services.registration_status(dossier, now=at(2026, 3, 20))
    assert (status.deadline, status.days_left, status.missed) == (date(2026, 4, 1), 12, False)
    assert not services.registration_status(dossier, now=at(2026, 4, 1, 23)).missed
    assert services.registration_status(dossier, now=at(2026, 4, 2, 8)).missed
    assert "Aanmelddatum 1 april gemist" in services.dossier_flags(dossier, now=at(2026, 4, 2, 8))
    dossier.registered_on = date(2026, 4, 5)
    assert services.registration_status(dossier, now=at(2026, 5, 1)).late
    dossier.registered_on = date(2026, 3, 12)
    assert not services.registration_status(dossier, now=at(2026, 5, 1)).missed


def test_list_page_shows_countdown_and_missed(client, make_dossier, vso_coordinator):
    make_dossier(start_year=2026)
    with time_machine.travel(at(2026, 3, 20), tick=False):
        client.force_login(vso_coordinator)
        assert "nog 12 dagen" in client.get("/staff/support/dossiers/").content.decode()
    with time_machine.travel(at(2026, 4, 3), tick=False):
        client.force_login(vso_coordinator)
        assert "gemist" in client.get("/staff/support/dossiers/").content.decode()


def test_unconfirmed_hand_over_is_flagged_after_ten_school_days_minus_holidays(
    make_dossier, vso_coordinator, receiving_contact, team
):
    dossier = make_dossier()
    services.hand_over(dossier, now=at(2026, 10, 9, 9))  # Friday
    consent.grant(
        dossier, DossierConsent.SHARE_SCHOOL, DossierConsent.PUPIL, vso_coordinator, now=at(2026, 10, 9, 11)
    )
    status = services.handover_status(dossier, now=at(2026, 10, 23, 17))
    assert status.confirm_by == date(2026, 10, 23) and not status.overdue
    assert services.handover_status(dossier, now=at(2026, 10, 24, 9)).overdue
    # The receiving school's autumn break does not count.
    SchoolHoliday.objects.create(
        organisation=team.organisation,
        name="herfstvakantie",
        starts_on=date(2026, 10, 17),
        ends_on=date(2026, 10, 25),
    )
    status = services.handover_status(dossier, now=at(2026, 10, 28))
    assert status.confirm_by == date(2026, 10, 30) and not status.overdue
    assert "Ontvangst niet bevestigd binnen 10 schooldagen" in services.dossier_flags(
        dossier, now=at(2026, 11, 2)
    )
    services.assign_contact(dossier, receiving_contact, now=at(2026, 11, 2, 9))
    services.confirm_receipt(dossier, receiving_contact, now=at(2026, 11, 2, 10))
    assert not services.handover_status(dossier, now=at(2026, 11, 3)).overdue


def test_the_ten_days_start_when_consent_arrives_not_at_hand_over(make_dossier, vso_coordinator):
    dossier = make_dossier()
    services.hand_over(dossier, now=at(2026, 9, 1))
    assert services.handover_status(dossier, now=at(2026, 10, 1)).confirm_by is None
    consent.grant(
        dossier, DossierConsent.SHARE_SCHOOL, DossierConsent.PUPIL, vso_coordinator, now=at(2026, 10, 9, 11)
    )
    assert services.handover_status(dossier, now=at(2026, 10, 12)).confirm_by == date(2026, 10, 23)


def test_only_the_assigned_contact_confirms_receipt(
    client, make_dossier, vso_coordinator, coordinator, receiving_contact
):
    dossier = make_dossier()
    services.hand_over(dossier)
    consent.grant(dossier, DossierConsent.SHARE_SCHOOL, DossierConsent.PUPIL, vso_coordinator)
    client.force_login(coordinator)
    response = client.post(f"/staff/support/dossiers/{dossier.pk}/assign/", {"contact": receiving_contact.pk})
    assert response.status_code == 302
    assert client.post(f"/staff/support/dossiers/{dossier.pk}/confirm/").status_code == 404
    client.force_login(receiving_contact)
    body = client.get(f"/staff/support/dossiers/{dossier.pk}/").content.decode()
    assert "Ik bevestig de ontvangst" in body
    client.post(f"/staff/support/dossiers/{dossier.pk}/confirm/")
    dossier.refresh_from_db()
    assert dossier.receipt_confirmed_at is not None


def test_landing_check_ins_in_weeks_2_6_12_and_the_100_day_review(make_dossier, vso_coordinator, mentor):
    dossier = make_dossier(mbo_started_on=date(2026, 8, 24))  # a Monday
    dossier.receiving_mentor = mentor
    dossier.save()
    rows = services.plan_landing(dossier, now=at(2026, 8, 20))
    services.plan_landing(dossier, now=at(2026, 8, 21))  # planning twice changes nothing
    assert PlannedCheckIn.objects.filter(dossier=dossier).count() == len(rows) == 7
    student_rows = dossier.checkins.filter(kind=PlannedCheckIn.LANDING_STUDENT).order_by("occasion")
    assert [r.due_on for r in student_rows] == [date(2026, 9, 3), date(2026, 10, 1), date(2026, 11, 12)]
    review = dossier.checkins.get(kind=PlannedCheckIn.REVIEW_100)
    assert review.due_on == date(2026, 12, 2)
    # The scheduling app made a window (and so an invitation) for each questionnaire check-in.
    for row in dossier.checkins.exclude(kind=PlannedCheckIn.REVIEW_100):
        assert row.window is not None
        assert row.window.respondent_id == row.respondent_id
        assert row.window.opens_at == at(row.due_on.year, row.due_on.month, row.due_on.day, 12)
    mentor_rows = dossier.checkins.filter(kind=PlannedCheckIn.LANDING_MENTOR)
    assert {r.window.about_id for r in mentor_rows} == {dossier.student_id}
    # Missed check-ins show up as flags.
    assert services.checkin_state(student_rows[0], now=at(2026, 9, 3, 13)) == "open"
    assert "check-in" in " ".join(services.dossier_flags(dossier, now=at(2026, 9, 10)))


def test_aftercare_quarters_need_a_contact_each(make_dossier):
    start = date(2026, 8, 24)
    contacts = [date(2026, 9, 15), date(2027, 3, 1)]
    quarters = services.aftercare_quarters(start, contacts, date(2027, 4, 1))
    assert [q["state"] for q in quarters] == ["done", "missing", "done", "future"]
    assert services.aftercare_quarters(start, contacts, date(2027, 6, 1))[3]["state"] == "current"
    assert quarters[1]["begin"] == date(2026, 11, 24) and quarters[3]["end"] == date(2027, 8, 23)
    dossier = make_dossier(mbo_started_on=start)
    services.record_aftercare(dossier, None, date(2026, 9, 15))
    assert not any("Nazorg" in f for f in services.dossier_flags(dossier, now=at(2027, 2, 1)))
    assert "Nazorg: 1 kwartaal zonder contact" in services.dossier_flags(dossier, now=at(2027, 3, 1))


def test_sending_school_records_the_registration_date_later(
    client, make_dossier, vso_coordinator, coordinator
):
    dossier = make_dossier(start_year=2026)
    client.force_login(coordinator)
    url = f"/staff/support/dossiers/{dossier.pk}/registration/"
    assert client.post(url, {"registered_on": "2026-03-10"}).status_code == 404
    client.force_login(vso_coordinator)
    assert client.post(url, {"registered_on": "2026-03-10"}).status_code == 302
    dossier.refresh_from_db()
    assert dossier.registered_on == date(2026, 3, 10)
    assert not services.registration_status(dossier, now=at(2026, 5, 1)).missed
