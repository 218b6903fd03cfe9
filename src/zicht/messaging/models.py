"""The durable outbox: every invitation and reminder is a row before anything is sent.

Invitation = one message moment for one person (a bundle of windows opening together).
Delivery = one attempt-series on one channel (SMS or e-mail) for an invitation; its ``reference``
is the provider's idempotency key, written before the first send.
The dispatcher (dispatcher.py) claims due rows; docs/scheduling.md describes the life cycle.
"""

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zicht.people.models import Person
from zicht.responses.models import Window


class Invitation(models.Model):
    INVITATION = "invitation"
    REMINDER = "reminder"
    KINDS = [(INVITATION, _("invitation")), (REMINDER, _("reminder"))]

    PLANNED = "planned"  # waiting for due_at
    SENDING = "sending"  # claimed by a worker, or deliveries still being retried
    SENT = "sent"  # at least one channel accepted it
    MISSED = "missed"  # its windows closed before it could go out (never sent late)
    CANCELLED = "cancelled"  # nothing to send any more: completed, paused, stopped, opted out
    FAILED = "failed"  # every channel failed for good, or no way to reach the person
    STATUSES = [
        (PLANNED, _("planned")),
        (SENDING, _("sending")),
        (SENT, _("sent")),
        (MISSED, _("missed")),
        (CANCELLED, _("cancelled")),
        (FAILED, _("failed")),
    ]

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="invitations")
    kind = models.CharField(max_length=12, choices=KINDS)
    # The scheduled opening of the bundled windows: with person and kind it names the bundle.
    moment = models.DateTimeField()
    due_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=STATUSES, default=PLANNED)
    windows = models.ManyToManyField(Window, through="InvitationWindow", related_name="invitations")
    # Set while a worker prepares the deliveries; an expired claim means that worker died.
    claimed_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True, help_text="why it was cancelled, missed or failed")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "kind", "moment"], name="invitation_one_per_moment"),
        ]
        indexes = [
            models.Index(fields=["due_at"], condition=Q(status="planned"), name="invitation_due"),
            models.Index(fields=["claimed_until"], condition=Q(status="sending"), name="invitation_claimed"),
            models.Index(fields=["person", "moment"]),
        ]

    def __str__(self):
        return f"{self.kind} for {self.person_id} at {self.moment:%Y-%m-%d %H:%M} ({self.status})"


class InvitationWindow(models.Model):
    """Which windows an invitation is about. The unique (window, kind) makes a second
    invitation or a second reminder for the same window impossible, not just unlikely."""

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="links")
    window = models.ForeignKey(Window, on_delete=models.CASCADE, related_name="invitation_links")
    kind = models.CharField(max_length=12, choices=Invitation.KINDS)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["window", "kind"], name="one_invitation_per_window_kind")
        ]

    def __str__(self):
        return f"{self.kind} {self.invitation_id} → window {self.window_id}"


def new_reference():
    return "z" + uuid.uuid4().hex


class Delivery(models.Model):
    SMS = "sms"
    EMAIL = "email"
    CHANNELS = [(SMS, _("SMS")), (EMAIL, _("e-mail"))]

    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    STATUSES = [(QUEUED, _("queued")), (SENT, _("sent")), (DELIVERED, _("delivered")), (FAILED, _("failed"))]

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=5, choices=CHANNELS)
    to = models.CharField(max_length=254)
    subject = models.CharField(max_length=200, blank=True)
    # Stored before the first attempt so a resend is byte-identical. The personal link in it is
    # blanked once the message is final, unless development pages need it (docs/scheduling.md).
    body = models.TextField()
    reference = models.CharField(max_length=40, unique=True, default=new_reference)
    provider_id = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=10, choices=STATUSES, default=QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    error_code = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    status_at = models.DateTimeField(null=True, blank=True, help_text="last delivery report")

    class Meta:
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["invitation", "channel"], name="delivery_one_per_channel"),
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(status="queued"), name="delivery_due"),
            models.Index(fields=["-created_at"]),
        ]

    def __str__(self):
        return f"{self.channel} {self.reference} ({self.status})"


class OptOut(models.Model):
    """Somebody asked for no more messages: by replying STOP (phone) or on the opt-out page (person).

    A person opt-out stops every message to that person; a phone opt-out stops SMS to that number.
    """

    SMS_REPLY = "sms"
    PAGE = "page"
    STAFF = "staff"
    SOURCES = [(SMS_REPLY, _("SMS reply")), (PAGE, _("opt-out page")), (STAFF, _("staff"))]

    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="opt_outs"
    )
    phone = models.CharField(max_length=20, blank=True)
    source = models.CharField(max_length=10, choices=SOURCES)
    text = models.CharField(max_length=160, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["phone"]), models.Index(fields=["person"])]

    def __str__(self):
        return f"opt-out {self.person_id or self.phone} ({self.source})"


class ContactProblem(models.Model):
    """A channel refused an address for good (e.g. an invalid number): shown to the coordinator.

    No more messages go to that address until it changes or the problem is resolved.
    """

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="contact_problems")
    channel = models.CharField(max_length=5, choices=Delivery.CHANNELS)
    address = models.CharField(max_length=254)
    reason = models.CharField(max_length=300)
    delivery = models.ForeignKey(Delivery, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "channel", "address"],
                condition=Q(resolved_at__isnull=True),
                name="contactproblem_one_open",
            ),
        ]

    def __str__(self):
        return f"{self.channel} {self.address}: {self.reason}"
