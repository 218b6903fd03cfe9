"""A coordinator imports a file with a mistake, sees it, fixes it and imports (real browser)."""

import pytest

from zicht.people.models import Person

from .conftest import GOOD_LINES, csv_bytes, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shoot(page, name):
    page.wait_for_load_state("load")
    return screenshot(page, name)


@pytest.fixture
def desk_page(browser):
    """A coordinator's laptop screen."""
    context = browser.new_context(viewport={"width": 1200, "height": 800}, locale="nl-NL")
    page = context.new_page()
    yield page
    context.close()


def test_coordinator_fixes_a_bad_row_and_imports(
    live_server, desk_page, settings, team, mentor, student, coordinator
):
    # The second factor has its own tests (privacy); this one is about importing.
    settings.ZICHT_REQUIRE_2FA = False
    page = desk_page
    page.goto(live_server.url + "/login/")
    page.fill("#id_username", "coco")
    page.fill("#id_password", "testpass-123!")
    page.click("button[type=submit]")
    page.click(f"a[href='/staff/people/team/{team.pk}/']")
    assert page.locator("h1").inner_text() == "Team Entree A"
    assert "Sanne de Vries" in page.locator("table").first.inner_text()
    shoot(page, "people-team")

    page.click("text=Importeren uit bestand")
    bad = [*GOOD_LINES]
    bad[2] = ["student", "S20", "Lotte", "Smit", "06 2222", "", "v", "nl", "M20"]  # a digit group missing
    page.set_input_files(
        "#id_file", files=[{"name": "klas-1a.csv", "mimeType": "text/csv", "buffer": csv_bytes(bad, ";")}]
    )
    page.click("text=Controleren")

    error_row = page.locator("tr.rowerror")
    assert error_row.count() == 1
    assert error_row.locator("td").first.inner_text() == "3"
    assert "Dit is geen geldig mobiel nummer" in error_row.inner_text()
    assert page.locator("text=personen importeren").count() == 0
    shoot(page, "people-import-error")

    page.set_input_files(
        "#id_file",
        files=[{"name": "klas-1a.csv", "mimeType": "text/csv", "buffer": csv_bytes(GOOD_LINES, ";")}],
    )
    page.click("text=Controleren")
    assert page.locator("tr.rowerror").count() == 0
    assert page.locator("tr.rowok").count() == 4
    assert Person.objects.filter(team=team).count() == 2  # still only the preview
    shoot(page, "people-import-preview")

    page.click("text=4 personen importeren")
    page.wait_for_url(f"**/staff/people/team/{team.pk}/")
    assert "Geïmporteerd: 3 studenten, 1 begeleiders, 2 koppelingen" in page.locator(".messages").inner_text()
    students = page.locator("table").first.inner_text()
    assert "Lotte Smit" in students and "Ahmed El Amrani" in students
    assert Person.objects.filter(team=team).count() == 6
    shoot(page, "people-team-after-import")

    page.click("text=Lotte Smit")
    assert page.locator("h1").inner_text().startswith("Lotte Smit")
    assert page.locator("#id_phone").input_value() == "06 22223333"
    assert "Nu: Ahmed El Amrani" in page.locator("main").inner_text()

    # Change mentor from today (the date field is filled in already).
    page.select_option("#id_mentor", label="Fatima Bakker")
    page.click("text=Begeleider wijzigen")
    assert "Nu: Fatima Bakker" in page.locator("main").inner_text()
    assert page.locator("section.card table tbody tr").count() == 2  # history kept
    shoot(page, "people-student")
