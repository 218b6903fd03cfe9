"""Transport side of messaging: send one SMS or e-mail, parse provider webhooks.

The dispatcher (zicht.messaging) owns rows, scheduling and later retries; this package
only talks to the outside world and tells the caller whether a failure is worth retrying:

- ``PermanentError``: retrying will not help (invalid number, address refused). Flag it.
- ``RetryableError``: try again later, after ``retry_delay(attempt)``.

Wire format of the SMS provider: docs/sms-provider.md.
"""

from .email import send_email
from .errors import PermanentError, RetryableError, retry_delay
from .sms import (
    is_stop_request,
    parse_inbound,
    parse_status_callback,
    send_sms,
    send_sms_batch,
    sign_webhook,
    verify_webhook,
)

__all__ = [
    "PermanentError",
    "RetryableError",
    "is_stop_request",
    "parse_inbound",
    "parse_status_callback",
    "retry_delay",
    "send_email",
    "send_sms",
    "send_sms_batch",
    "sign_webhook",
    "verify_webhook",
]
