"""Filling in through a personal link: what a student or mentor experiences, and what is stored."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from zicht.responses.models import AccessLink, Draft, Response, Window

pytestmark = pytest.mark.django_db


def diary_answers(**extra):
    """A plausible student diary: school attended, talked with the mentor, some sliders left alone."""
    data = {"v1": "yes", "v2": "70", "v3": "55", "v4": "60", "v5": "80", "v6": "", "v7": "24", "v8": "40",
            "v9": "75", "v10": "70", "v11": "65", "v12": "50", "v14": "", "v15": "", "v16": "", "v17": "",
            "v18": "no", "v25": "72"}
    data.update(extra)
    return data


def post_form(client, url, answers):
    page = client.get(url)
    assert page.status_code == 200
    version = page.context["version"].pk
    return client.post(url, {**answers, "_version": version, "_started": page.context["started"]})


def test_student_link_opens_the_diary_with_the_mentors_name(client, student, open_window):
    window, token = open_window(student)
    home = client.get(f"/d/{token}/")
    assert home.status_code == 302
    page = client.get(home["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert "Fatima" in html  # the mentor's first name in the mentor questions
    assert 'name="v25"' in html
    assert len(html.encode()) < 100_000


def test_submitting_stores_one_response_with_version_and_untouched_sliders(client, student, open_window):
    window, token = open_window(student)
    url = f"/d/{token}/w/{window.pk}/"
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        page = client.get(url)
        traveller.shift(95)  # the student takes 95 seconds
        data = {**diary_answers(), "_version": page.context["version"].pk, "_started": page.context["started"]}
        answer = client.post(url, data)
    assert answer.status_code == 302 and answer["Location"].endswith("/klaar/")

    response = Response.objects.get(window=window)
    assert response.version.questionnaire.key == "student_diary"
    assert response.answers["v25"] == 72
    assert response.answers["v1"] == "yes"
    # Untouched sliders are missing and listed as untouched, never the midpoint.
    assert "v6" not in response.answers
    assert "v6" in response.meta["untouched"]
    # Hidden by v18 = no: the mentor follow-ups are not stored.
    assert "v19" in response.meta["hidden"] and "v19" not in response.answers
    assert response.meta["seconds_to_complete"] == 95.0
    window.refresh_from_db()
    assert window.state == Window.COMPLETED

    done = client.get(answer["Location"])
    assert "Bedankt" in done.content.decode()


def test_a_double_submit_stores_one_response(client, student, open_window):
    window, token = open_window(student)
    url = f"/d/{token}/w/{window.pk}/"
    page = client.get(url)
    data = {**diary_answers(), "_version": page.context["version"].pk, "_started": page.context["started"]}
    first = client.post(url, data)
    second = client.post(url, {**data, "v25": "10"})
    assert first.status_code == 302 and second.status_code == 302
    assert Response.objects.filter(window=window).count() == 1
    assert Response.objects.get(window=window).answers["v25"] == 72


def test_a_hidden_answer_posted_anyway_is_not_stored(client, student, open_window):
    window, token = open_window(student)
    post_form(client, f"/d/{token}/w/{window.pk}/", diary_answers(v1="no", v2="90", v19="88"))
    response = Response.objects.get(window=window)
    assert "v2" not in response.answers and "v19" not in response.answers
    assert {"v2", "v19"} <= set(response.meta["hidden"])


def test_bad_answers_show_errors_keep_what_was_typed_and_store_nothing(client, student, open_window):
    window, token = open_window(student)
    answer = post_form(client, f"/d/{token}/w/{window.pk}/", diary_answers(v25="150", v1="maybe"))
    html = answer.content.decode()
    assert answer.status_code == 400
    assert "v25" in answer.context["errors"] and "v1" in answer.context["errors"]
    assert 'value="70"' in html  # v2 as typed
    assert not Response.objects.exists()
    window.refresh_from_db()
    assert window.state == Window.PLANNED


def test_unknown_and_expired_links_get_a_friendly_page_and_store_nothing(client, student, open_window):
    window, token = open_window(student)
    unknown = client.get("/d/not-a-real-token-at-all/")
    assert unknown.status_code == 404
    assert "Deze link kennen we niet" in unknown.content.decode()

    AccessLink.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    expired = client.post(f"/d/{token}/w/{window.pk}/", diary_answers())
    assert expired.status_code == 410
    assert "verlopen" in expired.content.decode()
    assert not Response.objects.exists()


def test_english_page_for_english_speakers(client, student, open_window):
    window, token = open_window(student)
    page = client.get(f"/d/{token}/w/{window.pk}/?lang=en")
    assert "Did you talk with Fatima this week?" in page.content.decode()


def test_a_closed_window_cannot_be_filled_in(client, student, open_window):
    window, token = open_window(student)
    Window.objects.filter(pk=window.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    page = client.post(f"/d/{token}/w/{window.pk}/", diary_answers())
    assert page.status_code == 410
    assert not Response.objects.exists()


def test_another_persons_window_is_not_found(client, student, mentor, open_window):
    window, _ = open_window(student)
    _, mentor_token = open_window(mentor, key="mentor_diary", about=student)
    assert client.get(f"/d/{mentor_token}/w/{window.pk}/").status_code == 404


def test_autosave_keeps_a_draft_that_comes_back_on_reload(client, student, open_window):
    window, token = open_window(student)
    url = f"/d/{token}/w/{window.pk}/"
    page = client.get(url)
    saved = client.post(url + "draft/", {"v1": "yes", "v25": "33", "_version": page.context["version"].pk})
    assert saved.json() == {"saved": True}
    assert Draft.objects.get(window=window).answers
    again = client.get(url).content.decode()
    assert 'value="33"' in again


def test_mentor_fills_a_diary_per_student_in_turn(client, team, student, mentor, open_window):
    from zicht.people.models import MentorLink, Student

    second = Student.objects.create(team=team, external_id="S2", first_name="Mo")
    MentorLink.objects.create(mentor=mentor, student=second)
    first_window, token = open_window(mentor, key="mentor_diary", about=student)
    second_window, _ = open_window(mentor, key="mentor_diary", about=second)

    home = client.get(f"/d/{token}/").content.decode()
    assert "Sanne" in home and "Mo" in home

    url = f"/d/{token}/w/{first_window.pk}/"
    done = post_form(client, url, {"v1": "no", "v2": "no_contact"})
    assert done.status_code == 302, done.context and done.context.get("errors")
    thanks = client.get(done["Location"]).content.decode()
    assert f"/w/{second_window.pk}/" in thanks  # straight on to the next student


def test_a_mentor_who_stopped_coaching_gets_no_more_diaries_about_that_student(client, student, mentor, questionnaires):
    from zicht.protocols.models import Subscription
    from zicht.protocols.services import enrol
    from zicht.responses.models import open_windows

    today = timezone.localdate()
    subscription = enrol(mentor, "mentor_diary", today - timedelta(days=today.weekday() + 14), about=student)
    window = subscription.windows.filter(state=Window.PLANNED).order_by("opens_at").first()
    Window.objects.filter(pk=window.pk).update(opens_at=timezone.now() - timedelta(hours=1))
    _, token = AccessLink.issue(mentor, expires_at=timezone.now() + timedelta(hours=5))
    assert list(open_windows(mentor)) == [Window.objects.get(pk=window.pk)]

    answer = post_form(client, f"/d/{token}/w/{window.pk}/", {"v1": "no", "v2": "stopped", "v14": "Past niet meer", "v15": "no"})
    assert answer.status_code == 302, answer.context and answer.context.get("errors")
    subscription.refresh_from_db()
    assert subscription.state == Subscription.STOPPED
    assert not subscription.windows.filter(state=Window.PLANNED).exists()
