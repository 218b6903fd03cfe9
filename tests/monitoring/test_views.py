"""Dashboard pages: who sees what, what is shown, and that the caseload stays at a fixed number of queries."""

import pytest
import time_machine

from .helpers import declining, make_user, steady


@pytest.fixture
def frozen(now):
    with time_machine.travel(now, tick=False):
        yield now


@pytest.fixture
def team_with_alerts(diary, make_student, mentor, share_default, now):
    from zicht.monitoring.services import compute_alerts

    students = []
    for k in range(8):
        student = make_student(mentor, 100 + k, f"Stabiel{k}")
        diary(student, steady(58 + 3 * k, 14))
        students.append(student)
    decliner = make_student(mentor, 200, "Daan", "Dalend")
    diary(decliner, declining(78, 22, 14))
    compute_alerts(now=now)
    return decliner, students


@pytest.fixture
def stranger(other_mentor, other_team, diary):
    """A student of another mentor in another organisation, with diaries and an alert of their own."""
    from django.utils import timezone

    from zicht.monitoring.models import Alert
    from zicht.people.models import MentorLink, Student

    person = Student.objects.create(team=other_team, external_id="X1", first_name="Geheime", last_name="Onbekende")
    MentorLink.objects.create(mentor=other_mentor, student=person, starts_on=timezone.localdate())
    windows = diary(person, steady(50, 4))
    alert = Alert.objects.create(student=person, kind=Alert.MISSED, week_start=windows[0].opens_at.date(),
                                 last_week_start=windows[0].opens_at.date(), reason="2 dagboeken op rij gemist")
    return person, alert


def test_mentor_sees_own_caseload_sorted_by_concern(client, mentor, team_with_alerts, stranger, frozen):
    decliner, steady_students = team_with_alerts
    client.force_login(mentor.user)

    page = client.get("/staff/mentor/")

    html = page.content.decode()
    assert page.status_code == 200
    assert "Geheime" not in html and "Onbekende" not in html
    names = [s.first_name for s in steady_students]
    assert all(name in html for name in names)
    # The declining student has an open alert and comes first, with the reason in plain Dutch.
    assert html.index("Daan Dalend") < min(html.index(name) for name in names)
    assert "<svg class=\"spark\"" in html
    assert "ingevuld" in html


def test_other_mentor_gets_404_and_never_sees_the_name(client, other_mentor, team_with_alerts, frozen):
    from zicht.monitoring.models import Alert

    decliner, _ = team_with_alerts
    alert = Alert.objects.filter(student=decliner).first()
    client.force_login(other_mentor.user)

    assert client.get(f"/staff/mentor/students/{decliner.pk}/").status_code == 404
    caseload = client.get("/staff/mentor/").content.decode()
    assert "Daan" not in caseload and "Dalend" not in caseload
    for action in ("seen", "act", "dismiss"):
        response = client.post(f"/staff/mentor/alerts/{alert.pk}/{action}/", {"note": "x", "reason": "x"})
        assert response.status_code == 404
    assert client.post(f"/staff/mentor/students/{decliner.pk}/notes/", {"text": "hallo"}).status_code == 404
    alert.refresh_from_db()
    assert alert.state == Alert.NEW and not alert.events.exists()


def test_mentor_opens_student_page_with_charts_alerts_and_notes(client, mentor, team_with_alerts, frozen):
    from zicht.monitoring.models import Alert

    decliner, _ = team_with_alerts
    client.force_login(mentor.user)

    html = client.get(f"/staff/mentor/students/{decliner.pk}/").content.decode()

    assert "Daan Dalend" in html
    assert 'data-vega-specs="item-specs"' in html and 'id="item-specs"' in html
    assert "vendor/vega-embed-7.3.0/vega-embed.min.js" in html
    assert "Welbevinden" in html  # table fallback with item names
    alert = Alert.objects.filter(student=decliner).first()
    assert f"/staff/mentor/alerts/{alert.pk}/act/" in html
    assert alert.reason in html


def test_alert_lifecycle_through_the_pages(client, mentor, team_with_alerts, frozen):
    from zicht.monitoring.models import Alert, CaseNote

    decliner, _ = team_with_alerts
    alert = Alert.objects.filter(student=decliner).first()
    client.force_login(mentor.user)

    client.post(f"/staff/mentor/alerts/{alert.pk}/seen/")
    response = client.post(f"/staff/mentor/alerts/{alert.pk}/act/", {"note": "Gebeld met moeder."})

    assert response.status_code == 302 and response["Location"].endswith(f"#alert-{alert.pk}")
    alert.refresh_from_db()
    assert alert.state == Alert.ACTED
    assert [(e.to_state, e.actor_id) for e in alert.events.order_by("at", "pk")] == [
        ("seen", mentor.user.pk), ("acted", mentor.user.pk)
    ]
    assert CaseNote.objects.get(student=decliner).text == "Gebeld met moeder."
    html = client.get(f"/staff/mentor/students/{decliner.pk}/").content.decode()
    assert "Gebeld met moeder." in html


