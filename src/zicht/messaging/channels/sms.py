"""SMS transport: a development outbox and a JSON-over-HTTPS provider client.

The provider API (request, response, status callbacks, inbound replies, signatures) is
specified in docs/sms-provider.md; zicht.messaging.fakeprovider implements it for tests.
All outbound HTTP goes through ``http_post`` so tests can replace the network in one place.
"""

import hashlib
import hmac
import logging
import os
import random
import re
import threading
import time

import httpx
import phonenumbers
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .errors import PermanentError, RetryableError

log = logging.getLogger(__name__)

TIMEOUT = httpx.Timeout(10.0, connect=5.0)  # read/write/pool 10 s, connect 5 s
MAX_ATTEMPTS = 3  # per send_sms call; later attempts are the dispatcher's job
BACKOFF_BASE = 0.5  # seconds: waits ~0.5-1.0 s, then ~1.0-1.5 s
MAX_RETRY_AFTER = 5.0  # honour a provider's Retry-After inside one call up to this many seconds

E164_RE = re.compile(r"^\+[1-9]\d{6,14}$")
REFERENCE_RE = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")
TEMPORARY_CODES = {"internal", "rate_limited", "unavailable", "timeout"}  # per-message errors worth a retry

_client = None
_client_pid = None
_client_lock = threading.Lock()


def _http_client():
    """One pooled client per process (recreated after a fork, e.g. in Celery workers)."""
    global _client, _client_pid
    with _client_lock:
        if _client is None or _client_pid != os.getpid():
            _client = httpx.Client(
                timeout=TIMEOUT,
                limits=httpx.Limits(max_connections=100, max_keepalive_connections=50),
                headers={"User-Agent": "zicht-sms/1"},
            )
            _client_pid = os.getpid()
        return _client


def http_post(url: str, payload: dict, headers: dict) -> httpx.Response:
    """The network seam: every request to the SMS provider goes through here."""
    return _http_client().post(url, json=payload, headers=headers, timeout=TIMEOUT)


def mask(number: str) -> str:
    """Keep logs free of full phone numbers."""
    return number[:4] + "…" + number[-2:] if len(number) > 6 else "…"


def send_sms(to_e164: str, body: str, *, reference: str, status_url: str | None = None, sleep=None) -> str:
    """Send one SMS and return the provider's message id.

    ``reference`` must be the same on every attempt for the same message: it is the
    provider's idempotency key, so a retry after a lost response is not delivered twice.
    Raises PermanentError (do not retry) or RetryableError (try again later).
    """
    if not REFERENCE_RE.match(reference or ""):
        raise ValueError(f"reference must be 1-100 characters of A-Z a-z 0-9 . _ : -, got {reference!r}")
    if not E164_RE.match(to_e164 or ""):
        raise PermanentError(f"not an E.164 phone number: {to_e164!r}", code="invalid_recipient")
    if not body:
        raise PermanentError("empty SMS body", code="empty_body")
    backend = settings.ZICHT_SMS_BACKEND
    if backend == "outbox":
        # Development: nothing leaves the machine; the dispatcher's Delivery row is the outbox.
        return f"outbox-{reference}"
    if backend == "http":
        return _send_http(to_e164, body, reference=reference, status_url=status_url, sleep=sleep or time.sleep)
    raise ImproperlyConfigured(f"ZICHT_SMS_BACKEND must be 'outbox' or 'http', not {backend!r}")


def _request_basics(path, **extra_headers):
    """URL and headers of a request to the provider."""
    base = settings.ZICHT_SMS_API_URL.rstrip("/")
    if not base:
        raise ImproperlyConfigured("ZICHT_SMS_BACKEND is 'http' but ZICHT_SMS_API_URL is empty")
    headers = {**extra_headers, "Accept": "application/json"}
    if settings.ZICHT_SMS_API_KEY:
        headers["Authorization"] = f"Bearer {settings.ZICHT_SMS_API_KEY}"
    return base + path, headers


