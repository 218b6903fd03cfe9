"""Delivery reports and inbound replies: parsing, signatures, and the fake provider's callbacks."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from zicht.messaging.channels import (
    is_stop_request,
    parse_inbound,
    parse_status_callback,
    send_sms,
    sign_webhook,
    verify_webhook,
)


@pytest.mark.parametrize(
    "provider_status, expected",
    [("delivered", "delivered"), ("DELIVERED", "delivered"), ("sent", "sent"), ("accepted", "sent"),
     ("buffered", "buffered"), ("failed", "failed"), ("delivery_failed", "failed"), ("expired", "failed"),
     ("rejected", "failed")],
)
def test_status_is_normalised(provider_status, expected):
    data = {"id": "fp-1", "reference": "zabc", "status": provider_status, "to": "+31612345678"}
    assert parse_status_callback(data) == ("zabc", expected)


@pytest.mark.parametrize(
    "data, message",
    [({"status": "delivered"}, "no 'reference'"),
     ({"reference": "zabc"}, "no 'status'"),
     ({"reference": "zabc", "status": "lost-in-space"}, "unknown delivery status 'lost-in-space'"),
     (["not", "a", "dict"], "JSON object")],
)
def test_malformed_status_callback_says_what_is_wrong(data, message):
    with pytest.raises(ValueError, match=message):
        parse_status_callback(data)


@pytest.mark.parametrize("sender", ["+31612345678", "0031612345678", "31612345678", "+31 6 12345678"])
def test_inbound_sender_becomes_e164(sender):
    assert parse_inbound({"from": sender, "text": " STOP \n"}) == ("+31612345678", "STOP")


@pytest.mark.parametrize(
    "data, message",
    [({"text": "STOP"}, "no 'from'"), ({"from": "+31612345678"}, "no 'text'"),
     ({"from": "hello", "text": "STOP"}, "not a phone number"), ({"from": "+3161", "text": "x"}, "not a possible")],
)
def test_malformed_inbound_says_what_is_wrong(data, message):
    with pytest.raises(ValueError, match=message):
        parse_inbound(data)


@pytest.mark.parametrize("text", ["STOP", "stop", "Stop.", "STOP zicht", "Afmelden aub", "uitschrijven"])
def test_stop_words_are_recognised(text):
    assert is_stop_request(text)


@pytest.mark.parametrize("text", ["", "Ik wil niet stoppen", "hoi", "top!"])
def test_other_replies_are_not_stop(text):
    assert not is_stop_request(text)


def test_signature_verification():
    body = b'{"reference": "zabc", "status": "delivered"}'
    header = sign_webhook(body, "s3cret", 1_700_000_000)

    assert verify_webhook(body, header, "s3cret", now=1_700_000_010)
    assert not verify_webhook(body + b" ", header, "s3cret", now=1_700_000_010)  # tampered body
    assert not verify_webhook(body, header, "other", now=1_700_000_010)  # wrong secret
    assert not verify_webhook(body, header, "s3cret", now=1_700_000_000 + 301)  # replayed too late
    assert not verify_webhook(body, None, "s3cret", now=1_700_000_010)
    assert not verify_webhook(body, header, "", now=1_700_000_010)  # no secret configured: refuse


class _Collector:
    """A tiny webhook receiver standing in for zicht's webhook views."""

    def __init__(self):
        self.received = []
        self.arrived = threading.Event()
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                collector.received.append((body, self.headers.get("X-Zicht-Signature")))
                self.send_response(204)
                self.end_headers()
                collector.arrived.set()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/sms/"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def collector():
    receiver = _Collector()
    yield receiver
    receiver.stop()


@pytest.mark.parametrize("undeliverable, expected", [(False, "delivered"), (True, "failed")])
def test_fake_provider_reports_delivery_to_the_status_url(http_sms, provider, collector, undeliverable, expected):
    provider.send_callbacks = True
    if undeliverable:
        provider.undeliverable_numbers.add("+31612345678")

    send_sms("+31612345678", "Hoi", reference="zcb1", status_url=collector.url)

    assert collector.arrived.wait(5), "no delivery report arrived"
    body, signature = collector.received[0]
    assert verify_webhook(body, signature)  # ZICHT_SMS_WEBHOOK_SECRET from the http_sms fixture
    assert parse_status_callback(json.loads(body)) == ("zcb1", expected)


def test_fake_provider_delivers_a_signed_stop_reply(http_sms, provider, collector):
    assert provider.send_inbound(collector.url, "0031612345678", "Stop")

    body, signature = collector.received[0]
    assert verify_webhook(body, signature, now=time.time())
    sender, text = parse_inbound(json.loads(body))
    assert sender == "+31612345678" and is_stop_request(text)
