"""Which feedback a student gets: on or off, and which constructs, per organisation or protocol.

Rule (docs/guide-student.md explains it for staff too):
1. the newest FeedbackSettings row for the student's protocol wins;
2. else the newest row for the whole organisation, except for control-group protocols, which
   never inherit it (a control group must stay a control group unless a researcher says so);
3. else the default: on with DEFAULT_KEYS, off for control-group protocols.
Rows are only ever added, so ``choice_for(..., at=...)`` tells what was in force at any moment.
"""

from dataclasses import dataclass

from django.db.models import Q

from zicht.core import clock
from zicht.feedback.constructs import DEFAULT_KEYS, keys_valid
from zicht.feedback.models import FeedbackSettings
from zicht.people.models import StaffRole

CONTROL_PROTOCOLS = {"student_control"}


@dataclass
class Choice:
    enabled: bool
    constructs: list
    row: FeedbackSettings | None
    source: str  # "default", "default:control", "organisation" or "protocol:<key>"


def choice_for(person, protocol=None, at=None):
    return choice_for_organisation(person.team.organisation, protocol, at)


def choice_for_organisation(organisation, protocol=None, at=None):
    """The choice in force for students of ``organisation`` on ``protocol`` (None: no protocol)."""
    at = at or clock.now()
    rows = FeedbackSettings.objects.filter(organisation=organisation, created_at__lte=at).order_by(
        "-created_at", "-pk"
    )
    control = protocol is not None and protocol.key in CONTROL_PROTOCOLS
    row, source = None, "default:control" if control else "default"
    if protocol is not None:
        row = rows.filter(protocol=protocol).first()
        if row is not None:
            source = f"protocol:{protocol.key}"
    if row is None and not control:
        row = rows.filter(protocol__isnull=True).first()
        if row is not None:
            source = "organisation"
    if row is None:
        return Choice(enabled=not control, constructs=list(DEFAULT_KEYS), row=None, source=source)
    return Choice(enabled=row.enabled, constructs=keys_valid(row.constructs) or list(DEFAULT_KEYS), row=row,
                  source=source)


def change_settings(organisation, *, enabled, constructs, protocol=None, note="", user=None, now=None):
    """Record a new choice (the old rows stay as history)."""
    return FeedbackSettings.objects.create(
        organisation=organisation, protocol=protocol, enabled=bool(enabled), constructs=keys_valid(constructs),
        note=(note or "")[:300], created_at=now or clock.now(),
        created_by=user if user is not None and user.is_authenticated else None,
    )


def configurable_organisations(user):
    """Researchers and organisation-wide coordinators set the feedback choice of their organisation."""
    from zicht.core import permissions
    from zicht.people.models import Organisation

    if not user.is_authenticated:
        return Organisation.objects.none()
    mine = permissions.roles(user).filter(
        Q(role=StaffRole.RESEARCHER) | Q(role=StaffRole.COORDINATOR, team__isnull=True)
    )
    return Organisation.objects.filter(id__in=mine.values("organisation"))


def history(organisation):
    return FeedbackSettings.objects.filter(organisation=organisation).select_related(
        "protocol", "created_by"
    ).order_by("-created_at", "-pk")
