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


# --- privacy, exports, audit, API (privacy/ and api/ ask these) ---


def is_admin(user):
    """Administrators configure organisations and read the audit log; they see no diary answers."""
    return user.is_authenticated and (user.is_superuser or has_role(user, StaffRole.ADMIN))


def admin_organisations(user):
    from zicht.people.models import Organisation

    if not user.is_authenticated:
        return Organisation.objects.none()
    if user.is_superuser:
        return Organisation.objects.all()
    return Organisation.objects.filter(id__in=roles(user).filter(role=StaffRole.ADMIN).values("organisation"))


def visible_audit_events(user):
    """Audit events an administrator may read: those of their organisations (all, for superusers)."""
    from zicht.privacy.models import AuditEvent

    if not is_admin(user):
        return AuditEvent.objects.none()
    if user.is_superuser:
        return AuditEvent.objects.all()
    return AuditEvent.objects.filter(organisation_id__in=admin_organisations(user).values("id"))


def requires_second_factor(user):
    """Coordinators, researchers and administrators see many people's data: TOTP is mandatory."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or roles(user).filter(
        role__in=[StaffRole.COORDINATOR, StaffRole.RESEARCHER, StaffRole.ADMIN]
    ).exists()


def organisation_coordinator(user, organisation):
    """An organisation-wide coordinator (a coordinator role without a team)."""
    return roles(user).filter(role=StaffRole.COORDINATOR, organisation=organisation, team=None).exists()


def visible_studies(user):
    """Studies whose pseudonymised data this user may export: researchers and organisation-wide
    coordinators of the study's organisation."""
    from zicht.privacy.models import Study

    if not user.is_authenticated:
        return Study.objects.none()
    mine = roles(user).filter(Q(role=StaffRole.RESEARCHER) | Q(role=StaffRole.COORDINATOR, team=None))
    return Study.objects.filter(organisation__in=mine.values("organisation"))


def can_export_study(user, study):
    return visible_studies(user).filter(pk=study.pk).exists()


def can_export_identities(user, study):
    """Names, phone numbers and e-mail addresses in an export: only an organisation-wide coordinator
    (never a researcher), and only with a stated reason (checked by the export view)."""
    return organisation_coordinator(user, study.organisation)


def can_manage_privacy(user, person):
    """Access requests, erasure and consent records: the coordinator of the person's team."""
    return can_manage_team(user, person.team)


def api_token_allows(token, scope):
    """An API token works only for its own organisation and only for the scopes it was given."""
    return token is not None and token.revoked_at is None and scope in (token.scopes or [])


def api_people(token):
    """People an API token may read and change: everyone in its organisation."""
    if token is None:
        return Person.objects.none()
    return Person.objects.filter(team__organisation_id=token.organisation_id)


# --- Continuous support line (support and cohorts apps) ----------------------------------------
# A transition dossier is seen by the sending side (whoever may see the pupil) and, only while the
# pupil (and a parent while under 16) consents, by the receiving school: its coordinators and the
# assigned contact person (purpose "share with receiving school") and the receiving mentor
# (purpose "share with receiving mentor"). Without consent the dossier is absent everywhere there.


def visible_dossiers(user, now=None):
    from zicht.support import consent  # noqa: PLC0415 - the support app builds on this module
    from zicht.support.models import DossierConsent, TransitionDossier  # noqa: PLC0415

    if not user.is_authenticated:
        return TransitionDossier.objects.none()
    sending = Q(student__in=visible_people(user)) | Q(sending_team__in=coordinator_teams(user))
    receiving_school = (
        Q(receiving_team__in=coordinator_teams(user)) | Q(receiving_contact=user)
    ) & Q(handed_over_at__isnull=False) & consent.in_force_q(DossierConsent.SHARE_SCHOOL, now)
    receiving_mentor = (
        Q(receiving_mentor__user=user)
        & Q(handed_over_at__isnull=False)
        & consent.in_force_q(DossierConsent.SHARE_MENTOR, now)
    )
    return TransitionDossier.objects.filter(sending | receiving_school | receiving_mentor).distinct()


def is_sending_side(user, dossier):
    """May edit the dossier and record consent: the pupil's own (VSO) school."""
    return can_view_person(user, dossier.student) or coordinator_teams(user).filter(pk=dossier.sending_team_id).exists()


def can_view_dossier(user, dossier, now=None):
    return visible_dossiers(user, now).filter(pk=dossier.pk).exists()


def visible_deregistrations(user):
    from zicht.support.models import Deregistration  # noqa: PLC0415

    if not user.is_authenticated:
        return Deregistration.objects.none()
    return Deregistration.objects.filter(
        Q(team__in=coordinator_teams(user)) | Q(student__in=visible_people(user)) | Q(designated_contact=user)
    ).distinct()


def cohort_organisations(user):
    """Organisations whose enrolment records this user works with (coordinators and researchers)."""
    from zicht.people.models import Organisation  # noqa: PLC0415

    mine = roles(user).filter(role__in=[StaffRole.COORDINATOR, StaffRole.RESEARCHER, StaffRole.ADMIN])
    return Organisation.objects.filter(id__in=mine.values("organisation"))


def visible_cohort_datasets(user):
    """Datasets of the user's own organisations and datasets shared with them (shown suppressed)."""
    from zicht.cohorts.models import CohortDataset  # noqa: PLC0415

    if not user.is_authenticated:
        return CohortDataset.objects.none()
    orgs = cohort_organisations(user)
    return CohortDataset.objects.filter(Q(owner__in=orgs) | Q(shares__organisation__in=orgs)).distinct()


def owns_cohort_dataset(user, dataset):
    """Inside the owning school: the only place where cells under 5 may be shown."""
    return user.is_authenticated and cohort_organisations(user).filter(pk=dataset.owner_id).exists()
