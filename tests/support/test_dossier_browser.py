"""The receiving school's view of a shared dossier, in a real browser."""

from datetime import date

import pytest
from django.conf import settings
from django.test import Client
from tests.conftest import screenshot

from zicht.support import consent, services
from zicht.support.models import DossierConsent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_contact_person_confirms_the_warm_hand_over(
    live_server, browser, make_dossier, vso_coordinator, receiving_contact
):
    dossier = make_dossier(registered_on=date(2026, 3, 10), mbo_started_on=date(2026, 8, 24))
    services.hand_over(dossier)
    consent.grant(dossier, DossierConsent.SHARE_SCHOOL, DossierConsent.PUPIL, vso_coordinator)
    services.assign_contact(dossier, receiving_contact)
    client = Client()
    client.force_login(receiving_contact)
    context = browser.new_context(viewport={"width": 1024, "height": 900}, locale="nl-NL")
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/staff/support/dossiers/")
    page.get_by_role("link", name="Milan Koster").click()
    assert page.get_by_text("Structuur en voorspelbaarheid").is_visible()
    assert page.get_by_text("Toestemming per doel").count() == 0  # consent is the sending school's business
    page.get_by_role("button", name="Ik bevestig de ontvangst").click()
    assert page.get_by_text("Ontvangst bevestigd").first.is_visible()
    page.get_by_role("button", name="Check-ins week 2, 6 en 12 plannen").click()
    planned = page.locator("table", has_text="100-dagengesprek")
    assert planned.get_by_text("check-in eerste 100 dagen (student) #3").is_visible()
    assert planned.get_by_text("(mentor)").count() == 0  # no mentor assigned yet: no mentor check-ins
    screenshot(page, "support-dossier-receiving")
    page.get_by_role("link", name="Tijdlijn van deze leerling").click()
    assert page.get_by_text("Ontvangst bevestigd (warme overdracht)").is_visible()
    screenshot(page, "support-timeline")
    context.close()
