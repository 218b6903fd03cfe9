"""Request-level privacy and security: audit of person pages, second factor, idle sessions, rate limits."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from zicht.core import clock, permissions
from zicht.people.models import Person
from zicht.privacy import ratelimit
from zicht.privacy.audit import PERSON_URL_KWARGS, PERSON_URL_NAMES, audit
from zicht.privacy.models import AuditEvent


class PersonViewAuditMiddleware:
    """Records every successful staff GET of a page whose URL names a person (person_id, student_id, ...).

    Pages that show several people call ``privacy.audit.record_view`` themselves.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if (
            match is not None
            and request.method == "GET"
            and response.status_code == 200
            and getattr(request, "user", None) is not None
            and request.user.is_authenticated
            and not request.path.startswith("/api/")
        ):
            names = PERSON_URL_KWARGS + (
                (PERSON_URL_NAMES[match.view_name],) if match.view_name in PERSON_URL_NAMES else ()
            )
            for name in names:
                if name in match.kwargs:
                    person = Person.objects.select_related("team").filter(pk=match.kwargs[name]).first()
                    if person is not None:
                        audit(
                            request.user,
                            AuditEvent.VIEW,
                            person,
                            detail={"path": request.path[:200], "view": match.view_name},
                        )
                    break
        return response


# Paths a half-logged-in coordinator may reach: the second-factor pages, logout, static files.
OTP_EXEMPT_PREFIXES = ("/staff/security/", "/logout/", "/static/", "/healthz", "/api/")
OTP_PENDING = "zicht_otp_required"
LAST_SEEN = "zicht_last_seen"


class SecondFactorMiddleware:
    """Coordinators, researchers and admins must pass a TOTP check after logging in with a password.

    The password login (any interactive login through an HTTP request) marks the session as
    needing a second factor (signals.py); until django-otp verifies a device, every staff page
    redirects to set-up (no device yet) or verification. Mentors get a reminder only.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            settings.ZICHT_REQUIRE_2FA
            and user is not None
            and user.is_authenticated
            and request.session.get(OTP_PENDING)
            and not user.is_verified()
            and not request.path.startswith(OTP_EXEMPT_PREFIXES)
        ):
            from django_otp import devices_for_user

            has_device = any(True for _device in devices_for_user(user, confirmed=True))
            target = "privacy:otp-verify" if has_device else "privacy:otp-setup"
            return redirect(f"{reverse(target)}?next={request.get_full_path()}")
        return self.get_response(request)


class IdleSessionMiddleware:
    """A staff session ends after ZICHT_SESSION_IDLE_SECONDS without a request (shared school PCs)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if settings.ZICHT_SESSION_IDLE_SECONDS and user is not None and user.is_authenticated:
            now = clock.now().timestamp()
            last = request.session.get(LAST_SEEN)
            if last is not None and now - last > settings.ZICHT_SESSION_IDLE_SECONDS:
                logout(request)
                messages.info(request, _("Je was een tijd niet actief en bent uitgelogd."))
                return redirect(f"{settings.LOGIN_URL}?next={request.path}")
            if last is None or now - last > 60:  # write the session at most once a minute
                request.session[LAST_SEEN] = now
        return self.get_response(request)


class RateLimitMiddleware:
    """Cheap per-IP limits where guessing is possible: failed personal links and password logins.

    Only failures count on links (a whole class behind one school IP fills in at the same time).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        ip = client_ip(request)
        is_link = request.path.startswith("/d/")
        is_login = request.method == "POST" and request.path in (settings.LOGIN_URL, "/admin/login/")
        if is_link and ratelimit.is_blocked("link-fail", ip, settings.ZICHT_LINK_FAILURES_PER_10_MIN, 600):
            return too_many(request)
        if is_login and not ratelimit.hit("login", ip, settings.ZICHT_LOGINS_PER_10_MIN, 600):
            return too_many(request)
        response = self.get_response(request)
        if is_link and response.status_code in (404, 410):
            ratelimit.hit("link-fail", ip, settings.ZICHT_LINK_FAILURES_PER_10_MIN, 600)
        return response


def client_ip(request):
    """The client address; behind a proxy set ZICHT_TRUSTED_PROXY_HEADER (e.g. HTTP_X_REAL_IP)."""
    header = settings.ZICHT_TRUSTED_PROXY_HEADER
    if header and request.META.get(header):
        return request.META[header].split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "")


def too_many(request):
    body = render_to_string("privacy/too_many.html")
    response = HttpResponse(body, status=429)
    response["Retry-After"] = "600"
    return response


def mentor_needs_nag(user):
    """Mentors are not forced to use TOTP, but are reminded on every login until they do."""
    from django_otp import devices_for_user

    if permissions.requires_second_factor(user) or permissions.mentor_person(user) is None:
        return False
    return not any(True for _device in devices_for_user(user, confirmed=True))
