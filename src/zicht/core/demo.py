"""The demo school that `zicht demo` loads: people, links and this week's open diaries.

Everything here is idempotent, so running the demo twice gives the same school, not two.
"""

from datetime import timedelta

from django.contrib.auth.models import User
from django.db import transaction

from zicht.people.models import MentorLink, Organisation, Person, StaffRole, Team

DEMO_PASSWORD = "demo-wachtwoord"

MENTORS = [
    ("M01", "Fatima", "Bakker", "f", "mentor"),
    ("M02", "Joost", "Visser", "m", "mentor2"),
]
STUDENTS = [
    # school number, first name, last name, gender, mentor
    ("S001", "Sanne", "de Vries", "f", "M01"),
    ("S002", "Mohammed", "El Amrani", "m", "M01"),
    ("S003", "Lisa", "Jansen", "f", "M01"),
    ("S004", "Daan", "Smit", "m", "M01"),
    ("S005", "Priya", "Ramdin", "f", "M01"),
    ("S006", "Kevin", "Mulder", "m", "M01"),
    ("S007", "Noa", "Hendriks", "x", "M01"),
    ("S008", "Ilias", "Yilmaz", "m", "M02"),
    ("S009", "Emma", "de Boer", "f", "M02"),
    ("S010", "Thijs", "Bos", "m", "M02"),
    ("S011", "Aisha", "Koç", "f", "M02"),
    ("S012", "Ruben", "Peters", "m", "M02"),
]


def _user(username, first_name, last_name=""):
    user, created = User.objects.get_or_create(
        username=username, defaults={"first_name": first_name, "last_name": last_name}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user


@transaction.atomic
def create_demo_school():
    """Return (team, mentors, students, logins) of the demo school."""
    organisation, _ = Organisation.objects.get_or_create(
        name="ROC Demostad", defaults={"programme_name": "Plusgroep"}
    )
    team, _ = Team.objects.get_or_create(
        organisation=organisation, name="Entree en niveau 2", defaults={"mentor_title": "coach"}
    )
    coordinator = _user("coordinator", "Carla", "de Wit")
    StaffRole.objects.get_or_create(
        user=coordinator, role=StaffRole.COORDINATOR, organisation=organisation, team=team
    )
    researcher = _user("researcher", "Rob", "Onderzoek")
    StaffRole.objects.get_or_create(user=researcher, role=StaffRole.RESEARCHER, organisation=organisation, team=None)

    mentors = {}
    for number, first, last, gender, username in MENTORS:
        user = _user(username, first, last)
        StaffRole.objects.get_or_create(user=user, role=StaffRole.MENTOR, organisation=organisation, team=team)
        mentors[number], _ = Person.objects.get_or_create(
            team=team,
            role=Person.MENTOR,
            external_id=number,
            defaults={
                "first_name": first,
                "last_name": last,
                "gender": gender,
                "user": user,
                "email": f"{username}@demo.zicht.invalid",
                "phone": f"+316000000{number[-2:]}",
            },
        )
    students = []
    for index, (number, first, last, gender, mentor_number) in enumerate(STUDENTS, start=1):
        student, created = Person.objects.get_or_create(
            team=team,
            role=Person.STUDENT,
            external_id=number,
            defaults={"first_name": first, "last_name": last, "gender": gender, "phone": f"+3161111{index:04d}"},
        )
        if created:
            MentorLink.objects.create(mentor=mentors[mentor_number], student=student)
        students.append(student)
    logins = [
        ("coordinator", "coordinator", "Carla de Wit"),
        ("mentor", "mentor", "Fatima Bakker"),
        ("researcher", "researcher", "Rob Onderzoek"),
    ]
    return team, list(mentors.values()), students, logins


def open_this_week(people, now):
    """Make sure every demo person has a diary open right now.

    The demo starts on any day of the week, so the soonest planned diary window of each person
    is opened now (it keeps its normal closing time). Real schedules are never changed this way.
    """
    from zicht.responses.models import Window, open_windows

    for person in people:
        if open_windows(person, now).exists():
            continue
        upcoming = (
            Window.objects.filter(respondent=person, state=Window.PLANNED, opens_at__gt=now)
            .filter(measurement__in=["diary", "mentor_diary"])
            .order_by("opens_at")
        )
        first = upcoming.first()
        if first is None:
            continue
        # Mentors fill one diary per student: open all of theirs that open at the same moment.
        Window.objects.filter(pk__in=upcoming.filter(opens_at=first.opens_at).values("pk")).update(
            opens_at=now - timedelta(minutes=1)
        )


def issue_demo_links(people, now, site_url):
    """Personal links for the development page; only their hashes go into the database."""
    from zicht.responses.models import AccessLink, open_windows

    links = []
    for person in people:
        windows = list(open_windows(person, now))
        if not windows:
            continue
        expires = max(w.closes_at or now + timedelta(days=7) for w in windows)
        _, token = AccessLink.issue(person, expires_at=expires)
        links.append(
            {
                "role": "begeleider" if person.role == Person.MENTOR else "student",
                "name": person.full_name,
                "url": f"{site_url}/d/{token}/",
            }
        )
    return links
