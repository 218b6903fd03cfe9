"""De-registration → invitations stop → (with consent) the monthly outflow check-in, end to end
through the real scheduler, dispatcher (SMS outbox) and fill-in pages; and the monitor figures."""

from datetime import date

import pytest
import time_machine
from django.db.models import Q

from zicht.messaging import dispatcher
from zicht.messaging.models import Delivery, Invitation
from zicht.people.models import MentorLink, Student
from zicht.protocols import services as protocol_services
from zicht.protocols.models import Subscription
from zicht.responses.models import AccessLink, Response, Window
from zicht.support import services
from zicht.support.models import Deregistration, DeregistrationReason

from .conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def outbox(settings):
    settings.ZICHT_SMS_BACKEND = "outbox"


@pytest.fixture
def enrolled(team, mentor, questionnaires):
    protocol_services.sync_protocols()
    student = Student.objects.create(
        team=team, external_id="S7", first_name="Daan", last_name="Visser", phone="+31612340007"
    )
    MentorLink.objects.create(mentor=mentor, student=student, starts_on=date(2026, 1, 1))
    protocol_services.enrol_student(student, date(2026, 9, 7), now=at(2026, 9, 1, 9))
    return student


def reason(code):
    return DeregistrationReason.objects.get(code=code)


def run(*days):
    for day in days:
        for hour in (12, 20):
            dispatcher.run_once(now=at(*day, hour))


def sent(person, kind=Invitation.INVITATION):
    rows = Delivery.objects.filter(invitation__person=person, invitation__kind=kind).exclude(
        status=Delivery.QUEUED
    )
    return sorted({d.invitation.moment for d in rows})


def deregister(coordinator, student, consent=True, day=(2026, 9, 21), **extra):
    values = {
        "reason": reason("no_show"),
        "enrolled_on": date(2026, 8, 24),
        "deregistered_on": date(*day),
        "initiated_by": "school",
        "outflow_consent": consent,
        "designated_contact": coordinator,
        "destination": "werk gevonden",
        "now": at(*day, 10),
    }
    values.update(extra)
    return services.record_deregistration(coordinator, student, **values)


def test_deregistration_stops_diaries_and_starts_the_monthly_check_in(
    client, enrolled, mentor, coordinator, other_mentor
):
    student = enrolled
    run((2026, 9, 10), (2026, 9, 17))
    before = sent(student)
    assert at(2026, 9, 10, 12) in before and at(2026, 9, 17, 12) in before
    assert at(2026, 9, 17, 12) in sent(mentor)

    row = deregister(coordinator, student)
    assert row.stopped_subscriptions == 2  # the student's diary and the mentor's diary about them
    diaries = Subscription.objects.filter(Q(person=student) | Q(about=student)).exclude(
        protocol__key=services.OUTFLOW_KEY
    )
    assert set(diaries.values_list("state", flat=True)) == {Subscription.STOPPED}
    # Nothing opens after the de-registration (a window already open may still be filled in).
    assert not Window.objects.filter(
        subscription__in=diaries, state=Window.PLANNED, opens_at__gt=at(2026, 9, 21, 10)
    ).exists()

    # No diary invitation after the de-registration, for the student or about them.
    mentor_before = sent(mentor)
    run((2026, 9, 24), (2026, 10, 1))
    assert sent(student) == before
    assert sent(mentor) == mentor_before

    # Six monthly check-ins, each a real window with an invitation at 12:00.
    checkins = list(row.checkins.order_by("occasion"))
    assert [c.due_on for c in checkins] == [
        date(2026, 10, 21),
        date(2026, 11, 20),
        date(2026, 12, 20),
        date(2027, 1, 19),
        date(2027, 2, 18),
        date(2027, 3, 20),
    ]
    assert all(c.window and c.window.questionnaire.key == "outflow_checkin" for c in checkins)
    run(
        (2026, 10, 21),
    )
    assert sent(student)[-1] == at(2026, 10, 21, 12)

    # The student answers through the personal link: they want help finding a place.
    first = checkins[0].window
    with time_machine.travel(at(2026, 10, 21, 13), tick=False):
        _, token = AccessLink.issue(student, expires_at=first.closes_at)
        url = f"/d/{token}/w/{first.pk}/"
        page = client.get(url)
        assert page.status_code == 200 and "Wil je hulp bij het vinden van een plek" in page.content.decode()
        answer = client.post(
            url,
            {
                "v1": "35",
                "v2": "looking",
                "wants_help": "yes",
                "v3": "yes",
                "_version": page.context["version"].pk,
                "_started": page.context["started"],
            },
        )
        assert answer.status_code == 302
    assert Response.objects.get(window=first).answers["wants_help"] == "yes"

    # The answer reaches the school's contact person, and nobody else.
    with time_machine.travel(at(2026, 10, 22, 9), tick=False):
        client.force_login(coordinator)
        inbox = client.get("/staff/support/outflow/").content.decode()
        assert "Daan Visser" in inbox and "<strong>ja</strong>" in inbox
        detail = client.get(f"/staff/support/deregistrations/{row.pk}/").content.decode()
        assert "werk gevonden" in detail and "<strong>ja</strong>" in detail
        client.force_login(other_mentor.user)
        assert "Daan" not in client.get("/staff/support/outflow/").content.decode()
        assert client.get(f"/staff/support/deregistrations/{row.pk}/").status_code == 404


