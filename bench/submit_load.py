"""Benchmark: students submitting the 25-item diary against gunicorn on PostgreSQL (not a test).

    .venv/bin/python bench/submit_load.py [--small] [--seconds 60] [--clients 200 --low-clients 20]

Sets up a private, durable PostgreSQL cluster (var/bench/submit_load/, fsync and synchronous commit
on), enough students with an open diary window and a personal link, and the production web server
(gunicorn with deploy/gunicorn.conf.py, DEBUG off, persistent database connections). A load generator
in a separate process (bench/_loadgen.py) runs N simulated students who each submit diaries one
after another: the real form fields of the diary (25 answers), CSRF token and cookie, the real URL.

Reported per concurrency: throughput (stored diaries per second), server time per submit from
gunicorn's access log (%(D)s: from reading the request to the end of the answer) and the latency the
clients saw, p50/p95/p99, and errors. Afterwards the database is counted: every submit that got its
redirect has exactly one response and a completed window, nothing else was stored.

Baseline, same run, same server and middleware: a minimal Django view that stores one row
(bench/_minimal_urls.py, only in this benchmark). The ratios are zicht / baseline.
"""

import argparse
import json
import os
import secrets
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _services import (  # noqa: E402
    BENCH_DIR,
    PYTHON,
    ROOT,
    Postgres,
    Process,
    free_port,
    gunicorn_command,
    machine,
    migrate,
    percentile,
    port_open,
    setup_django,
    wait_for,
    zicht_env,
)

OUT = ROOT / "var" / "bench" / "submit_load"


def make_students(count):
    """``count`` students, each with a subscription, one open diary window and a personal link."""
    from django.utils import timezone

    from zicht.people.models import Organisation, Person, Team
    from zicht.protocols.models import Protocol, Subscription
    from zicht.protocols.services import sync_protocols
    from zicht.questionnaires.loader import sync_definitions
    from zicht.questionnaires.models import Questionnaire
    from zicht.responses.models import AccessLink, Window

    sync_definitions()
    sync_protocols()
    now = timezone.now()
    team = Team.objects.create(organisation=Organisation.objects.create(name="ROC Belasting"), name="Niveau 2")
    protocol = Protocol.objects.get(key="student")
    diary = Questionnaire.objects.get(key="student_diary")
    paths = []
    chunk = 5000
    for start in range(0, count, chunk):
        n = min(chunk, count - start)
        people = Person.objects.bulk_create(
            Person(role=Person.STUDENT, team=team, external_id=f"L{start + i}", first_name=f"Student{start + i}",
                   phone=f"+3161{start + i:07d}")
            for i in range(n)
        )
        subscriptions = Subscription.objects.bulk_create(
            Subscription(protocol=protocol, person=p, starts_on=now.date() - timedelta(weeks=9),
                         ends_on=now.date() + timedelta(weeks=26), created_at=now)
            for p in people
        )
        windows = Window.objects.bulk_create(
            Window(subscription=s, respondent=p, questionnaire=diary, measurement="diary", occasion=10,
                   opens_at=now - timedelta(hours=1), closes_at=now + timedelta(hours=29))
            for s, p in zip(subscriptions, people, strict=True)
        )
        tokens = [secrets.token_urlsafe(32) for _ in people]
        AccessLink.objects.bulk_create(
            AccessLink(person=p, token_hash=AccessLink.hash_token(t), expires_at=w.closes_at, created_at=now)
            for p, t, w in zip(people, tokens, windows, strict=True)
        )
        paths += [f"/d/{t}/w/{w.pk}/" for t, w in zip(tokens, windows, strict=True)]
    return paths


def diary_payload(path):
    """The form fields of a fully answered diary, read from the real form page (test client, no server)."""
    import random
    import re
    from urllib.parse import urlencode

    from django.test import Client

    page = Client(HTTP_HOST="127.0.0.1").get(path)
    assert page.status_code == 200, page.status_code
    html = page.content.decode()
    rng = random.Random(1)
    fields = []
    seen = set()
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        kind = re.search(r'type="([^"]+)"', tag)
        if not name or not kind:
            continue
        name, kind = name.group(1), kind.group(1)
        value = re.search(r'value="([^"]*)"', tag)
        if kind == "hidden" and name in ("_version", "_started"):
            fields.append((name, value.group(1)))
        elif kind == "number" and name not in seen:
            fields.append((name, str(rng.randint(0, 100))))
        elif kind in ("radio", "checkbox") and name not in seen and value and not name.endswith(("__add", "__remove")):
            fields.append((name, value.group(1)))
        else:
            continue
        seen.add(name)
    return urlencode(fields)


