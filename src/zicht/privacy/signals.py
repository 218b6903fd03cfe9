"""A password login through the web marks the session as needing a second factor."""

from django.contrib import messages
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from zicht.core import permissions
from zicht.privacy.middleware import OTP_PENDING, mentor_needs_nag


@receiver(user_logged_in)
def require_second_factor(sender, request, user, **kwargs):
    # Interactive logins come with a real HTTP request; the test client's force_login does not
    # (its request has no method), which keeps existing tests working (docs/decisions/0002).
    if request is None or getattr(request, "method", None) is None:
        return
    from zicht.privacy.audit import audit
    from zicht.privacy.models import AuditEvent

    audit(user, AuditEvent.LOGIN, None, detail={"path": request.path[:200]})
    if permissions.requires_second_factor(user):
        request.session[OTP_PENDING] = True
    elif mentor_needs_nag(user):
        messages.warning(
            request,
            format_html(
                '{} <a href="{}">{}</a>',
                _("Beveilig je account met een tweede stap (een code uit een app op je telefoon)."),
                reverse("privacy:otp-setup"),
                _("Nu instellen"),
            ),
        )
