"""The audit log: every staff view of a person's data is a row, and rows cannot be changed."""

import csv
import io

import pytest
from django.db import IntegrityError, connection, transaction

from zicht.privacy.audit import ReasonRequired, audit
from zicht.privacy.models import AppendOnlyError, AuditEvent


def test_audit_records_who_what_whose_and_why(coordinator, student):
    event = audit(coordinator, AuditEvent.EXPORT, student, why="jaarrapportage")
    assert (event.actor_name, event.action, event.person_id, event.why) == (
        "coco",
        "export",
        student.pk,
        "jaarrapportage",
    )
    assert event.object_type == "people.person"
    assert event.organisation_id == student.team.organisation_id


def test_bulk_exports_need_a_reason(coordinator, student):
    with pytest.raises(ReasonRequired):
        audit(coordinator, AuditEvent.EXPORT, student, why="  ")
    assert not AuditEvent.objects.exists()


def test_events_cannot_be_changed_or_deleted_through_the_orm(coordinator, student):
    event = audit(coordinator, AuditEvent.VIEW, student)
    event.why = "covering my tracks"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="export")
    assert AuditEvent.objects.get(pk=event.pk).why == ""


def test_the_database_refuses_to_rewrite_history_even_with_raw_sql(coordinator, student):
    event = audit(coordinator, AuditEvent.VIEW, student)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE privacy_auditevent SET action = 'export' WHERE id = %s", [event.pk])
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE privacy_auditevent SET why = 'changed' WHERE id = %s", [event.pk])
    # Erasure may only blank the free-text fields.
    assert AuditEvent.objects.redact_for_person(student.pk) == 1
    assert AuditEvent.objects.get(pk=event.pk).action == "view"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite guards deletes in the ORM only")
def test_postgres_refuses_raw_deletes(coordinator, student):
    event = audit(coordinator, AuditEvent.VIEW, student)
    with pytest.raises(Exception), transaction.atomic(), connection.cursor() as cursor:  # noqa: B017
        cursor.execute("DELETE FROM privacy_auditevent WHERE id = %s", [event.pk])


def test_admin_downloads_the_log_as_csv_and_others_cannot(client, coordinator, student, organisation):
    from django.contrib.auth.models import User

    from zicht.people.models import StaffRole

    audit(coordinator, AuditEvent.VIEW, student)
    admin = User.objects.create_user("adam", password="testpass-123!")
    StaffRole.objects.create(user=admin, role=StaffRole.ADMIN, organisation=organisation)
    client.force_login(coordinator)
    assert client.get("/staff/privacy/audit.csv").status_code == 403
    client.force_login(admin)
    response = client.get("/staff/privacy/audit.csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [(r["actor"], r["action"], r["person_id"]) for r in rows] == [("coco", "view", str(student.pk))]


def test_admin_page_shows_the_log_read_only(client, coordinator, student):
    from django.contrib.auth.models import User

    audit(coordinator, AuditEvent.VIEW, student)
    root = User.objects.create_superuser("root", password="testpass-123!")
    client.force_login(root)
    listing = client.get("/admin/privacy/auditevent/")
    assert listing.status_code == 200 and b"coco" in listing.content
    event = AuditEvent.objects.get()
    assert client.post(f"/admin/privacy/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.count() == 1


def test_staff_page_about_a_person_is_recorded(client, mentor, student):
    """Any staff page whose URL names a person (person_id/student_id) leaves an audit row."""
    from django.contrib.auth.models import User

    from zicht.people.models import StaffRole

    user = User.objects.create_user("tl", password="testpass-123!")
    StaffRole.objects.create(
        user=user, role=StaffRole.COORDINATOR, organisation=student.team.organisation, team=student.team
    )
    client.force_login(user)
    assert client.get(f"/staff/privacy/person/{student.pk}/").status_code == 200
    event = AuditEvent.objects.get(action="view")
    assert (event.actor_name, event.person_id) == ("tl", student.pk)


def test_mentor_page_about_a_student_is_recorded_but_a_refused_one_is_not(
    client, mentor, student, other_mentor
):
    client.force_login(other_mentor.user)
    assert client.get(f"/staff/mentor/students/{student.pk}/").status_code in (403, 404)
    assert not AuditEvent.objects.exists()
    client.force_login(mentor.user)
    assert client.get(f"/staff/mentor/students/{student.pk}/").status_code == 200
    assert AuditEvent.objects.get().person_id == student.pk


def test_list_pages_record_every_person_shown_in_one_insert(
    rf, coordinator, student, mentor, django_assert_num_queries
):
    from zicht.privacy.audit import record_views

    request = rf.get("/staff/people/team/1/")
    request.user = coordinator
    from zicht.people.models import Person

    people = list(Person.objects.select_related("team").filter(pk__in=[student.pk, mentor.pk]))
    with django_assert_num_queries(1):
        record_views(request, people, what="team list")
    assert set(AuditEvent.objects.values_list("person_id", flat=True)) == {student.pk, mentor.pk}
