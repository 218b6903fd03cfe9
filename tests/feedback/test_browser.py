"""On a 360×740 phone: submit a diary, see your own trend; ask for contact; the mentor picks it up."""

import re

import pytest
from tests.conftest import screenshot

from zicht.feedback.models import ContactRequest
from zicht.responses.models import Response

from .conftest import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HISTORY = [
    {"v1": "yes", "v4": 50, "v8": 50, "v11": 58, "v25": 66},
    {"v1": "yes", "v4": 100, "v8": 60, "v11": 62, "v25": 0},
    {"v1": "no", "v8": 45, "v11": 59, "v25": 64},
    {"v1": "yes", "v4": 55, "v8": 50, "v11": 60, "v25": 70},
    {"v1": "yes", "v4": 65, "v8": 45, "v11": 64, "v25": 72},
    None,  # a missed week
    {"v1": "yes", "v4": 60, "v8": 55, "v11": 66, "v25": 68},
]


def set_slider(page, item, value):
    page.locator(f"#zq-{item}-r").fill(str(value))


def test_submit_diary_then_see_own_trend_and_ask_for_contact(live_server, phone, student, mentor, diaries):
    windows, token = diaries(student, [*HISTORY, {}], open_last=True)
    page = phone
    page.goto(f"{live_server.url}/d/{token}/")
    page.locator("input[name=v1][value=yes]").check()
    for item, value in {"v4": 82, "v8": 30, "v11": 71, "v25": 74}.items():
        set_slider(page, item, value)
    page.locator("input[name=v18][value=no]").check()
    page.get_by_role("button", name="Versturen").click()
    page.wait_for_url("**/klaar/")

    stored = Response.objects.get(window=windows[-1]).answers
    assert {k: stored[k] for k in ("v4", "v8", "v11", "v25")} == {"v4": 82, "v8": 30, "v11": 71, "v25": 74}
    for key, item in {"school": "v4", "confidence": "v11", "wellbeing": "v25", "time": "v8"}.items():
        figure = page.locator(f"#construct-{key}")
        assert figure.get_attribute("data-latest") == str(stored[item])
        # The chart writes every stored answer of the last weeks, oldest first, this week bold.
        labels = [t.text_content() for t in figure.locator("svg text.val").all()]
        expected = [str(w[item]) for w in HISTORY if w is not None and item in w] + [str(stored[item])]
        assert labels == expected
    text = page.locator("main").inner_text()
    assert "School of stage ging deze week beter dan de weken ervoor." in text
    assert "Deze week had je eerder te weinig tijd." in text
    assert not re.search(r"uitval|risico|dropout", text, re.I)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "feedback-after-diary")
    assert axe_violations(page) == []

    # Ask for contact from the thank-you page.
    page.locator("#contact-message").fill("Ik vind stage lastig.")
    page.locator("input[name=channel][value=call]").check()
    page.get_by_role("button", name="Ik wil graag praten met mijn coach").click()
    page.wait_for_url("**/contact/?sent=1")
    assert "Nog niet gezien" in page.locator("main").inner_text()
    request = ContactRequest.objects.get(student=student)
    assert (request.message, request.preferred_channel, request.mentor) == ("Ik vind stage lastig.", "call", mentor)
    screenshot(page, "feedback-contact-sent")
    assert axe_violations(page) == []

    # The mentor logs in, sees the request on the list and picks it up.
    staff = page.context.browser.new_context(viewport={"width": 1200, "height": 800}, locale="nl-NL")
    desk = staff.new_page()
    try:
        desk.goto(live_server.url + "/login/")
        desk.fill("#id_username", "fatima")
        desk.fill("#id_password", "testpass-123!")
        desk.click("button[type=submit]")
        desk.goto(live_server.url + "/staff/contact/")
        row = desk.locator(f"tr[data-contact-request='{request.pk}']")
        assert "Sanne de Vries" in row.inner_text() and "vandaag" in row.inner_text()
        row.get_by_role("link", name="Sanne de Vries").click()
        assert "Ik vind stage lastig." in desk.locator("main").inner_text()
        desk.get_by_role("button", name="Ik pak dit op").click()
        desk.wait_for_load_state("load")
        assert "opgepakt door Fatima" in desk.locator("main").inner_text()
    finally:
        staff.close()

    page.reload()
    box = page.locator("[data-contact-state]")
    assert box.get_attribute("data-contact-state") == "picked_up"
    assert "Fatima heeft je vraag gezien" in box.inner_text()
    screenshot(page, "feedback-contact-picked-up")


def test_participation_page_pause_and_accessibility_on_a_phone(live_server, phone, student, diaries):
    from datetime import timedelta

    from django.utils import timezone

    from zicht.protocols import services as protocol_services
    from zicht.protocols.models import Subscription

    today = timezone.localdate()
    protocol_services.enrol_student(student, today - timedelta(days=today.weekday()))
    windows, token = diaries(student, HISTORY)
    page = phone
    page.goto(f"{live_server.url}/d/{token}/mijn-gegevens/")
    assert page.get_by_role("heading", name="Jouw deelname").is_visible()
    assert "Je doet mee." in page.locator("#status").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "participation")
    assert axe_violations(page) == []

    back = today + timedelta(days=14)
    page.locator("#pause-until").fill(back.isoformat())
    page.get_by_role("button", name="Pauze nemen").click()
    page.wait_for_url("**done=paused*")
    assert "Je hebt pauze." in page.locator("#status").inner_text()
    assert set(Subscription.objects.filter(person=student).values_list("state", flat=True)) == {"paused"}
    assert axe_violations(page) == []

    for path in ("mijn-gegevens/stoppen/", "mijn-gegevens/nummer/", "contact/"):
        page.goto(f"{live_server.url}/d/{token}/{path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
        assert axe_violations(page) == [], path
    page.goto(f"{live_server.url}/d/{token}/mijn-gegevens/?lang=en")
    assert page.get_by_role("heading", name="Your participation").is_visible()
    assert axe_violations(page) == []
