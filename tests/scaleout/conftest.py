"""Fixtures for the scale-out tests: a private Redis, Celery worker processes, a wave of due invitations.

Everything runs on 127.0.0.1. The Redis server is this test run's own (a free port under a temporary
directory), so stopping it never disturbs anybody else's tests.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.utils import timezone

CELERY = [sys.executable, "-m", "celery", "-A", "zicht.celery"]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, timeout, what, interval=0.05):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


class RedisServer:
    """A throw-away redis-server that can be stopped and started again on the same port."""

    def __init__(self, directory):
        self.directory = Path(directory)
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self._accepts, 10, "redis-server to accept connections")
        return self

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def _accepts(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False


@pytest.fixture
def redis_server(tmp_path):
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = RedisServer(tmp_path).start()
    yield server
    server.stop()


@pytest.fixture
def postgres(transactional_db):
    """Celery workers are separate processes that need committed rows in a shared PostgreSQL."""
    if connection.vendor != "postgresql":
        pytest.skip("needs DATABASE_URL=postgres://… (scripts/start-services.sh)")


def database_url():
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


class CeleryWorker:
    """`celery worker --beat` in its own process group, so kill -9 takes the pool processes too."""

    def __init__(self, env, log_path):
        self.env, self.log_path, self.process = env, log_path, None

    def start(self):
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(
            [
                *CELERY,
                "worker",
                "--beat",
                "--schedule",
                str(self.log_path.with_suffix(".schedule")),
                "--queues",
                "dispatch,analytics,celery",
                "--concurrency",
                "2",
                "--loglevel",
                "INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        return self

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def kill_9(self):
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self):
        """Teardown only (assertions are done): no need to wait for a warm shutdown."""
        if self.alive():
            self.kill_9()

    def log_tail(self, chars=3000):
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""


@pytest.fixture
def provider():
    from zicht.messaging.fakeprovider import start_fake_provider

    fake = start_fake_provider(api_key="k")
    yield fake
    fake.stop()


@pytest.fixture
def celery_worker(postgres, redis_server, provider, tmp_path):
    """Factory: a Celery worker (2 processes + beat every 0.5 s) on the test database and private Redis."""
    started = []

    def make(**extra_env):
        env = dict(
            os.environ,
            DATABASE_URL=database_url(),
            CELERY_BROKER_URL=redis_server.url,
            ZICHT_DATA_DIR=str(tmp_path),
            ZICHT_SMS_BACKEND="http",
            ZICHT_SMS_API_URL=provider.url,
            ZICHT_SMS_API_KEY="k",
            ZICHT_DEV_PAGES="false",
            ZICHT_LOG_LEVEL="WARNING",
            ZICHT_DISPATCH_INTERVAL="0.5",
            ZICHT_DISPATCH_PARALLEL="2",
            ZICHT_DISPATCH_BATCH="20",
            ZICHT_DISPATCH_SEND_THREADS="4",
            ZICHT_DISPATCH_LEASE="3",
            PYTHONUNBUFFERED="1",
        )
        env.update(extra_env)
        worker = CeleryWorker(env, tmp_path / f"celery-{len(started)}.log").start()
        started.append(worker)
        return worker

    yield make
    for worker in started:
        worker.stop()


def make_due_wave(count):
    """``count`` students with one open diary window each and a due invitation (real clock).

    One transaction, so a worker that is already running sees the whole wave or none of it."""
    from zicht.messaging.models import Invitation, InvitationWindow
    from zicht.people.models import Organisation, Person, Team
    from zicht.questionnaires.loader import sync_definitions
    from zicht.questionnaires.models import Questionnaire
    from zicht.responses.models import Window

    sync_definitions()
    now = timezone.now()
    with transaction.atomic():
        team = Team.objects.create(organisation=Organisation.objects.create(name="ROC Golf"), name="Golf 1")
        questionnaire = Questionnaire.objects.get(key="student_diary")
        people = Person.objects.bulk_create(
            Person(
                role=Person.STUDENT,
                team=team,
                external_id=f"G{i}",
                first_name=f"Golf{i}",
                phone=f"+3163{i:07d}",
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


def assert_each_delivered_once(provider, people):
    """Every student got exactly one SMS at the provider, and the outbox says so too."""
    from collections import Counter

    from zicht.messaging.models import Delivery, Invitation

    phones = Counter(message["to"] for message in provider.messages)
    assert set(phones) == {p.phone for p in people}
    assert max(phones.values()) == 1
    assert provider.stats()["received"] == len(people)
    # The provider has answered the last batch; the worker marks it sent a moment later.
    wait_for(
        lambda: Delivery.objects.filter(status=Delivery.SENT).count() >= len(people), 10, "the outbox to record every send"
    )
    assert Delivery.objects.filter(status=Delivery.SENT).count() == len(people)
    assert Invitation.objects.filter(status=Invitation.SENT).count() == len(people)
    references = {m["reference"] for m in provider.messages}
    assert references == set(Delivery.objects.values_list("reference", flat=True))
