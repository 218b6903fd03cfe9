"""The thank-you page with feedback, its settings, and that a token only ever opens its own pages."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from zicht.feedback import study_settings
from zicht.feedback.models import ContactRequest, FeedbackExposure, FeedbackSettings
from zicht.protocols.services import get_protocol
from zicht.responses.models import AccessLink

pytestmark = pytest.mark.django_db

WEEK = {"v1": "yes", "v4": 60, "v8": 50, "v11": 70, "v25": 65}


def done_url(token, window):
    return f"/d/{token}/w/{window.pk}/klaar/"


def page_text(response):
    html = response.content.decode()
    html = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#x27;", "'")


def test_feedback_shows_the_students_own_values_and_sentences(client, student, diaries):
    windows, token = diaries(student, [WEEK, dict(WEEK, v11=50), dict(WEEK, v11=80, v25=20)])
    response = client.get(done_url(token, windows[-1]))
    text = page_text(response)
    assert response.status_code == 200
    assert "Bedankt!" in text and "data-window-done" in response.content.decode()
    assert "Deze week: 80 van de 100. Je vertrouwen dat je dit jaar haalt, is hoger dan de weken ervoor." in text
    assert "Het ging deze week een stuk minder goed met je dan de weken ervoor." in text
    # The big drop in wellbeing: a gentle offer to talk, naming the mentor.
    assert "Gaat het even minder? Dat overkomt iedereen weleens." in text
    assert "vragen of Fatima contact met je opneemt" in text
    assert not re.search(r"uitval|risico|dropout", text, re.I)
    # The chart's accessible description lists the values week by week.
    assert re.search(r"<desc id=\"chart-confidence-d\">[^<]*: 70; [^<]*: 50; [^<]*\(deze week\): 80</desc>",
                     response.content.decode())
    exposure = FeedbackExposure.objects.get(window=windows[-1])
    assert exposure.shown and exposure.constructs == ["school", "confidence", "wellbeing", "time"]
    assert exposure.source == "default"


def test_first_diary_says_there_is_no_trend_yet(client, student, diaries):
    windows, token = diaries(student, [WEEK])
    text = page_text(client.get(done_url(token, windows[-1])))
    assert "Dit is je eerste antwoord. Na een paar weken zie je hier hoe het verandert." in text
    assert "Gaat het even minder" not in text


def test_all_sliders_left_untouched_shows_a_calm_message(client, student, diaries):
    windows, token = diaries(student, [{"v1": "no"}, None, {"v1": "no"}])
    text = page_text(client.get(done_url(token, windows[-1])))
    assert "Je hebt deze vragen de laatste weken niet ingevuld. Dat is niet erg" in text
    assert "<svg" not in client.get(done_url(token, windows[-1])).content.decode()


def test_english_variant(client, student, diaries):
    windows, token = diaries(student, [WEEK, dict(WEEK, v4=90)])
    text = page_text(client.get(done_url(token, windows[-1]) + "?lang=en"))
    assert "Thank you!" in text and "Your weeks" in text
    assert "School or your internship went better this week than last time." in text
    assert "I'd like to talk to my coach" in text


def test_only_the_last_eight_weeks_are_drawn(client, student, diaries):
    weeks = [dict(WEEK, v25=v) for v in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10)]
    windows, token = diaries(student, weeks)
    html = client.get(done_url(token, windows[-1])).content.decode()
    desc = re.search(r'<desc id="chart-wellbeing-d">([^<]*)</desc>', html).group(1)
    assert [int(v) for v in re.findall(r": (\d+)", desc)] == [3, 4, 5, 6, 7, 8, 9, 10]


def test_rewards_and_streak_are_shown_for_a_rewarded_diary(client, student, diaries):
    protocol = get_protocol("student")
    windows, token = diaries(student, [WEEK, WEEK, WEEK])
    from zicht.protocols.models import Subscription

    sub = Subscription.objects.create(protocol=protocol, person=student, starts_on=timezone.localdate())
    for window in windows:
        window.subscription = sub
        window.save(update_fields=["subscription"])
    text = page_text(client.get(done_url(token, windows[-1])))
    # EUR 2 + 2 + 3 (third in a row), and the next one earns 3.
    assert "Je hebt tot nu toe €7 verdiend." in text
    assert "Je hebt 3 weken op rij ingevuld." in text
    assert "De volgende keer krijg je €3." in text


def test_feedback_switched_off_shows_thanks_and_contact_only_and_is_recorded(client, student, diaries, researcher):
    study_settings.change_settings(student.team.organisation, enabled=False, constructs=[], note="control arm",
                                   user=researcher)
    windows, token = diaries(student, [WEEK, WEEK])
    text = page_text(client.get(done_url(token, windows[-1])))
    assert "Bedankt!" in text and "Jouw weken" not in text
    assert "Ik wil graag praten met mijn coach" in text
    exposure = FeedbackExposure.objects.get(window=windows[-1])
    assert (exposure.shown, exposure.source) == (False, "organisation")
    assert exposure.settings.note == "control arm"


def test_control_group_protocol_is_off_by_default_and_on_only_when_chosen(student, organisation):
    control = get_protocol("student_control")
    intervention = get_protocol("student")
    study_settings.change_settings(organisation, enabled=True, constructs=["wellbeing"])
    assert study_settings.choice_for(student, control).enabled is False  # never inherits the organisation row
    assert study_settings.choice_for(student, intervention).constructs == ["wellbeing"]
    study_settings.change_settings(organisation, protocol=control, enabled=True, constructs=["time", "school"])
    choice = study_settings.choice_for(student, control)
    assert (choice.enabled, choice.constructs, choice.source) == (True, ["time", "school"], "protocol:student_control")


def test_settings_history_answers_what_was_in_force_when(student, organisation):
    first = study_settings.change_settings(organisation, enabled=True, constructs=["school"])
    later = timezone.now() + timedelta(days=7)
    study_settings.change_settings(organisation, enabled=False, constructs=[], now=later)
    assert study_settings.choice_for(student, at=timezone.now()).row == first
    assert study_settings.choice_for(student, at=later).enabled is False
    assert FeedbackSettings.objects.filter(organisation=organisation).count() == 2


def test_researcher_sets_constructs_on_the_settings_page(client, researcher, organisation, student, mentor):
    client.force_login(researcher)
    response = client.post("/staff/feedback/instellingen/", {
        "organisation": organisation.pk, "protocol": "", "enabled": "on",
        "constructs": ["wellbeing", "happy", "nonsense"], "note": "pilot",
    })
    assert response.status_code == 302
    row = FeedbackSettings.objects.get(organisation=organisation)
    assert (row.enabled, row.constructs, row.created_by, row.note) == (True, ["wellbeing", "happy"], researcher, "pilot")
    assert "pilot" in client.get("/staff/feedback/instellingen/").content.decode()
    # A mentor has no say over study design.
    client.force_login(mentor.user)
    assert client.get("/staff/feedback/instellingen/").status_code == 404


# --- a token only opens its own pages ----------------------------------------------------------------


def test_another_students_window_or_pages_cannot_be_reached(client, student, other_student, diaries, link_for):
    windows, token = diaries(student, [WEEK, WEEK])
    other_windows, other_token = diaries(other_student, [WEEK])
    # Changing the window id in one's own link: 404, never the other student's feedback.
    assert client.get(done_url(token, other_windows[-1])).status_code == 404
    assert client.get(done_url(other_token, windows[-1])).status_code == 404
    # A changed or made-up token: 404 on every student page.
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for path in ("contact/", "mijn-gegevens/", "mijn-gegevens/mijn-gegevens.json", "mijn-gegevens/nummer/",
                 "mijn-gegevens/stoppen/"):
        assert client.get(f"/d/{forged}/{path}").status_code == 404, path
    # Posting with a forged token changes nothing.
    assert client.post(f"/d/{forged}/contact/", {"message": "x"}).status_code == 404
    assert client.post(f"/d/{forged}/mijn-gegevens/stoppen/", {"confirm": "yes"}).status_code == 404
    assert ContactRequest.objects.count() == 0
    # Each student's own data page names only them.
    own = client.get(f"/d/{token}/mijn-gegevens/mijn-gegevens.json").json()
    assert own["person"]["first_name"] == "Sanne"
    assert "Daan" not in client.get(f"/d/{token}/mijn-gegevens/mijn-gegevens.json").content.decode()


def test_a_mentors_link_does_not_open_student_pages(client, mentor, link_for):
    token = link_for(mentor)
    assert client.get(f"/d/{token}/mijn-gegevens/").status_code == 404
    assert client.get(f"/d/{token}/contact/").status_code == 404


def test_expired_link_still_lets_a_student_ask_pause_or_stop_but_not_see_data(client, student, link_for):
    token = link_for(student, hours=-1)
    assert client.get(f"/d/{token}/contact/").status_code == 200
    page = client.get(f"/d/{token}/mijn-gegevens/")
    assert page.status_code == 200 and "Wat we van je bewaren" not in page_text(page)
    assert client.get(f"/d/{token}/mijn-gegevens/mijn-gegevens.json").status_code == 410
    assert client.get(f"/d/{token}/mijn-gegevens/nummer/").status_code == 410
    AccessLink.objects.update(revoked_at=timezone.now())
    assert client.get(f"/d/{token}/contact/").status_code == 404


def test_home_links_include_offers_contact_and_participation_to_students_only(student, mentor):
    from django.template.loader import render_to_string

    html = render_to_string("feedback/_home_links.html", {"person": student, "token": "tok"})
    assert 'href="/d/tok/contact/"' in html and "Ik wil graag praten met mijn coach" in html
    assert 'href="/d/tok/mijn-gegevens/"' in html
    assert render_to_string("feedback/_home_links.html", {"person": mentor, "token": "tok"}).strip() == ""
