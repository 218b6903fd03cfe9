"""Questionnaires are data: a definition (YAML in the repo) becomes an immutable published version."""

import hashlib
import json

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone


class Questionnaire(models.Model):
    key = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)

    def __str__(self):
        return self.key

    def latest_version(self):
        return self.versions.order_by("-number").first()


class QuestionnaireVersion(models.Model):
    """One published version of a questionnaire; never changed after publishing.

    Every response points at the version it answered, so old answers stay interpretable.
    """

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    definition = models.JSONField()
    checksum = models.CharField(max_length=64)
    published_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "number"], name="qversion_unique_number"),
            models.UniqueConstraint(fields=["questionnaire", "checksum"], name="qversion_unique_checksum"),
        ]

    def __str__(self):
        return f"{self.questionnaire.key} v{self.number}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("A published questionnaire version is immutable; publish a new version.")
        self.checksum = definition_checksum(self.definition)
        super().save(*args, **kwargs)


def definition_checksum(definition):
    canonical = json.dumps(definition, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