def _transport_error(exc):
    """The RetryableError for a request that got no answer. "misconfigured": our own request is
    malformed (URL scheme, API key with a newline); retrying won't help now, but it is not the
    recipient's fault either."""
    if isinstance(exc, (httpx.UnsupportedProtocol, httpx.LocalProtocolError)):
        return RetryableError(f"check ZICHT_SMS_API_URL/ZICHT_SMS_API_KEY: {exc}", code="misconfigured")
    if isinstance(exc, httpx.TimeoutException):
        return RetryableError(f"provider timed out ({type(exc).__name__})", code="timeout")
    return RetryableError(f"provider unreachable ({type(exc).__name__}: {exc})", code="unreachable")


def _send_http(to_e164, body, *, reference, status_url, sleep):
    url, headers = _request_basics("/messages", **{"Idempotency-Key": reference})
    payload = {"from": settings.ZICHT_SMS_SENDER, "to": to_e164, "body": body, "reference": reference}
    if status_url:
        payload["status_url"] = status_url
    last_error = None
    for attempt in range(1, MAX_ATTEMPTS + 1):
        wait = None
        try:
            response = http_post(url, payload, headers)
        except httpx.TransportError as exc:
            last_error = _transport_error(exc)
            if last_error.code == "misconfigured":
                raise last_error from exc
        else:
            status = response.status_code
            if 200 <= status < 300:
                message_id = _json(response).get("id")
                if isinstance(message_id, str) and message_id:
                    log.info("sms %s to %s accepted as %s (attempt %d)", reference, mask(to_e164), message_id, attempt)
                    return message_id
                last_error = RetryableError(f"provider answered {status} without a message id", code="bad_response")
            elif status in (401, 403):
                log.error("SMS provider refused our credentials (HTTP %d); check ZICHT_SMS_API_KEY", status)
                raise RetryableError(f"provider refused credentials (HTTP {status})", code="unauthorized", status=status)
            elif status in (408, 429):
                last_error = RetryableError(f"provider asked us to slow down (HTTP {status})", code="rate_limited", status=status)
                wait = _retry_after(response)
            elif 400 <= status < 500:
                code, text = _error_detail(response)
                log.warning("sms %s to %s rejected: HTTP %d %s %s", reference, mask(to_e164), status, code, text)
                raise PermanentError(f"provider rejected the message (HTTP {status} {code}: {text})", code=code, status=status)
            else:
                last_error = RetryableError(f"provider error (HTTP {status})", code="provider_error", status=status)
        log.warning("sms %s attempt %d/%d failed: %s", reference, attempt, MAX_ATTEMPTS, last_error)
        if attempt < MAX_ATTEMPTS:
            if wait is None:
                wait = BACKOFF_BASE * 2 ** (attempt - 1) + random.uniform(0, BACKOFF_BASE)
            sleep(wait)
    raise last_error


def send_sms_batch(messages, *, sleep=None):
    """Send several SMS in one request to the batch endpoint; one result per message, in order.

    ``messages``: dicts with ``to``, ``body``, ``reference`` and optionally ``status_url``. A
    result is the provider's message id, or the PermanentError / RetryableError for that message.
    A failure of the request as a whole (timeout, 5xx, 429, a provider without the endpoint)
    is retried like ``send_sms`` and then becomes a RetryableError for every message: the
    references make a repeated request harmless. Only a per-message refusal is permanent.
    """
    results = [None] * len(messages)
    payloads, positions = [], []
    for position, message in enumerate(messages):
        reference, to, body = message.get("reference"), message.get("to"), message.get("body")
        if not REFERENCE_RE.match(reference or ""):
            raise ValueError(f"reference must be 1-100 characters of A-Z a-z 0-9 . _ : -, got {reference!r}")
        if not E164_RE.match(to or ""):
            results[position] = PermanentError(f"not an E.164 phone number: {to!r}", code="invalid_recipient")
        elif not body:
            results[position] = PermanentError("empty SMS body", code="empty_body")
        else:
            payload = {"from": settings.ZICHT_SMS_SENDER, "to": to, "body": body, "reference": reference}
            if message.get("status_url"):
                payload["status_url"] = message["status_url"]
            payloads.append(payload)
            positions.append(position)
    if not payloads:
        return results
    backend = settings.ZICHT_SMS_BACKEND
    if backend == "outbox":
        answers = [f"outbox-{p['reference']}" for p in payloads]
    elif backend == "http":
        answers = _send_http_batch(payloads, sleep=sleep or time.sleep)
    else:
        raise ImproperlyConfigured(f"ZICHT_SMS_BACKEND must be 'outbox' or 'http', not {backend!r}")
    for position, answer in zip(positions, answers, strict=True):
        results[position] = answer
    return results


