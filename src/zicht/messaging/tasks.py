"""Scale-out: Celery runs the same dispatcher pass; the database stays the queue.

Several Celery workers may run ``dispatch`` at once: claims use SKIP LOCKED on PostgreSQL, so
no invitation is sent twice and losing the broker loses nothing (rows stay due). Celery beat
schedules it (zicht/celery.py), by default twice every 30 seconds.
"""

from datetime import timedelta

from celery import shared_task

from zicht.messaging import dispatcher


@shared_task(name="zicht.messaging.dispatch", ignore_result=True)
def dispatch(batch=100, max_seconds=25, send_threads=1, lease_seconds=None, plan=True):
    """One bounded pass, so overlapping beats never pile up. ``lease_seconds``: how long this
    worker's claims stay its own (a killed worker's claims are taken over after it); ``plan``:
    whether this pass also plans (beat asks one pass per tick to)."""
    lease = timedelta(seconds=lease_seconds) if lease_seconds else dispatcher.LEASE
    return dispatcher.run_once(
        batch=batch, max_seconds=max_seconds, send_threads=send_threads, lease=lease, plan=plan
    )
