"""Every change to people and mentor links goes through these functions; views only call them.

Mentor changes keep history: the old MentorLink gets ``ends_on`` = the day of the change and
the new one ``starts_on`` = that same day (``current_links`` treats ``ends_on`` as exclusive),
so on any date a student has exactly one mentor.
"""

from django.core.exceptions import ValidationError
from django.db import transaction

from zicht.core import clock
from zicht.people.models import MentorLink, Person, Team


def today():
    return clock.localtime().date()


def add_person(team, role, fields, *, mentor=None, on=None):
    """Create a student or mentor in ``team`` (fields already validated by the form)."""
    with transaction.atomic():
        person = Person.objects.create(team=team, role=role, **fields)
        if mentor is not None:
            link_mentor(person, mentor, on=on)
    return person


def link_mentor(student, mentor, on=None):
    """Make ``mentor`` the student's mentor from ``on`` (default today); return the open MentorLink.

    Refused: a mentor of another team or organisation, an inactive student or mentor, or a date
    before the last change (history is never rewritten). Linking the current mentor again is a no-op.
    """
    on = on or today()
    if student.role != Person.STUDENT:
        raise ValidationError(
            "Alleen een student kan een begeleider krijgen. / Only a student can get a mentor."
        )
    if mentor.role != Person.MENTOR:
        raise ValidationError("Deze persoon is geen begeleider. / This person is not a mentor.")
    if mentor.team_id != student.team_id:
        raise ValidationError(
            "Deze begeleider hoort bij een ander team of een andere school. / "
            "This mentor belongs to another team or organisation."
        )
    if not student.is_active or not mentor.is_active:
        raise ValidationError(
            "Een gestopte student of begeleider kan niet gekoppeld worden. / "
            "An inactive student or mentor cannot be linked."
        )
    with transaction.atomic():
        links = MentorLink.objects.select_for_update().filter(student=student)
        current = links.filter(ends_on__isnull=True).first()
        if current is not None and current.mentor_id == mentor.id:
            return current
        latest = links.order_by("-starts_on", "-id").first()
        last_end = max((link.ends_on for link in links if link.ends_on), default=None)
        if (latest is not None and latest.starts_on > on) or (last_end is not None and last_end > on):
            raise ValidationError(
                "Er is al een begeleiderswissel na deze datum; kies een latere datum. / "
                "There is already a mentor change after this date; choose a later date."
            )
        if current is not None:
            current.ends_on = on
            current.save(update_fields=["ends_on"])
        return MentorLink.objects.create(mentor=mentor, student=student, starts_on=on)


def end_mentor_link(student, on=None):
    """The student has no mentor from ``on``; returns the ended link or None."""
    on = on or today()
    with transaction.atomic():
        current = MentorLink.objects.select_for_update().filter(student=student, ends_on__isnull=True).first()
        if current is None:
            return None
        if current.starts_on > on:
            raise ValidationError(
                "De huidige koppeling begint pas na deze datum. / The current link starts after this date."
            )
        current.ends_on = on
        current.save(update_fields=["ends_on"])
        return current


def deactivate(person, on=None):
    """Stop a student or mentor: no more invitations. A student's mentor link ends ``on``.

    A mentor who still has students is refused, so no student is silently left without a mentor.
    """
    on = on or today()
    with transaction.atomic():
        if person.role == Person.MENTOR:
            count = MentorLink.objects.filter(mentor=person, ends_on__isnull=True).count()
            if count:
                raise ValidationError(
                    f"Deze begeleider heeft nog {count} student(en). Koppel die eerst aan een andere begeleider. / "
                    f"This mentor still has {count} student(s). Link them to another mentor first."
                )
        else:
            end_mentor_link(person, on=on)
        person.is_active = False
        person.save(update_fields=["is_active"])
    return person


def reactivate(person):
    """Undo a stop. A student gets no mentor back automatically: link one on their page."""
    person.is_active = True
    person.save(update_fields=["is_active"])
    return person


def add_team(organisation, name, mentor_title="begeleider"):
    name = name.strip()
    if Team.objects.filter(organisation=organisation, name__iexact=name).exists():
        raise ValidationError(
            "Er is al een team met deze naam. / There is already a team with this name.", code="duplicate"
        )
    return Team.objects.create(
        organisation=organisation, name=name, mentor_title=mentor_title or "begeleider"
    )
