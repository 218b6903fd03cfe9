"""Load generator for submit_load and faults_postgres_restart: simulated students on raw asyncio sockets.

    python bench/_loadgen.py plan.json result.json

The plan says where the server is, which diary pages to submit (each exactly once, in order), the
form fields, how many clients and for how long. Each client is one phone: it opens its first diary
page once (GET: CSRF cookie and token), then submits diaries one after the other, as fast as the
server answers. Runs in its own process, so its CPU use is not the server's.

With ``retry_seconds`` a failed submit (5xx or a broken connection) is tried again after a short wait,
as a student would; every error page is kept by kind (friendly retry page or not).
"""

import asyncio
import json
import re
import sys
import time
from urllib.parse import urlencode

CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
CSRF_COOKIE = re.compile(rb"csrftoken=([^;]+)", re.I)
FRIENDLY = b"probeer het zo opnieuw"


class Connection:
    def __init__(self, host, port):
        self.host, self.port = host, port
        self.reader = self.writer = None

    async def request(self, method, path, body=b"", headers=()):
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", "User-Agent: zicht-bench"]
        lines += list(headers)
        if method == "POST":
            lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        try:
            head = await self.reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            self.close()
            raise ConnectionError("connection closed before an answer") from None
        status = int(head.split(b" ", 2)[1])
        fields = {}
        for line in head.split(b"\r\n")[1:]:
            if b":" in line:
                name, value = line.split(b":", 1)
                fields.setdefault(name.strip().lower(), []).append(value.strip())
        if b"content-length" in fields:
            content = await self.reader.readexactly(int(fields[b"content-length"][0]))
        elif fields.get(b"transfer-encoding", [b""])[0].lower() == b"chunked":
            content = b""
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).strip(), 16)
                content += await self.reader.readexactly(size + 2)
                if size == 0:
                    break
        else:
            content = await self.reader.read()
            self.close()
        if fields.get(b"connection", [b""])[0].lower() == b"close":
            self.close()
        return status, fields, content

    def close(self):
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def client(number, plan, queue, result, stop_at):
    connection = Connection(plan["host"], plan["port"])
    cookie = token = None
    retry = plan.get("retry_seconds", 0)
    while time.monotonic() < stop_at:
        try:
            path = queue.pop()
        except IndexError:
            return
        deadline = time.monotonic() + retry
        while True:
            try:
                if token is None:
                    started = time.perf_counter()
                    status, fields, content = await connection.request("GET", path)
                    result["get_ms"].append((time.perf_counter() - started) * 1000)
                    found_cookie = CSRF_COOKIE.search(b"; ".join(fields.get(b"set-cookie", [])))
                    found_token = CSRF_INPUT.search(content)
                    if status != 200 or not found_cookie or not found_token:
                        raise RuntimeError(f"form page answered {status}")
                    cookie, token = found_cookie.group(1).decode(), found_token.group(1).decode()
                body = (plan["payload"] + "&" + urlencode({"csrfmiddlewaretoken": token})).encode()
                started = time.perf_counter()
                status, fields, content = await connection.request(
                    "POST", path, body, [f"Cookie: csrftoken={cookie}", f"Referer: {plan['origin']}{path}"]
                )
                elapsed = (time.perf_counter() - started) * 1000
                if status == plan.get("success_status", 302):
                    result["post_ms"].append(elapsed)
                    result["stored"].append(path)
                    result["done_at"].append(time.monotonic())
                    break
                kind = "friendly" if FRIENDLY in content else "other"
                if status >= 500:
                    result["errors"][f"{status} {kind}"] = result["errors"].get(f"{status} {kind}", 0) + 1
                    if b"Traceback" in content:
                        result["errors"]["stack trace shown"] = result["errors"].get("stack trace shown", 0) + 1
                else:
                    result["errors"][str(status)] = result["errors"].get(str(status), 0) + 1
                    if status in (403, 400):
                        token = None  # start again with a fresh form page
                if not retry or time.monotonic() > deadline:
                    result["failed"].append(path)
                    break
                await asyncio.sleep(0.25)
            except (ConnectionError, OSError, RuntimeError, asyncio.IncompleteReadError) as error:
                connection.close()
                token = None
                name = type(error).__name__ if not isinstance(error, RuntimeError) else str(error)
                result["errors"][name] = result["errors"].get(name, 0) + 1
                if not retry or time.monotonic() > deadline:
                    result["failed"].append(path)
                    break
                await asyncio.sleep(0.25)


async def run(plan):
    queue = list(reversed(plan["paths"]))
    result = {"post_ms": [], "get_ms": [], "stored": [], "failed": [], "errors": {}, "done_at": []}
    started = time.monotonic()
    stop_at = started + plan["seconds"]
    await asyncio.gather(*(client(n, plan, queue, result, stop_at) for n in range(plan["clients"])))
    result["seconds"] = time.monotonic() - started
    result["started"] = started
    result["unused"] = len(queue)
    return result


def main():
    plan = json.loads(open(sys.argv[1]).read())
    result = asyncio.run(run(plan))
    with open(sys.argv[2], "w") as out:
        json.dump(result, out)


if __name__ == "__main__":
    main()
