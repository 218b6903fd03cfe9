"""E-mail through a real SMTP server (aiosmtpd) on 127.0.0.1."""

import email
import logging
from email import policy

import pytest
from aiosmtpd.controller import Controller

from zicht.messaging.channels import PermanentError, RetryableError, send_email

from .conftest import free_port


class Mailbox:
    """aiosmtpd handler: keeps what arrives, refuses some recipients like a real server."""

    def __init__(self):
        self.messages = []
        self.refuse = {}  # address -> SMTP reply

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content, policy=policy.default)))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp(settings):
    # aiosmtpd's server thread logs connection ends after pytest has closed the captured stream.
    server_log = logging.getLogger("mail.log")
    level = server_log.level
    server_log.setLevel(logging.CRITICAL)
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.DEFAULT_FROM_EMAIL = "zicht <noreply@school.example>"
    yield mailbox
    controller.stop()
    server_log.setLevel(level)


def test_email_arrives_with_subject_body_and_stable_message_id(smtp):
    message_id = send_email("sanne@example.org", "Je dagboek staat klaar", "Hoi Sanne!\n\nhttps://x.example/q/1\n",
                            reference="zmail1")

    assert message_id == "<zmail1@school.example>"
    [(recipients, message)] = smtp.messages
    assert recipients == ["sanne@example.org"]
    assert message["Subject"] == "Je dagboek staat klaar"
    assert message["Message-ID"] == "<zmail1@school.example>"
    assert message["Auto-Submitted"] == "auto-generated"
    assert "Hoi Sanne!" in message.get_body(("plain",)).get_content()


def test_html_alternative_is_attached(smtp):
    send_email("mo@example.org", "Zoë's dagboek", "Hoi Mo", reference="zmail2", body_html="<p>Hoi <b>Mo</b></p>")

    [(_, message)] = smtp.messages
    assert message["Subject"] == "Zoë's dagboek"
    assert message.get_body(("plain",)).get_content().strip() == "Hoi Mo"
    assert "<b>Mo</b>" in message.get_body(("html",)).get_content()


def test_refused_recipient_is_permanent(smtp):
    smtp.refuse["gone@example.org"] = "550 5.1.1 No such user"

    with pytest.raises(PermanentError) as caught:
        send_email("gone@example.org", "Onderwerp", "Tekst", reference="zmail3")

    assert caught.value.code == "recipient_refused"
    assert smtp.messages == []


def test_temporarily_refused_recipient_is_retryable(smtp):
    smtp.refuse["busy@example.org"] = "450 4.2.1 Mailbox busy, try later"

    with pytest.raises(RetryableError) as caught:
        send_email("busy@example.org", "Onderwerp", "Tekst", reference="zmail4")
    assert caught.value.code == "deferred"


def test_invalid_address_is_permanent_without_connecting(smtp):
    with pytest.raises(PermanentError) as caught:
        send_email("not-an-address", "Onderwerp", "Tekst", reference="zmail5")
    assert caught.value.code == "invalid_recipient"


def test_unreachable_smtp_server_is_retryable(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()  # nothing listens here

    with pytest.raises(RetryableError) as caught:
        send_email("sanne@example.org", "Onderwerp", "Tekst", reference="zmail6")
    assert caught.value.code == "unreachable"


def test_header_injection_is_refused(smtp):
    with pytest.raises(PermanentError):
        send_email("sanne@example.org", "Hoi\nBcc: evil@example.org", "Tekst", reference="zmail7")
    assert smtp.messages == []
