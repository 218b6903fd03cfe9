"""Fixtures for the feedback tests: a student with weeks of stored diaries and a working link."""

from datetime import datetime, time, timedelta

import pytest


@pytest.fixture(autouse=True)
def _no_second_factor(settings):
    """Coordinators must pass TOTP on real logins; these tests are about what they may see."""
    settings.ZICHT_REQUIRE_2FA = False


@pytest.fixture
def diaries(questionnaires):
    """Factory: store weekly diaries for ``student``; ``weeks`` is a list of answer dicts (None = missed).

    The last week's window opened an hour ago and is completed just now, as after a submit
    (``open_last=True``: it is still open, to be filled in by the test).
    Returns (windows, token) with a token that opens the student's pages.
    """
    from django.utils import timezone

    from zicht.questionnaires.models import Questionnaire
    from zicht.responses.models import AccessLink, Response, Window

    questionnaire = Questionnaire.objects.get(key="student_diary")
    version = questionnaire.latest_version()

    def make(student, weeks, key="student_diary", open_last=False):
        q = questionnaire if key == "student_diary" else Questionnaire.objects.get(key=key)
        v = version if key == "student_diary" else q.latest_version()
        now = timezone.now()
        last_opens = now - timedelta(hours=1)
        windows = []
        for k, answers in enumerate(weeks):
            opens = last_opens - timedelta(weeks=len(weeks) - 1 - k)
            window = Window.objects.create(
                respondent=student, questionnaire=q, measurement="diary", occasion=k + 1,
                opens_at=opens, closes_at=opens + timedelta(hours=30),
                state=Window.MISSED if answers is None else Window.COMPLETED,
                completed_at=None if answers is None else opens + timedelta(minutes=30),
            )
            if open_last and k == len(weeks) - 1:
                window.state, window.completed_at = Window.PLANNED, None
                window.save(update_fields=["state", "completed_at"])
            elif answers is not None:
                Response.objects.create(window=window, version=v, answers=dict(answers),
                                        submitted_at=min(now, opens + timedelta(minutes=30)))
            windows.append(window)
        _, token = AccessLink.issue(student, expires_at=now + timedelta(hours=29))
        return windows, token

    return make


@pytest.fixture
def link_for():
    """Factory: a fresh personal link (token) for a person, valid for a day unless told otherwise."""
    from django.utils import timezone

    from zicht.responses.models import AccessLink

    def make(person, hours=24):
        _, token = AccessLink.issue(person, expires_at=timezone.now() + timedelta(hours=hours))
        return token

    return make


@pytest.fixture
def other_student(team):
    """A second student of the same team, with another mentor-less record."""
    from zicht.people.models import Student

    return Student.objects.create(team=team, external_id="S2", first_name="Daan", last_name="Peters",
                                  phone="+31611112222")


def local(day, hh=12, mm=0):
    from zicht.core import clock

    return datetime.combine(day, time(hh, mm), tzinfo=clock.local_zone())


AXE = __import__("pathlib").Path(__file__).parent / "vendor" / "axe-4.14.1.min.js"


@pytest.fixture
def phone(browser):
    """A 360×740 phone page that may run the vendored axe-core (CSP bypassed for the test tool only)."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="nl-NL", bypass_csp=True)
    page = context.new_page()
    yield page
    context.close()


def axe_violations(page):
    """Run axe-core (WCAG 2.0/2.1 A and AA rules) on the page; returns a list of (rule, targets)."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
    )
    return [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:5]) for v in result["violations"]]
