"""zicht: weekly diaries, early warning and a continuous support line for MBO schools.

The Celery app (scale-out) is loaded only when a broker is configured, so the ``zicht`` command
and the embedded setup never import Celery. When it is configured, loading it here makes tasks
sent from web processes use the configured broker.
"""

import os


def _celery_configured():
    return bool(os.environ.get("CELERY_BROKER_URL", "").strip() or os.environ.get("CELERY_BROKER_URL_FILE"))


if _celery_configured():
    from .celery import app as celery_app  # noqa: F401

    __all__ = ["celery_app"]
