"""Fault test: Redis stopped for a minute during dispatch (prints PASS/FAIL with figures).

    .venv/bin/python bench/faults_redis_outage.py [--small] [--count 4000] [--outage 60]

The scale-out setup as deployed (deploy/systemd): a Celery worker with 2 processes on the dispatch
queue and one beat, on a private PostgreSQL and Redis, sending to a fake SMS provider process that
takes 0.1 s per request (so the wave lasts long enough to be interrupted). A wave of ``--count``
due invitations is written; once the provider has a few hundred, Redis is stopped (SIGTERM, no
persistence: every queued message is lost) for ``--outage`` seconds and started again, empty.

PASS when every invitation reached the provider exactly once (none missing, no duplicates, every
Delivery row marked sent), the worker and beat survived the outage, and sending resumed after
Redis came back. Baseline, same run: the sending rate before the outage; the ratio compares the
rate after it.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _services import (  # noqa: E402
    ROOT,
    Postgres,
    Process,
    Redis,
    celery_command,
    fresh_beat_schedule,
    http_json,
    machine,
    migrate,
    setup_django,
    start_fake_provider,
    zicht_env,
)
from faults_slow_provider import make_due_wave  # noqa: E402

OUT = ROOT / "var" / "bench" / "faults_redis_outage"


def received(provider_url):
    return http_json(provider_url + "/stats")["received"]


def wait_for_received(provider_url, target, timeout, processes):
    """Seconds until the provider has ``target`` messages; None after ``timeout``."""
    started = time.monotonic()
    while received(provider_url) < target:
        for process in processes:
            if not process.alive():
                raise RuntimeError(f"a Celery process stopped:\n{process.tail()}")
        if time.monotonic() - started > timeout:
            return None
        time.sleep(0.1)
    return time.monotonic() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--small", action="store_true", help="1,000 invitations, 20 s outage")
    parser.add_argument("--count", type=int, default=None, help="invitations in the wave (default 4000)")
    parser.add_argument("--outage", type=float, default=None, help="seconds without Redis (default 60)")
    args = parser.parse_args()
    count = args.count or (1000 if args.small else 4000)
    outage = args.outage or (20.0 if args.small else 60.0)
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"faults_redis_outage: {machine()}; wave of {count}, Redis down for {outage:.0f} s", flush=True)
    pg = Postgres("faults_redis_outage/db").start()
    redis = Redis("faults_redis_outage/redis").start()
    provider, provider_url = start_fake_provider(OUT, "--delay", "0.1")
    processes = []
    try:
        env = zicht_env(pg.url, redis.url, ZICHT_SMS_BACKEND="http", ZICHT_SMS_API_URL=provider_url,
                        ZICHT_DISPATCH_INTERVAL="2", ZICHT_DISPATCH_SEND_THREADS="2",
                        ZICHT_DISPATCH_PARALLEL="2", ZICHT_DISPATCH_BATCH="20", ZICHT_SMS_BATCH_SIZE="10")
        migrate(env)
        setup_django(env)
        from zicht.questionnaires.loader import sync_definitions

        sync_definitions()
        processes.append(Process(
            celery_command("worker", "--queues", "dispatch", "--concurrency", "2", "--loglevel", "INFO",
                           "--hostname", "dispatch@%h", "--without-gossip", "--without-mingle"),
            env, OUT / "dispatch.log"))
        processes.append(Process(
            celery_command("beat", "--loglevel", "INFO", "--schedule", fresh_beat_schedule(OUT / "celerybeat-schedule")),
            env, OUT / "beat.log"))

        make_due_wave(count, "redis")
        started = time.monotonic()
        first_part = min(400, count // 5)
        if wait_for_received(provider_url, first_part, 120, processes) is None:
            raise RuntimeError("the wave did not start within 2 minutes")
        before_s = time.monotonic() - started
        at_stop = received(provider_url)
        rate_before = at_stop / before_s
        redis.stop()
        stopped = time.monotonic()
        print(f"Redis stopped after {at_stop} of {count} ({before_s:.1f} s, {rate_before:.0f}/s)", flush=True)
        samples = []
        while time.monotonic() - stopped < outage:
            time.sleep(1)
            samples.append(received(provider_url))
            for process in processes:
                if not process.alive():
                    raise RuntimeError(f"a Celery process stopped during the outage:\n{process.tail()}")
        during = received(provider_url) - at_stop
        quiet_from = next((i + 1 for i, n in enumerate(samples) if n == samples[-1]), len(samples))
        print(f"during the outage: {during} more sent by passes already running (none after {quiet_from} s)",
              flush=True)
        if at_stop + during >= count:
            raise RuntimeError("the wave finished during the outage; nothing was tested (use a larger --count)")
        redis.start()
        back = time.monotonic()
        at_back = received(provider_url)
        resume_s = wait_for_received(provider_url, at_back + 1, 120, processes)
        finish_s = wait_for_received(provider_url, count, 300, processes)
        after_s = time.monotonic() - back
        rate_after = (count - at_back) / max(after_s - (resume_s or 0), 1e-9)
        time.sleep(3)  # passes still running must not send anything more
        stats = http_json(provider_url + "/stats")
        from zicht.messaging.models import Delivery

        marked = Delivery.objects.filter(status=Delivery.SENT).count()
        print(f"after Redis came back: first new message after {resume_s or float('nan'):.1f} s, all {count} after "
              f"{after_s:.1f} s ({rate_after:.0f}/s once resumed); provider: {stats['received']} unique, "
              f"{stats['duplicates']} repeated references, {stats['requests']} requests; deliveries marked sent {marked}")
        checks = {
            "worker and beat survived the outage": all(process.alive() for process in processes),
            "sending resumed after Redis came back": resume_s is not None,
            "every invitation reached the provider": finish_s is not None and stats["received"] == count,
            "none twice": stats["received"] == count and stats["duplicates"] == 0,
            "every delivery recorded as sent": marked == count,
        }
        for name, ok in checks.items():
            print(f"  {'PASS' if ok else 'FAIL'}: {name}")
        verdict = "PASS" if all(checks.values()) else "FAIL"
        print(verdict)
        print(
            f"RESULT faults_redis_outage verdict={verdict} count={count} outage_s={outage:.0f} sent_before={at_stop} "
            f"sent_during={during} resume_s={resume_s or -1:.1f} after_s={after_s:.1f} rate_before={rate_before:.0f} "
            f"rate_after={rate_after:.0f} ratio_after_vs_before={rate_after / rate_before:.2f} "
            f"received={stats['received']} duplicates={stats['duplicates']} marked_sent={marked}"
        )
    finally:
        for process in processes:
            process.stop()
        provider.stop()
        redis.stop()
        pg.stop()


if __name__ == "__main__":
    main()
