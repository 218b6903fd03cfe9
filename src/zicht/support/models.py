"""The continuous support line: transition dossiers (VSO → MBO), consent per purpose, landing
check-ins, aftercare, de-registrations with follow-up, and the outflow check-in.

Business rules live in services.py; who may see a dossier is decided in core/permissions.py.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zicht.people.models import Organisation, Person, Team


class SchoolHoliday(models.Model):
    """A holiday range that does not count as school days. Empty organisation: applies to everyone."""

    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.CASCADE, related_name="school_holidays"
    )
    name = models.CharField(_("name"), max_length=100)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))

    class Meta:
        ordering = ["starts_on"]

    def __str__(self):
        return f"{self.name} {self.starts_on}–{self.ends_on}"


class DeregistrationReason(models.Model):
    """A reason code for de-registrations; editable in the admin (a data migration ships the defaults)."""

    code = models.SlugField(max_length=40, unique=True)
    label_nl = models.CharField(max_length=120)
    label_en = models.CharField(max_length=120)
    order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["order", "code"]

    def __str__(self):
        return self.label_nl

    def label(self, language="nl"):
        return self.label_en if language == "en" else self.label_nl


class TransitionDossier(models.Model):
    """What a VSO school hands over to the receiving MBO school about one pupil."""

    LEVELS = [("entree", "Entree"), ("2", _("niveau 2")), ("3", _("niveau 3")), ("4", _("niveau 4"))]

    student = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="transition_dossiers")
    sending_team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="outgoing_dossiers")
    pupil_birth_date = models.DateField(_("date of birth"))
    intended_programme = models.CharField(_("intended programme"), max_length=200)
    intended_level = models.CharField(_("level"), max_length=6, choices=LEVELS)
    receiving_team = models.ForeignKey(
        Team, on_delete=models.PROTECT, related_name="incoming_dossiers", verbose_name=_("receiving school")
    )
    start_year = models.PositiveSmallIntegerField(_("start year (after the summer)"))
    registered_on = models.DateField(_("registered on"), null=True, blank=True)
    support_needs = models.JSONField(_("support needs"), default=list, blank=True)
    support_needs_text = models.TextField(_("support needs (free text)"), blank=True)
    what_helped = models.TextField(_("what helped"), blank=True)
    handed_over_at = models.DateTimeField(null=True, blank=True)
    receiving_contact = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    contact_assigned_at = models.DateTimeField(null=True, blank=True)
    receipt_confirmed_at = models.DateTimeField(null=True, blank=True)
    receiving_mentor = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="received_dossiers"
    )
    intake_on = models.DateField(_("intake"), null=True, blank=True)
    specialist_intake_on = models.DateField(_("specialist intake"), null=True, blank=True)
    mbo_started_on = models.DateField(_("first day at the MBO"), null=True, blank=True)
    review_100_on = models.DateField(null=True, blank=True)
    review_100_notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["receiving_team", "start_year"])]

    def __str__(self):
        return f"{self.student} → {self.intended_programme}"


class DossierContact(models.Model):
    """A person who knows the pupil: parent, VSO mentor, care worker, transfer coach."""

    dossier = models.ForeignKey(TransitionDossier, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=150)
    role = models.CharField(_("role"), max_length=100)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)

    def __str__(self):
        return f"{self.name} ({self.role})"


class DossierConsent(models.Model):
    """One consent decision for one purpose, by the pupil or a parent, with the exact text shown.

    A grant stays in force until ``withdrawn_at``; granting again after a withdrawal is a new row,
    so the history is complete.
    """

    SHARE_SCHOOL = "share_school"
    SHARE_MENTOR = "share_mentor"
    RESEARCH = "research"
    PURPOSES = [
        (SHARE_SCHOOL, _("delen met de mbo-school")),
        (SHARE_MENTOR, _("delen met de mentor op het mbo")),
        (RESEARCH, _("gebruik voor onderzoek")),
    ]
    PUPIL = "pupil"
    PARENT = "parent"
    GIVERS = [(PUPIL, _("leerling")), (PARENT, _("ouder of verzorger"))]

    dossier = models.ForeignKey(TransitionDossier, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(max_length=20, choices=PURPOSES)
    given_by = models.CharField(max_length=10, choices=GIVERS)
    text_version = models.CharField(max_length=20)
    text = models.TextField()
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["dossier", "purpose", "given_by"])]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier", "purpose", "given_by"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="dossierconsent_one_active_grant",
            ),
        ]

    def __str__(self):
        return f"{self.purpose} by {self.given_by} ({self.text_version})"


class PlannedCheckIn(models.Model):
    """A moment on which somebody should be asked or met: landing check-ins, the 100-day review,
    the monthly outflow check-in. When the scheduling app is present each questionnaire row is
    also a Window (and so an invitation); otherwise it is a to-do with a due date."""

    LANDING_STUDENT = "landing_student"
    LANDING_MENTOR = "landing_mentor"
    REVIEW_100 = "review_100"
    OUTFLOW = "outflow"
    KINDS = [
        (LANDING_STUDENT, _("check-in eerste 100 dagen (student)")),
        (LANDING_MENTOR, _("check-in eerste 100 dagen (mentor)")),
        (REVIEW_100, _("100-dagengesprek")),
        (OUTFLOW, _("check-in na vertrek")),
    ]

    dossier = models.ForeignKey(
        TransitionDossier, null=True, blank=True, on_delete=models.CASCADE, related_name="checkins"
    )
    deregistration = models.ForeignKey(
        "Deregistration", null=True, blank=True, on_delete=models.CASCADE, related_name="checkins"
    )
    kind = models.CharField(max_length=20, choices=KINDS)
    occasion = models.PositiveSmallIntegerField(default=1)
    questionnaire_key = models.CharField(max_length=80, blank=True)
    respondent = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    due_on = models.DateField()
    window = models.ForeignKey(
        "responses.Window", null=True, blank=True, on_delete=models.SET_NULL, related_name="support_checkins"
    )
    done_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier", "kind", "occasion"],
                condition=models.Q(dossier__isnull=False),
                name="plannedcheckin_unique_dossier",
            ),
            models.UniqueConstraint(
                fields=["deregistration", "kind", "occasion"],
                condition=models.Q(deregistration__isnull=False),
                name="plannedcheckin_unique_deregistration",
            ),
        ]

    def __str__(self):
        return f"{self.kind} #{self.occasion} due {self.due_on}"


class AftercareContact(models.Model):
    """The sending VSO school keeps in touch for at least a year: one row per contact."""

    CHANNELS = [
        ("call", _("telefoongesprek")),
        ("visit", _("bezoek")),
        ("message", _("bericht")),
        ("other", _("anders")),
    ]

    dossier = models.ForeignKey(
        TransitionDossier, on_delete=models.CASCADE, related_name="aftercare_contacts"
    )
    contacted_on = models.DateField(_("date"))
    channel = models.CharField(_("how"), max_length=10, choices=CHANNELS, default="call")
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["contacted_on"]

    def __str__(self):
        return f"aftercare {self.contacted_on}"


class Deregistration(models.Model):
    """A student leaves a programme: a de-registration or a negative binding study advice (BSA)."""

    DEREGISTRATION = "deregistration"
    NEGATIVE_BSA = "negative_bsa"
    KINDS = [(DEREGISTRATION, _("uitschrijving")), (NEGATIVE_BSA, _("negatief bindend studieadvies"))]
    INITIATORS = [
        ("student", _("student")),
        ("school", _("school")),
        ("parent", _("ouder of verzorger")),
        ("other", _("anders")),
    ]

    student = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="deregistrations")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="deregistrations")
    kind = models.CharField(_("kind"), max_length=20, choices=KINDS, default=DEREGISTRATION)
    enrolled_on = models.DateField(_("enrolled on"))
    deregistered_on = models.DateField(_("de-registered on"))
    reason = models.ForeignKey(DeregistrationReason, on_delete=models.PROTECT, verbose_name=_("reason"))
    reason_text = models.CharField(_("explanation"), max_length=300, blank=True)
    destination = models.CharField(_("destination (if known)"), max_length=200, blank=True)
    initiated_by = models.CharField(_("initiated by"), max_length=10, choices=INITIATORS)
    outflow_consent = models.BooleanField(_("student agrees to a monthly check-in"), default=False)
    outflow_consent_at = models.DateTimeField(null=True, blank=True)
    designated_contact = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("contact person for answers"),
    )
    follow_up_on = models.DateField(_("follow-up contact on"), null=True, blank=True)
    follow_up_notes = models.TextField(_("follow-up notes"), blank=True)
    follow_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    stopped_subscriptions = models.PositiveIntegerField(default=0)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["team", "deregistered_on"])]
        ordering = ["-deregistered_on", "-id"]

    def __str__(self):
        return f"{self.student} {self.kind} {self.deregistered_on}"

    @property
    def days_enrolled(self):
        return (self.deregistered_on - self.enrolled_on).days


class AccessLogEntry(models.Model):
    """Who looked at which dossier, de-registration or timeline, when and why.

    Kept here so the dossier page can show its own access history; every entry is also passed to
    the privacy app's audit log when that app provides one.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=40)
    object_type = models.CharField(max_length=40)
    object_id = models.PositiveBigIntegerField()
    student = models.ForeignKey(Person, null=True, on_delete=models.SET_NULL, related_name="+")
    why = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["object_type", "object_id", "at"])]
        ordering = ["-at"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type} {self.object_id}"
