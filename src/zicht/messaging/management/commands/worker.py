"""``zicht worker``: send invitations and reminders, every ~30 s, until SIGTERM/SIGINT.

On SQLite only one worker may run (a file lock in the data directory); it then frees the
claims a killed worker left behind at once. On PostgreSQL any number of workers may run;
claims of a dead worker expire after the lease (5 minutes).
"""

import fcntl
import json
import logging
import signal
import threading
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from zicht.core import clock
from zicht.core.jobs import PeriodicJobs
from zicht.messaging import dispatcher

log = logging.getLogger("zicht.worker")


class Command(BaseCommand):
    requires_system_checks = []  # a daemon/CLI that must start even while an unrelated page is broken
    help = "Run the dispatcher: plan, claim and send invitations and reminders."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="one pass (everything due now), then exit")
        parser.add_argument(
            "--interval", type=float, default=30.0, help="seconds between passes (default 30)"
        )
        parser.add_argument("--batch", type=int, default=100, help="rows claimed at a time (default 100)")
        parser.add_argument(
            "--lease",
            type=float,
            default=300.0,
            help="seconds after which another worker may take over this worker's claims (default 300)",
        )
        parser.add_argument(
            "--send-threads", type=int, default=4, help="parallel connections to the providers (default 4)"
        )

    def handle(self, *args, once, interval, batch, send_threads, lease, **options):
        lease = timedelta(seconds=lease)
        lock = self._single_worker_lock()
        try:
            jobs = PeriodicJobs()
            if once:
                stats = dispatcher.run_once(batch=batch, send_threads=send_threads, lease=lease)
                stats.update(jobs.run())
                self.stdout.write(json.dumps(stats, sort_keys=True))
                return
            stop = threading.Event()

            def request_stop(signum, frame):
                log.info("signal %s: finishing the current pass, then stopping", signum)
                stop.set()

            signal.signal(signal.SIGTERM, request_stop)
            signal.signal(signal.SIGINT, request_stop)
            self.stdout.write(f"zicht worker: a pass every {interval:g} s; stop with Ctrl-C or SIGTERM")
            dispatcher.run_forever(
                stop,
                interval=interval,
                batch=batch,
                send_threads=send_threads,
                lease=lease,
                on_pass=lambda stats: self._after_pass(stats, jobs),
            )
        finally:
            if lock is not None:
                lock.close()

    def _after_pass(self, stats, jobs):
        """Alerts, contact follow-up and retention run after each dispatcher pass (core/jobs.py)."""
        stats = {**stats, **jobs.run()}
        if stats:
            log.info("pass: %s", json.dumps(stats, sort_keys=True))

    def _single_worker_lock(self):
        """SQLite: exactly one worker. The OS drops the lock when the process dies (even kill -9)."""
        if connection.vendor != "sqlite":
            return None
        path = settings.DATA_DIR / "worker.lock"
        handle = open(path, "w")  # noqa: SIM115 - held for the life of the worker
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            handle.close()
            raise CommandError(f"another zicht worker is running (lock {path})") from error
        freed = dispatcher.release_claims(clock.now())
        if freed:
            log.warning("freed %d claims left by a worker that stopped abruptly", freed)
        return handle
