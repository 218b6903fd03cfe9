"""Enrolment records (pseudonymous) for cohort flow analytics, grouped in datasets owned by a school."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zicht.people.models import Organisation


class CohortDataset(models.Model):
    """One imported file of enrolment records. Only the owner sees cells under 5 unsuppressed."""

    owner = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="cohort_datasets")
    name = models.CharField(_("name"), max_length=200)
    source_filename = models.CharField(max_length=255, blank=True)
    row_count = models.PositiveIntegerField(default=0)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-imported_at"]

    def __str__(self):
        return self.name


class DatasetShare(models.Model):
    """Another organisation (e.g. the sending VSO schools) may see the suppressed figures."""

    dataset = models.ForeignKey(CohortDataset, on_delete=models.CASCADE, related_name="shares")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    shared_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["dataset", "organisation"], name="datasetshare_unique")
        ]

    def __str__(self):
        return f"{self.dataset} → {self.organisation}"


class EnrolmentRecord(models.Model):
    LEVELS = [("entree", "Entree"), ("2", "2"), ("3", "3"), ("4", "4")]
    END_REASONS = [
        ("diploma", _("diploma")),
        ("dropout", _("dropout")),
        ("switch", _("switched programme")),
        ("never_started", _("never started")),
        ("other", _("other")),
    ]

    dataset = models.ForeignKey(CohortDataset, on_delete=models.CASCADE, related_name="records")
    row_number = models.PositiveIntegerField()
    student = models.CharField(max_length=64)
    institution = models.CharField(max_length=200)
    programme = models.CharField(max_length=200)
    level = models.CharField(max_length=6, choices=LEVELS)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=20, choices=END_REASONS, blank=True)
    diploma = models.BooleanField(default=False)
    prior_school_type = models.CharField(max_length=20, blank=True)
    prior_school_end_date = models.DateField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["dataset", "student"])]

    def __str__(self):
        return f"{self.student} {self.programme} {self.start_date}"
