"""`zicht load_demo_cohort`: a demo team gets real-looking history and alerts on first start."""

import pytest
from django.core.management import call_command


@pytest.fixture
def demo_team(team, mentor, questionnaires):
    from django.utils import timezone

    from zicht.people.models import MentorLink, Student

    for k in range(12):
        student = Student.objects.create(team=team, external_id=f"D{k:02d}", first_name=f"Demo{k}", last_name="Student")
        MentorLink.objects.create(mentor=mentor, student=student, starts_on=timezone.localdate())
    return team


def test_demo_cohort_fills_diaries_and_raises_alerts(demo_team, mentor):
    from zicht.monitoring.models import Alert
    from zicht.responses.models import Response, Window

    call_command("load_demo_cohort", team=demo_team.pk, weeks=22, seed=3, verbosity=0)

    diaries = Response.objects.filter(window__questionnaire__key="student_diary")
    assert diaries.count() > 12 * 15
    assert Window.objects.filter(questionnaire__key="student_diary", state=Window.MISSED).count() > 5
    assert Response.objects.filter(window__questionnaire__key="mentor_diary", answers__v1="yes").exists()
    kinds = set(Alert.objects.values_list("kind", flat=True))
    assert Alert.CARELESS in kinds
    assert kinds & {Alert.DECLINE, Alert.BELOW_BASELINE, Alert.COMBINED}
    assert Response.objects.filter(window__questionnaire__key="mentor_diary", answers__v2="left_programme").count() == 2
    # One careless responder: their sliders are untouched (missing), not 50s.
    careless = Alert.objects.filter(kind=Alert.CARELESS).first().student
    last = diaries.filter(window__respondent=careless).order_by("-submitted_at").first()
    assert "v25" not in last.answers and "v25" in last.meta["untouched"]


def test_demo_cohort_twice_adds_nothing(demo_team):
    from zicht.monitoring.models import Alert
    from zicht.responses.models import Response

    call_command("load_demo_cohort", team=demo_team.pk, weeks=10, seed=1, verbosity=0)
    counts = (Response.objects.count(), Alert.objects.count())
    call_command("load_demo_cohort", team=demo_team.pk, weeks=10, seed=1, verbosity=0)
    assert (Response.objects.count(), Alert.objects.count()) == counts
