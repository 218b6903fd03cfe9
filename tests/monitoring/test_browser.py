"""A mentor logs in, opens the caseload and the top-risk student, and records an action (real browser)."""

import pytest

from .helpers import declining, screenshot, steady

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def laptop_page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="nl-NL")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors
    yield page
    context.close()


@pytest.fixture
def tablet_page(browser):
    context = browser.new_context(viewport={"width": 800, "height": 1200}, locale="nl-NL")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def caseload_with_alert(diary, make_student, mentor, share_default, now):
    from zicht.monitoring.services import compute_alerts

    for k, name in enumerate(["Sem", "Julia", "Finn", "Tess", "Milan", "Zoë", "Lucas", "Eva"]):
        diary(make_student(mentor, 100 + k, name, "Stabiel"), steady(55 + 4 * k, 16))
    decliner = make_student(mentor, 200, "Daan", "Dalend")
    diary(decliner, declining(80, 20, 16))
    compute_alerts(now=now)
    return decliner


def test_mentor_handles_the_top_alert(live_server, laptop_page, tablet_page, caseload_with_alert, mentor):
    from zicht.monitoring.models import Alert

    page = laptop_page
    page.goto(live_server.url + "/login/")
    page.fill("#id_username", "fatima")
    page.fill("#id_password", "testpass-123!")
    page.click("button[type=submit]")
    page.goto(live_server.url + "/staff/mentor/")

    first = page.locator("table.caseload tbody tr").first
    assert "Daan Dalend" in first.inner_text()
    assert first.locator("svg.spark").count() == 5
    screenshot(page, "monitoring-caseload")

    first.locator("td.name a").click()
    page.wait_for_selector(".chart-grid .chart svg")  # the vendored vega rendered the item charts
    assert page.locator(".chart-grid .chart").count() >= 7
    assert page.locator(".nojs-note").is_hidden()
    screenshot(page, "monitoring-student")

    alert = Alert.objects.filter(student=caseload_with_alert).exclude(kind=Alert.MISSED).get()
    card = page.locator(f"#alert-{alert.pk}")
    card.locator("summary", has_text="Actie ondernomen").click()
    card.locator("textarea[name=note]").fill("Gesprek gehad over de terugval; volgende week samen naar de stage.")
    card.get_by_role("button", name="Vastleggen").click()

    assert "Vastgelegd" in page.locator(".messages").inner_text()
    assert "volgende week samen naar de stage" in page.locator("#notes").inner_text()
    alert.refresh_from_db()
    assert alert.state == Alert.ACTED
    event = alert.events.get()
    assert event.actor == mentor.user and event.case_note is not None
    screenshot(page, "monitoring-student-acted")
    assert page.errors == []

    # The same caseload on a tablet: one card per student, nothing cut off.
    context_cookies = page.context.cookies()
    tablet_page.context.add_cookies(context_cookies)
    tablet_page.goto(live_server.url + "/staff/mentor/")
    assert tablet_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(tablet_page, "monitoring-caseload-tablet")
