"""Access requests and erasure: a participant's data leaves as one ZIP, and erasure leaves no
personal value of theirs in any table of the database."""

import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from zicht.people.models import MentorLink, Person, Student
from zicht.privacy import gdpr
from zicht.privacy.audit import audit
from zicht.privacy.consent import give_consent
from zicht.privacy.models import AuditEvent, Erasure
from zicht.responses.models import AccessLink, Draft, Response, Window

FIRST, LAST = "Zoraida", "Oosterkamp-Vanderwaal"
PHONE, EMAIL, SCHOOL_NUMBER = "+31611122233", "zoraida.ok@example.net", "SCH-778899"
NEW_PHONE = "+31644455566"  # a number she asked to switch to, not confirmed yet
PERSONAL = [FIRST, LAST, PHONE, "0611122233", EMAIL, SCHOOL_NUMBER, NEW_PHONE]


@pytest.fixture
def zoraida(team, mentor):
    person = Student.objects.create(
        team=team, external_id=SCHOOL_NUMBER, first_name=FIRST, last_name=LAST, phone=PHONE, email=EMAIL
    )
    MentorLink.objects.create(
        mentor=mentor, student=person, starts_on=timezone.localdate() - timedelta(days=30)
    )
    return person


def fill_every_table(person, mentor, coordinator, respond):
    """Personal data of ``person`` in every table that can hold it."""
    respond(
        person, {"v1": "yes", "v2": 70, "v13": {"values": ["other"], "other": f"{FIRST} op stage"}, "v25": 50}
    )
    respond(mentor, {"v1": "yes"}, key="mentor_diary", about=person)
    # A mentor diary's free text about the student, under the mentor's own response.
    response = Response.objects.get(window__about=person)
    response.answers = {**response.answers, "notes": f"Gesprek met {FIRST} {LAST}, bel {PHONE}"}
    response.save()
    open_window = Window.objects.create(
        respondent=person,
        questionnaire=response.window.questionnaire,
        measurement="student_diary",
        occasion=9,
        opens_at=timezone.now(),
        closes_at=timezone.now() + timedelta(hours=3),
    )
    Draft.objects.create(window=open_window, answers={"v13": f"ik ben {FIRST}"})
    AccessLink.issue(person, expires_at=timezone.now() + timedelta(days=1))
    audit(coordinator, AuditEvent.VIEW, person, why=f"vraag van {FIRST} {LAST}")
    from zicht.messaging.models import Delivery, Invitation, OptOut

    invitation = Invitation.objects.create(
        person=person, kind="invitation", moment=timezone.now(), due_at=timezone.now()
    )
    Delivery.objects.create(
        invitation=invitation, channel="sms", to=PHONE, body=f"Hoi {FIRST}, vul je dagboek in"
    )
    Delivery.objects.create(
        invitation=invitation, channel="email", to=EMAIL, subject=f"Dagboek {FIRST}", body="link"
    )
    OptOut.objects.create(phone=PHONE, source="sms", text=f"STOP {FIRST}")
    from zicht.monitoring.models import Alert, CaseNote

    CaseNote.objects.create(student=person, author=mentor.user, text=f"{FIRST} belde, mail {EMAIL}")
    Alert.objects.create(
        student=person,
        kind="missed",
        week_start=timezone.localdate(),
        last_week_start=timezone.localdate(),
        reason=f"{FIRST} miste twee dagboeken",
    )


