"""Cohort pages: the owning school sees every number; everyone else, and every external export,
sees small cells suppressed."""

import re

import pytest

from zicht.cohorts import importer, synthetic
from zicht.cohorts.models import CohortDataset, DatasetShare

pytestmark = pytest.mark.django_db


@pytest.fixture
def dataset(organisation):
    records, _ = synthetic.generate()
    return importer.import_records(
        synthetic.to_csv(records), "cohort.csv", owner=organisation, user=None, name="VSO-instroom 2018–2023"
    ).dataset


@pytest.fixture
def partner(other_team):
    """A coordinator at another organisation (e.g. a VSO school) with whom the figures are shared."""
    from django.contrib.auth.models import User

    from zicht.people.models import StaffRole

    user = User.objects.create_user("petra", password="testpass-123!")
    StaffRole.objects.create(user=user, role=StaffRole.COORDINATOR, organisation=other_team.organisation)
    return user


def small_numbers(text):
    """Counts from 1 to 4 shown in table cells."""
    return re.findall(r'<td class="num">([1-4])</td>', text)


def test_owner_sees_all_numbers_and_can_preview_the_suppressed_view(client, dataset, coordinator):
    client.force_login(coordinator)
    page = client.get(f"/staff/cohorts/{dataset.pk}/").content.decode()
    assert "733 studenten" in page and small_numbers(page)
    preview = client.get(f"/staff/cohorts/{dataset.pk}/?view=extern").content.decode()
    assert not small_numbers(preview) and "&lt;5" in preview


def test_outside_the_school_only_suppressed_and_only_when_shared(client, dataset, partner):
    client.force_login(partner)
    assert client.get(f"/staff/cohorts/{dataset.pk}/").status_code == 404
    DatasetShare.objects.create(dataset=dataset, organisation=partner.staff_roles.get().organisation)
    page = client.get(f"/staff/cohorts/{dataset.pk}/?view=intern").content.decode()
    assert not small_numbers(page) and "&lt;5" in page
    assert client.get(f"/staff/cohorts/{dataset.pk}/export.csv?audience=internal").status_code == 404
    export = client.get(f"/staff/cohorts/{dataset.pk}/export.csv?audience=external").content.decode()
    values = [line.rsplit(",", 1)[1] for line in export.splitlines()[1:]]
    assert "<5" in values and not any(v in {"1", "2", "3", "4"} for v in values)


def test_internal_export_for_the_owner_has_exact_counts(client, dataset, coordinator):
    client.force_login(coordinator)
    export = client.get(f"/staff/cohorts/{dataset.pk}/export.csv?audience=internal").content.decode()
    assert "student_outcomes,Alle studenten,Gestopt zonder diploma,295" in export
    external = client.get(f"/staff/cohorts/{dataset.pk}/export.csv").content.decode()
    assert "<5" in external


def test_import_page_dry_run_then_store(client, coordinator):
    client.force_login(coordinator)
    records, _ = synthetic.generate()
    data = synthetic.to_csv(records[:50])
    from django.core.files.uploadedfile import SimpleUploadedFile

    dry = client.post(
        "/staff/cohorts/import/",
        {"name": "Proef", "dry_run": "on", "file": SimpleUploadedFile("a.csv", data)},
    )
    assert dry.status_code == 200 and "50 rijen zijn in orde" in dry.content.decode()
    assert not CohortDataset.objects.exists()
    bad = client.post(
        "/staff/cohorts/import/",
        {"name": "Fout", "file": SimpleUploadedFile("b.csv", data + b"P1;X;Y;9;2024-01-01;;;nee;vso;\n")},
    )
    assert bad.status_code == 400 and "er is niets opgeslagen" in bad.content.decode()
    assert not CohortDataset.objects.exists()
    stored = client.post(
        "/staff/cohorts/import/", {"name": "Echt", "file": SimpleUploadedFile("c.csv", data)}
    )
    assert stored.status_code == 302 and CohortDataset.objects.get().row_count == 50


def test_mentors_cannot_import(client, mentor):
    client.force_login(mentor.user)
    assert client.get("/staff/cohorts/import/").status_code == 404
