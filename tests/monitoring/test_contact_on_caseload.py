"""A student's request to talk is the first thing their mentor sees on the caseload."""

import pytest

from zicht.feedback.contact import request_contact

pytestmark = pytest.mark.django_db


def test_request_to_talk_shows_at_the_top_of_the_mentors_caseload(client, student, mentor, other_mentor):
    request_contact(student, message="Kunnen we morgen praten?")
    client.force_login(mentor.user)
    html = client.get("/staff/mentor/").content.decode()
    assert "Vragen om contact" in html
    assert html.index("Vragen om contact") < html.index('class="caseload"')
    assert "Kunnen we morgen praten?" in html

    client.force_login(other_mentor.user)
    other = client.get("/staff/mentor/").content.decode()
    assert "Kunnen we morgen praten?" not in other and "Sanne" not in other
