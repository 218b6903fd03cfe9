"""E-mail transport: one message through Django's configured backend (SMTP by default)."""

import logging
import re
import smtplib
from email.utils import parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import BadHeaderError, EmailMultiAlternatives
from django.core.validators import validate_email

from .errors import PermanentError, RetryableError

log = logging.getLogger(__name__)

REFERENCE_RE = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")


def message_id_for(reference: str) -> str:
    """A stable Message-ID per reference, so a resent e-mail is recognisably the same message."""
    if not REFERENCE_RE.match(reference or ""):
        raise ValueError(f"reference must be 1-100 characters of A-Z a-z 0-9 . _ : -, got {reference!r}")
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2]
    if not domain or domain == "localhost":
        domain = urlsplit(settings.SITE_URL).hostname or "zicht.invalid"
    return f"<{reference}@{domain}>"


def send_email(to: str, subject: str, body_text: str, *, reference: str, body_html: str | None = None,
               headers: dict | None = None, connection=None) -> str:
    """Send one e-mail and return its Message-ID.

    Pass ``connection`` (django.core.mail.get_connection()) to reuse one SMTP session for a batch.
    Raises PermanentError (address refused: do not retry) or RetryableError (try again later).
    """
    message_id = message_id_for(reference)
    try:
        validate_email(to)
    except ValidationError as exc:
        raise PermanentError(f"not a valid e-mail address: {to!r}", code="invalid_recipient") from exc
    all_headers = {"Message-ID": message_id, "Auto-Submitted": "auto-generated", **(headers or {})}
    message = EmailMultiAlternatives(subject, body_text, to=[to], headers=all_headers, connection=connection)
    if body_html:
        message.attach_alternative(body_html, "text/html")
    try:
        sent = message.send(fail_silently=False)
    except BadHeaderError as exc:
        raise PermanentError(f"invalid header: {exc}", code="bad_header") from exc
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        if codes and all(400 <= code < 500 for code in codes):
            raise RetryableError(f"recipient temporarily refused: {exc.recipients}", code="deferred") from exc
        raise PermanentError(f"recipient refused: {exc.recipients}", code="recipient_refused") from exc
    except smtplib.SMTPAuthenticationError as exc:
        log.error("SMTP server refused our credentials; check ZICHT_EMAIL_USER/PASSWORD")
        raise RetryableError(f"SMTP authentication failed: {exc}", code="unauthorized") from exc
    except smtplib.SMTPSenderRefused as exc:
        log.error("SMTP server refused sender %s; check ZICHT_EMAIL_FROM", exc.sender)
        raise RetryableError(f"sender refused: {exc}", code="sender_refused") from exc
    except smtplib.SMTPDataError as exc:
        if exc.smtp_code >= 500:
            raise PermanentError(f"message refused: {exc}", code="message_refused") from exc
        raise RetryableError(f"message deferred: {exc}", code="deferred") from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise RetryableError(f"SMTP server unavailable ({type(exc).__name__}: {exc})", code="unreachable") from exc
    if sent != 1:
        raise RetryableError("e-mail backend reported nothing sent", code="not_sent")
    log.info("e-mail %s sent as %s", reference, message_id)
    return message_id
