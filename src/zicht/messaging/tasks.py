"""Scale-out: Celery runs the same dispatcher pass; the database stays the queue.

Several Celery workers may run ``dispatch`` at once: claims use SKIP LOCKED on PostgreSQL, so
no invitation is sent twice and losing the broker loses nothing (rows stay due). Schedule it
with Celery beat, e.g. every 30 seconds.
"""

from celery import shared_task

from zicht.messaging import dispatcher


@shared_task(name="zicht.messaging.dispatch", ignore_result=True)
def dispatch(batch=100, max_seconds=25):
    """One bounded pass, so overlapping beats never pile up."""
    return dispatcher.run_once(batch=batch, max_seconds=max_seconds)
