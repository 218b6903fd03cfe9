import socket

import pytest

from zicht.messaging.fakeprovider import start_fake_provider


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def provider():
    fake = start_fake_provider(api_key="test-key", webhook_secret="hook-secret")
    yield fake
    fake.stop()


@pytest.fixture
def http_sms(settings, provider):
    """SMS settings pointing at the fake provider started for this test."""
    settings.ZICHT_SMS_BACKEND = "http"
    settings.ZICHT_SMS_API_URL = provider.url
    settings.ZICHT_SMS_API_KEY = "test-key"
    settings.ZICHT_SMS_SENDER = "zicht"
    settings.ZICHT_SMS_WEBHOOK_SECRET = "hook-secret"
    return settings


class SleepRecorder:
    """Stands in for time.sleep: remembers the back-off delays instead of waiting."""

    def __init__(self):
        self.calls = []

    def __call__(self, seconds):
        self.calls.append(seconds)


@pytest.fixture
def sleeps():
    return SleepRecorder()
