"""Every view of a dossier, de-registration or timeline leaves a row.

The support app keeps its own access log (the dossier page shows who looked, which pupils and
parents may ask about) and also hands each entry to the privacy app's central audit log when that
app provides ``audit(user, action, obj, why="")``.
"""

import logging

from zicht.core import clock
from zicht.support.models import AccessLogEntry

log = logging.getLogger(__name__)


def _central_audit():
    try:
        from zicht.privacy.audit import audit  # noqa: PLC0415 - optional until the privacy app lands
    except ImportError:
        return None
    return audit


VIEW = "view"
EXPORT = "export"


def record(user, action, obj, *, student=None, why="", now=None):
    """``action`` is "view" or "export" (the privacy app's action names)."""
    entry = AccessLogEntry.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        action=action,
        object_type=obj._meta.model_name,
        object_id=obj.pk,
        student=student,
        why=why[:200],
        at=now or clock.now(),
    )
    central = _central_audit()
    if central is not None:
        central(user, action, obj, why=why, person=student, now=entry.at, detail={"support": True})
    return entry


def entries_for(obj):
    return AccessLogEntry.objects.filter(object_type=obj._meta.model_name, object_id=obj.pk).select_related(
        "user"
    )
