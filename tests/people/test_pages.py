"""The coordinator's pages, driven through Django's test client."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from zicht.people.models import Mentor, MentorLink, Person, StaffRole, Student, Team

from .conftest import GOOD_LINES, csv_bytes, make_user


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


@pytest.fixture
def outsider_client(client, other_team):
    """A coordinator of another school's team: must see none of ours."""
    user = make_user("otto")
    StaffRole.objects.create(
        user=user, role=StaffRole.COORDINATOR, organisation=other_team.organisation, team=other_team
    )
    client.force_login(user)
    return client


def student_form(**overrides):
    data = {
        "external_id": "S77",
        "first_name": "Yara",
        "last_name": "Bos",
        "phone": "06 1234 5678",
        "email": "",
        "gender": "f",
        "language": "nl",
        "mentor": "",
    }
    data.update(overrides)
    return data


def test_team_page_lists_students_with_their_mentor_and_contact_details(
    coordinator_client, team, student, mentor
):
    page = coordinator_client.get(reverse("people:team", args=[team.pk])).content.decode()
    assert "Sanne de Vries" in page and "S1" in page
    assert "06 87654321" in page  # stored +31687654321, shown the Dutch way
    assert "Fatima Bakker" in page and "fatima@example.org" in page
    assert "actief" in page


def test_viewing_the_team_list_and_a_person_is_audited(coordinator_client, coordinator, team, student):
    from zicht.privacy.models import AuditEvent

    coordinator_client.get(reverse("people:team", args=[team.pk]))
    coordinator_client.get(reverse("people:person", args=[student.pk]))
    events = AuditEvent.objects.filter(actor_id=coordinator.pk, action=AuditEvent.VIEW)
    assert events.filter(object_type="people.team", object_id=str(team.pk)).count() == 1
    assert events.filter(person_id=student.pk).count() == 1


def test_coordinator_adds_a_student_and_the_phone_is_stored_in_e164(coordinator_client, team, mentor):
    response = coordinator_client.post(
        reverse("people:person-add", args=[team.pk, "student"]), student_form(mentor=mentor.pk)
    )
    assert response.status_code == 302
    yara = Student.objects.get(team=team, external_id="S77")
    assert yara.phone == "+31612345678"
    assert yara.current_mentor() == mentor
    assert "Yara Bos is toegevoegd" in coordinator_client.get(response.url).content.decode()


def test_invalid_phone_shows_the_error_next_to_the_field_and_stores_nothing(coordinator_client, team):
    response = coordinator_client.post(
        reverse("people:person-add", args=[team.pk, "student"]), student_form(phone="020 123 4567")
    )
    assert response.status_code == 200
    assert not Person.objects.filter(external_id="S77").exists()
    page = response.content.decode()
    field = page[page.index('for="id_phone"') : page.index('name="phone"')]
    assert "Dit is geen geldig mobiel nummer" in field
    assert 'value="020 123 4567"' in page  # what they typed stays, so they can fix it


def test_a_school_number_can_only_be_used_once_per_team(coordinator_client, team, student):
    response = coordinator_client.post(
        reverse("people:person-add", args=[team.pk, "student"]), student_form(external_id="S1")
    )
    assert "al iemand met dit schoolnummer: Sanne de Vries" in response.content.decode()
    assert Student.objects.filter(team=team).count() == 1


def test_coordinator_adds_a_mentor_and_edits_a_student(coordinator_client, team, student):
    coordinator_client.post(
        reverse("people:person-add", args=[team.pk, "mentor"]),
        {
            "external_id": "M8",
            "first_name": "Kim",
            "last_name": "Dekker",
            "phone": "",
            "email": "kim@example.org",
            "gender": "",
            "language": "nl",
        },
    )
    assert Mentor.objects.get(team=team, external_id="M8").email == "kim@example.org"

    response = coordinator_client.post(
        reverse("people:person", args=[student.pk]),
        student_form(external_id="S1", first_name="Sanne", last_name="de Vries", phone="+31 6 11223344"),
    )
    assert response.status_code == 302
    student.refresh_from_db()
    assert student.phone == "+31611223344"


def test_mentor_change_on_the_page_keeps_history(coordinator_client, team, student, mentor):
    hans = Mentor.objects.create(team=team, external_id="M2", first_name="Hans", phone="+31699998888")
    today = date.today()

    response = coordinator_client.post(
        reverse("people:person-mentor", args=[student.pk]), {"mentor": hans.pk, "on": today.isoformat()}
    )

    assert response.status_code == 302
    links = MentorLink.objects.filter(student=student).order_by("starts_on")
    assert [(link.mentor, link.ends_on) for link in links] == [(mentor, today), (hans, None)]
    page = coordinator_client.get(response.url).content.decode()
    assert "Hans is vanaf" in page
    assert "Geschiedenis" in page and "Fatima Bakker" in page


def test_a_mentor_of_another_team_cannot_be_chosen(coordinator_client, student, other_mentor):
    coordinator_client.post(
        reverse("people:person-mentor", args=[student.pk]),
        {"mentor": other_mentor.pk, "on": date.today().isoformat()},
    )
    assert MentorLink.objects.filter(student=student).count() == 1


