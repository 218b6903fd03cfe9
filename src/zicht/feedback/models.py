"""Rows of the feedback app.

- FeedbackSettings: per organisation (optionally narrowed to one protocol) whether students see the
  feedback page and which constructs. Rows are never edited: a change is a new row, so the history
  of what a study showed is data that analyses can use.
- FeedbackExposure: the first time a student saw (or did not see) feedback after one diary.
- ContactRequest: a student asked to talk to their mentor (or coordinator).
- ContactNotification: the durable outbox row for each e-mail/SMS about a contact request.
- ChannelPreference: SMS, e-mail or both, chosen by the participant.
- PhoneChange: a new phone number waiting for its 6-digit code.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zicht.people.models import Organisation, Person
from zicht.protocols.models import Protocol
from zicht.responses.models import Window


class FeedbackSettings(models.Model):
    """One version of the feedback choice for an organisation, or for one protocol in it.

    The newest row for (organisation, protocol) is in force; a protocol row beats the organisation
    row. Without any row the defaults in feedback.study_settings apply (on, except control groups).
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="feedback_settings")
    protocol = models.ForeignKey(
        Protocol, null=True, blank=True, on_delete=models.CASCADE, related_name="feedback_settings",
        help_text="empty: every protocol of the organisation",
    )
    enabled = models.BooleanField(_("show the feedback page"), default=True)
    constructs = models.JSONField(default=list, help_text="construct keys in display order (feedback.constructs)")
    note = models.CharField(max_length=300, blank=True, help_text="why, e.g. 'control group of study X'")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name_plural = "feedback settings"
        indexes = [models.Index(fields=["organisation", "protocol", "created_at"])]

    def __str__(self):
        scope = self.protocol.key if self.protocol_id else "all protocols"
        return f"{self.organisation} / {scope}: {'on' if self.enabled else 'off'} {self.constructs}"


class FeedbackExposure(models.Model):
    """What a student was shown after one diary: recorded once, when the thank-you page first opens."""

    window = models.OneToOneField(Window, on_delete=models.CASCADE, related_name="feedback_exposure")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="feedback_exposures")
    shown = models.BooleanField()
    constructs = models.JSONField(default=list)
    settings = models.ForeignKey(FeedbackSettings, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="exposures", help_text="empty: the built-in default applied")
    source = models.CharField(max_length=40, help_text="default, organisation or protocol:<key>")
    at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"feedback {'shown' if self.shown else 'not shown'} for window {self.window_id}"


class ContactRequest(models.Model):
    """A student asked to talk to someone. One open request per student at a time."""

    NEW = "new"
    PICKED_UP = "picked_up"
    DONE = "done"
    STATES = [(NEW, _("new")), (PICKED_UP, _("picked up")), (DONE, _("done"))]
    OPEN_STATES = (NEW, PICKED_UP)

    TO_MENTOR = "mentor"
    TO_COORDINATOR = "coordinator"
    ROUTES = [(TO_MENTOR, _("mentor")), (TO_COORDINATOR, _("coordinator"))]

    # How the student would like to be contacted.
    IN_PERSON = "in_person"
    CALL = "call"
    TEXT = "text"
    EMAIL = "email"
    CHANNELS = [
        (IN_PERSON, _("in person at school")),
        (CALL, _("phone call")),
        (TEXT, _("text message or app")),
        (EMAIL, _("e-mail")),
    ]

    student = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="contact_requests")
    mentor = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="contact_requests_received",
        help_text="the student's mentor when the request was made (empty: none or inactive)",
    )
    routed_to = models.CharField(max_length=12, choices=ROUTES)
    message = models.TextField(blank=True, max_length=500)
    preferred_channel = models.CharField(max_length=10, choices=CHANNELS, default=IN_PERSON)
    language = models.CharField(max_length=5, default="nl")
    state = models.CharField(max_length=10, choices=STATES, default=NEW)
    created_at = models.DateTimeField(default=timezone.now)
    picked_up_at = models.DateTimeField(null=True, blank=True)
    picked_up_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    picked_up_name = models.CharField(max_length=150, blank=True, help_text="first name shown to the student")
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    escalated_at = models.DateTimeField(null=True, blank=True, help_text="coordinator told it is overdue")

    class Meta:
        indexes = [models.Index(fields=["state", "created_at"]), models.Index(fields=["student", "created_at"])]
        constraints = [
            models.UniqueConstraint(fields=["student"], condition=Q(state__in=["new", "picked_up"]),
                                    name="contactrequest_one_open_per_student"),
        ]

    def __str__(self):
        return f"contact request {self.pk} of {self.student_id} ({self.state})"

    @property
    def is_open(self):
        return self.state in self.OPEN_STATES


class ContactNotification(models.Model):
    """One e-mail or SMS to staff about a contact request, written before it is sent."""

    SMS = "sms"
    EMAIL = "email"
    CHANNELS = [(SMS, "SMS"), (EMAIL, "e-mail")]

    NEW_REQUEST = "new_request"
    OVERDUE = "overdue"
    PURPOSES = [(NEW_REQUEST, _("new request")), (OVERDUE, _("overdue"))]

    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"
    STATUSES = [(QUEUED, _("queued")), (SENT, _("sent")), (FAILED, _("failed"))]

    contact_request = models.ForeignKey(ContactRequest, on_delete=models.CASCADE, related_name="notifications")
    purpose = models.CharField(max_length=12, choices=PURPOSES, default=NEW_REQUEST)
    channel = models.CharField(max_length=5, choices=CHANNELS)
    to = models.CharField(max_length=254)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    reference = models.CharField(max_length=60, unique=True)
    status = models.CharField(max_length=10, choices=STATUSES, default=QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self):
        return f"{self.channel} {self.reference} ({self.status})"


class ChannelPreference(models.Model):
    """How a participant wants their diary links: SMS, e-mail or both."""

    SMS = "sms"
    EMAIL = "email"
    BOTH = "both"
    CHOICES = [(SMS, _("SMS")), (EMAIL, _("e-mail")), (BOTH, _("SMS and e-mail"))]

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="channel_preference")
    channel = models.CharField(max_length=5, choices=CHOICES, default=BOTH)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.person_id}: {self.channel}"


class PhoneChange(models.Model):
    """A new number waiting for the code we texted to it. Only an HMAC of the code is stored."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="phone_changes")
    new_phone = models.CharField(max_length=20)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    verified_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    send_error = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [models.Index(fields=["person", "created_at"])]

    def __str__(self):
        return f"phone change {self.pk} for {self.person_id}"
