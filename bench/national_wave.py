"""Benchmark: the national Thursday-12:00 wave on PostgreSQL with Celery (not a test).

    .venv/bin/python bench/national_wave.py [--small] [--students 500000] [--send-threads 4]

What is built (private, durable PostgreSQL cluster in var/bench/national_wave/):
  * ``--students`` active students (default 500,000) in groups of 20 per mentor (25,000 mentors),
    in 70 schools. Each student is enrolled with the real code (``enrol_student``) once, for a
    template group; the rest are copies of those rows made inside PostgreSQL (INSERT … SELECT), so
    every subscription has its full 35-week schedule as Window rows, as in production: about 72
    windows per student (their own diaries, pre/post, and the mentor's diary about them).
  * The injected clock says Thursday 12:00 (Europe/Amsterdam) of week 10: weeks 1-9 are over
    (missed), pre-measurements are done, weeks 11-35 are planned.
  * Invitation rows are planned as the dispatcher does before the moment (``plan_messages`` at
    11:00 injected time), timed separately: in production this happens in the two hours before 12:00.

The wave: one Celery worker with 2 pool processes on the dispatch queue and one beat (both with the
injected clock, bench/_traveled.py), exactly as deploy/systemd runs them, a fake SMS provider process
on localhost (``python -m zicht.messaging.fakeprovider``). Measured from starting the worker and beat at
12:00 until the provider has accepted every invitation (students and bundled mentor invitations).
Target: < 10 minutes for 500,000 students.

Baseline, same run and database: COPY of the same number of rows (recipient, 160-character text,
reference) into a plain table. The ratio is wave seconds / COPY seconds.
"""

import argparse
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

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

OUT = ROOT / "var" / "bench" / "national_wave"
AMS = ZoneInfo("Europe/Amsterdam")
START = date(2026, 9, 7)  # Monday of week 1
T0 = datetime(2026, 11, 12, 12, 0, tzinfo=AMS)  # Thursday of week 10, 12:00
GROUP = 20  # students per mentor
SCHOOLS = 70


def build_template():
    """One mentor with GROUP students, enrolled by the real code; past weeks closed. Returns ids."""
    from django.db.models import CharField, Value
    from django.db.models.functions import Cast, Concat, LPad

    from zicht.people.models import Mentor, MentorLink, Organisation, Person, Student, Team
    from zicht.protocols.services import enrol_student, sync_protocols
    from zicht.questionnaires.loader import sync_definitions
    from zicht.responses.models import Window

    sync_definitions()
    sync_protocols()
    enrolled_at = datetime(2026, 9, 4, 9, 0, tzinfo=AMS)
    organisation = Organisation.objects.create(name="School 0", programme_name="Plusgroep")
    team = Team.objects.create(organisation=organisation, name="Team 0")
    mentor = Mentor.objects.create(team=team, external_id="M", first_name="Mentor", last_name="Nul",
                                   phone="+31600000000", role="mentor")
    names = ["Sanne", "Mohamed", "Zoë", "Daan", "Ayşe", "Noah", "Fatima", "Levi", "Emma", "Milan"]
    for i in range(GROUP):
        student = Student.objects.create(team=team, external_id=f"S{i}", first_name=names[i % len(names)],
                                         last_name="Test", phone=f"+3160000{i:04d}", role="student")
        MentorLink.objects.create(mentor=mentor, student=student, starts_on=date(2026, 9, 1))
        enrol_student(student, START, now=enrolled_at)
    Person.objects.update(phone=Concat(Value("+316"), LPad(Cast("id", CharField()), 8, Value("0"))))
    past = Window.objects.filter(opens_at__lt=T0 - timedelta(days=1))
    past.filter(closes_at__lte=T0).update(state=Window.MISSED)
    past.filter(state=Window.PLANNED).update(state=Window.COMPLETED, completed_at=datetime(2026, 9, 10, 9, 0, tzinfo=AMS))


def clone_statement(model, spans, overrides):
    """INSERT … SELECT copying the template rows of ``model`` once per group g (a placeholder range)."""
    table = model._meta.db_table
    columns, expressions = [], []
    for field in model._meta.concrete_fields:
        column = field.column
        columns.append(f'"{column}"')
        if column in overrides:
            expressions.append(overrides[column])
        elif field.primary_key:
            expressions.append(f"t.id + g * {spans[table]}")
        elif field.is_relation and field.related_model._meta.db_table in spans:
            expressions.append(f't."{column}" + g * {spans[field.related_model._meta.db_table]}')
        else:
            expressions.append(f't."{column}"')
    return (
        f'INSERT INTO "{table}" ({", ".join(columns)}) SELECT {", ".join(expressions)} '
        f'FROM "{table}" t CROSS JOIN generate_series(%s::bigint, %s::bigint) AS g WHERE t.id <= {spans[table]}'
    )


