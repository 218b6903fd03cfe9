"""Mentor links and stopping people: history is kept and wrong links are refused."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from zicht.people import services
from zicht.people.models import Mentor, MentorLink, Team


@pytest.fixture
def second_mentor(team):
    return Mentor.objects.create(
        team=team, external_id="M2", first_name="Hans", last_name="Kuipers", phone="+31699998888"
    )


def test_changing_mentor_ends_the_old_link_and_keeps_history(student, mentor, second_mentor):
    on = date.today() + timedelta(days=3)

    services.link_mentor(student, second_mentor, on=on)

    links = list(MentorLink.objects.filter(student=student).order_by("starts_on"))
    assert len(links) == 2
    assert (links[0].mentor, links[0].ends_on) == (mentor, on)
    assert (links[1].mentor, links[1].starts_on, links[1].ends_on) == (second_mentor, on, None)
    assert student.current_mentor(on - timedelta(days=1)) == mentor
    assert student.current_mentor(on) == second_mentor


def test_linking_the_current_mentor_again_changes_nothing(student, mentor):
    services.link_mentor(student, mentor)
    assert MentorLink.objects.filter(student=student).count() == 1


def test_a_mentor_of_another_team_or_school_is_refused(student, other_mentor, organisation):
    sister_team = Team.objects.create(organisation=organisation, name="Entree B")
    colleague = Mentor.objects.create(team=sister_team, external_id="M5", first_name="Els")
    for wrong in (other_mentor, colleague):
        with pytest.raises(ValidationError, match="ander team"):
            services.link_mentor(student, wrong)
    assert MentorLink.objects.filter(student=student).count() == 1


def test_a_change_dated_before_the_last_change_is_refused(student, mentor, second_mentor):
    on = date.today()
    services.link_mentor(student, second_mentor, on=on)
    with pytest.raises(ValidationError, match="na deze datum"):
        services.link_mentor(student, mentor, on=on - timedelta(days=1))


def test_stopping_a_student_ends_their_mentor_link(student, mentor):
    services.deactivate(student, on=date.today())
    student.refresh_from_db()
    assert not student.is_active
    assert student.current_mentor() is None
    assert MentorLink.objects.get(student=student).ends_on == date.today()


def test_a_mentor_with_students_cannot_be_stopped(student, mentor):
    with pytest.raises(ValidationError, match="nog 1 student"):
        services.deactivate(mentor)
    mentor.refresh_from_db()
    assert mentor.is_active


def test_an_inactive_mentor_cannot_get_students(student, second_mentor):
    services.deactivate(second_mentor)
    with pytest.raises(ValidationError):
        services.link_mentor(student, second_mentor)


def test_team_names_are_unique_per_organisation(organisation, team):
    with pytest.raises(ValidationError):
        services.add_team(organisation, "entree a")
    assert services.add_team(organisation, "Entree B", "coach").mentor_title == "coach"