def test_without_consent_there_is_no_outflow_check_in_but_diaries_still_stop(enrolled, coordinator):
    row = deregister(coordinator, enrolled, consent=False)
    assert row.stopped_subscriptions == 2
    assert not row.checkins.exists()
    assert not Subscription.objects.filter(person=enrolled, protocol__key=services.OUTFLOW_KEY).exists()
    run((2026, 10, 21), (2026, 11, 20))
    assert sent(enrolled) == []


def test_stopping_the_check_in_cancels_what_is_still_to_come(enrolled, coordinator):
    row = deregister(coordinator, enrolled)
    cancelled = services.stop_outflow(row, now=at(2026, 11, 1))
    assert cancelled == 5
    outflow = Subscription.objects.get(person=enrolled, protocol__key=services.OUTFLOW_KEY)
    assert outflow.state == Subscription.STOPPED
    run(
        (2026, 11, 20),
    )
    assert at(2026, 11, 20, 12) not in sent(enrolled)


def test_the_form_records_and_stops_through_the_page(client, enrolled, coordinator):
    client.force_login(coordinator)
    page = client.get("/staff/support/deregistrations/new/")
    assert page.status_code == 200 and "Daan Visser" in page.content.decode()
    response = client.post(
        "/staff/support/deregistrations/new/",
        {
            "student": enrolled.pk,
            "kind": Deregistration.NEGATIVE_BSA,
            "enrolled_on": "2026-08-24",
            "deregistered_on": "2026-09-21",
            "reason": reason("study_choice").pk,
            "initiated_by": "school",
            "outflow_consent": "",
            "designated_contact": "",
        },
    )
    assert response.status_code == 302
    row = Deregistration.objects.get()
    assert row.kind == Deregistration.NEGATIVE_BSA and row.stopped_subscriptions == 2


def test_monitor_counts_by_reason_and_timing_and_lists_open_follow_ups(
    client, team, coordinator, other_team, make_student
):
    # The autumn break does not count as school days.
    from zicht.support.models import SchoolHoliday

    SchoolHoliday.objects.create(
        name="herfstvakantie", starts_on=date(2026, 10, 17), ends_on=date(2026, 10, 25)
    )
    cases = [  # (enrolled, de-registered, reason, follow-up)
        (date(2026, 8, 24), date(2026, 10, 1), "no_show", date(2026, 10, 6)),  # 38 days, in time
        (date(2026, 8, 24), date(2026, 10, 9), "no_show", None),  # open, due 30 Oct
        (date(2026, 2, 2), date(2026, 7, 1), "study_choice", date(2026, 9, 1)),  # 149 days, late
        (date(2025, 8, 25), date(2026, 10, 20), "behaviour", None),  # 421 days, due 6 Nov
    ]
    for index, (enrolled_on, left, code, follow_up) in enumerate(cases):
        student = make_student(f"Student{index}")
        row = services.record_deregistration(
            coordinator,
            student,
            reason=reason(code),
            enrolled_on=enrolled_on,
            deregistered_on=left,
            initiated_by="school",
            now=at(2026, 10, 20),
        )
        if follow_up:
            services.record_follow_up(row, coordinator, follow_up)
    # Someone else's team never counts.
    outsider = Student.objects.create(team=other_team, external_id="X1", first_name="Ander")
    services.record_deregistration(
        None,
        outsider,
        reason=reason("moved"),
        enrolled_on=date(2026, 8, 24),
        deregistered_on=date(2026, 10, 1),
        initiated_by="student",
    )

    figures = services.monitor(Deregistration.objects.filter(team=team), now=at(2026, 10, 27))
    table = {r["reason"].code: r["counts"] for r in figures["table"]}
    assert table == {"no_show": [2, 0, 0], "study_choice": [0, 1, 0], "behaviour": [0, 0, 1]}
    assert figures["followed_up_in_time"] == 1 and figures["share_in_time"] == 0.25
    tasks = [(t["deregistration"].student.first_name, t["due"], t["overdue"]) for t in figures["tasks"]]
    assert tasks == [("Student1", date(2026, 10, 30), False), ("Student3", date(2026, 11, 6), False)]
    assert services.monitor(Deregistration.objects.filter(team=team), now=at(2026, 10, 31))["overdue"] == 1

    with time_machine.travel(at(2026, 10, 31, 9), tick=False):
        client.force_login(coordinator)
        page = client.get("/staff/support/deregistrations/", {"start": "2026-01-01", "end": "2026-12-31"})
        body = page.content.decode()
    assert page.status_code == 200
    assert "Niet verschenen" in body and "Ander" not in body and "25%" in body and "te laat" in body


def test_monitor_is_for_coordinators_only(client, mentor, other_mentor):
    client.force_login(mentor.user)
    assert client.get("/staff/support/deregistrations/").status_code == 404


def test_answering_no_more_messages_ends_the_outflow_check_in(client, enrolled, coordinator):
    row = deregister(coordinator, enrolled)
    first = row.checkins.get(occasion=1).window
    with time_machine.travel(at(2026, 10, 21, 13), tick=False):
        _, token = AccessLink.issue(enrolled, expires_at=first.closes_at)
        url = f"/d/{token}/w/{first.pk}/"
        page = client.get(url)
        client.post(
            url,
            {
                "v1": "70",
                "wants_help": "no",
                "v3": "no",
                "_version": page.context["version"].pk,
                "_started": page.context["started"],
            },
        )
    outflow = Subscription.objects.get(person=enrolled, protocol__key=services.OUTFLOW_KEY)
    assert outflow.state == Subscription.STOPPED
    states = [services.checkin_state(c, now=at(2026, 10, 22)) for c in row.checkins.order_by("occasion")]
    assert states == ["done"] + ["cancelled"] * 5
