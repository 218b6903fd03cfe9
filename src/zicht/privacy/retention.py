"""Retention: personal data is not kept longer than needed. The worker calls purge_expired daily."""

from datetime import timedelta

from django.db.models import Max
from django.db.models.functions import Coalesce, Greatest

from zicht.core import clock
from zicht.people.models import Organisation, Person
from zicht.privacy.audit import audit
from zicht.privacy.gdpr import erase_person
from zicht.privacy.models import AuditEvent, Erasure, PrivacyPolicy, Study
from zicht.responses.models import AccessLink, Draft, Response

DEFAULT_RETENTION_DAYS = 730
# Drafts of windows that closed, and links that expired, are useless after this.
LEFTOVER_DAYS = 30


def retention_days(organisation):
    policy = PrivacyPolicy.objects.filter(organisation=organisation).first()
    return policy.retention_days if policy else DEFAULT_RETENTION_DAYS


def expired_people(organisation, now):
    """Inactive people of an organisation whose last activity is older than its retention period."""
    cutoff = now - timedelta(days=retention_days(organisation))
    return (
        Person.objects.filter(team__organisation=organisation, is_active=False)
        .exclude(pk__in=Erasure.objects.values("person_id"))
        .annotate(
            last_activity=Greatest(
                "created_at",
                Coalesce(Max("windows__opens_at"), "created_at"),
                Coalesce(Max("windows__response__submitted_at"), "created_at"),
            )
        )
        .filter(last_activity__lt=cutoff)
    )


def purge_expired(now=None):
    """Erase expired people, drop research data past its study's retention, and clean leftovers.

    Returns counts; safe to run any number of times (it only removes what is expired at ``now``).
    """
    now = now or clock.now()
    counts = {"people_erased": 0, "responses_deleted": 0, "drafts_deleted": 0, "links_deleted": 0}
    for organisation in Organisation.objects.all():
        for person in expired_people(organisation, now):
            erase_person(person, reason="retention", why="retention period ended", now=now, thorough=False)
            counts["people_erased"] += 1
    for study in Study.objects.exclude(retention_days=None):
        cutoff = now - timedelta(days=study.retention_days)
        deleted, _ = Response.objects.filter(
            window__questionnaire__key__in=study.questionnaire_keys,
            window__respondent__team__organisation_id=study.organisation_id,
            submitted_at__lt=cutoff,
        ).delete()
        counts["responses_deleted"] += deleted
    leftover = now - timedelta(days=LEFTOVER_DAYS)
    counts["drafts_deleted"] = Draft.objects.filter(window__closes_at__lt=leftover).delete()[0]
    counts["links_deleted"] = AccessLink.objects.filter(expires_at__lt=leftover).delete()[0]
    if any(counts.values()):
        audit(None, AuditEvent.PURGE, None, "retention", detail=counts, now=now)
    return counts
