"""Error classes shared by the channels, and the dispatcher's retry schedule."""

from datetime import timedelta


class PermanentError(Exception):
    """The provider refused this message for good (e.g. an invalid number); do not retry.

    ``code`` is a short machine-readable reason ("invalid_recipient", "rejected", ...).
    """

    def __init__(self, message, *, code="rejected", status=None):
        super().__init__(message)
        self.code = code
        self.status = status


class RetryableError(Exception):
    """Sending failed for now (outage, timeout, rate limit, bad credentials); try again later.

    ``code`` tells the dispatcher why, so it can alert on configuration problems
    ("unauthorized") instead of silently retrying them.
    """

    def __init__(self, message, *, code="unavailable", status=None):
        super().__init__(message)
        self.code = code
        self.status = status


# Delay before the dispatcher's n-th later attempt (attempt 1 = first retry after a failure).
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
)


def retry_delay(attempt: int) -> timedelta:
    """1 min, 5 min, 15 min, then every hour: fast enough for a 30-hour window, gentle on an outage."""
    if attempt < 1:
        raise ValueError(f"attempt must be 1 or more, got {attempt}")
    return RETRY_DELAYS[min(attempt, len(RETRY_DELAYS)) - 1]
