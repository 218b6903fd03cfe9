"""Consent per purpose decides whether the receiving MBO sees a dossier at all."""

from datetime import date, timedelta

import pytest

from zicht.core import clock, permissions
from zicht.support import consent, services
from zicht.support.models import AccessLogEntry, DossierConsent

from .conftest import at

pytestmark = pytest.mark.django_db
SCHOOL, MENTOR = DossierConsent.SHARE_SCHOOL, DossierConsent.SHARE_MENTOR
PUPIL, PARENT = DossierConsent.PUPIL, DossierConsent.PARENT


def page(client, user, url):
    client.force_login(user)
    return client.get(url)


def test_without_consent_the_receiving_school_gets_404_no_list_entry_no_export(
    client, make_dossier, coordinator, vso_coordinator
):
    dossier = make_dossier()
    services.hand_over(dossier)
    url = f"/staff/support/dossiers/{dossier.pk}/"
    assert page(client, coordinator, url).status_code == 404
    assert "Milan" not in page(client, coordinator, "/staff/support/dossiers/").content.decode()
    export = page(client, coordinator, "/staff/support/dossiers/export.csv?why=intake voorbereiden")
    assert export.status_code == 200 and "Milan" not in export.content.decode()
    # The sending school sees its own dossier all along.
    assert page(client, vso_coordinator, url).status_code == 200


def test_consent_alone_is_not_enough_the_sending_school_must_hand_over(
    client, make_dossier, coordinator, vso_coordinator
):
    dossier = make_dossier()
    consent.grant(dossier, SCHOOL, PUPIL, vso_coordinator)
    assert page(client, coordinator, f"/staff/support/dossiers/{dossier.pk}/").status_code == 404
    services.hand_over(dossier)
    response = page(client, coordinator, f"/staff/support/dossiers/{dossier.pk}/")
    assert response.status_code == 200 and "Heeft tijd nodig" in response.content.decode()
    assert "Milan" in page(client, coordinator, "/staff/support/dossiers/").content.decode()
    export = page(client, coordinator, "/staff/support/dossiers/export.csv?why=intake voorbereiden")
    assert "Milan Koster" in export.content.decode() and "Structuur" in export.content.decode()


def test_under_sixteen_needs_a_parent_as_well(client, make_dossier, coordinator, vso_coordinator):
    today = services.today()
    dossier = make_dossier(birth=today.replace(year=today.year - 15) - timedelta(days=10))
    services.hand_over(dossier)
    consent.grant(dossier, SCHOOL, PUPIL, vso_coordinator)
    url = f"/staff/support/dossiers/{dossier.pk}/"
    assert consent.needs_parent(dossier)
    assert page(client, coordinator, url).status_code == 404
    consent.grant(dossier, SCHOOL, PARENT, vso_coordinator)
    assert page(client, coordinator, url).status_code == 200


def test_parent_consent_is_no_longer_needed_from_the_sixteenth_birthday(make_dossier, vso_coordinator):
    dossier = make_dossier(birth=date(2010, 9, 1))
    services.hand_over(dossier, now=at(2026, 8, 1))
    consent.grant(dossier, SCHOOL, PUPIL, vso_coordinator, now=at(2026, 8, 1))
    assert not consent.in_force(dossier, SCHOOL, now=at(2026, 8, 31, 23))
    assert consent.in_force(dossier, SCHOOL, now=at(2026, 9, 1, 0, 1))


def test_withdrawal_stops_sharing_from_that_moment(client, make_dossier, coordinator, vso_coordinator):
    dossier = make_dossier()
    services.hand_over(dossier)
    consent.grant(dossier, SCHOOL, PUPIL, vso_coordinator, now=clock.now() - timedelta(hours=1))
    url = f"/staff/support/dossiers/{dossier.pk}/"
    assert page(client, coordinator, url).status_code == 200
    # The VSO coordinator records the withdrawal through the page.
    client.force_login(vso_coordinator)
    response = client.post(f"{url}withdraw/", {"purpose": SCHOOL, "given_by": PUPIL})
    assert response.status_code == 302
    assert page(client, coordinator, url).status_code == 404
    assert "Milan" not in page(client, coordinator, "/staff/support/dossiers/").content.decode()
    # History is kept: the grant row remains, with its withdrawal time.
    grant = DossierConsent.objects.get(dossier=dossier)
    assert grant.withdrawn_at is not None and grant.withdrawn_by == vso_coordinator
    assert consent.in_force(dossier, SCHOOL, now=grant.withdrawn_at - timedelta(seconds=1))
    assert not consent.in_force(dossier, SCHOOL, now=grant.withdrawn_at)


