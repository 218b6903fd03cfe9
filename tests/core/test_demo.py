"""README command 1: the demo gives a newcomer open diaries and working logins within a minute."""

import json
import re

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

    from zicht.people.models import Person
    from zicht.protocols.models import Subscription

    links = json.loads((tmp_path / "demo-links.json").read_text())
    # Every mentor and every student still at school (the demo cohort has leavers) has a link.
    enrolled = Person.objects.filter(subscriptions__state=Subscription.ACTIVE).distinct()
    assert sorted(link["name"] for link in links) == sorted(p.full_name for p in enrolled)
    assert {link["role"] for link in links} == {"student", "begeleider"}

    # A newcomer opens a student's link and finds this week's diary one tap away.
    student_link = next(link for link in links if link["role"] == "student")
    path = student_link["url"].split("8000", 1)[1]
    page = client.get(path, follow=True)
    html = page.content.decode()
    if 'name="v25"' not in html:
        diary = re.search(r'href="([^"]+)">Weekvragenlijst', html)
        html = client.get(diary.group(1)).content.decode()
    assert 'name="v25"' in html

    # The development page lists the same links; the mentor can log in with the printed password.
    assert student_link["url"] in client.get("/dev/links/").content.decode()
    login = client.post("/login/", {"username": "mentor", "password": "demo-wachtwoord"})
    assert login.status_code == 302 and login["Location"] == "/staff/"

    # Running the demo again does not double the school.
    call_command("demo", no_serve=True, weeks=8)
    assert Person.objects.count() == 14
