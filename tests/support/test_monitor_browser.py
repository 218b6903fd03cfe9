"""The de-registration monitor in a real browser: figures, open tasks, keyboard filter."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from tests.conftest import screenshot

from zicht.support import services
from zicht.support.models import DeregistrationReason

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_monitor_shows_reasons_timing_and_overdue_follow_ups(live_server, browser, coordinator, make_student):
    today = services.today()
    reasons = {r.code: r for r in DeregistrationReason.objects.all()}
    cases = [  # days ago de-registered, days enrolled, reason, followed up after (days) or None
        (3, 40, "no_show", None),
        (30, 60, "no_show", 4),
        (40, 150, "study_choice", None),
        (70, 130, "personal_health", 20),
        (90, 400, "behaviour", 2),
        (120, 260, "work", None),
    ]
    for index, (ago, enrolled_days, code, follow_up) in enumerate(cases):
        left = today - timedelta(days=ago)
        row = services.record_deregistration(
            coordinator,
            make_student(f"Student {chr(65 + index)}"),
            reason=reasons[code],
            enrolled_on=left - timedelta(days=enrolled_days),
            deregistered_on=left,
            initiated_by="school",
        )
        if follow_up is not None:
            services.record_follow_up(row, coordinator, left + timedelta(days=follow_up))

    client = Client()
    client.force_login(coordinator)
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
    page.goto(f"{live_server.url}/staff/support/deregistrations/")
    assert page.get_by_role("heading", name="Uitschrijvingen en negatief BSA").is_visible()
    table = page.locator("#by-reason")
    assert "Niet verschenen" in table.inner_text()
    total_row = table.locator("tr.total td")
    assert total_row.all_inner_texts() == ["Totaal", "2", "2", "2", "6"]
    tasks = page.locator("#tasks tbody tr")
    assert tasks.count() == 3
    assert page.locator("#tasks .badge.overdue").count() == 2  # 40 and 120 days ago, no follow-up
    # Most urgent first; the newest one is not overdue yet, but listed.
    assert "Student F" in tasks.first.inner_text() and "te laat" in tasks.first.inner_text()
    assert "Student A" in tasks.last.inner_text() and "te laat" not in tasks.last.inner_text()
    # Two of six were followed up within 10 school days.
    assert "33%" in page.locator("main").inner_text()
    path = screenshot(page, "support-deregistration-monitor")

    # Filtering works from the keyboard alone.
    page.locator("#id_start").focus()
    page.keyboard.type("01-01-" + str(today.year + 1))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert f"start={today.year + 1}-01-01" in page.url
    assert page.locator("#tasks").count() == 0 and "Geen uitschrijvingen" in page.locator("main").inner_text()
    context.close()
    assert path.endswith(".png")
