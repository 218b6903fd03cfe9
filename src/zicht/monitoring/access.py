"""Who sees which students, alerts and group figures on the dashboard.

Everything is built on zicht.core.permissions (visible_people, mentor_person, coordinator_teams);
this module only narrows those answers down for the monitoring pages.
"""

from datetime import timedelta

from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from zicht.core import clock, permissions
from zicht.monitoring import diaries
from zicht.monitoring.models import Alert
from zicht.people.models import Person, StaffRole, Team, current_links

# An unhandled alert whose signal ended more than this long ago is history, not a to-do.
RECENT = timedelta(weeks=4)


def caseload(user, on=None):
    """The mentor's current students, ordered by name; empty for users who are not a mentor."""
    mentor = permissions.mentor_person(user)
    if mentor is None:
        return Person.objects.none(), None
    linked = current_links(on).filter(mentor=mentor).values("student")
    students = Person.objects.filter(id__in=linked, role=Person.STUDENT).select_related("team__organisation")
    return students.order_by("first_name", "last_name", "id"), mentor


def visible_student(user, student_id):
    """The student if this user may see them, else 404 (never 403: no hint that the id exists)."""
    queryset = permissions.visible_people(user).filter(role=Person.STUDENT)
    return get_object_or_404(queryset.select_related("team__organisation"), pk=student_id)


def visible_alert(user, alert_id):
    alert = get_object_or_404(
        Alert.objects.select_related("student__team__organisation"),
        pk=alert_id, student__in=permissions.visible_people(user),
    )
    if alert.kind in Alert.ANSWER_KINDS and alert.student_id not in diaries.sharing_students([alert.student]):
        raise Http404()
    return alert


def alerts_for(students, shared_ids):
    """Alerts of these students that may be shown: answer-based kinds only for sharing students."""
    ids = [s.pk for s in students]
    return Alert.objects.filter(student_id__in=ids).filter(
        Q(student_id__in=list(shared_ids)) | ~Q(kind__in=Alert.ANSWER_KINDS)
    )


def current_filter(today=None):
    """Open alerts that still matter: the signal is on, or ended recently."""
    today = today or clock.localtime().date()
    return Q(state__in=Alert.OPEN_STATES) & (Q(ongoing=True) | Q(last_week_start__gte=today - RECENT))


def group_teams(user):
    """Teams whose group figures this user may see: a coordinator's teams, a researcher's organisation."""
    research = permissions.roles(user).filter(role=StaffRole.RESEARCHER).values("organisation")
    return Team.objects.filter(
        Q(id__in=permissions.coordinator_teams(user).values("id")) | Q(organisation__in=research)
    ).select_related("organisation").order_by("organisation__name", "name")
