"""Recording who looked at, exported or erased whose data. Every staff view of personal data calls
``audit``; the middleware in this app records page views whose URL names a person."""

import csv

from django.db import models

from zicht.core import clock
from zicht.people.models import Person
from zicht.privacy.models import AuditEvent

# URL keyword arguments that name a person: a page with one of these shows that person's data.
PERSON_URL_KWARGS = ("person_id", "student_id", "person_pk", "student_pk")
# Pages about one person whose URL names it differently.
PERSON_URL_NAMES = {"support:timeline": "pk"}

# Actions about many people at once must say why (product.md: bulk exports are justified).
NEEDS_REASON = {AuditEvent.EXPORT, AuditEvent.ACCESS_EXPORT, AuditEvent.ERASE}


class ReasonRequired(ValueError):
    """A bulk export or erasure without a stated reason."""


def _describe(obj):
    """(object_type, object_id, person_id, organisation_id) for any model instance or None."""
    if obj is None:
        return "", "", None, None
    if isinstance(obj, models.Model):
        object_type = obj._meta.concrete_model._meta.label_lower
        person_id = obj.pk if isinstance(obj, Person) else getattr(obj, "person_id", None)
        organisation_id = None
        if isinstance(obj, Person):
            organisation_id = obj.team.organisation_id
        elif hasattr(obj, "organisation_id"):
            organisation_id = obj.organisation_id
        return object_type, str(obj.pk), person_id, organisation_id
    return type(obj).__name__.lower(), str(obj), None, None


def audit(user, action, obj=None, why="", *, person=None, organisation_id=None, detail=None, now=None):
    """Append one audit event. ``obj`` is what was touched; ``person`` whose data it was."""
    why = (why or "").strip()
    if action in NEEDS_REASON and not why:
        raise ReasonRequired(f"a reason is required for {action}")
    object_type, object_id, person_id, org_id = _describe(obj)
    if person is not None:
        person_id = person.pk
        org_id = org_id or person.team.organisation_id
    authenticated = user is not None and getattr(user, "is_authenticated", False)
    return AuditEvent.objects.create(
        at=now or clock.now(),
        actor_id=user.pk if authenticated else None,
        actor_name=user.get_username() if authenticated else "",
        action=action,
        object_type=object_type,
        object_id=object_id,
        person_id=person_id,
        organisation_id=organisation_id or org_id,
        why=why,
        detail=detail or {},
    )


def record_view(request, person, what=""):
    """A staff member saw a page with this person's data."""
    return audit(request.user, AuditEvent.VIEW, person, detail={"path": request.path[:200], "what": what})


CSV_COLUMNS = [
    "at_utc",
    "actor_id",
    "actor",
    "action",
    "object_type",
    "object_id",
    "person_id",
    "organisation_id",
    "why",
]


class _Echo:
    def write(self, value):
        return value


def csv_rows(events):
    """Yield the audit log as CSV lines (streamed; the log can be long)."""
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    for event in events.order_by("at", "id").iterator(chunk_size=2000):
        yield writer.writerow(
            [
                event.at.isoformat(),
                event.actor_id or "",
                event.actor_name,
                event.action,
                event.object_type,
                event.object_id,
                event.person_id or "",
                event.organisation_id or "",
                event.why,
            ]
        )


def record_views(request, people, what=""):
    """A list page showed these people: one row per person, written in one INSERT."""
    user = request.user
    at = clock.now()
    return AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                at=at,
                actor_id=user.pk,
                actor_name=user.get_username(),
                action=AuditEvent.VIEW,
                object_type="people.person",
                object_id=str(p.pk),
                person_id=p.pk,
                organisation_id=p.team.organisation_id,
                detail={"path": request.path[:200], "what": what},
            )
            for p in people
        ]
    )
