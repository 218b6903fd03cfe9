"""Privacy records: the audit log, consent per purpose, studies with their pseudonym secret and
retention, API tokens, and the record that an erasure happened.

The audit log is append-only: the model refuses updates and deletes, and a database trigger
(migration 0002) refuses changes to its facts. Only the text fields that may name a person
(``actor_name``, ``why``, ``detail``) can be overwritten, and only with the erasure marker.
"""

import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zicht.people.models import Organisation, Person

ERASED = "[verwijderd]"


class AppendOnlyError(Exception):
    """Somebody tried to change or delete an audit event."""


class AuditQuerySet(models.QuerySet):
    def delete(self):
        raise AppendOnlyError("audit events cannot be deleted")

    def update(self, **kwargs):
        raise AppendOnlyError("audit events cannot be changed; use redact_for_person()")

    def redact_for_person(self, person_id):
        """Erasure: blank the free-text fields of events about one person (the facts stay)."""
        return models.QuerySet.update(
            self.filter(person_id=person_id), why=ERASED, detail={}, actor_name=ERASED
        )

    def redact_actor(self, user_id):
        """Erasure of a staff member: their user name disappears from the events they caused."""
        return models.QuerySet.update(self.filter(actor_id=user_id), actor_name=ERASED)


class AuditEvent(models.Model):
    """Who did what with whose data, when, and why. One row per event, never changed."""

    VIEW = "view"
    EXPORT = "export"
    ACCESS_EXPORT = "access_export"
    ERASE = "erase"
    CONSENT = "consent"
    WITHDRAW = "withdraw"
    PURGE = "purge"
    LOGIN = "login"
    API = "api"
    ACTIONS = [
        (VIEW, _("viewed")),
        (EXPORT, _("exported")),
        (ACCESS_EXPORT, _("access request export")),
        (ERASE, _("erased")),
        (CONSENT, _("consent given")),
        (WITHDRAW, _("consent withdrawn")),
        (PURGE, _("retention purge")),
        (LOGIN, _("logged in")),
        (API, _("API call")),
    ]

    at = models.DateTimeField(default=timezone.now, db_index=True)
    # Plain ids, not foreign keys: deleting a user or person must never delete or alter history.
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=20, choices=ACTIONS)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    person_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    organisation_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    why = models.TextField(blank=True)
    detail = models.JSONField(default=dict, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name or '-'} {self.action} {self.object_type} {self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("audit events cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit events cannot be deleted")


class ConsentText(models.Model):
    """The exact wording a participant agreed to, per purpose and version."""

    PARTICIPATION = "participation"
    SHARE_WITH_MENTOR = "share_with_mentor"
    RESEARCH = "research"
    PURPOSES = [
        (PARTICIPATION, _("taking part in the weekly diary")),
        (SHARE_WITH_MENTOR, _("sharing answers with the mentor")),
        (RESEARCH, _("use of pseudonymised answers for research")),
    ]

    purpose = models.CharField(max_length=30, choices=PURPOSES)
    version = models.PositiveIntegerField()
    text_nl = models.TextField()
    text_en = models.TextField()
    published_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["purpose", "version"], name="consenttext_unique_version")
        ]

    def __str__(self):
        return f"{self.purpose} v{self.version}"


class Consent(models.Model):
    """One 'yes' of one person to one purpose, until it is withdrawn. History is kept as rows."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(max_length=30, choices=ConsentText.PURPOSES)
    text = models.ForeignKey(ConsentText, on_delete=models.PROTECT, related_name="consents")
    given_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # Who recorded it: "self" (the participant on their own form), or a staff user id as text.
    recorded_by = models.CharField(max_length=40, blank=True)

    class Meta:
        indexes = [models.Index(fields=["person", "purpose", "given_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "purpose"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="consent_one_active_per_purpose",
            ),
        ]

    def __str__(self):
        return f"{self.person_id} {self.purpose} v{self.text.version}"


def new_secret():
    return secrets.token_hex(32)


class PrivacyPolicy(models.Model):
    """Per organisation: how long personal data of people who left is kept."""

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="privacy_policy")
    # Days after a person's last activity (inactive people only) before their personal data is erased.
    retention_days = models.PositiveIntegerField(default=730)

    def __str__(self):
        return f"{self.organisation}: {self.retention_days} days"


class Study(models.Model):
    """A research study: the answers of one organisation's people on some questionnaires.

    Its secret makes pseudonyms stable across exports and unlinkable between studies.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="studies")
    key = models.SlugField(max_length=80)
    name = models.CharField(max_length=200)
    questionnaire_keys = models.JSONField(default=list, help_text="questionnaire keys included in exports")
    secret = models.CharField(max_length=128, default=new_secret, editable=False)
    # Research data (pseudonymised answers) older than this is deleted by the purge; empty = keep.
    retention_days = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "studies"
        constraints = [models.UniqueConstraint(fields=["organisation", "key"], name="study_unique_key")]

    def __str__(self):
        return self.name

    def pseudonym(self, person_id):
        """HMAC-SHA-256 of the internal person id under the study secret: stable, not reversible."""
        if person_id is None:
            return ""
        digest = hmac.new(self.secret.encode(), str(person_id).encode(), hashlib.sha256).hexdigest()
        return "p" + digest[:16]


class Erasure(models.Model):
    """The fact that a person's personal data was erased (no personal values in it)."""

    person_id = models.BigIntegerField(db_index=True)
    at = models.DateTimeField(default=timezone.now)
    kept_research_data = models.BooleanField(default=False)
    reason = models.CharField(max_length=20, default="request")  # request | retention

    def __str__(self):
        return f"erasure of {self.person_id} at {self.at:%Y-%m-%d}"


class ApiToken(models.Model):
    """A bearer token for the REST API, for one organisation with a set of scopes.

    Only the SHA-256 of the token is stored; the token is shown once when it is created.
    """

    SCOPES = [
        ("people:read", _("read people and mentor links")),
        ("people:write", _("create, change and deactivate people and mentor links")),
        ("responses:read", _("read pseudonymised responses")),
        ("alerts:read", _("read alerts")),
        ("alerts:write", _("change the state of alerts")),
        ("enrolments:read", _("read enrolments")),
        ("enrolments:write", _("enrol people on protocols")),
    ]

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12, help_text="first characters, to recognise a token in lists")
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # The account that changes made through this token are recorded under (alert history needs
    # a user); it cannot log in.
    service_user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="api_token"
    )

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    def acting_user(self):
        from django.contrib.auth import get_user_model

        if self.service_user_id is None:
            user = get_user_model().objects.create(
                username=f"api-{self.prefix}", is_active=False, first_name=f"API: {self.name}"[:150]
            )
            user.set_unusable_password()
            user.save(update_fields=["password"])
            self.service_user = user
            self.save(update_fields=["service_user"])
        return self.service_user

    @staticmethod
    def hash_token(token):
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def issue(cls, organisation, name, scopes, created_by=None):
        """Create a token and return (row, token); the token itself is never stored."""
        valid = {code for code, _label in cls.SCOPES}
        unknown = sorted(set(scopes) - valid)
        if unknown:
            raise ValueError(f"unknown scope {unknown[0]!r}")
        token = "zt_" + secrets.token_urlsafe(32)
        row = cls.objects.create(
            organisation=organisation,
            name=name,
            token_hash=cls.hash_token(token),
            prefix=token[:10],
            scopes=sorted(set(scopes)),
            created_by=created_by,
        )
        return row, token
