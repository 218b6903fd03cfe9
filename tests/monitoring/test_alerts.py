"""Early-warning alerts: computed from stored diaries, idempotent, and handled with a recorded lifecycle."""

import pytest

from .helpers import declining, steady


@pytest.fixture
def cohort(diary, make_student, mentor):
    """Twelve students with 16 weeks: ten steady, one declining sharply, one who stopped filling in."""
    students = {}
    for k in range(10):
        student = make_student(mentor, 100 + k, f"Stabiel{k}")
        diary(student, steady(60 + 2 * k, 16))
        students[f"steady{k}"] = student
    students["decliner"] = make_student(mentor, 200, "Daan")
    diary(students["decliner"], declining(75, 25, 16))
    students["misser"] = make_student(mentor, 300, "Mila")
    diary(students["misser"], steady(65, 12) + [None, None, None, None])
    return students


def test_declining_student_gets_an_alert_with_a_plain_reason(cohort, now):
    from zicht.monitoring.models import Alert, RiskScore
    from zicht.monitoring.services import compute_alerts

    result = compute_alerts(now=now)

    assert result.students == 12
    assert RiskScore.objects.count() == 12 * 16
    decline = Alert.objects.filter(student=cohort["decliner"]).exclude(kind=Alert.MISSED)
    assert decline.exists()
    alert = decline.get()
    assert alert.state == Alert.NEW and alert.ongoing
    assert "daalde" in alert.reason or "onder" in alert.reason
    missed = Alert.objects.filter(student=cohort["misser"], kind=Alert.MISSED).get()
    assert "gemist" in missed.reason
    steady_alerts = Alert.objects.filter(student__first_name__startswith="Stabiel").count()
    assert steady_alerts == 0


def test_compute_alerts_is_idempotent(cohort, now):
    from zicht.monitoring.models import Alert, RiskScore
    from zicht.monitoring.services import compute_alerts

    compute_alerts(now=now)
    alerts = list(Alert.objects.order_by("pk").values_list("pk", "student_id", "kind", "week_start", "reason"))
    scores = RiskScore.objects.count()

    again = compute_alerts(now=now)

    assert again.alerts_created == 0
    assert list(Alert.objects.order_by("pk").values_list("pk", "student_id", "kind", "week_start", "reason")) == alerts
    assert RiskScore.objects.count() == scores


def test_a_handled_alert_is_not_raised_again_while_the_signal_lasts(cohort, now, mentor, diary):
    from datetime import timedelta

    from zicht.monitoring.models import Alert
    from zicht.monitoring.services import compute_alerts, dismiss

    compute_alerts(now=now - timedelta(weeks=1))
    alert = Alert.objects.filter(student=cohort["misser"], kind=Alert.MISSED).get()
    dismiss(alert, mentor.user, "Op vakantie, afgemeld bij mij.")

    result = compute_alerts(now=now)  # one more closed week, still missing

    assert Alert.objects.filter(student=cohort["misser"], kind=Alert.MISSED).count() == 1
    alert.refresh_from_db()
    assert alert.state == Alert.DISMISSED and alert.ongoing
    assert result.alerts_created == 0


def test_lifecycle_transitions_are_recorded_with_who_and_when(cohort, now, mentor, coordinator):
    from zicht.monitoring.models import Alert, AlertEvent, CaseNote
    from zicht.monitoring.services import TransitionError, act_on, compute_alerts, mark_seen

    compute_alerts(now=now)
    alert = Alert.objects.filter(student=cohort["decliner"]).exclude(kind=Alert.MISSED).get()

    mark_seen(alert, mentor.user, now=now)
    assert mark_seen(alert, coordinator, now=now) is None  # seeing twice changes nothing
    act_on(alert, mentor.user, "Gesprek gehad; samen een plan gemaakt.", now=now)

    events = list(AlertEvent.objects.filter(alert=alert).order_by("at", "pk"))
    assert [(e.from_state, e.to_state) for e in events] == [("new", "seen"), ("seen", "acted")]
    assert {e.actor for e in events} == {mentor.user}
    assert all(e.at == now for e in events)
    assert events[1].case_note == CaseNote.objects.get(student=cohort["decliner"])
    assert events[1].case_note.text == "Gesprek gehad; samen een plan gemaakt."
    alert.refresh_from_db()
    assert alert.state == Alert.ACTED
    with pytest.raises(TransitionError):
        act_on(alert, mentor.user, "nog een keer")


def test_dismissing_needs_a_reason(cohort, now, mentor):
    from zicht.monitoring.models import Alert
    from zicht.monitoring.services import TransitionError, compute_alerts, dismiss

    compute_alerts(now=now)
    alert = Alert.objects.filter(student=cohort["misser"]).first()
    with pytest.raises(TransitionError):
        dismiss(alert, mentor.user, "   ")
    alert.refresh_from_db()
    assert alert.state == Alert.NEW and not alert.events.exists()


def test_careless_responder_is_flagged_for_review(diary, make_student, mentor, now):
    from zicht.monitoring.items import SLIDER_ITEMS
    from zicht.monitoring.models import Alert
    from zicht.monitoring.services import compute_alerts

    for k in range(8):
        diary(make_student(mentor, 400 + k, f"Ander{k}"), steady(55 + 3 * k, 14))
    lazy = make_student(mentor, 500, "Lars")
    untouched = [{"v1": "yes", "_meta": {"untouched": list(SLIDER_ITEMS), "hidden": []}} for _ in range(8)]
    diary(lazy, steady(60, 6) + untouched)

    compute_alerts(now=now)

    alert = Alert.objects.get(student=lazy, kind=Alert.CARELESS)
    assert "nakijken" in alert.reason


def test_compute_alerts_if_due_runs_only_after_a_window_closed(cohort, now):
    from datetime import timedelta

    from zicht.monitoring.services import compute_alerts_if_due

    first = compute_alerts_if_due(now=now)
    assert first is not None and first.weeks_scored == 12 * 16
    assert compute_alerts_if_due(now=now + timedelta(hours=1)) is None


def test_acting_can_link_the_logged_mentor_action(cohort, now, mentor, questionnaires):
    from zicht.monitoring.models import Alert
    from zicht.monitoring.services import TransitionError, act_on, compute_alerts
    from zicht.questionnaires.models import Questionnaire
    from zicht.responses.models import Response, Window

    compute_alerts(now=now)
    alert = Alert.objects.filter(student=cohort["decliner"]).exclude(kind=Alert.MISSED).get()
    questionnaire = Questionnaire.objects.get(key="mentor_diary")

    def logged(about):
        window = Window.objects.create(respondent=mentor, about=about, questionnaire=questionnaire,
                                       measurement="diary", occasion=1, opens_at=now, state=Window.COMPLETED)
        return Response.objects.create(window=window, version=questionnaire.latest_version(), answers={
            "v1": "yes", "v3": [{"v3_1": "Gesprek", "v3_2": ["emotional_support"], "v3_3": ["wellbeing"]}]})

    with pytest.raises(TransitionError):
        act_on(alert, mentor.user, "Gesprek gehad", action_response=logged(cohort["misser"]))
    event = act_on(alert, mentor.user, "Gesprek gehad", action_response=logged(cohort["decliner"]))
    assert event.action_response.window.about == cohort["decliner"]
