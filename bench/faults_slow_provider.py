"""Fault test: the SMS provider answers slowly (5 s) or fails half of all requests (prints PASS/FAIL).

    .venv/bin/python bench/faults_slow_provider.py [--small] [--count 300] [--fail-count 1000]

The scale-out setup as deployed (deploy/systemd): a Celery worker with 2 processes on the dispatch
queue, a separate worker for the analytics queue, one beat; private PostgreSQL, Redis and a fake SMS
provider process on localhost. Workers and beat run with an injected clock (bench/_traveled.py) that
the script can move forward, so the dispatcher's retry delays (1, 5, 15, 60 minutes) pass in seconds.

1. Baseline: a wave of ``--count`` due invitations with a fast provider.
2. Slow: the same size of wave while the provider waits 5 s before every answer. Meanwhile an
   early-warning run is queued: it must not wait for the dispatcher (its own queue and worker).
3. Failing: ``--fail-count`` invitations while the provider answers 500 to half of all requests. The
   client retries within the call, the dispatcher retries later with back-off; when only retries
   that wait are left, the clock is moved to the next one.

PASS when every invitation reached the provider exactly once (no duplicates, none missing), the
early-warning run finished while the slow wave was still going, and retries followed the back-off.
"""

import argparse
import re
import sys
import time
from collections import Counter
from datetime import timedelta
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

OUT = ROOT / "var" / "bench" / "faults_slow_provider"
CLOCK = OUT / "clock-offset"


def make_due_wave(count, tag):
    """``count`` students with one open diary window and an invitation due now (injected clock)."""
    from django.db import transaction

    from zicht.core import clock
    from zicht.messaging.models import Invitation, InvitationWindow
    from zicht.people.models import Organisation, Person, Team
    from zicht.questionnaires.models import Questionnaire
    from zicht.responses.models import Window

    now = clock.now()
    with transaction.atomic():
        team = Team.objects.create(organisation=Organisation.objects.create(name=f"ROC {tag}"), name=tag)
        diary = Questionnaire.objects.get(key="student_diary")
        people = Person.objects.bulk_create(
            Person(role=Person.STUDENT, team=team, external_id=f"{tag}{i}", first_name=f"Student{i}",
                   phone=f"+316{hash(tag) % 90 + 10}{i:06d}")
            for i in range(count)
        )
        windows = Window.objects.bulk_create(
            Window(respondent=p, questionnaire=diary, measurement="diary", occasion=1,
                   opens_at=now - timedelta(minutes=1), closes_at=now + timedelta(hours=30))
            for p in people
        )
        invitations = Invitation.objects.bulk_create(
            Invitation(person=p, kind=Invitation.INVITATION, moment=w.opens_at, due_at=w.opens_at)
            for p, w in zip(people, windows, strict=True)
        )
        InvitationWindow.objects.bulk_create(
            InvitationWindow(invitation=i, window=w, kind=Invitation.INVITATION)
            for i, w in zip(invitations, windows, strict=True)
        )
    return invitations


class Clock:
    """The injected clock of this script and of every Celery process (via the clock file)."""

    def __init__(self):
        import time_machine

        self.offset = 0.0
        CLOCK.write_text("0")
        self.coordinates = time_machine.travel(time.time(), tick=True).start()
        time.time()  # time-machine starts ticking at the first reading, not at start()

    def advance_to(self, instant):
        seconds = instant.timestamp() - time.time() + 1
        if seconds > 0:
            self.offset += seconds
            self.coordinates.shift(seconds)
            CLOCK.write_text(str(self.offset))
            time.sleep(0.5)  # every process follows within 0.1 s


def sent(provider_url):
    return http_json(provider_url + "/stats")


