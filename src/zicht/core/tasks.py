"""Celery tasks of the core app (scale-out). The dispatcher's task lives in messaging/tasks.py."""

import logging

from celery import shared_task

log = logging.getLogger(__name__)


@shared_task(name="zicht.core.compute_alerts", ignore_result=True)
def compute_alerts():
    """Score the diary weeks that closed and raise or update alerts; idempotent, so a rerun is harmless."""
    from zicht.monitoring.services import compute_alerts as run

    result = run()
    log.info("early-warning run: %s", result)
    return str(result)
