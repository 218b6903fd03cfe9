"""Protocols (what is asked when) and subscriptions (who follows which protocol from when)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zicht.people.models import Person


class Protocol(models.Model):
    """A sequence of measurements as data; see protocols/schedule.py for how it becomes windows."""

    key = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    definition = models.JSONField(default=dict)

    def __str__(self):
        return self.name


class Subscription(models.Model):
    """A person follows a protocol; for a mentor diary, ``about`` is the student it is about."""

    ACTIVE = "active"
    PAUSED = "paused"
    STOPPED = "stopped"
    STATES = [(ACTIVE, _("active")), (PAUSED, _("paused")), (STOPPED, _("stopped"))]

    protocol = models.ForeignKey(Protocol, on_delete=models.PROTECT, related_name="subscriptions")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="subscriptions")
    about = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="subscriptions_about"
    )
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=STATES, default=ACTIVE)
    paused_until = models.DateField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    stop_reason = models.CharField(max_length=200, blank=True)
    # Windows opening before this instant are not planned: used when a mentor takes over a
    # student mid-protocol, so the new mentor's weeks line up with the student's.
    not_before = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["protocol", "person", "about", "starts_on"], name="subscription_unique_start"
            ),
        ]

    def __str__(self):
        return f"{self.person} on {self.protocol}"


class SubscriptionEvent(models.Model):
    """A change that matters (enrolled, paused, resumed, stopped, mentor changed), kept as a row."""

    ENROLLED = "enrolled"
    PAUSED = "paused"
    RESUMED = "resumed"
    STOPPED = "stopped"
    MENTOR_CHANGED = "mentor_changed"
    KINDS = [
        (ENROLLED, _("enrolled")),
        (PAUSED, _("paused")),
        (RESUMED, _("resumed")),
        (STOPPED, _("stopped")),
        (MENTOR_CHANGED, _("mentor changed")),
    ]

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=KINDS)
    at = models.DateTimeField()
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [models.Index(fields=["subscription", "at"])]

    def __str__(self):
        return f"{self.kind} {self.subscription_id} at {self.at:%Y-%m-%d %H:%M}"