def clone(pg, groups):
    """Copy the template group ``groups - 1`` times inside PostgreSQL; returns seconds."""
    from zicht.people.models import MentorLink, Organisation, Person, Team
    from zicht.protocols.models import Subscription, SubscriptionEvent
    from zicht.responses.models import Window

    models = [Team, Person, MentorLink, Subscription, SubscriptionEvent, Window]
    started = time.monotonic()
    with pg.connect(autocommit=True) as conn:
        spans = {m._meta.db_table: conn.execute(f'SELECT max(id) FROM "{m._meta.db_table}"').fetchone()[0]
                 for m in models}
        spans["people_organisation"] = 0  # organisations are not copied: teams are spread over SCHOOLS
        conn.execute(
            "INSERT INTO people_organisation (name, programme_name, created_at) "
            "SELECT 'School ' || n, 'Plusgroep', now() FROM generate_series(1, %s) AS n",
            [SCHOOLS - 1],
        )
        person = spans["people_person"]
        overrides = {
            Team: {"organisation_id": f"1 + (g %% {SCHOOLS})", "name": "'Team ' || g"},
            Person: {
                "external_id": "t.external_id || '-' || g",
                "phone": f"'+316' || lpad((t.id + g * {person})::text, 8, '0')",
                "user_id": "NULL",
            },
        }
        statements = [(m, clone_statement(m, spans, overrides.get(m, {}))) for m in models]
        # Bulk-load practice: secondary indexes and foreign keys are dropped during the copy and made
        # again afterwards (same definitions, from the catalog), which PostgreSQL does much faster.
        tables = [m._meta.db_table for m in models]
        rebuild = conn.execute(
            "SELECT 'ALTER TABLE ' || quote_ident(conrelid::regclass::text) || ' ADD CONSTRAINT ' "
            "|| quote_ident(conname) || ' ' || pg_get_constraintdef(oid), "
            "'ALTER TABLE ' || quote_ident(conrelid::regclass::text) || ' DROP CONSTRAINT ' || quote_ident(conname) "
            "FROM pg_constraint WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s)",
            [tables],
        ).fetchall()
        rebuild += conn.execute(
            "SELECT pg_get_indexdef(i.indexrelid), 'DROP INDEX ' || quote_ident(c.relname) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid::regclass::text = ANY(%s) "
            "AND NOT i.indisprimary AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)",
            [tables],
        ).fetchall()
        for _, drop in rebuild:
            conn.execute(drop)
        conn.execute("SET synchronous_commit = off")  # this loading session only
        step = max(1, 200_000 // max(1, spans["responses_window"]))
        for model, statement in statements:
            began = time.monotonic()
            for first in range(1, groups, step):
                conn.execute(statement, [first, min(groups - 1, first + step - 1)])
            count = conn.execute(f'SELECT count(*) FROM "{model._meta.db_table}"').fetchone()[0]
            print(f"  {model._meta.db_table}: {count:,} rows ({time.monotonic() - began:.0f} s)", flush=True)
        began = time.monotonic()
        conn.execute("SET maintenance_work_mem = '1GB'")
        for create, _ in reversed(rebuild):
            conn.execute(create)
        print(f"  {len(rebuild)} indexes and foreign keys made again ({time.monotonic() - began:.0f} s)", flush=True)
        for model in [Organisation, *models]:
            table = model._meta.db_table
            conn.execute(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), (SELECT max(id) FROM \"{table}\"))")
        conn.execute("VACUUM ANALYZE")
    return time.monotonic() - started


def plan(now):
    """Invitation rows for everything opening at 12:00, as the dispatcher plans them ahead."""
    from zicht.messaging import planner

    total, passes, started = 0, 0, time.monotonic()
    while True:
        began = time.monotonic()
        planned = planner.plan_messages(now)["invitations_planned"]
        passes += 1
        total += planned
        print(f"  planning pass {passes}: {planned:,} invitations in {time.monotonic() - began:.1f} s", flush=True)
        if planned == 0:
            return total, time.monotonic() - started


def copy_baseline(pg, rows):
    """COPY the same number of rows (recipient, SMS text, reference) into a plain, durable table."""
    body = "Hoi Sanne! Je dagboek van deze week staat klaar. Het kost je 2 minuten: https://zicht.example.nl/d/" + "x" * 43
    with pg.connect(autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_copy")
        conn.execute("CREATE TABLE bench_copy (id bigserial PRIMARY KEY, recipient varchar(20), body text, "
                     "reference varchar(40) UNIQUE, created_at timestamptz DEFAULT now())")
        started = time.monotonic()
        with conn.cursor() as cursor, cursor.copy("COPY bench_copy (recipient, body, reference) FROM STDIN") as copy:
            for n in range(rows):
                copy.write_row((f"+316{n:08d}", body, f"z{n:031x}"))
        return time.monotonic() - started


def wave(pg, env, expected, args):
    """Start worker + beat at injected 12:00; wait until the provider has every invitation."""
    provider, provider_url = start_fake_provider(OUT)
    redis = Redis("national_wave/redis").start()
    processes = []
    try:
        wave_env = dict(env, CELERY_BROKER_URL=redis.url, ZICHT_SMS_BACKEND="http", ZICHT_SMS_API_URL=provider_url,
                        ZICHT_DISPATCH_SEND_THREADS=str(args.send_threads), ZICHT_DISPATCH_BATCH=str(args.batch),
                        ZICHT_DISPATCH_PARALLEL=str(args.processes))
        # Worker and beat are already running when the clock reaches 12:00, as in production: they
        # start at 11:59:00 (injected) and the wave is timed from 12:00:00.
        lead = 60.0
        offset = T0.timestamp() - lead - time.time()
        launched = time.monotonic()
        processes.append(Process(
            celery_command("worker", "--queues", "dispatch", "--concurrency", str(args.processes), "--loglevel",
                           "WARNING", "--without-gossip", "--without-mingle", "--hostname", "dispatch@%h",
                           clock_offset=offset),
            wave_env, OUT / "worker.log"))
        processes.append(Process(
            celery_command("beat", "--loglevel", "WARNING", "--schedule", fresh_beat_schedule(OUT / "celerybeat-schedule"),
                           clock_offset=offset),
            wave_env, OUT / "beat.log"))
        started = launched + lead
        while time.monotonic() < started:
            time.sleep(0.05)
        first = None
        last_print = started
        received = 0
        while received < expected:
            time.sleep(0.5)
            received = http_json(provider_url + "/stats")["received"]
            now = time.monotonic()
            if received and first is None:
                first = now - started
            if now - last_print >= 30:
                last_print = now
                print(f"  {now - started:5.0f} s: {received:,} of {expected:,} handed to the provider", flush=True)
            for process in processes:
                if not process.alive():
                    raise RuntimeError(f"a Celery process stopped:\n{process.tail()}")
            if now - started > args.timeout:
                print(f"  stopped waiting after {args.timeout} s", flush=True)
                break
        seconds = time.monotonic() - started
        time.sleep(2)
        stats = http_json(provider_url + "/stats")
        return seconds, first, stats
    finally:
        for process in processes:
            process.stop()
        provider.stop()
        redis.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--small", action="store_true", help="20,000 students")
    parser.add_argument("--students", type=int, default=None)
    parser.add_argument("--processes", type=int, default=2, help="Celery pool processes (default 2)")
    parser.add_argument("--send-threads", type=int, default=4, help="provider connections per process")
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--timeout", type=float, default=5400)
    args = parser.parse_args()
    students = args.students or (20_000 if args.small else 500_000)
    groups = max(1, students // GROUP)
    students = groups * GROUP
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"national_wave: {machine()}; {students:,} students, {groups:,} mentors, {args.processes} worker "
          f"processes x {args.send_threads} send threads", flush=True)
    pg = Postgres("national_wave/db").start()
    try:
        env = zicht_env(pg.url, ZICHT_SITE_URL="https://zicht.example.nl")
        began = time.monotonic()
        migrate(env)
        setup_django(env)
        build_template()
        print(f"setup: migrated and enrolled the template group in {time.monotonic() - began:.0f} s", flush=True)
        clone_seconds = clone(pg, groups)
        from zicht.protocols.models import Subscription
        from zicht.responses.models import Window

        active = Subscription.objects.filter(state=Subscription.ACTIVE, protocol__key="student").count()
        windows = Window.objects.count()
        print(f"setup: {active:,} active student subscriptions, {windows:,} windows, database {pg.data_size()}, "
              f"copied in {clone_seconds:.0f} s", flush=True)

        planned, plan_seconds = plan(T0 - timedelta(hours=1))
        print(f"planned {planned:,} invitations for 12:00 in {plan_seconds:.1f} s (done before 12:00)", flush=True)
        from django.db import connections

        connections.close_all()

        seconds, first, stats = wave(pg, env, planned, args)
        from zicht.messaging.models import Delivery, Invitation

        sent = Invitation.objects.filter(moment=T0, status=Invitation.SENT).count()
        deliveries = Delivery.objects.filter(status=Delivery.SENT).count()
        copy_seconds = copy_baseline(pg, planned)
        complete = stats["received"] == planned == sent and stats["duplicates"] == 0
        print(f"wave: first SMS after {first or float('nan'):.1f} s; {stats['received']:,} of {planned:,} after "
              f"{seconds:.1f} s = {stats['received'] / seconds:,.0f}/s; invitations marked sent {sent:,}, deliveries sent "
              f"{deliveries:,}; provider saw {stats['requests']:,} requests, {stats['duplicates']} duplicates")
        print(f"baseline: COPY of {planned:,} rows in {copy_seconds:.1f} s")
        print(f"target < 600 s for 500,000 students: {'MET' if seconds < 600 and complete and students >= 500_000 else 'NOT MET' if students >= 500_000 else 'n/a (smaller run)'}")
        print(
            f"RESULT national_wave students={students} invitations={planned} sent={stats['received']} seconds={seconds:.1f} "
            f"per_s={stats['received'] / seconds:.0f} first_sms_s={first or 0:.1f} planning_s={plan_seconds:.1f} "
            f"processes={args.processes} send_threads={args.send_threads} all_sent_once={'yes' if complete else 'no'} "
            f"duplicates={stats['duplicates']} copy_s={copy_seconds:.1f} ratio_vs_copy={seconds / copy_seconds:.1f}"
        )
    finally:
        pg.stop()


if __name__ == "__main__":
    main()
