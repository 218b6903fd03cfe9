"""Group figures: leavers found from the mentor diary, aligned on the week they left; completion per week."""

import pytest

from .helpers import declining, steady


@pytest.fixture
def mentor_diary_left(questionnaires):
    """Factory: the mentor reports in the diary of ``window``'s week that the student left."""
    from zicht.questionnaires.models import Questionnaire
    from zicht.responses.models import Response, Window

    questionnaire = Questionnaire.objects.get(key="mentor_diary")

    def make(mentor, student, week_window):
        window = Window.objects.create(
            respondent=mentor, about=student, questionnaire=questionnaire, measurement="diary",
            occasion=week_window.occasion, opens_at=week_window.opens_at, closes_at=week_window.closes_at,
            state=Window.COMPLETED,
        )
        Response.objects.create(window=window, version=questionnaire.latest_version(),
                                answers={"v1": "no", "v2": "left_programme"}, submitted_at=window.opens_at)

    return make


def test_group_figures_split_stayers_and_leavers(diary, make_student, mentor, mentor_diary_left, team, now):
    from zicht.monitoring import diaries, groups

    for k in range(6):
        diary(make_student(mentor, 100 + k, f"Blijver{k}"), steady(60 + k, 10))
    for k in range(3):
        leaver = make_student(mentor, 200 + k, f"Vertrekker{k}")
        windows = diary(leaver, declining(75, 30, 8, decline_weeks=4) + [None, None])
        mentor_diary_left(mentor, leaver, windows[-1])

    data = groups.group_data([team], "outcome", "wellbeing", now)

    assert data.groups == {groups.STAYERS: 6, groups.LEAVERS: 3}
    last_week = diaries.week_start(now).isoformat()
    stayers_last = next(r for r in data.trajectory if r["group"] == groups.STAYERS and r["week"] == last_week)
    assert stayers_last["n"] == 6 and stayers_last["ci_low"] < stayers_last["mean"] < stayers_last["ci_high"]
    assert stayers_last["q1"] <= stayers_last["mean"] <= stayers_last["q3"] + 1
    # Aligned on leaving: the leavers' last answers were 2 weeks before leaving and low.
    aligned = {r["weeks_before"]: r for r in data.aligned}
    assert min(aligned) == -9 and max(aligned) == -2
    assert aligned[-2]["mean"] < aligned[-9]["mean"] - 25
    # Completion: leavers filled in nothing in their last two weeks.
    leaver_rates = [r["rate"] for r in data.completion if r["group"] == groups.LEAVERS]
    assert leaver_rates[-2:] == [0.0, 0.0] and leaver_rates[0] == 1.0


def test_researcher_sees_group_figures_of_their_organisation_only(client, researcher, team, other_team, diary,
                                                                 make_student, mentor):
    for k in range(3):
        diary(make_student(mentor, 100 + k, f"Student{k}"), steady(60, 4))
    client.force_login(researcher)

    page = client.get("/staff/mentor/groups/")
    csv_text = client.get(f"/staff/mentor/groups/completion.csv?team={team.pk}").content.decode()

    assert page.status_code == 200 and other_team.name not in page.content.decode()
    assert client.get(f"/staff/mentor/groups/?team={other_team.pk}").status_code == 404
    assert csv_text.splitlines()[0] == "week,group,n,completed,rate"
    assert csv_text.splitlines()[-1].endswith(",3,3,1.0")
    assert client.get(f"/staff/mentor/students/{team.people.filter(role='student').first().pk}/").status_code == 404
