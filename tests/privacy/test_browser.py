"""In a real browser: a coordinator sets up the authenticator app, and the API docs render,
both under the strict Content-Security-Policy (no console errors about blocked content)."""

import pytest

from privacy.conftest import totp_now


@pytest.fixture
def desk(browser):
    context = browser.new_context(viewport={"width": 1100, "height": 900}, locale="nl-NL")
    page = context.new_page()
    errors = []
    page.on(
        "console",
        lambda m: errors.append(m.text) if m.type == "error" and "status of 404" not in m.text else None,
    )
    # A missing favicon is the browser's own guess, not ours; any other failed request counts.
    page.on(
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")
            else None
        ),
    )
    yield page, errors
    context.close()


@pytest.mark.browser
def test_coordinator_sets_up_totp_by_scanning_the_qr_code(live_server, desk, coordinator):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    page, errors = desk
    page.goto(live_server.url + "/login/")
    page.fill("#id_username", "coco")
    page.fill("#id_password", "testpass-123!")
    page.click("button[type=submit]")
    assert "/staff/security/2fa/instellen/" in page.url
    qr = page.locator("img[alt^='QR-code']")
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
    device = TOTPDevice.objects.get(user=coordinator)
    page.fill("#id_token", totp_now(device))
    page.click("button[type=submit]")
    assert page.url.endswith("/staff/")
    assert "Welkom" in page.locator("h1").inner_text()
    assert errors == []


@pytest.mark.browser
def test_api_documentation_renders(live_server, desk, db):
    page, errors = desk
    page.goto(live_server.url + "/api/v1/docs")
    page.wait_for_selector("text=List Responses", timeout=15000)
    assert page.title() == "zicht API"
    assert errors == []
