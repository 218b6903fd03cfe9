"""The batch endpoint (POST /messages/batch) against the real fake provider on 127.0.0.1."""

import pytest

from zicht.messaging.channels import PermanentError, RetryableError, send_sms_batch
from zicht.messaging.channels import sms as sms_module

from .conftest import free_port


def messages(*numbers, prefix="zb"):
    return [{"to": number, "body": f"Hoi {n}! Je dagboek staat klaar.", "reference": f"{prefix}{n}"}
            for n, number in enumerate(numbers)]


def test_one_request_sends_every_message_and_returns_their_ids_in_order(http_sms, provider, sleeps):
    batch = messages("+31612345670", "+31612345671", "+31612345672")
    batch[0]["status_url"] = "https://zicht.example/hooks/sms/status/"

    results = send_sms_batch(batch, sleep=sleeps)

    assert len(provider.requests) == 1 and provider.requests[0]["path"] == "/messages/batch"
    assert provider.requests[0]["headers"]["authorization"] == "Bearer test-key"
    assert results == [m["id"] for m in provider.messages]
    assert [m["to"] for m in provider.messages] == [m["to"] for m in batch]
    assert provider.messages[0]["status_url"] == "https://zicht.example/hooks/sms/status/"
    assert sleeps.calls == []


def test_a_refused_number_fails_alone_and_the_others_are_sent(http_sms, provider, sleeps):
    provider.reject_numbers.add("+31612345671")

    results = send_sms_batch(messages("+31612345670", "+31612345671", "+31612345672"), sleep=sleeps)

    assert isinstance(results[1], PermanentError) and results[1].code == "invalid_recipient"
    assert isinstance(results[0], str) and isinstance(results[2], str)
    assert len(provider.messages) == 2


def test_not_a_phone_number_is_refused_before_anything_is_sent(http_sms, provider, sleeps):
    results = send_sms_batch(messages("0612", "+31612345671"), sleep=sleeps)

    assert isinstance(results[0], PermanentError) and results[0].code == "invalid_recipient"
    assert provider.requests[0]["json"]["messages"] == [messages("0612", "+31612345671")[1] | {"from": "zicht"}]


def test_a_repeated_batch_after_a_lost_answer_sends_nothing_twice(http_sms, provider, sleeps):
    provider.drop_next(1)  # the provider takes the batch, the answer is lost on the way back
    batch = messages("+31612345670", "+31612345671")

    again = send_sms_batch(batch, sleep=sleeps)  # the client's own retry repeats the request

    assert len(provider.messages) == 2 and provider.stats()["duplicates"] == 2
    assert again == [m["id"] for m in provider.messages]


def test_server_errors_are_retried_and_then_every_message_is_retryable(http_sms, provider, sleeps):
    provider.fail_next(5)

    results = send_sms_batch(messages("+31612345670", "+31612345671"), sleep=sleeps)

    assert len(provider.requests) == sms_module.MAX_ATTEMPTS
    assert all(isinstance(r, RetryableError) and r.code == "provider_error" for r in results)
    assert provider.messages == [] and len(sleeps.calls) == 2


def test_a_provider_without_the_batch_endpoint_is_a_setting_problem_not_a_bad_number(
    http_sms, provider, sleeps
):
    provider.fail_next(1, status=404)

    results = send_sms_batch(messages("+31612345670"), sleep=sleeps)

    assert isinstance(results[0], RetryableError) and results[0].code == "misconfigured"
    assert len(provider.requests) == 1  # no point in asking again within the call


def test_unreachable_provider_is_retryable(http_sms, sleeps):
    http_sms.ZICHT_SMS_API_URL = f"http://127.0.0.1:{free_port()}"

    results = send_sms_batch(messages("+31612345670"), sleep=sleeps)

    assert isinstance(results[0], RetryableError) and results[0].code == "unreachable"


@pytest.mark.parametrize("reference", ["", "met spatie", "x" * 101])
def test_a_malformed_reference_is_a_programming_error(http_sms, sleeps, reference):
    with pytest.raises(ValueError):
        send_sms_batch([{"to": "+31612345670", "body": "Hoi", "reference": reference}], sleep=sleeps)
