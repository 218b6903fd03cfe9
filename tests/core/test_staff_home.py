"""The staff landing page shows each role the way into their own work, and nothing else."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def password_only(settings):
    settings.ZICHT_REQUIRE_2FA = False


def test_coordinator_finds_their_team_and_tools(client, coordinator, team, other_team):
    client.force_login(coordinator)
    html = client.get("/staff/").content.decode()
    assert str(team) in html and str(other_team) not in html
    assert "/staff/people/import/" in html
    assert "Uitschrijvingen" in html
    assert "Mijn studenten" not in html


def test_mentor_finds_their_caseload_only(client, mentor):
    client.force_login(mentor.user)
    html = client.get("/staff/").content.decode()
    assert "/staff/mentor/" in html
    assert "/staff/people/import/" not in html


def test_an_account_without_a_role_is_told_what_to_do(client, django_user_model):
    user = django_user_model.objects.create_user("nobody", password="x-long-password-1")
    client.force_login(user)
    assert "nog geen rol" in client.get("/staff/").content.decode()


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    answer = client.get("/staff/")
    assert answer.status_code == 302 and answer["Location"].startswith("/login/")
