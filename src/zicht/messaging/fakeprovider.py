"""A small but real SMS provider on 127.0.0.1 that speaks the API in docs/sms-provider.md.

Used by tests (``start_fake_provider()``) and by benchmarks and kill -9 tests
(``python -m zicht.messaging.fakeprovider --port 8765``; counts at GET /stats).
It deduplicates on the Idempotency-Key header exactly as the real provider must, counts
duplicates, and can misbehave on request: fail with 500, reject numbers with 400, answer
slowly, or accept a message and then drop the connection (a "lost response").
State lives in memory only.
"""

import argparse
import hashlib
import json
import queue
import random
import re
import signal
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

E164_RE = re.compile(r"^\+[1-9]\d{6,14}$")


class FakeProvider:
    """In-memory provider state plus the HTTP server that exposes it."""

    def __init__(self, host="127.0.0.1", port=0, *, api_key=None, webhook_secret="", send_callbacks=False,
                 keep_requests=True, seed=0):
        self.api_key = api_key
        self.webhook_secret = webhook_secret
        self.send_callbacks = send_callbacks
        self.keep_requests = keep_requests
        self.messages = []  # accepted, unique messages (dicts), in arrival order
        self.requests = []  # every POST /messages: method, path, headers, json, status
        self.fail_rate = 0.0  # share of requests answered with 500
        self.delay = 0.0  # seconds to wait before every answer (after accepting)
        self.reject_numbers = set()  # answered with 400 invalid_recipient
        self.undeliverable_numbers = set()  # accepted, but the status callback says "failed"
        self.lock = threading.Lock()
        self._random = random.Random(seed)
        self._fail_next = []  # HTTP statuses to answer the next requests with
        self._drop_next = 0
        self._slow_next = []  # per-request delays in seconds
        self._seen = {}  # idempotency key -> (message id, fingerprint of to+body)
        self._counts = dict(requests=0, received=0, duplicates=0, failed_injected=0, rejected=0, dropped=0,
                            callbacks_sent=0, callbacks_failed=0)
        self._callbacks = queue.Queue()
        self._server = _Server((host, port), _Handler)
        self._server.provider = self
        self.url = f"http://{host}:{self._server.server_address[1]}"
        self._threads = []

    # --- control, for tests ---------------------------------------------------------------
    def fail_next(self, n, status=500):
        """Answer the next n send requests with `status` without accepting them."""
        with self.lock:
            self._fail_next.extend([status] * n)

    def drop_next(self, n=1):
        """Accept the next n messages, then close the connection without answering."""
        with self.lock:
            self._drop_next += n

    def slow_next(self, n, seconds):
        """Accept the next n messages, then wait `seconds` before answering."""
        with self.lock:
            self._slow_next.extend([seconds] * n)

    @property
    def duplicates(self):
        return self._counts["duplicates"]

    def stats(self):
        with self.lock:
            return dict(self._counts, unique=len(self._seen))

    def reset(self):
        with self.lock:
            self.messages.clear()
            self.requests.clear()
            self._seen.clear()
            self._fail_next.clear()
            self._slow_next.clear()
            self._drop_next = 0
            for key in self._counts:
                self._counts[key] = 0

    def send_inbound(self, url, from_number, text):
        """POST an inbound SMS (a reply such as STOP) to zicht's webhook, signed like the real one."""
        payload = {"id": f"mo-{time.time_ns()}", "from": from_number, "to": "zicht", "text": text,
                   "received_at": _now_iso()}
        return self._post_webhook(url, payload)

    # --- lifecycle --------------------------------------------------------------------------
    def start(self):
        serve = lambda: self._server.serve_forever(poll_interval=0.05)  # noqa: E731 - quick stop()
        for target in (serve, self._callback_loop):
            thread = threading.Thread(target=target, daemon=True, name="fakeprovider")
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self):
        self._callbacks.put(None)
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    # --- request handling -------------------------------------------------------------------
    def handle_send(self, headers, payload):
        """Decide the answer to POST /messages. Returns (status, body dict, delay, drop)."""
        with self.lock:
            self._counts["requests"] += 1
            record = {"method": "POST", "path": "/messages", "headers": headers, "json": payload}
            if self.keep_requests:
                self.requests.append(record)
            status, body, delay, drop = self._decide(headers, payload)
            record["status"] = status
            return status, body, delay, drop

    def handle_batch(self, headers, payload):
        """Decide the answer to POST /messages/batch: request-level faults first, then each message
        as POST /messages would. Returns (status, body dict, delay, drop)."""
        with self.lock:
            self._counts["requests"] += 1
            record = {"method": "POST", "path": "/messages/batch", "headers": headers, "json": payload}
            if self.keep_requests:
                self.requests.append(record)
            refused = self._refuse(headers)
            messages = payload.get("messages") if isinstance(payload, dict) else None
            if refused is None and (not isinstance(messages, list) or not 1 <= len(messages) <= 1000):
                self._counts["rejected"] += 1
                refused = 400, _error("bad_request", "'messages' must be a list of 1-1000 messages"), 0, False
            if refused is not None:
                record["status"] = refused[0]
                return refused
            results, delay, drop = [], self.delay, False
            for message in messages:
                key = message.get("reference") if isinstance(message, dict) else None
                status, body, message_delay, message_drop = self._accept(key, message)
                results.append(body if "error" not in body else dict(body, reference=key))
                delay, drop = max(delay, message_delay), drop or message_drop
            record["status"] = 200
            return 200, {"results": results}, delay, drop

    def _refuse(self, headers):
        """Request-level answers: wrong key, injected failures. None when the request may proceed."""
        if self.api_key is not None and headers.get("authorization") != f"Bearer {self.api_key}":
            return 401, _error("unauthorized", "missing or wrong API key"), 0, False
        if self._fail_next:
            self._counts["failed_injected"] += 1
            return self._fail_next.pop(0), _error("internal", "injected failure"), self.delay, False
        if self.fail_rate and self._random.random() < self.fail_rate:
            self._counts["failed_injected"] += 1
            return 500, _error("internal", "injected failure"), self.delay, False
        return None

    def _decide(self, headers, payload):
        refused = self._refuse(headers)
        if refused is not None:
            return refused
        return self._accept(headers.get("idempotency-key") or (payload or {}).get("reference"), payload)

    def _accept(self, key, payload):
        if not isinstance(payload, dict):
            self._counts["rejected"] += 1
            return 400, _error("bad_request", "body must be a JSON object"), 0, False
        to, text = payload.get("to"), payload.get("body")
        if not isinstance(to, str) or not E164_RE.match(to) or to in self.reject_numbers:
            self._counts["rejected"] += 1
            return 400, _error("invalid_recipient", f"cannot deliver to {to!r}"), 0, False
        if not isinstance(text, str) or not text:
            self._counts["rejected"] += 1
            return 400, _error("bad_request", "'body' must be a non-empty string"), 0, False
        if not key:
            self._counts["rejected"] += 1
            return 400, _error("bad_request", "Idempotency-Key header or 'reference' is required"), 0, False
        fingerprint = hashlib.sha256(f"{to}\n{text}".encode()).hexdigest()
        if key in self._seen:
            message_id, seen_fingerprint = self._seen[key]
            if seen_fingerprint != fingerprint:
                self._counts["rejected"] += 1
                return 409, _error("conflict", "idempotency key reused for a different message"), 0, False
            self._counts["duplicates"] += 1
            body = {"id": message_id, "reference": payload.get("reference"), "status": "accepted",
                    "duplicate": True}
            return 200, body, self.delay, False
        self._counts["received"] += 1
        message_id = f"fp-{self._counts['received']:08d}"
        self._seen[key] = (message_id, fingerprint)
        message = dict(payload, id=message_id, idempotency_key=key, received_at=_now_iso())
        if self.keep_requests:
            self.messages.append(message)
        if self.send_callbacks and payload.get("status_url"):
            self._callbacks.put(message)
        delay = self._slow_next.pop(0) if self._slow_next else self.delay
        drop = self._drop_next > 0
        if drop:
            self._drop_next -= 1
            self._counts["dropped"] += 1
        body = {"id": message_id, "reference": payload.get("reference"), "status": "accepted",
                "parts": _parts(text)}
        return 201, body, delay, drop

    def control(self, data):
        """POST /control: change behaviour of a provider running in another process."""
        with self.lock:
            if "fail_next" in data:
                self._fail_next = [int(data.get("fail_status", 500))] * int(data["fail_next"])
            if "drop_next" in data:
                self._drop_next = int(data["drop_next"])
            if "fail_rate" in data:
                self.fail_rate = float(data["fail_rate"])
            if "delay" in data:
                self.delay = float(data["delay"])
            if "reject_numbers" in data:
                self.reject_numbers = set(data["reject_numbers"])

    def _callback_loop(self):
        while True:
            message = self._callbacks.get()
            if message is None:
                return
            failed = message["to"] in self.undeliverable_numbers
            payload = {"id": message["id"], "reference": message["reference"], "to": message["to"],
                       "status": "failed" if failed else "delivered",
                       "error_code": "unknown_subscriber" if failed else None, "timestamp": _now_iso()}
            self._post_webhook(message["status_url"], payload)

    def _post_webhook(self, url, payload):
        from zicht.messaging.channels.sms import sign_webhook

        body = json.dumps(payload).encode()
        headers = {"Content-Type": "application/json"}
        if self.webhook_secret:
            headers["X-Zicht-Signature"] = sign_webhook(body, self.webhook_secret, int(time.time()))
        try:
            response = httpx.post(url, content=body, headers=headers, timeout=5.0)
            ok = response.status_code < 300
        except httpx.HTTPError:
            ok = False
        with self.lock:
            self._counts["callbacks_sent" if ok else "callbacks_failed"] += 1
        return ok


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # many parallel senders; the default backlog of 5 resets connections


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a real provider behind a load balancer
    disable_nagle_algorithm = True  # headers and body go out as separate writes: no 40 ms stalls

    def log_message(self, format, *args):  # noqa: A002 - quiet; tests and benchmarks read /stats
        pass

    def _read_json(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            return json.loads(raw) if raw else None
        except ValueError:
            return ValueError

    def _answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (timed out); that is the test's point

    def do_GET(self):
        provider = self.server.provider
        if self.path == "/stats":
            self._answer(200, provider.stats())
        elif self.path == "/messages":
            with provider.lock:
                self._answer(200, list(provider.messages))
        else:
            self._answer(404, _error("not_found", self.path))

    def do_POST(self):
        provider = self.server.provider
        payload = self._read_json()
        if self.path in ("/messages", "/messages/batch"):
            headers = {k.lower(): v for k, v in self.headers.items()}
            if payload is ValueError:
                self._answer(400, _error("bad_request", "body is not valid JSON"))
                return
            handle = provider.handle_send if self.path == "/messages" else provider.handle_batch
            status, body, delay, drop = handle(headers, payload)
            if delay:
                time.sleep(delay)
            if drop:
                self.close_connection = True  # accepted, but the answer is lost on the way back
                return
            self._answer(status, body)
        elif self.path == "/control" and isinstance(payload, dict):
            provider.control(payload)
            self._answer(200, provider.stats())
        elif self.path == "/reset":
            provider.reset()
            self._answer(200, provider.stats())
        else:
            self._answer(404, _error("not_found", self.path))


def _error(code, message):
    return {"error": {"code": code, "message": message}}


def _now_iso():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _parts(text):
    from zicht.messaging.texts import sms_segments

    return sms_segments(text)[1]


def start_fake_provider(**kwargs) -> FakeProvider:
    """Start a provider on a free port of 127.0.0.1 in background threads; call .stop() when done."""
    return FakeProvider(**kwargs).start()


def main(argv=None):
    parser = argparse.ArgumentParser(description="Fake SMS provider for zicht benchmarks and tests.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--api-key", default=None, help="require this Bearer token")
    parser.add_argument("--webhook-secret", default="", help="sign status callbacks with this secret")
    parser.add_argument("--callbacks", action="store_true", help="POST a delivery report to each status_url")
    parser.add_argument("--fail-rate", type=float, default=0.0, help="share of requests answered with 500")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before every answer")
    parser.add_argument("--reject", action="append", default=[], help="number answered with 400 (repeatable)")
    parser.add_argument("--keep-messages", action="store_true",
                        help="keep every message in memory for GET /messages (off: counts only)")
    args = parser.parse_args(argv)
    provider = FakeProvider(args.host, args.port, api_key=args.api_key, webhook_secret=args.webhook_secret,
                            send_callbacks=args.callbacks, keep_requests=args.keep_messages)
    provider.fail_rate, provider.delay, provider.reject_numbers = args.fail_rate, args.delay, set(args.reject)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=provider._server.shutdown).start())
    print(f"fake SMS provider listening on {provider.url} (stats: {provider.url}/stats)", flush=True)
    callback_thread = threading.Thread(target=provider._callback_loop, daemon=True)
    callback_thread.start()
    try:
        provider._server.serve_forever()
    except KeyboardInterrupt:
        pass
    provider._server.server_close()
    print(json.dumps(provider.stats()), flush=True)


if __name__ == "__main__":
    main()
