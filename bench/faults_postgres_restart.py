"""Fault test: PostgreSQL restarts while students submit diaries (not a unit test; prints PASS/FAIL).

    .venv/bin/python bench/faults_postgres_restart.py [--small] [--clients 50] [--seconds 30]

Production-like web server (gunicorn, deploy/gunicorn.conf.py, DEBUG off, persistent database
connections) on a private durable PostgreSQL cluster. Simulated students submit diaries (bench/_loadgen.py);
a student whose submit fails waits a moment and sends the same form again, as the error page asks.
Meanwhile PostgreSQL is restarted (``pg_ctl restart -m fast``: every connection is cut, the server is
gone for a moment). /healthz is polled throughout.

PASS when: every error page a student saw is the friendly retry page (no stack trace, no Django debug
page); every submit that was acknowledged is stored exactly once; nothing is half-stored (every response
has a completed window and every completed window a response); submits succeed again after the restart.
Figures: errors by kind, how long /healthz said 503, submits per second before and after.
Baseline (ratio): the same load without a restart, measured first in the same run.
"""

import argparse
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _services import (  # noqa: E402
    ROOT,
    Postgres,
    Process,
    free_port,
    gunicorn_command,
    machine,
    migrate,
    port_open,
    setup_django,
    wait_for,
    zicht_env,
)
from submit_load import check_payload, diary_payload, make_students, run_load  # noqa: E402

OUT = ROOT / "var" / "bench" / "faults_postgres_restart"


def poll_health(url, stop, samples):
    while not stop.is_set():
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                status = answer.status
        except urllib.error.HTTPError as error:
            status = error.code
        except OSError:
            status = 0
        samples.append((time.monotonic(), status))
        time.sleep(0.1)


