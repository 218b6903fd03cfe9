"""Helpers for privacy tests: responses with answers, and a coordinator who passed the second factor."""

from datetime import timedelta

import pytest
from django.utils import timezone


@pytest.fixture
def respond(questionnaires):
    """Factory: a submitted response of ``person`` on questionnaire ``key`` with the given answers."""
    from zicht.questionnaires.models import Questionnaire
    from zicht.responses.models import Response, Window

    def make(person, answers, meta=None, key="student_diary", about=None, at=None):
        at = at or timezone.now()
        questionnaire = Questionnaire.objects.get(key=key)
        window = Window.objects.create(
            respondent=person,
            about=about,
            questionnaire=questionnaire,
            measurement=key,
            occasion=Window.objects.filter(respondent=person).count() + 1,
            opens_at=at - timedelta(hours=2),
            closes_at=at + timedelta(hours=28),
            state=Window.COMPLETED,
            completed_at=at,
        )
        return Response.objects.create(
            window=window,
            version=questionnaire.latest_version(),
            answers=answers,
            meta=meta or {"untouched": [], "touched": [], "hidden": []},
            submitted_at=at,
        )

    return make


def totp_now(device):
    from django_otp.oath import totp

    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


@pytest.fixture
def password_login(client):
    """Log in through the real login form (the path that asks for a second factor)."""

    def login(username, password="testpass-123!"):
        return client.post("/login/", {"username": username, "password": password})

    return login


@pytest.fixture
def verified_client(client):
    """Factory: the test client logged in as ``user`` with a confirmed TOTP device, verified."""
    from django_otp import login as otp_login  # noqa: F401
    from django_otp.plugins.otp_totp.models import TOTPDevice

    def make(user):
        device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
        client.post("/login/", {"username": user.username, "password": "testpass-123!"})
        response = client.post("/staff/security/2fa/", {"token": totp_now(device), "next": "/staff/"})
        assert response.status_code == 302, response.content[:500]
        return client

    return make
