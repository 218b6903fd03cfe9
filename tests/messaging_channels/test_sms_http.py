"""The HTTP SMS client against a real fake provider on 127.0.0.1."""

import httpx
import pytest

from zicht.messaging import channels
from zicht.messaging.channels import PermanentError, RetryableError, send_sms
from zicht.messaging.channels import sms as sms_module

from .conftest import free_port

TO = "+31612345678"


def test_accepted_message_returns_the_provider_id_and_follows_the_documented_format(http_sms, provider, sleeps):
    message_id = send_sms(TO, "Hoi Sanne! Je dagboek staat klaar.", reference="zabc123",
                          status_url="https://zicht.example/hooks/sms/status/", sleep=sleeps)

    assert message_id == provider.messages[0]["id"]
    request = provider.requests[0]
    assert request["headers"]["idempotency-key"] == "zabc123"
    assert request["headers"]["authorization"] == "Bearer test-key"
    assert request["json"] == {
        "from": "zicht", "to": TO, "body": "Hoi Sanne! Je dagboek staat klaar.", "reference": "zabc123",
        "status_url": "https://zicht.example/hooks/sms/status/",
    }
    assert sleeps.calls == []


def test_two_server_errors_then_success_delivers_once(http_sms, provider, sleeps):
    provider.fail_next(2)

    message_id = send_sms(TO, "Je dagboek staat klaar.", reference="zretry1", sleep=sleeps)

    assert [r["status"] for r in provider.requests] == [500, 500, 201]
    assert len(provider.messages) == 1 and provider.messages[0]["id"] == message_id
    # Exponential back-off with jitter: ~0.5-1.0 s, then ~1.0-1.5 s.
    assert len(sleeps.calls) == 2
    assert 0.5 <= sleeps.calls[0] <= 1.0 and 1.0 <= sleeps.calls[1] <= 1.5


def test_invalid_number_is_permanent_and_not_retried(http_sms, provider, sleeps):
    provider.reject_numbers.add(TO)

    with pytest.raises(PermanentError) as caught:
        send_sms(TO, "Je dagboek staat klaar.", reference="zbad1", sleep=sleeps)

    assert caught.value.code == "invalid_recipient" and caught.value.status == 400
    assert len(provider.requests) == 1
    assert provider.messages == [] and sleeps.calls == []


def test_provider_down_for_every_attempt_is_retryable(http_sms, provider, sleeps):
    provider.fail_next(5)

    with pytest.raises(RetryableError) as caught:
        send_sms(TO, "Je dagboek staat klaar.", reference="zdown1", sleep=sleeps)

    assert caught.value.code == "provider_error"
    assert len(provider.requests) == sms_module.MAX_ATTEMPTS == 3
    assert provider.messages == []


def test_timeouts_become_retryable_and_never_deliver_twice(http_sms, provider, sleeps, monkeypatch):
    monkeypatch.setattr(sms_module, "TIMEOUT", httpx.Timeout(0.3, connect=0.3))
    provider.delay = 1.0  # every answer comes too late

    with pytest.raises(RetryableError) as caught:
        send_sms(TO, "Je dagboek staat klaar.", reference="zslow1", sleep=sleeps)

    assert caught.value.code == "timeout"
    assert len(sleeps.calls) == 2
    stats = provider.stats()
    assert stats["received"] == 1  # the phone gets it once, although three requests arrived
    assert stats["requests"] == 3 and stats["duplicates"] == 2


def test_lost_response_is_retried_with_the_same_key_and_delivered_once(http_sms, provider, sleeps):
    provider.drop_next(1)  # accepted, then the connection dies before the answer

    message_id = send_sms(TO, "Je dagboek staat klaar.", reference="zlost1", sleep=sleeps)

    assert len(provider.requests) == 2
    assert len(provider.messages) == 1 and provider.duplicates == 1
    assert message_id == provider.messages[0]["id"]


def test_a_later_dispatcher_attempt_with_the_same_reference_is_deduplicated(http_sms, provider, sleeps):
    first = send_sms(TO, "Je dagboek staat klaar.", reference="zagain1", sleep=sleeps)
    second = send_sms(TO, "Je dagboek staat klaar.", reference="zagain1", sleep=sleeps)

    assert first == second
    assert len(provider.messages) == 1 and provider.duplicates == 1


def test_rate_limit_is_retried_inside_the_call(http_sms, provider, sleeps):
    provider.fail_next(1, status=429)

    send_sms(TO, "Je dagboek staat klaar.", reference="zbusy1", sleep=sleeps)

    assert [r["status"] for r in provider.requests] == [429, 201]


def test_wrong_api_key_is_retryable_so_numbers_are_not_flagged(http_sms, provider, sleeps):
    http_sms.ZICHT_SMS_API_KEY = "wrong"

    with pytest.raises(RetryableError) as caught:
        send_sms(TO, "Je dagboek staat klaar.", reference="zkey1", sleep=sleeps)

    assert caught.value.code == "unauthorized"
    assert len(provider.requests) == 1 and sleeps.calls == []


def test_unreachable_provider_is_retryable(settings, sleeps):
    settings.ZICHT_SMS_BACKEND = "http"
    settings.ZICHT_SMS_API_URL = f"http://127.0.0.1:{free_port()}"  # nothing listens here

    with pytest.raises(RetryableError) as caught:
        send_sms(TO, "Je dagboek staat klaar.", reference="znone1", sleep=sleeps)

    assert caught.value.code == "unreachable" and len(sleeps.calls) == 2


def test_network_seam_can_be_replaced(http_sms, monkeypatch, sleeps):
    seen = []

    def fake_post(url, payload, headers):
        seen.append((url, payload["to"], headers["Idempotency-Key"]))
        return httpx.Response(201, json={"id": "m-1"})

    monkeypatch.setattr(sms_module, "http_post", fake_post)

    assert send_sms(TO, "Hoi", reference="zseam1", sleep=sleeps) == "m-1"
    assert seen == [(http_sms.ZICHT_SMS_API_URL + "/messages", TO, "zseam1")]


def test_outbox_backend_sends_nothing(settings, provider):
    settings.ZICHT_SMS_BACKEND = "outbox"
    settings.ZICHT_SMS_API_URL = provider.url

    assert send_sms(TO, "Hoi", reference="zdev1") == "outbox-zdev1"
    assert provider.requests == []


def test_malformed_number_is_refused_before_any_request(http_sms, provider):
    with pytest.raises(PermanentError) as caught:
        send_sms("0612345678", "Hoi", reference="zfmt1")
    assert caught.value.code == "invalid_recipient"
    assert provider.requests == []


def test_reference_must_be_a_safe_header_value(http_sms):
    with pytest.raises(ValueError, match="reference"):
        send_sms(TO, "Hoi", reference="two words\r\n")


def test_retry_delay_schedule():
    minutes = [channels.retry_delay(n).total_seconds() / 60 for n in range(1, 8)]
    assert minutes == [1, 5, 15, 60, 60, 60, 60]
    with pytest.raises(ValueError):
        channels.retry_delay(0)


def test_misconfigured_api_key_is_retryable_and_sends_nothing(http_sms, provider, sleeps):
    http_sms.ZICHT_SMS_API_KEY = "key\nwith-newline"

    with pytest.raises(RetryableError) as caught:
        send_sms(TO, "Hoi", reference="zconf1", sleep=sleeps)

    assert caught.value.code == "misconfigured"
    assert provider.requests == [] and sleeps.calls == []