def check_payload(path, payload):
    """One submit through the test client: the payload must store a full diary."""
    from urllib.parse import parse_qsl

    from django.test import Client

    from zicht.responses.models import Response

    client = Client(HTTP_HOST="127.0.0.1")
    client.get(path)
    answer = client.post(path, dict(parse_qsl(payload)))
    assert answer.status_code == 302, (answer.status_code, answer.content[:2000])
    response = Response.objects.latest("pk")
    return len(response.answers)


def run_load(name, port, paths, clients, seconds, payload="", success_status=302, out=None, **extra):
    """Run bench/_loadgen.py in its own process and return its result."""
    plan = {"host": "127.0.0.1", "port": port, "origin": f"http://127.0.0.1:{port}", "paths": paths,
            "clients": clients, "seconds": seconds, "payload": payload, "success_status": success_status, **extra}
    out = out or OUT
    out.mkdir(parents=True, exist_ok=True)
    plan_path, result_path = out / f"{name}.plan.json", out / f"{name}.result.json"
    plan_path.write_text(json.dumps(plan))
    subprocess.run([PYTHON, str(BENCH_DIR / "_loadgen.py"), str(plan_path), str(result_path)], check=True)
    return json.loads(result_path.read_text())


def server_times(access_log, offset, marker):
    """Server time (ms) of POSTs whose request line contains ``marker``, from the log after ``offset``."""
    with open(access_log, "rb") as log:
        log.seek(offset)
        lines = log.read().decode(errors="replace").splitlines()
    return sorted(int(line.rsplit(" ", 1)[1]) / 1000 for line in lines if f'"POST {marker}' in line)


