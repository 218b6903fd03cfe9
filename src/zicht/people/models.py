"""Organisations, teams, the people who fill in diaries, and who mentors whom."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    # Shown to students as "je begeleidingsinitiatief" in the diary.
    programme_name = models.CharField(_("coaching programme name"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return self.name


class Team(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(_("name"), max_length=200)
    # The word students use for their mentor in this team (coach, buddy, mentor, ...).
    mentor_title = models.CharField(_("title of the mentor"), max_length=60, default="begeleider")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="team_unique_name")]

    def __str__(self):
        return f"{self.organisation} / {self.name}"


class Person(models.Model):
    """Somebody who is invited to fill in questionnaires: a student or a mentor.

    Students never log in; they reach their forms through token links. A mentor may
    also have a staff account (``user``) to see the dashboard.
    """

    STUDENT = "student"
    MENTOR = "mentor"
    ROLES = [(STUDENT, _("student")), (MENTOR, _("mentor"))]
    GENDERS = [("", _("unknown")), ("f", _("female")), ("m", _("male")), ("x", _("other"))]

    role = models.CharField(max_length=10, choices=ROLES)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="people")
    external_id = models.CharField(_("school number"), max_length=64)
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    gender = models.CharField(_("gender"), max_length=1, choices=GENDERS, blank=True)
    phone = models.CharField(_("mobile number"), max_length=20, blank=True, help_text="E.164")
    email = models.EmailField(_("e-mail"), blank=True)
    language = models.CharField(_("language"), max_length=5, default="nl", choices=settings.LANGUAGES)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="person"
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "role", "external_id"], name="person_unique_external_id"),
        ]
        indexes = [models.Index(fields=["role", "team"])]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def organisation(self):
        return self.team.organisation

    def current_mentor(self, on=None):
        link = current_links(on).filter(student=self).select_related("mentor").first()
        return link.mentor if link else None


class StudentManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(role=Person.STUDENT)

    def create(self, **kwargs):
        kwargs["role"] = Person.STUDENT
        return super().create(**kwargs)


class MentorManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(role=Person.MENTOR)

    def create(self, **kwargs):
        kwargs["role"] = Person.MENTOR
        return super().create(**kwargs)


class Student(Person):
    objects = StudentManager()

    class Meta:
        proxy = True


class Mentor(Person):
    objects = MentorManager()

    class Meta:
        proxy = True


class MentorLink(models.Model):
    """A mentor coaches a student from ``starts_on`` until ``ends_on`` (open-ended when empty).

    A change of mentor ends the old link and starts a new one, so history is kept.
    """

    mentor = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="student_links")
    student = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="mentor_links")
    starts_on = models.DateField(default=timezone.localdate)
    ends_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            # At most one open link per student: a student has one mentor at a time.
            models.UniqueConstraint(
                fields=["student"], condition=Q(ends_on__isnull=True), name="mentorlink_one_open_per_student"
            ),
        ]

    def __str__(self):
        return f"{self.mentor} → {self.student}"


def current_links(on=None):
    on = on or timezone.localdate()
    return MentorLink.objects.filter(starts_on__lte=on).filter(Q(ends_on__isnull=True) | Q(ends_on__gt=on))


class StaffRole(models.Model):
    """What a staff account may do, and where: a coordinator of a team, a researcher of an organisation."""

    COORDINATOR = "coordinator"
    RESEARCHER = "researcher"
    MENTOR = "mentor"
    ADMIN = "admin"
    ROLES = [
        (COORDINATOR, _("coordinator")),
        (RESEARCHER, _("researcher")),
        (MENTOR, _("mentor")),
        (ADMIN, _("administrator")),
    ]

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_roles")
    role = models.CharField(max_length=20, choices=ROLES)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="staff_roles")
    # Empty team: the whole organisation.
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.CASCADE, related_name="staff_roles")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "organisation", "team"], name="staffrole_unique"),
        ]

    def __str__(self):
        return f"{self.user} {self.role} @ {self.team or self.organisation}"