def _send_http_batch(payloads, *, sleep):
    url, headers = _request_basics("/messages/batch")
    last_error = None
    for attempt in range(1, MAX_ATTEMPTS + 1):
        wait = None
        try:
            response = http_post(url, {"messages": payloads}, headers)
        except httpx.TransportError as exc:
            last_error = _transport_error(exc)
            if last_error.code == "misconfigured":
                break
        else:
            status = response.status_code
            if status == 200:
                answers = _batch_answers(response, payloads)
                if answers is not None:
                    log.info("sms batch of %d answered (attempt %d)", len(payloads), attempt)
                    return answers
                last_error = RetryableError("provider answered the batch without one result per message", code="bad_response")
            elif status in (401, 403):
                log.error("SMS provider refused our credentials (HTTP %d); check ZICHT_SMS_API_KEY", status)
                last_error = RetryableError(f"provider refused credentials (HTTP {status})", code="unauthorized", status=status)
                break
            elif status in (404, 405):
                log.error("SMS provider has no batch endpoint (HTTP %d); set ZICHT_SMS_BATCH_SIZE=1", status)
                last_error = RetryableError(f"no batch endpoint at the provider (HTTP {status})", code="misconfigured", status=status)
                break
            elif status in (408, 429):
                last_error = RetryableError(f"provider asked us to slow down (HTTP {status})", code="rate_limited", status=status)
                wait = _retry_after(response)
            elif 400 <= status < 500:
                code, text = _error_detail(response)
                # The request as a whole was refused: our fault, not the recipients'. Nothing is flagged.
                log.error("SMS provider refused a batch: HTTP %d %s %s", status, code, text)
                last_error = RetryableError(f"provider refused the batch (HTTP {status} {code}: {text})", code=code, status=status)
                break
            else:
                last_error = RetryableError(f"provider error (HTTP {status})", code="provider_error", status=status)
        log.warning("sms batch of %d, attempt %d/%d failed: %s", len(payloads), attempt, MAX_ATTEMPTS, last_error)
        if attempt < MAX_ATTEMPTS:
            if wait is None:
                wait = BACKOFF_BASE * 2 ** (attempt - 1) + random.uniform(0, BACKOFF_BASE)
            sleep(wait)
    return [last_error] * len(payloads)


def _batch_answers(response, payloads):
    """Per message: its id, or the PermanentError the provider gave it; None if the answer is malformed."""
    results = _json(response).get("results")
    if not isinstance(results, list) or len(results) != len(payloads):
        return None
    answers = []
    for payload, result in zip(payloads, results, strict=True):
        if not isinstance(result, dict) or result.get("reference") != payload["reference"]:
            return None
        error = result.get("error")
        if isinstance(error, dict):
            code, text = str(error.get("code") or "rejected"), str(error.get("message") or "")
            if code in TEMPORARY_CODES:
                answers.append(RetryableError(f"provider could not take the message now ({code}: {text})", code=code))
                continue
            log.warning("sms %s to %s rejected: %s %s", payload["reference"], mask(payload["to"]), code, text)
            answers.append(PermanentError(f"provider rejected the message ({code}: {text})", code=code))
        elif isinstance(result.get("id"), str) and result["id"]:
            answers.append(result["id"])
        else:
            answers.append(RetryableError("provider gave no message id", code="bad_response"))
    return answers