def summarise(label, result, server_ms):
    client_ms = sorted(result["post_ms"])
    stored = len(result["stored"])
    errors = sum(result["errors"].values())
    figures = {
        "clients": label,
        "stored": stored,
        "per_s": stored / result["seconds"],
        "server_p50": percentile(server_ms, 0.50),
        "server_p95": percentile(server_ms, 0.95),
        "server_p99": percentile(server_ms, 0.99),
        "client_p50": percentile(client_ms, 0.50),
        "client_p95": percentile(client_ms, 0.95),
        "client_p99": percentile(client_ms, 0.99),
        "errors": errors,
        "unused": result["unused"],
    }
    print(
        f"  {label:>24}: {stored:7d} stored in {result['seconds']:.1f} s = {figures['per_s']:7.1f}/s | server ms "
        f"p50 {figures['server_p50']:.1f} p95 {figures['server_p95']:.1f} p99 {figures['server_p99']:.1f} | client ms "
        f"p50 {figures['client_p50']:.1f} p95 {figures['client_p95']:.1f} p99 {figures['client_p99']:.1f} | "
        f"errors {errors} {result['errors'] or ''}",
        flush=True,
    )
    if result["unused"] == 0:
        print("    (ran out of prepared windows before the time was up; throughput is a lower bound)")
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--small", action="store_true", help="10 s per phase, fewer students")
    parser.add_argument("--seconds", type=float, default=None, help="per zicht phase (default 60, --small 10)")
    parser.add_argument("--baseline-seconds", type=float, default=None, help="per baseline phase (default 30)")
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--low-clients", type=int, default=20)
    parser.add_argument("--students", type=int, default=None, help="open windows prepared (default 250,000)")
    parser.add_argument("--workers", type=int, default=None, help="gunicorn workers (default: deploy/gunicorn.conf.py)")
    parser.add_argument("--threads", type=int, default=0, help="gunicorn threads per worker (0: sync workers)")
    args = parser.parse_args()
    seconds = args.seconds or (10 if args.small else 60)
    baseline_seconds = args.baseline_seconds or (10 if args.small else 30)
    students = args.students or (40_000 if args.small else 250_000)
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"submit_load: {machine()}; {students} students with an open diary; phases of {seconds:g} s "
          f"(baseline {baseline_seconds:g} s)", flush=True)

    pg = Postgres("submit_load/db").start()
    server = None
    try:
        port = free_port()
        env = zicht_env(pg.url, ZICHT_ALLOWED_HOSTS="127.0.0.1", ZICHT_SITE_URL=f"http://127.0.0.1:{port}")
        started = time.monotonic()
        migrate(env)
        setup_django(env)
        paths = make_students(students + 1)
        check_path = paths.pop()
        payload = diary_payload(check_path)
        answers = check_payload(check_path, payload)
        check_window = int(check_path.rstrip("/").rsplit("/", 1)[1])
        with pg.connect(autocommit=True) as conn:
            conn.execute("CREATE TABLE bench_minimal (id bigserial PRIMARY KEY, number int, body text, "
                         "created_at timestamptz NOT NULL)")
            conn.execute("ANALYZE")
        print(f"setup: {time.monotonic() - started:.0f} s; the diary form posts {payload.count('&') + 1} fields, "
              f"stored as {answers} answers", flush=True)

        from django.db import connections

        connections.close_all()
        access_log = OUT / "access.log"
        access_log.unlink(missing_ok=True)
        server_env = dict(env, PYTHONPATH=str(BENCH_DIR), DJANGO_SETTINGS_MODULE="_minimal_settings")
        command = gunicorn_command(f"127.0.0.1:{port}", args.workers or (os.cpu_count() * 2 + 1), args.threads,
                                   access_log)
        server = Process(command, server_env, OUT / "gunicorn.log")
        wait_for(lambda: port_open(port), 60, "gunicorn")
        print(f"server: gunicorn, {args.workers or os.cpu_count() * 2 + 1} workers, "
              f"{'sync' if not args.threads else f'{args.threads} threads each'}", flush=True)

        results, acknowledged = {}, set()
        queue = paths
        for clients in (args.clients, args.low_clients):
            # Warm-up (not in the figures): every worker has its connection and caches.
            warm = run_load(f"warm{clients}", port, queue[:400], clients, 3, payload)
            acknowledged |= {int(p.rstrip("/").rsplit("/", 1)[1]) for p in warm["stored"]}
            queue = queue[len(warm["stored"]) + len(warm["failed"]):]
            offset = access_log.stat().st_size
            result = run_load(f"zicht{clients}", port, queue, clients, seconds, payload)
            queue = queue[len(result["stored"]) + len(result["failed"]):]
            results[("zicht", clients)] = summarise(f"zicht, {clients} clients", result,
                                                    server_times(access_log, offset, "/d/"))
            acknowledged |= {int(p.rstrip("/").rsplit("/", 1)[1]) for p in result["stored"]}
            minimal = [f"/bench/minimal/{n}/" for n in range(300_000)]
            offset = access_log.stat().st_size
            result = run_load(f"minimal{clients}", port, minimal, clients, baseline_seconds, "v1=42")
            results[("minimal", clients)] = summarise(f"baseline, {clients} clients", result,
                                                      server_times(access_log, offset, "/bench/minimal/"))
        server.stop()
        server = None

        # Count afterwards: every redirect is exactly one stored response; nothing else was stored.
        from zicht.responses.models import Response, Window

        stored_windows = set(Response.objects.values_list("window_id", flat=True)) - {check_window}
        completed = Window.objects.filter(state=Window.COMPLETED).exclude(pk=check_window).count()
        exact = stored_windows == acknowledged and completed == len(stored_windows)
        total_errors = sum(results[("zicht", c)]["errors"] for c in (args.clients, args.low_clients))
        print(f"count: {len(acknowledged)} acknowledged submits (with warm-up), {len(stored_windows)} responses "
              f"stored, {completed} completed windows; one response per window is also a database constraint")
        high, low = results[("zicht", args.clients)], results[("zicht", args.low_clients)]
        base_high, base_low = results[("minimal", args.clients)], results[("minimal", args.low_clients)]
        ok = exact and total_errors == 0 and high["server_p99"] < 200
        print(f"target p99 < 200 ms server time at {args.clients} clients, 0 errors, stored exactly once: "
              f"{'MET' if ok else 'NOT MET'}")
        print(
            f"RESULT submit_load clients={args.clients} per_s={high['per_s']:.0f} p50_ms={high['server_p50']:.1f} "
            f"p95_ms={high['server_p95']:.1f} p99_ms={high['server_p99']:.1f} "
            f"client_p99_ms={high['client_p99']:.1f} "
            f"low_clients={args.low_clients} low_per_s={low['per_s']:.0f} low_p50_ms={low['server_p50']:.1f} "
            f"low_p95_ms={low['server_p95']:.1f} low_p99_ms={low['server_p99']:.1f} errors={total_errors} "
            f"stored_exactly_once={'yes' if exact else 'no'} "
            f"ratio_throughput_vs_minimal={high['per_s'] / base_high['per_s']:.2f} "
            f"ratio_p50_vs_minimal={high['server_p50'] / base_high['server_p50']:.2f} "
            f"low_ratio_throughput_vs_minimal={low['per_s'] / base_low['per_s']:.2f} "
            f"minimal_per_s={base_high['per_s']:.0f} low_minimal_per_s={base_low['per_s']:.0f} seconds={seconds:g}"
        )
    finally:
        if server is not None:
            server.stop()
        pg.stop()


if __name__ == "__main__":
    main()