def test_student_who_does_not_share_answers(client, mentor, team_with_alerts, questionnaires, frozen):
    """A 'no' on the sharing question hides answers and answer-based alerts, but not missed diaries."""
    from datetime import timedelta

    from zicht.monitoring.models import Alert
    from zicht.questionnaires.models import Questionnaire
    from zicht.responses.models import Response, Window

    decliner, _ = team_with_alerts
    post = Questionnaire.objects.get(key="student_post")
    window = Window.objects.create(respondent=decliner, questionnaire=post, measurement="post", occasion=1,
                                   opens_at=frozen - timedelta(days=1), state=Window.COMPLETED)
    Response.objects.create(window=window, version=post.latest_version(), answers={"v10": "no"},
                            submitted_at=frozen - timedelta(hours=1))
    answer_alert = Alert.objects.filter(student=decliner).exclude(kind=Alert.MISSED).first()
    client.force_login(mentor.user)

    student_page = client.get(f"/staff/mentor/students/{decliner.pk}/").content.decode()
    caseload = client.get("/staff/mentor/").content.decode()

    assert "deelt de antwoorden" in student_page
    assert "item-specs" not in student_page
    assert answer_alert.reason not in student_page and answer_alert.reason not in caseload
    assert client.post(f"/staff/mentor/alerts/{answer_alert.pk}/seen/").status_code == 404


def test_coordinator_sees_their_team_only(client, coordinator, team_with_alerts, stranger, other_team, frozen):
    from zicht.people.models import StaffRole

    decliner, _ = team_with_alerts
    person, _alert = stranger
    client.force_login(coordinator)

    team_page = client.get("/staff/mentor/", follow=True).content.decode()
    assert "Daan Dalend" in team_page and "Geheime" not in team_page
    assert client.get(f"/staff/mentor/students/{decliner.pk}/").status_code == 200
    assert client.get(f"/staff/mentor/students/{person.pk}/").status_code == 404
    assert client.get(f"/staff/mentor/?team={other_team.pk}").status_code == 404
    groups = client.get("/staff/mentor/groups/")
    assert groups.status_code == 200 and other_team.name not in groups.content.decode()
    assert client.get(f"/staff/mentor/groups/?team={other_team.pk}").status_code == 404
    # ... and a coordinator of the other team sees nothing of this one.
    other = make_user("otto")
    StaffRole.objects.create(user=other, role=StaffRole.COORDINATOR, organisation=other_team.organisation,
                             team=other_team)
    client.force_login(other)
    assert client.get(f"/staff/mentor/students/{decliner.pk}/").status_code == 404
    other_page = client.get("/staff/mentor/", follow=True).content.decode()
    assert "Daan" not in other_page and "Geheime Onbekende" in other_page


def test_group_downloads(client, coordinator, team_with_alerts, frozen):
    client.force_login(coordinator)

    csv_response = client.get("/staff/mentor/groups/trajectory.csv?measure=wellbeing")
    svg = client.get("/staff/mentor/groups/completion.svg")
    png = client.get("/staff/mentor/groups/trajectory.png?grouping=team")

    lines = csv_response.content.decode().strip().splitlines()
    assert lines[0] == "week,group,n,mean,ci_low,ci_high,q1,q3"
    assert len(lines) == 1 + 14  # one group (all stayers so far), 14 weeks
    assert svg["Content-Type"] == "image/svg+xml" and svg.content.lstrip().startswith(b"<svg")
    assert png["Content-Type"] == "image/png" and png.content[:8] == b"\x89PNG\r\n\x1a\n"


def test_mentor_without_coordinator_role_has_no_group_view(client, mentor, frozen):
    client.force_login(mentor.user)
    assert client.get("/staff/mentor/groups/").status_code == 404


def _fill(make_student, diary, mentor, numbers):
    for k in numbers:
        student = make_student(mentor, 1000 + k, f"Student{k}")
        diary(student, steady(50 + k % 30, 6) if k % 3 else declining(80, 30, 6, decline_weeks=3))


def test_caseload_query_count_does_not_grow_with_students(client, mentor, make_student, diary, share_default,
                                                           django_assert_max_num_queries, frozen):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from zicht.monitoring.services import compute_alerts

    client.force_login(mentor.user)
    client.get("/staff/mentor/")  # the first request of a session writes session bookkeeping
    counts = {}
    for n in (5, 40):
        _fill(make_student, diary, mentor, range(len(counts) and 5, n))
        compute_alerts(now=frozen)
        with django_assert_max_num_queries(20), CaptureQueriesContext(connection) as queries:
            response = client.get("/staff/mentor/")
        assert response.content.decode().count('class="name"') == n
        counts[n] = len(queries)
    assert counts[5] == counts[40]


def test_caseload_view_is_audited_per_student(client, mentor, team_with_alerts, frozen):
    from zicht.privacy.models import AuditEvent

    decliner, others = team_with_alerts
    client.force_login(mentor.user)
    client.get("/staff/mentor/")

    seen = set(AuditEvent.objects.filter(actor_id=mentor.user.pk, action=AuditEvent.VIEW)
               .values_list("person_id", flat=True))
    assert seen == {decliner.pk, *(s.pk for s in others)}
