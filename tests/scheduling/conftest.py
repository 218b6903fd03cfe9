"""Helpers for scheduling tests: a fixed scenario calendar and an injected clock (no sleeps)."""

import types
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

AMS = ZoneInfo("Europe/Amsterdam")
# Week 1 of the scenario: Monday 7 September 2026; Thursday 10 September is the first diary.
START = date(2026, 9, 7)


def at(day, hh=0, mm=0):
    """An aware instant from a local Amsterdam wall-clock date and time."""
    if isinstance(day, str):
        day = date.fromisoformat(day)
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=AMS)


@pytest.fixture
def protocols(db):
    from zicht.protocols.services import sync_protocols

    return {p.key: p for p in sync_protocols()}


@pytest.fixture
def make_student(team, mentor):
    from zicht.people.models import MentorLink, Student

    counter = iter(range(100, 10_000))

    def make(first_name="Student", mentor=mentor, phone=None, email="", **extra):
        n = next(counter)
        person = Student.objects.create(
            team=team,
            external_id=f"S{n}",
            first_name=first_name,
            phone=phone or f"+316{n:08d}",
            email=email,
            **extra,
        )
        if mentor is not None:
            MentorLink.objects.create(mentor=mentor, student=person, starts_on=date(2026, 1, 1))
        return person

    return make


@pytest.fixture
def no_sleep(monkeypatch):
    """The SMS client's in-call back-off, recorded instead of slept."""
    import time

    from zicht.messaging.channels import sms

    slept = []
    monkeypatch.setattr(sms, "time", types.SimpleNamespace(sleep=slept.append, time=time.time))
    return slept


@pytest.fixture
def provider(settings, no_sleep):
    from zicht.messaging.fakeprovider import start_fake_provider

    fake = start_fake_provider(api_key="k", webhook_secret="hook-secret")
    settings.ZICHT_SMS_BACKEND = "http"
    settings.ZICHT_SMS_API_URL = fake.url
    settings.ZICHT_SMS_API_KEY = "k"
    settings.ZICHT_SMS_WEBHOOK_SECRET = "hook-secret"
    yield fake
    fake.stop()


def complete(window, now):
    """What the filling-in app does on submit (responses.services.submit_response)."""
    from zicht.responses.models import Window

    Window.objects.filter(pk=window.pk).update(state=Window.COMPLETED, completed_at=now)


@pytest.fixture
def messaging_urls(settings):
    """Serve the messaging URLs at the root, as the project's URLconf does."""
    from . import urls

    settings.ROOT_URLCONF = urls
    return urls