def test_every_grant_keeps_the_text_version_and_time(make_dossier, vso_coordinator):
    dossier = make_dossier()
    grant = consent.grant(
        dossier, DossierConsent.RESEARCH, PUPIL, vso_coordinator, now=at(2026, 2, 3, 14), language="en"
    )
    assert grant.text_version.endswith("/en") and "researchers" in grant.text
    assert grant.recorded_at == at(2026, 2, 3, 14)
    # Granting again changes nothing; after a withdrawal a new grant is a new row.
    assert consent.grant(dossier, DossierConsent.RESEARCH, PUPIL, vso_coordinator) == grant
    consent.withdraw(dossier, DossierConsent.RESEARCH, PUPIL, vso_coordinator, now=at(2026, 3, 1))
    consent.grant(dossier, DossierConsent.RESEARCH, PUPIL, vso_coordinator, now=at(2026, 3, 2))
    assert DossierConsent.objects.filter(dossier=dossier).count() == 2


def test_receiving_mentor_needs_the_mentor_purpose(
    client, make_dossier, coordinator, mentor, other_mentor, vso_coordinator
):
    dossier = make_dossier()
    services.hand_over(dossier)
    consent.grant(dossier, SCHOOL, PUPIL, vso_coordinator)
    services.assign_contact(dossier, coordinator, receiving_mentor=mentor)
    url = f"/staff/support/dossiers/{dossier.pk}/"
    assert page(client, mentor.user, url).status_code == 404
    consent.grant(dossier, MENTOR, PUPIL, vso_coordinator)
    assert page(client, mentor.user, url).status_code == 200
    assert page(client, other_mentor.user, url).status_code == 404


def test_only_the_sending_side_records_consent(client, make_dossier, coordinator, vso_coordinator):
    dossier = make_dossier()
    services.hand_over(dossier)
    consent.grant(dossier, SCHOOL, PUPIL, vso_coordinator)
    client.force_login(coordinator)
    response = client.post(
        f"/staff/support/dossiers/{dossier.pk}/grant/", {"purpose": MENTOR, "given_by": PUPIL}
    )
    assert response.status_code == 404
    assert not consent.in_force(dossier, MENTOR)


def test_every_view_is_audited_and_refusals_leave_no_trace(
    client, make_dossier, coordinator, vso_coordinator
):
    dossier = make_dossier()
    services.hand_over(dossier)
    page(client, coordinator, f"/staff/support/dossiers/{dossier.pk}/")
    assert not AccessLogEntry.objects.exists()
    consent.grant(dossier, SCHOOL, PUPIL, vso_coordinator)
    page(client, coordinator, f"/staff/support/dossiers/{dossier.pk}/")
    page(client, vso_coordinator, f"/staff/support/dossiers/{dossier.pk}/")
    page(client, coordinator, f"/staff/support/students/{dossier.student.pk}/timeline/")
    page(client, coordinator, "/staff/support/dossiers/export.csv?why=intake voorbereiden")
    entries = list(
        AccessLogEntry.objects.order_by("at", "id").values_list("user__username", "action", "object_type")
    )
    assert entries == [
        ("coco", "view", "transitiondossier"),
        ("vera", "view", "transitiondossier"),
        ("coco", "view", "person"),
        ("coco", "export", "transitiondossier"),
    ]
    # The dossier page shows the sending school who looked.
    body = page(client, vso_coordinator, f"/staff/support/dossiers/{dossier.pk}/").content.decode()
    assert "Wie heeft dit dossier bekeken" in body and "coco" in body


def test_the_central_audit_log_gets_the_views_too(client, make_dossier, coordinator, vso_coordinator):
    AuditEvent = pytest.importorskip("zicht.privacy.models").AuditEvent
    dossier = make_dossier()
    services.hand_over(dossier)
    consent.grant(dossier, SCHOOL, PUPIL, vso_coordinator)
    page(client, coordinator, f"/staff/support/dossiers/{dossier.pk}/")
    event = AuditEvent.objects.filter(object_type="support.transitiondossier").get()
    assert event.actor_id == coordinator.pk and event.person_id == dossier.student.pk


def test_export_without_a_reason_is_refused(client, make_dossier, coordinator):
    assert page(client, coordinator, "/staff/support/dossiers/export.csv").status_code == 400


def test_permission_layer_lists_match_the_pages(make_dossier, coordinator, vso_coordinator, other_mentor):
    dossier = make_dossier()
    services.hand_over(dossier)
    assert list(permissions.visible_dossiers(vso_coordinator)) == [dossier]
    assert not permissions.visible_dossiers(coordinator).exists()
    consent.grant(dossier, SCHOOL, PUPIL, vso_coordinator)
    assert permissions.can_view_dossier(coordinator, dossier)
    assert not permissions.can_view_dossier(other_mentor.user, dossier)
