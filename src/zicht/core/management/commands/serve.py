"""Serve zicht with a production WSGI server and run the background worker beside it.

This is the embedded default: one command, one machine, SQLite. The worker is a child
process (`zicht worker`) so a crash in one does not take down the other.

``--celery`` runs a Celery worker with an embedded beat instead (needs CELERY_BROKER_URL): the
scale-out engine on one machine. Larger setups run web, workers and beat as separate services
(docs/deploy.md).
"""

import signal
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Serve the web application and run the background worker (embedded default)."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--web-workers", type=int, default=2)
        parser.add_argument("--no-worker", action="store_true", help="do not start the background worker")
        parser.add_argument(
            "--celery",
            action="store_true",
            help="run a Celery worker with beat instead of `zicht worker` (needs CELERY_BROKER_URL)",
        )

    def handle(self, *args, **options):
        call_command("collectstatic", interactive=False, verbosity=0)
        if options["celery"] and not settings.CELERY_BROKER_URL:
            raise CommandError("--celery needs CELERY_BROKER_URL, e.g. redis://127.0.0.1:6379/0")
        worker = None
        if not options["no_worker"]:
            worker = subprocess.Popen(_worker_command(options["celery"]))
            self.stdout.write(f"background worker started (pid {worker.pid})")
        try:
            _run_gunicorn(options["bind"], options["web_workers"])
        finally:
            if worker is not None and worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
                try:
                    worker.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    worker.kill()


def _worker_command(celery):
    if not celery:
        return [sys.executable, "-m", "zicht.cli", "worker"]
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "zicht.celery",
        "worker",
        "--beat",
        "--queues",
        "dispatch,analytics,celery",
        "--concurrency",
        "2",
        "--loglevel",
        "INFO",
        "--schedule",
        str(settings.DATA_DIR / "celerybeat-schedule"),
    ]


def _run_gunicorn(bind, workers):
    from gunicorn.app.base import BaseApplication

    from zicht.wsgi import application

    class ZichtServer(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", bind)
            self.cfg.set("workers", workers)
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("threads", 4)
            self.cfg.set("timeout", 60)
            self.cfg.set("accesslog", "-")

        def load(self):
            return application

    ZichtServer().run()
