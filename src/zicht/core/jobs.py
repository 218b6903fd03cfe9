"""Periodic work beside sending messages: alerts, contact-request follow-up, retention.

`zicht worker` runs these after every dispatcher pass (embedded default); in the scale-out
setup Celery beat calls the same functions. Each job is idempotent, and one failing job
never stops the others: what it did not do is still due next time.
"""

import logging
from datetime import timedelta

from zicht.core import clock

log = logging.getLogger("zicht.jobs")

PURGE_EVERY = timedelta(hours=1)


def compute_alerts(now):
    from zicht.monitoring.services import compute_alerts_if_due

    result = compute_alerts_if_due(now)
    return {"alerts_computed": 1} if result is not None else {}


def follow_up_contact_requests(now):
    from zicht.feedback.contact import escalate_overdue, send_due_notifications

    counts = {f"contact_{key}": value for key, value in send_due_notifications(now).items()}
    counts["contact_overdue"] = escalate_overdue(now)
    return counts


def purge_expired_data(now):
    from zicht.privacy.retention import purge_expired

    return {f"retention_{key}": value for key, value in purge_expired(now).items()}


class PeriodicJobs:
    """Remembers when the hourly jobs last ran in this process."""

    def __init__(self):
        self.last_purge = None

    def run(self, now=None):
        now = now or clock.now()
        jobs = [compute_alerts, follow_up_contact_requests]
        if self.last_purge is None or now - self.last_purge >= PURGE_EVERY:
            jobs.append(purge_expired_data)
            self.last_purge = now
        counts = {}
        for job in jobs:
            try:
                counts.update(job(now))
            except Exception:  # noqa: BLE001 - log and go on; the job is retried next pass
                log.exception("periodic job %s failed", job.__name__)
        return {key: value for key, value in counts.items() if value}
