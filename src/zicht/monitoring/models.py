"""Early-warning results (risk per student-week, alerts), what staff did about them, and case notes.

Every state change of an alert is an ``AlertEvent`` row (who, when, from, to, note), so the history
of "who saw what and did what" is data, not a log line.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zicht.people.models import Organisation, Person
from zicht.responses.models import Response, Window


class MonitoringSettings(models.Model):
    """Per-organisation choices for the mentor dashboard.

    ``share_answers_default`` says whether a student's diary answers are shown to their mentor as
    long as the student has not answered the sharing question themself (post-measurement item
    v10). It must match what the organisation's consent text told the students. Privacy first:
    without a row, answers are not shared.
    """

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="monitoring_settings")
    share_answers_default = models.BooleanField(
        _("diary answers shared with the mentor unless the student says no"), default=False
    )
    baseline_weeks = models.PositiveSmallIntegerField(
        _("weeks that form a student's own baseline band"), default=4
    )

    class Meta:
        verbose_name = _("monitoring settings")
        verbose_name_plural = _("monitoring settings")

    def __str__(self):
        return f"monitoring settings of {self.organisation}"


class RiskScore(models.Model):
    """The risk score of one student in one diary week, as computed when that week closed.

    Stored once per week and not rewritten later, so the dashboard shows what was known then.
    """

    student = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="risk_scores")
    week_start = models.DateField(help_text="Monday (Europe/Amsterdam) of the diary week")
    protocol_week = models.PositiveSmallIntegerField(help_text="1 = the student's first diary week")
    window = models.ForeignKey(Window, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    risk = models.FloatField()
    alert = models.BooleanField(default=False)
    quality_flag = models.BooleanField(default=False)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["student", "week_start"], name="riskscore_unique_week")]

    def __str__(self):
        return f"risk {self.risk:.2f} for {self.student_id} in week of {self.week_start}"



class Alert(models.Model):
    """One early-warning episode of one student: raised in the week it started, updated while it lasts.

    Unique per student + start week + kind, so running the computation again never duplicates.
    The kind follows the latest reason (missed diaries that turn into a clear decline stay one
    alert); careless-responding flags are separate episodes.
    """

    DECLINE = "decline"
    BELOW_BASELINE = "below_baseline"
    MISSED = "missed"
    CARELESS = "careless"
    COMBINED = "combined"
    KINDS = [
        (DECLINE, _("daling ten opzichte van eigen beginniveau")),
        (BELOW_BASELINE, _("ver onder eigen beginniveau")),
        (MISSED, _("dagboeken gemist")),
        (CARELESS, _("antwoorden nakijken")),
        (COMBINED, _("meerdere signalen samen")),
    ]
    # Kinds that say something about the answers themselves; shown only when the student shares them.
    ANSWER_KINDS = (DECLINE, BELOW_BASELINE, CARELESS, COMBINED)

    NEW = "new"
    SEEN = "seen"
    ACTED = "acted"
    DISMISSED = "dismissed"
    STATES = [
        (NEW, _("nieuw")),
        (SEEN, _("gezien")),
        (ACTED, _("actie ondernomen")),
        (DISMISSED, _("afgewezen")),
    ]
    OPEN_STATES = (NEW, SEEN)

    student = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=20, choices=KINDS)
    week_start = models.DateField(help_text="Monday of the week the episode started")
    last_week_start = models.DateField(help_text="Monday of the latest week the signal was still on")
    window = models.ForeignKey(Window, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    protocol_week = models.PositiveSmallIntegerField(default=1)
    risk = models.FloatField(default=0.0, help_text="risk score in the latest week of the episode")
    max_risk = models.FloatField(default=0.0)
    reason = models.TextField(help_text="plain-language reason (Dutch), from the early-warning scorer")
    ongoing = models.BooleanField(default=True, help_text="the signal was still on at the last computation")
    state = models.CharField(max_length=10, choices=STATES, default=NEW)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    state_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["student", "week_start", "kind"], name="alert_unique_episode"),
        ]
        indexes = [models.Index(fields=["student", "state"])]

    def __str__(self):
        return f"{self.kind} alert for {self.student_id} from {self.week_start}"

    @property
    def is_open(self):
        return self.state in self.OPEN_STATES


class CaseNote(models.Model):
    """A mentor's or coordinator's note about a student. Never shown to other mentors."""

    student = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="case_notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="case_notes")
    text = models.TextField(_("notitie"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["student", "created_at"])]

    def __str__(self):
        return f"note on {self.student_id} by {self.author_id}"


class AlertEvent(models.Model):
    """One transition of an alert: who moved it from which state to which, when, and why."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="alert_events")
    from_state = models.CharField(max_length=10, choices=Alert.STATES)
    to_state = models.CharField(max_length=10, choices=Alert.STATES)
    note = models.TextField(blank=True)
    case_note = models.ForeignKey(CaseNote, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # A mentor diary (with its logged actions) this handling refers to.
    action_response = models.ForeignKey(
        Response, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["alert", "at"])]

    def __str__(self):
        return f"{self.alert_id}: {self.from_state} → {self.to_state} by {self.actor_id}"