def wait_until_sent(provider_url, target, timeout, processes, on_idle=None):
    started = time.monotonic()
    while sent(provider_url)["received"] < target:
        for process in processes:
            if not process.alive():
                raise RuntimeError(f"a Celery process stopped:\n{process.tail()}")
        if time.monotonic() - started > timeout:
            return None
        if on_idle is not None:
            on_idle()
        time.sleep(0.25)
    return time.monotonic() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--small", action="store_true")
    parser.add_argument("--count", type=int, default=None, help="invitations per wave (default 300)")
    parser.add_argument("--fail-count", type=int, default=None, help="invitations in the failing phase (1000)")
    parser.add_argument("--send-threads", type=int, default=16)
    args = parser.parse_args()
    count = args.count or (100 if args.small else 300)
    fail_count = args.fail_count or (300 if args.small else 1000)
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"faults_slow_provider: {machine()}; waves of {count}, failing phase {fail_count}; 2 dispatch "
          f"processes x {args.send_threads} send threads", flush=True)
    pg = Postgres("faults_slow_provider/db").start()
    redis = Redis("faults_slow_provider/redis").start()
    provider, provider_url = start_fake_provider(OUT)
    processes = []
    try:
        env = zicht_env(pg.url, redis.url, ZICHT_SMS_BACKEND="http", ZICHT_SMS_API_URL=provider_url,
                        ZICHT_DISPATCH_INTERVAL="2", ZICHT_DISPATCH_SEND_THREADS=str(args.send_threads),
                        ZICHT_DISPATCH_PARALLEL="2", ZICHT_DISPATCH_BATCH="100")
        migrate(env)
        setup_django(env)
        from zicht.questionnaires.loader import sync_definitions

        sync_definitions()
        clock = Clock()
        for name, queues, concurrency in (("dispatch", "dispatch", 2), ("analytics", "analytics,celery", 1)):
            processes.append(Process(
                celery_command("worker", "--queues", queues, "--concurrency", str(concurrency), "--loglevel", "INFO",
                               "--hostname", f"{name}@%h", "--without-gossip", "--without-mingle",
                               clock_offset=0, clock_file=CLOCK),
                env, OUT / f"{name}.log"))
        processes.append(Process(
            celery_command("beat", "--loglevel", "WARNING", "--schedule", fresh_beat_schedule(OUT / "celerybeat-schedule"),
                           clock_offset=0, clock_file=CLOCK), env, OUT / "beat.log"))

        # 1. Baseline: a fast provider.
        make_due_wave(count, "fast")
        fast_s = wait_until_sent(provider_url, count, 300, processes)
        print(f"baseline: {count} sent in {fast_s:.1f} s with a fast provider", flush=True)

        # 2. Slow provider: 5 s before every answer. An early-warning run is queued meanwhile.
        http_json(provider_url + "/control", {"delay": 5.0})
        make_due_wave(count, "slow")
        slow_started = time.monotonic()
        time.sleep(3)
        from zicht.celery import app

        log = OUT / "analytics.log"
        done = re.compile(r"zicht\.core\.compute_alerts\[[^]]+\] succeeded")
        before = len(done.findall(log.read_text(errors="replace"))) if log.exists() else 0
        queued_at = time.monotonic()
        app.send_task("zicht.core.compute_alerts")
        analytics_s = None
        while time.monotonic() - queued_at < 120:
            if len(done.findall(log.read_text(errors="replace"))) > before:
                analytics_s = time.monotonic() - queued_at
                break
            time.sleep(0.2)
        in_slow_wave = sent(provider_url)["received"] < 2 * count
        slow_s = wait_until_sent(provider_url, 2 * count, 900, processes)
        slow_total = time.monotonic() - slow_started
        stats = sent(provider_url)
        print(f"slow provider (5 s per answer): {count} sent in {slow_total:.1f} s "
              f"({count / slow_total:.1f}/s); early-warning run done {analytics_s or float('nan'):.1f} s after "
              f"queueing, {'while' if in_slow_wave else 'after'} the slow wave was still going; "
              f"timeouts/resends seen by the provider: {stats['duplicates']}", flush=True)

        # 3. Failing provider: half of all requests answered with 500.
        http_json(provider_url + "/control", {"delay": 0.0, "fail_rate": 0.5})
        from zicht.core import clock as zicht_clock
        from zicht.messaging.models import Delivery, Invitation

        failing = make_due_wave(fail_count, "fail")
        jumps = []

        def jump_when_only_waiting_retries():
            now = zicht_clock.now()
            ids = [i.pk for i in failing]
            busy = Invitation.objects.filter(pk__in=ids, status=Invitation.PLANNED).exists() or Invitation.objects.filter(
                pk__in=ids, status=Invitation.SENDING, deliveries__isnull=True).exists()
            waiting = Delivery.objects.filter(invitation_id__in=ids, status=Delivery.QUEUED)
            if busy or waiting.filter(next_attempt_at__lte=now).exists() or waiting.filter(claimed_until__gt=now).exists():
                return
            upcoming = waiting.order_by("next_attempt_at").values_list("next_attempt_at", flat=True).first()
            if upcoming is not None and (upcoming - now).total_seconds() > 5:  # shorter waits: just wait
                jumps.append(round((upcoming - now).total_seconds() / 60, 1))
                clock.advance_to(upcoming)

        fail_s = wait_until_sent(provider_url, 2 * count + fail_count, 900, processes, jump_when_only_waiting_retries)
        time.sleep(3)
        stats = sent(provider_url)
        attempts = Counter(Delivery.objects.filter(invitation_id__in=[i.pk for i in failing])
                           .values_list("attempts", flat=True))
        fail_sent = Delivery.objects.filter(invitation_id__in=[i.pk for i in failing], status=Delivery.SENT).count()
        print(f"failing provider (50 % answered 500): {fail_sent} of {fail_count} sent in "
              f"{fail_s or float('nan'):.1f} s real time; clock moved forward {len(jumps)} times by {jumps} minutes "
              f"for waiting retries; deliveries by dispatcher attempts {dict(sorted(attempts.items()))}; "
              f"provider answered {stats['failed_injected']} requests with 500", flush=True)

        total = 2 * count + fail_count
        all_sent = Delivery.objects.filter(status=Delivery.SENT).count()
        checks = {
            "every invitation reached the provider": stats["received"] == total == all_sent,
            # One Delivery per invitation (a constraint), one reference per Delivery: more accepted messages
            # than invitations would mean one was sent twice under two references.
            "none twice (the provider accepted exactly one message per invitation)": stats["received"] == total,
            "the early-warning run did not wait for the slow dispatcher": analytics_s is not None and in_slow_wave,
            "failed sends were retried later with back-off": attempts.get(1, 0) < fail_count and len(attempts) > 1,
        }
        for name, ok in checks.items():
            print(f"  {'PASS' if ok else 'FAIL'}: {name}")
        verdict = "PASS" if all(checks.values()) and fail_s is not None and slow_s is not None else "FAIL"
        print(verdict)
        print(
            f"RESULT faults_slow_provider verdict={verdict} count={count} fast_s={fast_s:.1f} slow_s={slow_total:.1f} "
            f"ratio_slow_vs_fast={slow_total / fast_s:.1f} analytics_wait_s={analytics_s or -1:.1f} "
            f"fail_count={fail_count} fail_real_s={fail_s or -1:.1f} clock_jumps_min={'/'.join(map(str, jumps)) or 0} "
            f"max_attempts={max(attempts) if attempts else 0} duplicates={stats['duplicates']} "
            f"received={stats['received']} expected={total}"
        )
    finally:
        for process in processes:
            process.stop()
        provider.stop()
        redis.stop()
        pg.stop()


if __name__ == "__main__":
    main()
