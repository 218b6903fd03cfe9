"""The fake provider as a separate process, as benchmarks and kill -9 tests run it."""

import json
import signal
import subprocess
import sys

import httpx
import pytest

from zicht.messaging.channels import PermanentError, send_sms

from .conftest import free_port


@pytest.fixture
def provider_process():
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "zicht.messaging.fakeprovider", "--port", str(port), "--reject", "+31600000000"],
        stdout=subprocess.PIPE, text=True,
    )
    line = process.stdout.readline()  # printed once the socket listens
    assert "listening on" in line, line
    yield f"http://127.0.0.1:{port}", process
    if process.poll() is None:
        process.kill()
        process.wait(5)


def test_counts_deduplicates_and_can_be_told_to_fail(settings, provider_process):
    url, process = provider_process
    settings.ZICHT_SMS_BACKEND = "http"
    settings.ZICHT_SMS_API_URL = url

    for n in range(3):
        send_sms("+31612345678", f"bericht {n}", reference=f"zcli{n}")
    send_sms("+31612345678", "bericht 0", reference="zcli0")  # a resend after a crash
    with pytest.raises(PermanentError):
        send_sms("+31600000000", "bericht", reference="zcli9")
    httpx.post(url + "/control", json={"fail_next": 1})
    failed = httpx.post(url + "/messages", json={"to": "+31612345678", "body": "x", "reference": "zcli5"})

    stats = httpx.get(url + "/stats").json()
    assert failed.status_code == 500
    assert stats["received"] == 3 and stats["unique"] == 3
    assert stats["duplicates"] == 1 and stats["rejected"] == 1 and stats["failed_injected"] == 1

    process.send_signal(signal.SIGTERM)
    out, _ = process.communicate(timeout=5)
    assert process.returncode == 0
    assert json.loads(out.strip().splitlines()[-1])["received"] == 3  # final counts on exit
