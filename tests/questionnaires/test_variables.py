"""variables_for: the names and titles a respondent sees come from the window's people."""

from datetime import timedelta

from django.utils import timezone

from zicht.people.models import MentorLink, Student
from zicht.questionnaires.engine import render_form, variables_for
from zicht.questionnaires.models import Questionnaire


def test_student_diary_uses_the_students_current_mentor_and_programme(open_window, student, mentor):
    window, _ = open_window(student, "student_diary")
    variables = variables_for(window)
    assert variables["mentor"] == "Fatima"
    assert variables["mentor_title"] == "coach"
    assert variables["programme"] == "Plusgroep"
    assert variables["student"] == "Sanne"
    definition = window.questionnaire.latest_version().definition
    html = str(render_form(definition, variables=variables, language="nl"))
    assert "Heb je deze week gepraat met Fatima?" in html
    assert "begeleiding van Plusgroep" in html


def test_mentor_diary_is_about_the_student_with_pronouns(open_window, student, mentor):
    window, _ = open_window(mentor, "mentor_diary", about=student)
    variables = variables_for(window)
    assert variables["student"] == "Sanne" and variables["student_gender"] == "f"
    assert variables["mentor"] == "Fatima"
    definition = window.questionnaire.latest_version().definition
    html = str(render_form(definition, variables=variables, language="nl"))
    assert "het gevoel te geven dat zij dingen goed kan" in html
    assert "Ja, ik blijf haar begeleiden" not in html  # label is "Nee, ik blijf haar begeleiden"
    assert "Nee, ik blijf haar begeleiden" in html


def test_after_a_change_of_mentor_the_new_mentor_is_named(open_window, student, mentor, team):
    from zicht.people.models import Mentor

    today = timezone.localdate()
    MentorLink.objects.filter(student=student).update(ends_on=today)
    newcomer = Mentor.objects.create(team=team, external_id="M2", first_name="Joost")
    MentorLink.objects.create(mentor=newcomer, student=student, starts_on=today)
    window, _ = open_window(student, "student_diary")
    assert variables_for(window)["mentor"] == "Joost"
    assert variables_for(window, on=today - timedelta(days=1))["mentor"] == "Fatima"


def test_student_without_mentor_gets_neutral_words(questionnaires, team):
    from zicht.responses.models import Window

    loner = Student.objects.create(team=team, external_id="S9", first_name="Noor")
    window = Window.objects.create(
        respondent=loner,
        questionnaire=Questionnaire.objects.get(key="student_diary"),
        measurement="diary",
        opens_at=timezone.now(),
    )
    variables = variables_for(window)
    assert "mentor" not in variables
    html = str(
        render_form(window.questionnaire.latest_version().definition, variables=variables, language="nl")
    )
    assert "Heb je deze week gepraat met je coach?" in html


def test_mentor_post_lists_the_mentors_current_students(open_window, student, mentor, team):
    other = Student.objects.create(team=team, external_id="S2", first_name="Ahmed", gender="m")
    MentorLink.objects.create(mentor=mentor, student=other, starts_on=timezone.localdate())
    window, _ = open_window(mentor, "mentor_post")
    variables = variables_for(window)
    assert [s["first_name"] for s in variables["students"]] == ["Ahmed", "Sanne"]
    html = str(
        render_form(window.questionnaire.latest_version().definition, variables=variables, language="nl")
    )
    assert "Hoeveel vooruitgang heeft Ahmed gemaakt" in html
    assert "Hoeveel vooruitgang heeft Sanne gemaakt" in html
    assert f'name="v2_{other.pk}"' in html and f'name="v2_{student.pk}"' in html
