"""Who may see whom. Every page, API endpoint and export asks these functions; no view decides alone.

Scopes (product.md): a mentor sees the students linked to them; a coordinator sees their team
(or the whole organisation when their role has no team); a researcher sees pseudonymised data of
their organisation's studies; an admin configures and audits but sees no diary answers.
"""

from django.db.models import Q

from zicht.people.models import MentorLink, Person, StaffRole, Team


def roles(user):
    if not user.is_authenticated:
        return StaffRole.objects.none()
    return StaffRole.objects.filter(user=user)


def has_role(user, role):
    return roles(user).filter(role=role).exists()


def coordinator_teams(user):
    """Teams a coordinator manages: their team, or every team of an organisation-wide role."""
    mine = roles(user).filter(role=StaffRole.COORDINATOR)
    return Team.objects.filter(
        Q(id__in=mine.exclude(team=None).values("team")) | Q(organisation__in=mine.filter(team=None).values("organisation"))
    )


def mentor_person(user):
    if not user.is_authenticated:
        return None
    return Person.objects.filter(user=user, role=Person.MENTOR).first()


def visible_people(user):
    """People whose personal data this staff user may see."""
    if not user.is_authenticated:
        return Person.objects.none()
    query = Q(team__in=coordinator_teams(user))
    mentor = mentor_person(user)
    if mentor is not None:
        # Students currently or formerly linked to this mentor, and the mentor themself.
        linked = MentorLink.objects.filter(mentor=mentor).values("student")
        query |= Q(id__in=linked) | Q(id=mentor.id)
    return Person.objects.filter(query).distinct()


def can_view_person(user, person):
    return visible_people(user).filter(pk=person.pk).exists()


def can_manage_team(user, team):
    return coordinator_teams(user).filter(pk=team.pk).exists()


def is_staff_member(user):
    return user.is_authenticated and (user.is_superuser or roles(user).exists() or mentor_person(user) is not None)
