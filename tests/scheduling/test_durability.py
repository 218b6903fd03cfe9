"""Never two, never lost: concurrent passes, two worker processes, and kill -9 in the middle of a wave."""

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from zicht.messaging import channels, dispatcher
from zicht.messaging.models import Delivery, Invitation, InvitationWindow
from zicht.protocols import services as protocol_services
from zicht.responses.models import Window

from .conftest import START, at

ZICHT = str(Path(sys.executable).with_name("zicht"))


def test_concurrent_passes_never_send_twice(
    transactional_db, protocols, make_student, mentor, settings, monkeypatch
):
    """Four threads run the dispatcher at the same moment on SQLite: each window invited once."""
    settings.ZICHT_SMS_BACKEND = "outbox"
    students = [make_student(f"S{i}") for i in range(24)]
    for student in students:
        protocol_services.enrol_student(student, START, now=at("2026-09-01", 9))
    calls = Counter()
    lock = threading.Lock()
    real_send = channels.send_sms_batch

    def counting_send(messages, **kwargs):
        with lock:
            calls.update(m["reference"] for m in messages)
        return real_send(messages, **kwargs)

    monkeypatch.setattr(channels, "send_sms_batch", counting_send)
    barrier = threading.Barrier(4)
    errors = []

    def worker():
        try:
            barrier.wait()
            for minute in range(3):
                dispatcher.run_once(now=at("2026-09-10", 12, minute), batch=3)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    diaries = Window.objects.filter(opens_at=at("2026-09-10", 12))
    assert diaries.count() == 48  # 24 student diaries + 24 mentor diaries about them
    for window in diaries:
        assert InvitationWindow.objects.filter(window=window, kind=Invitation.INVITATION).count() == 1
    moment = Invitation.objects.filter(moment=at("2026-09-10", 12), kind=Invitation.INVITATION)
    assert moment.count() == 25 and set(moment.values_list("status", flat=True)) == {Invitation.SENT}
    assert moment.get(person=mentor).windows.count() == 24  # one bundled message
    assert calls and max(calls.values()) == 1
    texted = Counter(
        Delivery.objects.filter(channel="sms", invitation__in=moment).values_list("to", flat=True)
    )
    assert len(texted) == 25 and max(texted.values()) == 1


def _due_wave(count):
    """``count`` students, each with one open diary window and a due invitation (real clock)."""
    from zicht.people.models import Organisation, Person, Team
    from zicht.questionnaires.models import Questionnaire

    now = timezone.now()
    team = Team.objects.create(organisation=Organisation.objects.create(name="Golf"), name="Golf 1")
    questionnaire, _ = Questionnaire.objects.get_or_create(key="student_diary", defaults={"title": "dagboek"})
    people = Person.objects.bulk_create(
        Person(
            role=Person.STUDENT, team=team, external_id=f"W{i}", first_name=f"Wave{i}", phone=f"+3162{i:07d}"
        )
        for i in range(count)
    )
    windows = Window.objects.bulk_create(
        Window(
            respondent=p,
            questionnaire=questionnaire,
            measurement="diary",
            occasion=1,
            opens_at=now - timedelta(minutes=1),
            closes_at=now + timedelta(hours=30),
        )
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
    return people


def _worker_env(provider, data_dir):
    database = connection.settings_dict
    if connection.vendor == "sqlite":
        url = f"sqlite:///{database['NAME']}"
    else:
        url = (
            f"postgres://{database['USER']}:{database['PASSWORD']}@{database['HOST'] or 'localhost'}:"
            f"{database['PORT'] or 5432}/{database['NAME']}"
        )
    return dict(
        os.environ,
        DATABASE_URL=url,
        ZICHT_DATA_DIR=str(data_dir),
        ZICHT_SMS_BACKEND="http",
        ZICHT_SMS_API_URL=provider.url,
        ZICHT_SMS_API_KEY="k",
        ZICHT_DEV_PAGES="false",
        ZICHT_LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )


@pytest.fixture
def wave_provider():
    from zicht.messaging.fakeprovider import start_fake_provider

    fake = start_fake_provider(api_key="k")
    yield fake
    fake.stop()


@pytest.mark.timeout(120)
def test_kill_minus_9_mid_wave_loses_and_duplicates_nothing(transactional_db, wave_provider, tmp_path):
    count = 2000
    people = _due_wave(count)
    env = _worker_env(wave_provider, tmp_path)
    started = time.monotonic()
    # SQLite: the restarted worker holds the single-worker lock and frees the dead one's claims at
    # once. PostgreSQL: several workers may run, so a dead worker's claims are free after its lease.
    lease = 1.0
    command = [ZICHT, "worker", "--interval", "0.5", "--lease", str(lease)]
    worker = subprocess.Popen(command, env=env, stderr=subprocess.PIPE)
    try:
        while wave_provider.stats()["received"] < count // 3:
            assert worker.poll() is None, worker.stderr.read().decode()[-2000:]
            assert time.monotonic() - started < 60, "the worker did not get going"
            time.sleep(0.02)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    at_kill = wave_provider.stats()["received"]
    assert at_kill < count, "the wave finished before the kill; nothing was tested"
    if connection.vendor != "sqlite":
        time.sleep(lease)  # the only real wait: the dead worker's lease on PostgreSQL

    restarted = subprocess.run([ZICHT, "worker", "--once"], env=env, capture_output=True, timeout=90)
    assert restarted.returncode == 0, restarted.stderr.decode()[-2000:]
    elapsed = time.monotonic() - started

    stats = wave_provider.stats()
    phones = Counter(message["to"] for message in wave_provider.messages)
    assert stats["received"] == count and len(phones) == count and max(phones.values()) == 1
    assert set(phones) == {p.phone for p in people}
    references = Counter(message["reference"] for message in wave_provider.messages)
    assert set(references) == set(Delivery.objects.values_list("reference", flat=True))
    assert Invitation.objects.filter(status=Invitation.SENT).count() == count
    assert Delivery.objects.filter(status=Delivery.SENT).count() == count
    assert elapsed < 60
    print(
        f"\nkill -9 after {at_kill} of {count}; resends deduplicated by the provider: "
        f"{stats['duplicates']}; total {elapsed:.1f} s"
    )


@pytest.mark.postgres_only
@pytest.mark.timeout(120)
def test_two_worker_processes_on_postgres_never_send_twice(transactional_db, wave_provider, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("needs DATABASE_URL=postgres://...")
    count = 1000
    _due_wave(count)
    env = _worker_env(wave_provider, tmp_path)
    workers = [
        subprocess.Popen([ZICHT, "worker", "--once", "--batch", "20"], env=env, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    for worker in workers:
        assert worker.wait(timeout=100) == 0, worker.stderr.read().decode()[-2000:]
    stats = wave_provider.stats()
    phones = Counter(message["to"] for message in wave_provider.messages)
    assert stats["received"] == count and max(phones.values()) == 1
    assert stats["duplicates"] == 0  # SKIP LOCKED: no row was ever claimed by both
    assert Delivery.objects.filter(status=Delivery.SENT).count() == count
