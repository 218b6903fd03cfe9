"""Security: second factor for coordinators, lock-out, CSP, CSRF, rate limits, password hashing."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client, override_settings
from django.utils import timezone

from privacy.conftest import totp_now


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def test_coordinator_must_set_up_totp_before_seeing_any_staff_page(client, coordinator, password_login):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    assert password_login("coco").status_code == 302
    response = client.get("/staff/")
    assert response.status_code == 302 and response["Location"].startswith("/staff/security/2fa/instellen/")
    setup = client.get(response["Location"])
    assert setup.status_code == 200 and b"data:image/svg+xml;base64" in setup.content
    device = TOTPDevice.objects.get(user=coordinator)
    assert client.post("/staff/security/2fa/instellen/", {"token": "000000"}).status_code == 400
    with time_machine.travel(timezone.now() + timedelta(seconds=5)):  # after the throttle delay
        done = client.post("/staff/security/2fa/instellen/?next=/staff/", {"token": totp_now(device)})
    assert done.status_code == 302
    assert client.get("/staff/").status_code == 200


def test_coordinator_with_a_device_is_asked_for_a_code_at_each_login(client, coordinator, password_login):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=coordinator, name="app", confirmed=True)
    password_login("coco")
    response = client.get("/staff/people/")
    assert response["Location"].startswith("/staff/security/2fa/?next=")
    assert client.post("/staff/security/2fa/", {"token": "123456"}).status_code == 400
    assert client.get("/staff/").status_code == 302
    with time_machine.travel(timezone.now() + timedelta(seconds=5)):
        client.post("/staff/security/2fa/", {"token": totp_now(device)})
        assert client.get("/staff/").status_code == 200


def test_researcher_and_admin_need_the_second_factor_too(client, researcher, password_login):
    password_login("rita")
    assert client.get("/staff/privacy/onderzoek/")["Location"].startswith("/staff/security/2fa/instellen/")


def test_mentor_logs_in_with_password_only_and_is_reminded(client, mentor, password_login):
    password_login("fatima")
    page = client.get("/staff/", follow=True)
    assert page.status_code == 200
    assert "tweede stap" in page.content.decode()


@override_settings(ZICHT_REQUIRE_2FA=False)
def test_second_factor_can_be_switched_off_for_a_local_demo(client, coordinator, password_login):
    password_login("coco")
    assert client.get("/staff/").status_code == 200


def test_repeated_wrong_passwords_lock_the_account(client, mentor, password_login):
    for _attempt in range(4):
        assert password_login("fatima", "wrong-password").status_code == 200
    assert password_login("fatima", "wrong-password").status_code == 429  # the fifth locks
    locked = password_login("fatima")  # even the right password is refused now
    assert locked.status_code == 429
    assert "geblokkeerd" in locked.content.decode()
    assert client.get("/staff/").status_code == 302


def test_too_many_failed_link_attempts_from_one_address_get_429(db, client, settings):
    settings.ZICHT_LINK_FAILURES_PER_10_MIN = 3
    for _attempt in range(3):
        assert client.get("/d/not-a-real-token/").status_code == 404
    blocked = client.get("/d/another-guess/")
    assert blocked.status_code == 429 and blocked["Retry-After"] == "600"
    assert Client(REMOTE_ADDR="10.9.9.9").get("/d/not-a-real-token/").status_code == 404


def test_login_attempts_per_address_are_limited(client, settings, mentor):
    settings.ZICHT_LOGINS_PER_10_MIN = 2
    for name in ("a", "b"):
        client.post("/login/", {"username": name, "password": "x"})
    assert client.post("/login/", {"username": "c", "password": "x"}).status_code == 429


def test_pages_carry_a_content_security_policy_without_inline_scripts(client):
    policy = client.get("/login/")["Content-Security-Policy"]
    assert (
        "script-src 'self'" in policy and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    )
    assert "frame-ancestors 'none'" in policy


def test_post_without_csrf_token_gets_a_friendly_403(mentor):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/login/", {"username": "fatima", "password": "testpass-123!"})
    assert response.status_code == 403
    assert "verlopen" in response.content.decode()


def test_passwords_are_hashed_with_argon2(mentor):
    assert User.objects.get(username="fatima").password.startswith("argon2")


def test_templates_contain_no_inline_scripts():
    """CSP blocks inline scripts; a template with one would silently break in the browser."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "src" / "zicht"
    offenders = []
    for path in list(root.glob("privacy/templates/**/*.html")) + list(root.glob("templates/**/*.html")):
        text = path.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and "application/json" not in tag:
                offenders.append(str(path))
        if re.search(r"\son[a-z]+\s*=", text):
            offenders.append(str(path))
    assert offenders == []


def test_logins_are_in_the_audit_log(client, mentor, password_login):
    from zicht.privacy.models import AuditEvent

    password_login("fatima")
    assert AuditEvent.objects.filter(action="login", actor_name="fatima").count() == 1
