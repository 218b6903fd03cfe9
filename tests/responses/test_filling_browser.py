"""A student fills in the diary on a phone-sized screen, with and without JavaScript."""

import pytest
from tests.conftest import SCREENSHOTS, screenshot

from zicht.responses.models import Response


def screenshot_path(name):
    """One phone screen (not the whole page), for the student guide."""
    return f"{SCREENSHOTS}/{name}.png"


pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_student_fills_the_diary_on_a_phone_touching_some_sliders(live_server, phone_page, student, open_window):
    window, token = open_window(student)
    page = phone_page
    page.goto(f"{live_server.url}/d/{token}/")
    assert page.locator("#zq-v18-item").get_by_text("Heb je deze week gepraat met Fatima?").first.is_visible()
    # Nothing sticks out sideways on a 360-px screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.get_by_label("Ja").first.check()  # v1: attended school → v2–v6 appear
    assert page.locator("#zq-v2-r").is_visible()
    for slider in ("v2", "v4", "v25"):
        page.locator(f"#zq-{slider}-r").click(position={"x": 200, "y": 20})
    page.locator("input[name=v18][value=no]").check()
    screenshot(page, "student-diary")
    page.locator("#zq-v1-item").scroll_into_view_if_needed()
    page.screenshot(path=screenshot_path("student-diary-phone"))
    page.get_by_role("button", name="Versturen").click()
    page.wait_for_url("**/klaar/")
    assert page.get_by_role("heading", name="Bedankt!").is_visible()
    screenshot(page, "student-thanks")

    response = Response.objects.get(window=window)
    assert sorted(response.meta["touched"]) == ["v2", "v25", "v4"]
    assert {"v3", "v5", "v6", "v7", "v8", "v9", "v11"} <= set(response.meta["untouched"])
    assert set(response.answers) & {"v3", "v5", "v6"} == set()
    assert 40 <= response.answers["v25"] <= 80


def test_student_fills_the_diary_without_javascript(live_server, browser, student, open_window):
    window, token = open_window(student)
    context = browser.new_context(viewport={"width": 360, "height": 740}, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/d/{token}/")
        page.locator("input[name=v1][value=yes]").check()
        page.locator("#zq-v2").fill("64")
        page.locator("#zq-v25").fill("81")
        page.locator("input[name=v18][value=no]").check()
        screenshot(page, "student-diary-nojs")
        page.get_by_role("button", name="Versturen").click()
        page.wait_for_url("**/klaar/")
    finally:
        context.close()
    response = Response.objects.get(window=window)
    assert response.answers["v2"] == 64 and response.answers["v25"] == 81
    assert "v4" in response.meta["untouched"] and "v4" not in response.answers
