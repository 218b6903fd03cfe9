"""Personas of the support line: a VSO school (sending) with a pupil and a coordinator; the MBO
team from tests/conftest.py (receiving) with its coordinator and mentor; a mentor elsewhere."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

AMS = ZoneInfo("Europe/Amsterdam")


def make_user(username, password="testpass-123!", **extra):
    from django.contrib.auth.models import User

    return User.objects.create_user(username=username, password=password, **extra)


def at(year, month, day, hour=10, minute=0):
    """An aware instant, given in Amsterdam wall-clock time."""
    return datetime(year, month, day, hour, minute, tzinfo=AMS)


@pytest.fixture(autouse=True)
def reasons(request):
    """Reason codes come from a data migration; transactional tests elsewhere flush them."""
    if request.node.get_closest_marker("django_db") is None:
        return
    from zicht.support.services import ensure_default_reasons

    ensure_default_reasons()


@pytest.fixture
def vso_team(db):
    from zicht.people.models import Organisation, Team

    org = Organisation.objects.create(name="VSO De Brug")
    return Team.objects.create(organisation=org, name="Uitstroom")


@pytest.fixture
def vso_coordinator(vso_team):
    from zicht.people.models import StaffRole

    user = make_user("vera", first_name="Vera")
    StaffRole.objects.create(
        user=user, role=StaffRole.COORDINATOR, organisation=vso_team.organisation, team=vso_team
    )
    return user


@pytest.fixture
def pupil(vso_team):
    from zicht.people.models import Student

    return Student.objects.create(
        team=vso_team, external_id="V1", first_name="Milan", last_name="Koster", phone="+31611112222"
    )


@pytest.fixture
def receiving_contact(team):
    """A second coordinator at the MBO team who becomes the contact person."""
    from zicht.people.models import StaffRole

    user = make_user("ruben", first_name="Ruben")
    StaffRole.objects.create(user=user, role=StaffRole.COORDINATOR, organisation=team.organisation, team=team)
    return user


@pytest.fixture
def make_dossier(pupil, team, vso_coordinator):
    from zicht.support import services

    def make(birth=date(2008, 5, 1), now=None, **fields):
        values = {
            "pupil_birth_date": birth,
            "intended_programme": "Helpende Zorg & Welzijn",
            "intended_level": "2",
            "receiving_team": team,
            "start_year": 2026,
            "support_needs": ["structure", "one_contact"],
            "support_needs_text": "Heeft tijd nodig om te wennen aan nieuwe mensen.",
            "what_helped": "Vaste plek in de klas, dag vooraf weten wat er komt.",
        }
        values.update(fields)
        return services.create_dossier(
            vso_coordinator, pupil, contacts=[{"name": "Mw. Koster", "role": "moeder"}], now=now, **values
        )

    return make


@pytest.fixture
def make_student(team):
    from zicht.people.models import Student

    counter = iter(range(100, 10_000))

    def make(first_name="Student"):
        n = next(counter)
        return Student.objects.create(
            team=team, external_id=f"S{n}", first_name=first_name, phone=f"+316{n:08d}"
        )

    return make