def test_stopping_and_restarting_a_student(coordinator_client, student):
    coordinator_client.post(reverse("people:person-active", args=[student.pk]), {"active": "0"})
    student.refresh_from_db()
    assert not student.is_active and student.current_mentor() is None
    coordinator_client.post(reverse("people:person-active", args=[student.pk]), {"active": "1"})
    student.refresh_from_db()
    assert student.is_active


def test_a_coordinator_of_another_team_gets_404_everywhere(outsider_client, team, student, mentor):
    pages = [
        ("get", reverse("people:team", args=[team.pk]), {}),
        ("get", reverse("people:person-add", args=[team.pk, "student"]), {}),
        ("post", reverse("people:person-add", args=[team.pk, "student"]), student_form()),
        ("get", reverse("people:person", args=[student.pk]), {}),
        ("post", reverse("people:person", args=[student.pk]), student_form(external_id="S1")),
        ("get", reverse("people:person", args=[mentor.pk]), {}),
        (
            "post",
            reverse("people:person-mentor", args=[student.pk]),
            {"mentor": mentor.pk, "on": "2026-01-01"},
        ),
        ("post", reverse("people:person-active", args=[student.pk]), {"active": "0"}),
    ]
    for method, url, data in pages:
        assert getattr(outsider_client, method)(url, data).status_code == 404, url
    assert Person.objects.filter(team=team).count() == 2
    student.refresh_from_db()
    assert student.is_active and student.phone == "+31687654321"


def test_a_mentor_account_without_coordinator_role_gets_404(client, team, mentor):
    client.force_login(mentor.user)
    assert client.get(reverse("people:team", args=[team.pk])).status_code == 404
    assert client.get(reverse("people:import")).status_code == 404


def test_pages_need_a_login(client, team):
    response = client.get(reverse("people:team", args=[team.pk]))
    assert response.status_code == 302 and response.url.startswith("/login/")


def test_organisation_wide_coordinator_adds_a_team(client, organisation, team, coordinator):
    boss = make_user("bea")
    StaffRole.objects.create(user=boss, role=StaffRole.COORDINATOR, organisation=organisation, team=None)
    client.force_login(boss)
    response = client.post(
        reverse("people:team-add"),
        {"organisation": organisation.pk, "name": "Zorg 3", "mentor_title": "coach"},
    )
    new = Team.objects.get(organisation=organisation, name="Zorg 3")
    assert response.url == reverse("people:team", args=[new.pk])
    assert client.get(response.url).status_code == 200
    # A duplicate name is refused with a message.
    again = client.post(
        reverse("people:team-add"), {"organisation": organisation.pk, "name": "zorg 3", "mentor_title": "x"}
    )
    assert "al een team met deze naam" in again.content.decode()

    client.force_login(coordinator)  # a coordinator of one team may not add teams
    assert client.get(reverse("people:team-add")).status_code == 404


def upload(client, team, data, name="export.csv"):
    return client.post(reverse("people:import"), {"team": team.pk, "file": SimpleUploadedFile(name, data)})


def test_import_page_previews_errors_then_imports_after_confirm(coordinator_client, team, mentor):
    bad = [*GOOD_LINES, ["student", "S23", "Finn", "de Wit", "12", "", "", "", "M20"]]
    response = upload(coordinator_client, team, csv_bytes(bad))
    page = response.content.decode()
    assert "Er zijn fouten: er is niets geïmporteerd" in page
    assert "Dit is geen geldig mobiel nummer" in page
    assert 'name="token"' not in page  # no confirm button
    assert not Person.objects.filter(external_id__in=["S20", "S23"]).exists()

    response = upload(coordinator_client, team, csv_bytes(GOOD_LINES))
    page = response.content.decode()
    assert "Controle geslaagd" in page and "4 personen importeren" in page
    assert not Person.objects.filter(external_id="S20").exists()  # the preview stores nothing
    token = page.split('name="token" value="')[1].split('"')[0]

    response = coordinator_client.post(reverse("people:import-confirm"), {"token": token})
    assert response.status_code == 302 and response.url == reverse("people:team", args=[team.pk])
    assert Person.objects.filter(team=team).count() == 5
    assert (
        "3 studenten, 1 begeleiders, 2 koppelingen" in coordinator_client.get(response.url).content.decode()
    )

    # Confirming twice does not import twice.
    response = coordinator_client.post(reverse("people:import-confirm"), {"token": token}, follow=True)
    assert "verlopen of al uitgevoerd" in response.content.decode()
    assert Person.objects.filter(team=team).count() == 5


def test_import_into_a_team_that_is_not_yours_is_refused(coordinator_client, other_team):
    response = upload(coordinator_client, other_team, csv_bytes(GOOD_LINES))
    assert response.status_code == 200
    assert (
        "Selecteer een geldige keuze" in response.content.decode()
        or "valid choice" in response.content.decode()
    )
    assert not Person.objects.filter(team=other_team).exists()


def test_wrong_file_type_gets_a_clear_message(coordinator_client, team):
    page = upload(coordinator_client, team, b"%PDF-1.4", name="lijst.pdf").content.decode()
    assert "Kies een CSV-bestand (.csv) of een Excel-bestand (.xlsx)" in page
