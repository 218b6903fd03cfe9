"""Consent per purpose with the text version, withdrawal, and questions about any moment."""

from datetime import timedelta

import pytest
from django.utils import timezone

from zicht.privacy.consent import give_consent, has_consent, withdraw_consent
from zicht.privacy.models import AuditEvent, Consent, ConsentText


def test_consent_is_per_purpose_and_remembers_the_text_version(student):
    consent = give_consent(student, "research")
    assert consent.text.version == 1 and "onderzoek" in consent.text.text_nl
    assert has_consent(student, "research")
    assert not has_consent(student, "share_with_mentor")


def test_withdrawal_ends_consent_from_that_moment_but_not_before(student):
    start = timezone.now() - timedelta(days=10)
    give_consent(student, "research", now=start)
    withdrawn = start + timedelta(days=5)
    assert withdraw_consent(student, "research", now=withdrawn) == 1
    assert has_consent(student, "research", at=start + timedelta(days=1))
    assert not has_consent(student, "research", at=withdrawn)
    assert not has_consent(student, "research")
    assert [e.action for e in AuditEvent.objects.order_by("at")] == ["consent", "withdraw"]


def test_giving_consent_twice_stores_one_and_a_new_text_replaces_the_old(student):
    first = give_consent(student, "participation")
    assert give_consent(student, "participation") == first
    newer = ConsentText.objects.create(purpose="participation", version=2, text_nl="nieuw", text_en="new")
    second = give_consent(student, "participation", text=newer)
    assert Consent.objects.filter(person=student, withdrawn_at=None).get() == second
    assert Consent.objects.count() == 2


def test_unknown_purpose_is_refused(student):
    with pytest.raises(ValueError):
        give_consent(student, "marketing")


def test_coordinator_records_and_withdraws_consent_on_the_privacy_page(
    client, coordinator, student, other_mentor
):
    client.force_login(coordinator)
    page = client.get(f"/staff/privacy/person/{student.pk}/")
    assert page.status_code == 200 and "Toestemming" in page.content.decode()
    client.post(f"/staff/privacy/person/{student.pk}/toestemming/", {"purpose": "research", "action": "give"})
    assert has_consent(student, "research")
    client.post(
        f"/staff/privacy/person/{student.pk}/toestemming/", {"purpose": "research", "action": "withdraw"}
    )
    assert not has_consent(student, "research")
    # A mentor of another school may not touch this student's consent.
    client.force_login(other_mentor.user)
    assert (
        client.post(
            f"/staff/privacy/person/{student.pk}/toestemming/", {"purpose": "research", "action": "give"}
        ).status_code
        == 403
    )
    assert not has_consent(student, "research")