def personal_values_left(values):
    """Every (table, column) in the whole database that still contains one of the values."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - table names from introspection
            columns = [c[0] for c in cursor.description]
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    text = value if isinstance(value, str) else json.dumps(value, default=str)
                    for personal in values:
                        if personal.lower() in text.lower():
                            found.append((table, column, personal))
    return found


def test_access_export_is_a_zip_with_json_csv_and_a_readable_summary(zoraida, mentor, coordinator, respond):
    fill_every_table(zoraida, mentor, coordinator, respond)
    data = gdpr.access_export(zoraida, user=coordinator, why="verzoek per e-mail")
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = archive.namelist()
    assert {"data.json", "summary.html", "csv/people.person.csv"} <= set(names)
    content = json.loads(archive.read("data.json"))["tables"]
    assert content["people.person"][0]["phone"] == PHONE
    assert any(d["body"].startswith("Hoi Zoraida") for d in content["messaging.delivery"])
    assert "monitoring.casenote" in content and "responses.response" in content
    assert all("token_hash" not in row for row in content["responses.accesslink"])
    summary = archive.read("summary.html").decode()
    assert FIRST in summary and "Ben je deze week naar school" in summary
    assert AuditEvent.objects.filter(
        action="access_export", person_id=zoraida.pk, why="verzoek per e-mail"
    ).exists()


def test_erasure_leaves_no_personal_value_in_any_table(zoraida, mentor, coordinator, respond):
    fill_every_table(zoraida, mentor, coordinator, respond)
    assert personal_values_left(PERSONAL)  # the check itself finds the data before erasure
    gdpr.erase_person(zoraida, user=coordinator, why="verzoek van de student")
    assert personal_values_left(PERSONAL) == []
    zoraida.refresh_from_db()
    assert not zoraida.is_active and zoraida.first_name == "[verwijderd]"
    # Without research consent the answers are gone too.
    assert not Response.objects.filter(window__respondent=zoraida).exists()
    assert not Response.objects.filter(window__about=zoraida).exists()
    assert Erasure.objects.get(person_id=zoraida.pk).kept_research_data is False


def test_erasure_keeps_coded_research_answers_under_the_pseudonym_with_consent(
    zoraida, mentor, coordinator, respond, organisation
):
    from zicht.privacy import exports
    from zicht.privacy.models import Study

    give_consent(zoraida, "research")
    give_consent(mentor, "research")
    fill_every_table(zoraida, mentor, coordinator, respond)
    study = Study.objects.create(
        organisation=organisation, key="s", name="S", questionnaire_keys=["student_diary"]
    )
    pseudonym_before = {row[0] for row in list(exports.long_rows(study))[1:]}
    gdpr.erase_person(zoraida, user=coordinator, why="verzoek")
    assert personal_values_left(PERSONAL) == []
    kept = Response.objects.get(window__respondent=zoraida)
    assert kept.answers["v2"] == 70 and kept.answers["v13"] == {"values": ["other"]}
    assert {row[0] for row in list(exports.long_rows(study))[1:]} == pseudonym_before


def test_erasing_a_mentor_also_clears_their_login_and_their_name_in_the_audit_log(
    mentor, student, coordinator
):
    audit(mentor.user, AuditEvent.VIEW, student)
    gdpr.erase_person(mentor, user=coordinator, why="uit dienst")
    assert personal_values_left(["Fatima", "Bakker", "fatima@example.org", "+31612345678"]) == []
    assert AuditEvent.objects.filter(action="view", person_id=student.pk).exists()


def test_coordinator_page_downloads_access_zip_and_erases_with_confirmation(client, coordinator, zoraida):
    client.force_login(coordinator)
    response = client.post(f"/staff/privacy/person/{zoraida.pk}/inzage/", {"why": "verzoek"})
    assert response["Content-Type"] == "application/zip"
    assert zipfile.ZipFile(io.BytesIO(response.content)).read("data.json")
    client.post(f"/staff/privacy/person/{zoraida.pk}/wissen/", {"why": "verzoek"})  # not confirmed
    assert Person.objects.get(pk=zoraida.pk).first_name == FIRST
    client.post(f"/staff/privacy/person/{zoraida.pk}/wissen/", {"why": "verzoek", "confirm": "ja"})
    assert Person.objects.get(pk=zoraida.pk).first_name == "[verwijderd]"


def test_other_mentor_cannot_request_or_erase(client, other_mentor, zoraida):
    client.force_login(other_mentor.user)
    assert client.post(f"/staff/privacy/person/{zoraida.pk}/inzage/", {"why": "x"}).status_code == 403
    assert (
        client.post(f"/staff/privacy/person/{zoraida.pk}/wissen/", {"why": "x", "confirm": "ja"}).status_code
        == 403
    )
    assert Person.objects.get(pk=zoraida.pk).first_name == FIRST
