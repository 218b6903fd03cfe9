"""Celery tasks of the core app (scale-out): the periodic jobs `zicht worker` runs after each pass.

The functions live in core/jobs.py and are the same in both setups; beat (zicht/celery.py) decides
when they run. Each is idempotent, so a tick that runs twice or late changes nothing.
The dispatcher's own task lives in messaging/tasks.py.
"""

import logging

from celery import shared_task

from zicht.core import clock, jobs

log = logging.getLogger(__name__)


def _run(job):
    counts = job(clock.now())
    if counts:
        log.info("%s: %s", job.__name__, counts)
    return counts


@shared_task(name="zicht.core.compute_alerts", ignore_result=True)
def compute_alerts():
    """Score diary weeks that closed since the last run and raise or update alerts (if any closed)."""
    return _run(jobs.compute_alerts)


@shared_task(name="zicht.core.follow_up_contact_requests", ignore_result=True)
def follow_up_contact_requests():
    """Retry queued contact notifications and tell coordinators about overdue requests."""
    return _run(jobs.follow_up_contact_requests)


@shared_task(name="zicht.core.purge_expired_data", ignore_result=True)
def purge_expired_data():
    """Remove what the retention periods say must go."""
    return _run(jobs.purge_expired_data)
