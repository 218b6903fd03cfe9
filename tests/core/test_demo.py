"""README command 1: the demo gives a newcomer open diaries and working logins within a minute."""

import json

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_demo_loads_a_school_with_open_diaries_and_printed_logins(client, settings, tmp_path, capsys):
    settings.DATA_DIR = tmp_path
    settings.ZICHT_DEV_PAGES = True
    settings.ZICHT_REQUIRE_2FA = False
    call_command("demo", no_serve=True, weeks=8)
    printed = capsys.readouterr().out
    assert "coordinator" in printed and "demo-wachtwoord" in printed and "/dev/links/" in printed

    links = json.loads((tmp_path / "demo-links.json").read_text())
    assert {link["role"] for link in links} == {"student", "begeleider"}
    assert len(links) == 14

    # A newcomer opens the first student's link and lands on this week's diary.
    student_link = next(link for link in links if link["role"] == "student")
    path = student_link["url"].split("8000", 1)[1]
    page = client.get(path, follow=True)
    assert page.status_code == 200
    assert 'name="v25"' in page.content.decode()

    # The development page lists the same links; the mentor can log in with the printed password.
    assert student_link["url"] in client.get("/dev/links/").content.decode()
    assert client.login(username="mentor", password="demo-wachtwoord")

    # Running the demo again does not double the school.
    call_command("demo", no_serve=True, weeks=8)
    from zicht.people.models import Person

    assert Person.objects.count() == 14
