"""Windows to fill in, the responses stored in them, drafts, and the personal links that open them."""

import hashlib
import secrets

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zicht.people.models import Person
from zicht.protocols.models import Subscription
from zicht.questionnaires.models import Questionnaire, QuestionnaireVersion


class Window(models.Model):
    """One occasion on which a person may fill in one questionnaire (about one student, for mentors).

    Windows are planned ahead as rows; the unique constraint makes planning idempotent.
    """

    PLANNED = "planned"
    COMPLETED = "completed"
    MISSED = "missed"
    CANCELLED = "cancelled"
    STATES = [
        (PLANNED, _("planned")),
        (COMPLETED, _("completed")),
        (MISSED, _("missed")),
        (CANCELLED, _("cancelled")),
    ]

    subscription = models.ForeignKey(
        Subscription, null=True, blank=True, on_delete=models.CASCADE, related_name="windows"
    )
    respondent = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="windows")
    about = models.ForeignKey(Person, null=True, blank=True, on_delete=models.CASCADE, related_name="windows_about")
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, related_name="windows")
    measurement = models.CharField(max_length=60)
    occasion = models.PositiveIntegerField(default=1)
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField(null=True, blank=True, help_text="empty: open until the subscription ends")
    state = models.CharField(max_length=10, choices=STATES, default=PLANNED)
    completed_at = models.DateTimeField(null=True, blank=True)
    # Whether the dispatcher has planned this window's invitation and reminder rows
    # (messaging/planner.py). Kept on the window so that finding the windows still to plan, among
    # tens of millions, is one small partial index instead of a search through the links.
    messages_planned = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "measurement", "occasion"], name="window_unique_occasion"
            ),
        ]
        indexes = [
            models.Index(fields=["respondent", "state", "opens_at"]),
            # The planner's two questions: what must be planned, and what has closed unanswered.
            models.Index(
                fields=["opens_at"], condition=Q(state="planned", messages_planned=False), name="window_to_plan"
            ),
            models.Index(fields=["closes_at"], condition=Q(state="planned"), name="window_to_close"),
        ]

    def __str__(self):
        return f"{self.measurement} #{self.occasion} for {self.respondent_id}"

    def is_open(self, now=None):
        now = now or timezone.now()
        return (
            self.state == self.PLANNED
            and self.opens_at <= now
            and (self.closes_at is None or now < self.closes_at)
        )


def open_windows(person, now=None):
    """Windows this person can fill in right now, oldest first."""
    now = now or timezone.now()
    return (
        Window.objects.filter(respondent=person, state=Window.PLANNED, opens_at__lte=now)
        .filter(models.Q(closes_at__isnull=True) | models.Q(closes_at__gt=now))
        .select_related("questionnaire", "about")
        .order_by("opens_at", "about__first_name", "id")
    )


class Response(models.Model):
    """A submitted questionnaire. One per window: a double submit cannot store two."""

    window = models.OneToOneField(Window, on_delete=models.CASCADE, related_name="response")
    version = models.ForeignKey(QuestionnaireVersion, on_delete=models.PROTECT, related_name="responses")
    answers = models.JSONField(default=dict)
    # Quality meta-data: untouched sliders, hidden items, time to complete, user agent class.
    meta = models.JSONField(default=dict)
    language = models.CharField(max_length=5, default="nl")
    started_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"response to {self.window}"


class Draft(models.Model):
    """What was typed so far, kept so a dropped connection or a closed tab loses nothing."""

    window = models.OneToOneField(Window, on_delete=models.CASCADE, related_name="draft")
    answers = models.JSONField(default=dict)
    meta = models.JSONField(default=dict)
    started_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"draft of {self.window}"


class AccessLink(models.Model):
    """A personal link. Only a hash of the token is stored; the token itself is in the message."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="access_links")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"link of person {self.person_id} until {self.expires_at:%Y-%m-%d %H:%M}"

    @staticmethod
    def hash_token(token):
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def build(cls, person, expires_at, created_at=None):
        """An unsaved link and its token (32 random bytes = 256 bits); for bulk inserts."""
        token = secrets.token_urlsafe(32)
        link = cls(person=person, token_hash=cls.hash_token(token), expires_at=expires_at,
                   created_at=created_at or timezone.now())
        return link, token

    @classmethod
    def issue(cls, person, expires_at):
        """Create a link and return (link, token)."""
        link, token = cls.build(person, expires_at)
        link.save()
        return link, token
