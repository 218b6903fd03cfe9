"""Fixtures for the mentor dashboard tests: students with weeks of stored diaries."""

from datetime import datetime, time, timedelta

import pytest


@pytest.fixture(autouse=True)
def _no_second_factor(settings):
    """Coordinators must pass TOTP on real logins; these tests are about what they may see."""
    settings.ZICHT_REQUIRE_2FA = False


@pytest.fixture
def now():
    from zicht.core import clock

    # A Saturday, so this week's Thursday diary has closed.
    return datetime.combine(clock.localtime().date() - timedelta(days=(clock.localtime().weekday() - 5) % 7),
                            time(10), tzinfo=clock.local_zone())


@pytest.fixture
def diary(questionnaires, now):
    """Factory: store ``values`` (list of dicts or None = missed) as weekly student diaries ending this week."""
    from zicht.questionnaires.models import Questionnaire
    from zicht.responses.models import Response, Window

    questionnaire = Questionnaire.objects.get(key="student_diary")
    version = questionnaire.latest_version()

    def make(student, weeks, start_occasion=1):
        this_thursday = now.date() - timedelta(days=now.weekday()) + timedelta(days=3)
        windows = []
        for k, answers in enumerate(weeks):
            opens = datetime.combine(this_thursday - timedelta(weeks=len(weeks) - 1 - k), time(12),
                                     tzinfo=now.tzinfo)
            window = Window.objects.create(
                respondent=student, questionnaire=questionnaire, measurement="diary",
                occasion=start_occasion + k, opens_at=opens, closes_at=opens + timedelta(hours=30),
                state=Window.MISSED if answers is None else Window.COMPLETED,
                completed_at=None if answers is None else opens + timedelta(hours=2),
            )
            if answers is not None:
                meta = answers.pop("_meta", {"untouched": [], "hidden": []})
                Response.objects.create(window=window, version=version, answers=answers, meta=meta,
                                        submitted_at=opens + timedelta(hours=2))
            windows.append(window)
        return windows

    return make


@pytest.fixture
def make_student(team):
    from django.utils import timezone

    from zicht.people.models import MentorLink, Student

    def make(mentor, number, first_name, last_name="Test", team_=None):
        person = Student.objects.create(team=team_ or team, external_id=f"S{number}", first_name=first_name,
                                        last_name=last_name)
        MentorLink.objects.create(mentor=mentor, student=person,
                                  starts_on=timezone.localdate() - timedelta(days=200))
        return person

    return make


@pytest.fixture
def share_default(organisation):
    from zicht.monitoring.models import MonitoringSettings

    return MonitoringSettings.objects.create(organisation=organisation, share_answers_default=True)


@pytest.fixture
def mentor_client(client, mentor):
    client.force_login(mentor.user)
    return client