def _json(response):
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _error_detail(response):
    error = _json(response).get("error")
    if isinstance(error, dict):
        return str(error.get("code") or "rejected"), str(error.get("message") or "")
    return "rejected", response.text[:200]


def _retry_after(response):
    try:
        return min(max(float(response.headers.get("Retry-After", "")), 0.0), MAX_RETRY_AFTER)
    except ValueError:
        return None


# --- webhooks -------------------------------------------------------------------------------

STATUS_MAP = {
    "accepted": "sent",
    "scheduled": "sent",
    "sent": "sent",
    "buffered": "buffered",
    "delivered": "delivered",
    "failed": "failed",
    "delivery_failed": "failed",
    "rejected": "failed",
    "expired": "failed",
    "undeliverable": "failed",
}


def parse_status_callback(data: dict) -> tuple[str, str]:
    """Return (reference, status) from a delivery report; status is sent/buffered/delivered/failed."""
    if not isinstance(data, dict):
        raise ValueError("status callback must be a JSON object")
    reference = data.get("reference")
    if not isinstance(reference, str) or not reference.strip():
        raise ValueError("status callback has no 'reference' (the reference we sent the message with)")
    status = data.get("status")
    if not isinstance(status, str) or not status.strip():
        raise ValueError("status callback has no 'status'")
    normalised = STATUS_MAP.get(status.strip().lower())
    if normalised is None:
        raise ValueError(f"unknown delivery status {status!r}; expected one of {', '.join(sorted(STATUS_MAP))}")
    return reference.strip(), normalised


def parse_inbound(data: dict) -> tuple[str, str]:
    """Return (sender in E.164, text) from an inbound SMS (e.g. a student replying STOP)."""
    if not isinstance(data, dict):
        raise ValueError("inbound message must be a JSON object")
    sender = data.get("from")
    if not isinstance(sender, str) or not sender.strip():
        raise ValueError("inbound message has no 'from' number")
    text = data.get("text")
    if not isinstance(text, str):
        raise ValueError("inbound message has no 'text'")
    return _international(sender), text.strip()


def _international(raw):
    """Providers send +316…, 00316… or 316…; all mean the same international number."""
    digits = re.sub(r"[\s().-]", "", raw.strip())
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    elif not digits.startswith("+"):
        digits = "+" + digits
    try:
        number = phonenumbers.parse(digits, None)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"inbound 'from' is not a phone number: {raw!r}") from exc
    if not phonenumbers.is_possible_number(number):
        raise ValueError(f"inbound 'from' is not a possible phone number: {raw!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


STOP_WORDS = {"stop", "stoppen", "afmelden", "uitschrijven", "opzeggen", "unsubscribe"}


def is_stop_request(text: str) -> bool:
    """True when a reply asks to stop: its first word is STOP or a Dutch/English synonym."""
    words = re.findall(r"\w+", (text or "").casefold())
    return bool(words) and words[0] in STOP_WORDS


def sign_webhook(body: bytes, secret: str, timestamp: int) -> str:
    """Value of the X-Zicht-Signature header: 't=<unix time>,v1=<hex HMAC-SHA256 of "t.body">'."""
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify_webhook(body: bytes, header: str | None, secret: str | None = None, *, now: float | None = None,
                   tolerance: int = 300) -> bool:
    """Check a webhook's X-Zicht-Signature against ZICHT_SMS_WEBHOOK_SECRET; stale (>5 min) fails."""
    secret = settings.ZICHT_SMS_WEBHOOK_SECRET if secret is None else secret
    if not secret or not header:
        return False
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(parts.get("t", ""))
    except ValueError:
        return False
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        return False
    expected = sign_webhook(body, secret, timestamp).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))
