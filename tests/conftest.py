"""Shared test personas and helpers.

Personas (style.md): a student and their mentor, a mentor of another team who must see
nothing, a coordinator of the team, a researcher. Browser tests get a headless Debian chromium.
"""

import os
from datetime import timedelta

import pytest
from django.utils import timezone

# Playwright's sync API keeps an event loop in the test thread; Django's ORM is safe here
# because tests run one at a time.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = os.path.join(os.path.dirname(__file__), "..", "var", "screenshots")


@pytest.fixture
def organisation(db):
    from zicht.people.models import Organisation

    return Organisation.objects.create(name="ROC Testplaats", programme_name="Plusgroep")


@pytest.fixture
def team(organisation):
    from zicht.people.models import Team

    return Team.objects.create(organisation=organisation, name="Entree A", mentor_title="coach")


@pytest.fixture
def other_team(db):
    from zicht.people.models import Organisation, Team

    other = Organisation.objects.create(name="Andere School", programme_name="Buddy")
    return Team.objects.create(organisation=other, name="Niveau 2 B")


def make_user(username, password="testpass-123!", **extra):
    from django.contrib.auth.models import User

    return User.objects.create_user(username=username, password=password, **extra)


@pytest.fixture
def mentor(team):
    from zicht.people.models import Mentor

    return Mentor.objects.create(
        team=team, external_id="M1", first_name="Fatima", last_name="Bakker", gender="f",
        phone="+31612345678", email="fatima@example.org", user=make_user("fatima"),
    )


@pytest.fixture
def student(team, mentor):
    from zicht.people.models import MentorLink, Student

    person = Student.objects.create(
        team=team, external_id="S1", first_name="Sanne", last_name="de Vries", gender="f",
        phone="+31687654321",
    )
    MentorLink.objects.create(mentor=mentor, student=person, starts_on=timezone.localdate() - timedelta(days=60))
    return person


@pytest.fixture
def other_mentor(other_team):
    from zicht.people.models import Mentor

    return Mentor.objects.create(
        team=other_team, external_id="M9", first_name="Karel", last_name="Jansen", user=make_user("karel"),
    )


@pytest.fixture
def coordinator(team):
    from zicht.people.models import StaffRole

    user = make_user("coco", first_name="Coco")
    StaffRole.objects.create(user=user, role=StaffRole.COORDINATOR, organisation=team.organisation, team=team)
    return user


@pytest.fixture
def researcher(organisation):
    from zicht.people.models import StaffRole

    user = make_user("rita", first_name="Rita")
    StaffRole.objects.create(user=user, role=StaffRole.RESEARCHER, organisation=organisation)
    return user


@pytest.fixture
def questionnaires(db):
    """Publish the shipped questionnaire definitions into the test database."""
    from zicht.questionnaires.loader import sync_definitions

    sync_definitions()


@pytest.fixture
def open_window(questionnaires):
    """Factory: an open window for ``person`` on questionnaire ``key`` and a working personal link."""
    from zicht.questionnaires.models import Questionnaire
    from zicht.responses.models import AccessLink, Window

    def make(person, key="student_diary", about=None, hours_left=30):
        now = timezone.now()
        window = Window.objects.create(
            respondent=person, about=about, questionnaire=Questionnaire.objects.get(key=key),
            measurement=key, occasion=Window.objects.filter(respondent=person).count() + 1,
            opens_at=now - timedelta(hours=1), closes_at=now + timedelta(hours=hours_left),
        )
        _, token = AccessLink.issue(person, expires_at=window.closes_at)
        return window, token

    return make


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def phone_page(browser):
    """A page the size of a cheap phone (360×740)."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="nl-NL")
    page = context.new_page()
    yield page
    context.close()


def screenshot(page, name):
    os.makedirs(SCREENSHOTS, exist_ok=True)
    path = os.path.join(SCREENSHOTS, name + ".png")
    page.screenshot(path=path, full_page=True)
    return path
