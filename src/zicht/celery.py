"""Scale-out background work: Celery workers and one beat drive the functions `zicht worker` runs.

The database stays the queue. A Celery message only says "run a dispatcher pass now"; the pass
claims outbox rows with SELECT … FOR UPDATE SKIP LOCKED. Losing Redis, a message or a worker
therefore loses nothing: the rows stay due and the next pass takes them (docs/deploy.md,
docs/decisions/0010-celery-beat-fan-out.md).

Start with ``celery -A zicht.celery worker`` and ``celery -A zicht.celery beat``. Knobs (all
environment variables, read once at start):

- ``ZICHT_DISPATCH_INTERVAL`` seconds between beat ticks (default 30); a pass runs at most this long.
- ``ZICHT_DISPATCH_PARALLEL`` dispatch passes queued per tick (default 2: one per worker process,
  so every process of the dispatch queue works on a large wave). Only the first of them also
  plans (closes windows, plans invitation and reminder rows): planning needs one process, not all.
- ``ZICHT_DISPATCH_BATCH`` invitations claimed at a time (default 100).
- ``ZICHT_DISPATCH_SEND_THREADS`` parallel provider connections within one pass (default 4).
- ``ZICHT_DISPATCH_LEASE`` seconds before a dead worker's claims may be taken over (default 300).
- ``ZICHT_JOBS_INTERVAL`` seconds between the periodic jobs of core/jobs.py (default 60): the
  early-warning run (which only works when a diary window closed since its last run) and the
  contact-request follow-up. The retention purge runs hourly.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zicht.settings")


def _env_number(name, default, kind=int):
    value = os.environ.get(name, "").strip()
    return kind(value) if value else default


DISPATCH_INTERVAL = _env_number("ZICHT_DISPATCH_INTERVAL", 30.0, float)
DISPATCH_PARALLEL = _env_number("ZICHT_DISPATCH_PARALLEL", 2)
DISPATCH_BATCH = _env_number("ZICHT_DISPATCH_BATCH", 100)
DISPATCH_SEND_THREADS = _env_number("ZICHT_DISPATCH_SEND_THREADS", 4)
DISPATCH_LEASE = _env_number("ZICHT_DISPATCH_LEASE", 300.0, float)
JOBS_INTERVAL = _env_number("ZICHT_JOBS_INTERVAL", 60.0, float)

DISPATCH_QUEUE = "dispatch"
ANALYTICS_QUEUE = "analytics"


def beat_schedule():
    """Dispatch passes every interval (several, so every dispatch process gets one) and the periodic
    jobs `zicht worker` runs after its passes. Expired ticks are dropped, so an outage never piles up work."""
    schedule = {
        f"dispatch-{n}": {
            "task": "zicht.messaging.dispatch",
            "schedule": DISPATCH_INTERVAL,
            "kwargs": {
                "batch": DISPATCH_BATCH,
                "max_seconds": DISPATCH_INTERVAL,
                "send_threads": DISPATCH_SEND_THREADS,
                "lease_seconds": DISPATCH_LEASE,
                "plan": n == 0,  # one pass per tick plans; the others only send
            },
            "options": {"expires": DISPATCH_INTERVAL, "queue": DISPATCH_QUEUE},
        }
        for n in range(max(DISPATCH_PARALLEL, 1))
    }
    jobs = {
        "early-warning": ("zicht.core.compute_alerts", JOBS_INTERVAL),
        "contact-follow-up": ("zicht.core.follow_up_contact_requests", JOBS_INTERVAL),
        "retention-purge": ("zicht.core.purge_expired_data", 3600.0),
    }
    for name, (task, every) in jobs.items():
        schedule[name] = {
            "task": task,
            "schedule": every,
            "options": {"expires": every, "queue": ANALYTICS_QUEUE},
        }
    return schedule


app = Celery("zicht")
# CELERY_BROKER_URL (and any other CELERY_* Django setting) comes from zicht.settings.
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(
    timezone=os.environ.get("ZICHT_TIME_ZONE", "Europe/Amsterdam"),
    enable_utc=True,
    task_ignore_result=True,
    # One message at a time per process: a long pass must not hold the next tick hostage.
    worker_prefetch_multiplier=1,
    # Acknowledge on receipt: a pass lost with its worker is simply run again by the next tick.
    task_acks_late=False,
    task_routes={
        "zicht.messaging.*": {"queue": DISPATCH_QUEUE},
        "zicht.core.*": {"queue": ANALYTICS_QUEUE},
    },
    task_default_queue="celery",
    # Keep trying while Redis is down (at start and later); the outbox waits in the database.
    broker_connection_retry_on_startup=True,
    broker_connection_max_retries=None,
    broker_transport_options={"visibility_timeout": 3600, "socket_timeout": 10, "socket_connect_timeout": 5},
    worker_hijack_root_logger=False,
    beat_schedule=beat_schedule(),
)
app.autodiscover_tasks()
