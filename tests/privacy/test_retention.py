"""Retention: the purge erases what is past its period at the given moment, and nothing else."""

from datetime import UTC, datetime, timedelta

from zicht.people.models import Person
from zicht.privacy.models import PrivacyPolicy, Study
from zicht.privacy.retention import purge_expired
from zicht.responses.models import Response

NOW = datetime(2027, 6, 1, 10, 0, tzinfo=UTC)


def test_inactive_people_are_erased_after_the_organisation_retention_period(student, organisation, respond):
    PrivacyPolicy.objects.create(organisation=organisation, retention_days=365)
    respond(student, {"v1": "no"}, at=NOW - timedelta(days=400))
    Person.objects.filter(pk=student.pk).update(is_active=False, created_at=NOW - timedelta(days=500))
    assert purge_expired(now=NOW - timedelta(days=100))["people_erased"] == 0  # 300 days: still kept
    assert Person.objects.get(pk=student.pk).first_name == "Sanne"
    assert purge_expired(now=NOW)["people_erased"] == 1
    assert Person.objects.get(pk=student.pk).first_name == "[verwijderd]"
    assert purge_expired(now=NOW)["people_erased"] == 0  # idempotent


def test_active_people_are_never_purged(student, organisation):
    PrivacyPolicy.objects.create(organisation=organisation, retention_days=1)
    Person.objects.filter(pk=student.pk).update(created_at=NOW - timedelta(days=900))
    purge_expired(now=NOW)
    assert Person.objects.get(pk=student.pk).first_name == "Sanne"


def test_research_data_is_deleted_after_the_study_retention(student, organisation, respond):
    Study.objects.create(
        organisation=organisation, key="s", name="S", questionnaire_keys=["student_diary"], retention_days=30
    )
    old = respond(student, {"v1": "no"}, at=NOW - timedelta(days=31))
    recent = respond(student, {"v1": "yes"}, at=NOW - timedelta(days=29))
    assert purge_expired(now=NOW)["responses_deleted"] == 1
    assert list(Response.objects.values_list("pk", flat=True)) == [recent.pk]
    assert old.pk != recent.pk