def window_ids(paths):
    return {int(p.rstrip("/").rsplit("/", 1)[1]) for p in paths}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--small", action="store_true")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=None)
    parser.add_argument("--restart-after", type=float, default=None)
    args = parser.parse_args()
    seconds = args.seconds or (15 if args.small else 30)
    restart_after = args.restart_after or seconds / 3
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"faults_postgres_restart: {machine()}; {args.clients} students submitting for {seconds:g} s, "
          f"PostgreSQL restarted after {restart_after:g} s", flush=True)
    pg = Postgres("faults_postgres_restart/db").start()
    server = None
    try:
        port = free_port()
        env = zicht_env(pg.url, ZICHT_ALLOWED_HOSTS="127.0.0.1", ZICHT_SITE_URL=f"http://127.0.0.1:{port}")
        migrate(env)
        setup_django(env)
        paths = make_students(20_000 if args.small else 60_000)
        check = paths.pop()
        payload = diary_payload(check)
        check_payload(check, payload)
        check_window = int(check.rstrip("/").rsplit("/", 1)[1])
        from django.db import connections

        connections.close_all()

        access_log = OUT / "access.log"
        server = Process(gunicorn_command(f"127.0.0.1:{port}", 5, 0, access_log), env, OUT / "gunicorn.log")
        wait_for(lambda: port_open(port), 60, "gunicorn")

        warm = run_load("warm", port, paths[:300], args.clients, 5, payload, out=OUT)  # not in the figures
        paths = paths[len(warm["stored"]) + len(warm["failed"]):]
        baseline = run_load("baseline", port, paths, args.clients, seconds / 2, payload, out=OUT)
        paths = paths[len(baseline["stored"]) + len(baseline["failed"]):]
        baseline_rate = len(baseline["stored"]) / baseline["seconds"]
        print(f"baseline without restart: {len(baseline['stored'])} stored, {baseline_rate:.0f}/s, "
              f"errors {baseline['errors'] or 0}", flush=True)

        samples, stop = [], threading.Event()
        health = threading.Thread(target=poll_health, args=(f"http://127.0.0.1:{port}/healthz", stop, samples))
        health.start()
        restart = {}

        def restart_later():
            time.sleep(restart_after)
            restart["at"] = time.monotonic()
            restart["down_s"], restart["total_s"] = pg.restart("fast")
            restart["up_at"] = time.monotonic()

        restarter = threading.Thread(target=restart_later)
        restarter.start()
        result = run_load("restart", port, paths, args.clients, seconds, payload, out=OUT, retry_seconds=60)
        restarter.join()
        stop.set()
        health.join()
        server.stop()
        server = None

        from zicht.responses.models import Response, Window

        connections.close_all()
        acknowledged = window_ids(warm["stored"]) | window_ids(baseline["stored"]) | window_ids(result["stored"])
        stored = set(Response.objects.values_list("window_id", flat=True)) - {check_window}
        completed = set(Window.objects.filter(state=Window.COMPLETED).values_list("pk", flat=True)) - {check_window}
        gave_up = window_ids(result["failed"])
        errors = result["errors"]
        friendly = sum(v for k, v in errors.items() if k.endswith("friendly"))
        unfriendly = sum(v for k, v in errors.items() if k.endswith(" other")) + errors.get("stack trace shown", 0)
        broken = sum(v for k, v in errors.items() if not k[:3].isdigit() and k != "stack trace shown")
        after = [t for t in result["done_at"] if t > restart.get("up_at", float("inf"))]
        before = [t for t in result["done_at"] if t < restart.get("at", 0)]
        unhealthy = [t for t, status in samples if status != 200]
        unhealthy_s = (max(unhealthy) - min(unhealthy)) if unhealthy else 0.0
        print(f"restart: pg_ctl stop took {restart.get('down_s', 0):.1f} s, back after {restart.get('total_s', 0):.1f} s")
        print(f"/healthz: {len(unhealthy)} of {len(samples)} polls not 200, over {unhealthy_s:.1f} s "
              f"(statuses {sorted({s for _, s in samples})})")
        print(f"students saw: {friendly} friendly retry pages, {unfriendly} other error pages, {broken} broken "
              f"connections; {len(result['stored'])} submits acknowledged, {len(gave_up)} given up after 60 s")
        print(f"submits per second: {len(before) / restart_after if restart_after else 0:.0f} before the restart, "
              f"{len(after) / max(0.1, result['started'] + result['seconds'] - restart.get('up_at', 0)):.0f} after")
        half = len(stored ^ completed)
        print(f"database: {len(stored)} responses, {len(completed)} completed windows, {half} half-stored, "
              f"{len(acknowledged - stored)} acknowledged but missing, {len(stored - acknowledged)} stored without "
              f"acknowledgement")
        checks = {
            "no stack trace or debug page shown": unfriendly == 0,
            "the outage was noticed (errors or 503s)": friendly + broken + len(unhealthy) > 0,
            "every acknowledged submit stored exactly once": acknowledged == stored,
            "nothing half-stored": half == 0,
            "submits succeed again after the restart": len(after) > 0,
            "no student had to give up": not gave_up,
        }
        for name, ok in checks.items():
            print(f"  {'PASS' if ok else 'FAIL'}: {name}")
        verdict = "PASS" if all(checks.values()) else "FAIL"
        rate_after = len(after) / max(0.1, result["started"] + result["seconds"] - restart.get("up_at", 0))
        print(verdict)
        print(
            f"RESULT faults_postgres_restart verdict={verdict} clients={args.clients} friendly_error_pages={friendly} "
            f"other_error_pages={unfriendly} broken_connections={broken} healthz_unhealthy_s={unhealthy_s:.1f} "
            f"restart_s={restart.get('total_s', 0):.1f} acknowledged={len(acknowledged)} stored={len(stored)} "
            f"half_stored={half} gave_up={len(gave_up)} per_s_after={rate_after:.0f} "
            f"baseline_per_s={baseline_rate:.0f} ratio_after_vs_baseline={rate_after / baseline_rate:.2f}"
        )
    finally:
        if server is not None:
            server.stop()
        pg.stop()


if __name__ == "__main__":
    main()
