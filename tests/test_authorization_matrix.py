"""Authorization matrix: every named URL has a rule saying what each role gets, for their own
student/team and for someone else's. A URL without a rule fails this test, so a new page cannot
ship without a decision about who may see it.

How to add a rule: copy a similar line in RULES. ``kwargs`` names objects of the world below
("@student" = the mentor's own student, "@other_student" = a student of another school, ...);
``own`` and ``other`` give the expected answer per role for a GET. Codes:
  OK 200 · LOGIN redirect to the login page · DENY 403 or 404 · GONE 404 or 410 (dead link) ·
  AUTH 401 (API without token) · REDIRECT any other redirect · BAD 400 (allowed, but the request
  lacks parameters) · DONE (POST rules only: the view accepted the caller and acted or explained
  what is missing: 200, 302 elsewhere than the login page, 400 or 409).
POST-only views are checked with an empty POST inside a savepoint that is rolled back, because a
GET would only show 405 and say nothing about who may use them.
Roles: anonymous, student (holding their personal link), mentor, other_mentor (another school),
coordinator (the mentor's team), other_coordinator (another school), researcher, admin.
"""

import copy
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

ROLES = [
    "anonymous",
    "student",
    "mentor",
    "other_mentor",
    "coordinator",
    "other_coordinator",
    "researcher",
    "admin",
]
STAFF = ROLES[2:]

OK, LOGIN, DENY, GONE, AUTH, REDIRECT, DONE, BAD = (
    "OK",
    "LOGIN",
    "DENY",
    "GONE",
    "AUTH",
    "REDIRECT",
    "DONE",
    "BAD",
)
POST_ONLY = "POST_ONLY"
CODES = {OK: {200}, DENY: {403, 404}, GONE: {404, 410}, POST_ONLY: {405}, AUTH: {401}, BAD: {400}}


def expect(default, **roles):
    """Expected outcome per role: ``default`` for every role not named."""
    return {role: roles.get(role, default) for role in ROLES}


def staff(default, *, anonymous=LOGIN, student=LOGIN, **roles):
    """A staff page: people without an account are sent to the login page."""
    return expect(default, anonymous=anonymous, student=student, **roles)


@dataclass
class Rule:
    own: dict
    kwargs: dict = field(default_factory=dict)
    other_kwargs: dict | None = None
    other: dict | None = None
    method: str = "get"  # POST-only views are checked with an empty POST (rolled back afterwards)
    query: dict = field(default_factory=dict)


def post(own, kwargs=None, other_kwargs=None, other=None):
    return Rule(own, kwargs or {}, other_kwargs, other, method="post")


TEAM_PAGE = {"coordinator": OK}  # pages of one team or its people: only that team's coordinator
ANY_STAFF = staff(OK)
TOKEN = {"token": "@token"}
BAD_TOKEN = {"token": "@bad_token"}
S, OS = {"person_id": "@student"}, {"person_id": "@other_student"}
SS, OSS = {"student_id": "@student"}, {"student_id": "@other_student"}
A, OA = {"alert_id": "@alert"}, {"alert_id": "@other_alert"}


def by_owner(default=DENY, **roles):
    """The 'other' case: the same page about the other school's student, whose own mentor and
    coordinator are other_mentor and other_coordinator."""
    return staff(default, **roles)


RULES = {
    # --- public ---
    "login": Rule(expect(OK)),
    "logout": post(expect(LOGIN)),
    "healthz": Rule(expect(OK)),
    "dev-links": Rule(expect(DENY)),  # development pages are off unless ZICHT_DEV_PAGES
    "messaging:dev_outbox": Rule(expect(DENY)),
    "messaging:status_callback": post(expect(DENY)),  # unsigned webhooks are refused
    "messaging:inbound_sms": post(expect(DENY)),
    # --- the student's personal link: the token is the key; a wrong token opens nothing ---
    "responses:home": Rule(expect(REDIRECT), TOKEN, BAD_TOKEN, expect(GONE)),
    "responses:fill": Rule(
        expect(OK),
        {"token": "@token", "window_id": "@window"},
        {"token": "@other_token", "window_id": "@window"},
        expect(GONE),
    ),
    "responses:draft": post(
        expect(DONE),
        {"token": "@token", "window_id": "@window"},
        {"token": "@other_token", "window_id": "@window"},
        expect(GONE),
    ),
    "responses:done": Rule(
        expect(REDIRECT),
        {"token": "@token", "window_id": "@window"},
        {"token": "@other_token", "window_id": "@window"},
        expect(GONE),
    ),
    "messaging:opt_out": Rule(expect(OK), TOKEN, BAD_TOKEN, expect(GONE)),
    "feedback:contact": Rule(expect(OK), TOKEN, BAD_TOKEN, expect(GONE)),
    "feedback:participation": Rule(expect(OK), TOKEN, BAD_TOKEN, expect(GONE)),
    "feedback:pause": post(expect(DONE), TOKEN, BAD_TOKEN, expect(GONE)),
    "feedback:resume": post(expect(DONE), TOKEN, BAD_TOKEN, expect(GONE)),
    "feedback:stop": Rule(expect(OK), TOKEN, BAD_TOKEN, expect(GONE)),
    "feedback:channel": post(expect(DONE), TOKEN, BAD_TOKEN, expect(GONE)),
    "feedback:phone": Rule(expect(OK), TOKEN, BAD_TOKEN, expect(GONE)),
    "feedback:phone-code": Rule(expect(REDIRECT), TOKEN, BAD_TOKEN, expect(GONE)),
    "feedback:download": Rule(expect(OK), TOKEN, BAD_TOKEN, expect(GONE)),
    # --- staff: home and second factor ---
    "staff-home": Rule(ANY_STAFF),
    "privacy:otp-setup": Rule(ANY_STAFF),
    "privacy:otp-verify": Rule(staff(REDIRECT)),  # no device yet: sent to set-up
    # --- people administration: the team's coordinator ---
    "people:teams": Rule(staff(DENY, coordinator=OK, other_coordinator=OK)),
    "people:team-add": Rule(staff(DENY)),  # organisation-wide coordinators only (none here)
    "people:team": Rule(
        staff(DENY, **TEAM_PAGE), {"pk": "@team"}, {"pk": "@other_team"}, by_owner(other_coordinator=OK)
    ),
    "people:person-add": Rule(
        staff(DENY, **TEAM_PAGE),
        {"pk": "@team", "role": "student"},
        {"pk": "@other_team", "role": "student"},
        by_owner(other_coordinator=OK),
    ),
    "people:person": Rule(staff(DENY, coordinator=OK), S, OS, by_owner(other_coordinator=OK)),
    "people:person-mentor": post(staff(DENY, coordinator=DONE), S, OS, by_owner(other_coordinator=DONE)),
    "people:person-active": post(staff(DENY, coordinator=DONE), S, OS, by_owner(other_coordinator=DONE)),
    "people:import": Rule(staff(DENY, coordinator=OK, other_coordinator=OK)),
    # Without an upload pending in the caller's own session this only redirects back to the import
    # page, which refuses everyone but coordinators (people:import above).
    "people:import-confirm": post(staff(DONE)),
    # --- mentor dashboard and alerts: the student's mentor (and coordinator) ---
    "monitoring:caseload": Rule(staff(OK, coordinator=REDIRECT, other_coordinator=REDIRECT)),
    "monitoring:student": Rule(
        staff(DENY, mentor=OK, coordinator=OK), SS, OSS, by_owner(other_mentor=OK, other_coordinator=OK)
    ),
    "monitoring:add-note": post(
        staff(DENY, mentor=DONE, coordinator=DONE),
        SS,
        OSS,
        by_owner(other_mentor=DONE, other_coordinator=DONE),
    ),
    "monitoring:alert-seen": post(
        staff(DENY, mentor=DONE, coordinator=DONE), A, OA, by_owner(other_mentor=DONE, other_coordinator=DONE)
    ),
    "monitoring:alert-act": post(
        staff(DENY, mentor=DONE, coordinator=DONE), A, OA, by_owner(other_mentor=DONE, other_coordinator=DONE)
    ),
    "monitoring:alert-dismiss": post(
        staff(DENY, mentor=DONE, coordinator=DONE), A, OA, by_owner(other_mentor=DONE, other_coordinator=DONE)
    ),
    "monitoring:groups": Rule(staff(DENY, coordinator=OK, other_coordinator=OK, researcher=OK)),
    "monitoring:group-download": Rule(staff(DENY), {"chart": "means", "fmt": "svg"}),
    # --- messages and rewards ---
    "messaging:person_messages": Rule(
        staff(DENY, mentor=OK, coordinator=OK), S, OS, by_owner(other_mentor=OK, other_coordinator=OK)
    ),
    "messaging:payout": Rule(staff(DENY, coordinator=OK, other_coordinator=OK)),
    "messaging:payout_csv": Rule(staff(DENY, coordinator=BAD, other_coordinator=BAD)),  # needs ?period
    # --- contact requests from students ---
    "feedback:staff-list": Rule(ANY_STAFF),
    "feedback:staff-detail": Rule(staff(DENY), {"request_id": "@missing"}),
    "feedback:staff-pick-up": post(staff(DENY), {"request_id": "@missing"}),
    "feedback:staff-done": post(staff(DENY), {"request_id": "@missing"}),
    "feedback:settings": Rule(staff(DENY, researcher=OK)),
    # --- continuous support line (lists are filtered to what the user may see) ---
    "support:home": Rule(ANY_STAFF),
    "support:dossiers": Rule(ANY_STAFF),
    "support:dossier-new": Rule(staff(DENY, coordinator=OK, other_coordinator=OK)),
    "support:dossier-export": Rule(staff(BAD)),
    "support:dossier": Rule(staff(DENY), {"pk": "@missing"}),
    "support:dossier-action": post(staff(DENY), {"pk": "@missing", "action": "confirm"}),
    "support:timeline": Rule(
        staff(DENY, mentor=OK, coordinator=OK),
        {"pk": "@student"},
        {"pk": "@other_student"},
        by_owner(other_mentor=OK, other_coordinator=OK),
    ),
    "support:monitor": Rule(staff(DENY, coordinator=OK, other_coordinator=OK)),
    "support:deregistration-new": Rule(staff(DENY, coordinator=OK, other_coordinator=OK)),
    "support:deregistration": Rule(staff(DENY), {"pk": "@missing"}),
    "support:outflow": Rule(ANY_STAFF),
    # --- cohort flow analytics ---
    "cohorts:list": Rule(ANY_STAFF),
    "cohorts:import": Rule(staff(DENY, coordinator=OK, other_coordinator=OK, researcher=OK, admin=OK)),
    "cohorts:detail": Rule(staff(DENY), {"pk": "@missing"}),
    "cohorts:export": Rule(staff(DENY), {"pk": "@missing"}),
    # --- privacy: a person's consent, access and erasure (their team's coordinator) ---
    "privacy:person": Rule(staff(DENY, coordinator=OK), S, OS, by_owner(other_coordinator=OK)),
    "privacy:person-consent": post(staff(DENY, coordinator=DONE), S, OS, by_owner(other_coordinator=DONE)),
    "privacy:person-access": post(staff(DENY, coordinator=DONE), S, OS, by_owner(other_coordinator=DONE)),
    "privacy:person-erase": post(staff(DENY, coordinator=DONE), S, OS, by_owner(other_coordinator=DONE)),
    "privacy:audit-csv": Rule(staff(DENY, admin=OK)),
    "privacy:studies": Rule(staff(DENY, researcher=OK)),
    "privacy:study-export": Rule(
        staff(DENY, researcher=OK), {"study_id": "@study"}, {"study_id": "@other_study"}, staff(DENY)
    ),
    # --- REST API: bearer tokens only; a browser session opens nothing ---
    "api:openapi-json": Rule(expect(OK)),
    "api:openapi-view": Rule(expect(OK)),
    "api:api-root": Rule(expect(DENY)),
    "api:list_people": Rule(expect(AUTH)),
    "api:get_person": Rule(expect(AUTH), {"role": "student", "external_id": "S1"}),
    "api:put_person": Rule(expect(AUTH), {"role": "student", "external_id": "S1"}),
    "api:deactivate_person": post(expect(AUTH), {"role": "student", "external_id": "S1"}),
    "api:list_links": Rule(expect(AUTH)),
    "api:put_link": Rule(expect(AUTH)),
    "api:list_responses": Rule(expect(AUTH)),
    "api:list_alerts": Rule(expect(AUTH)),
    "api:change_alert": post(expect(DENY), A),  # PATCH only; POST is refused (405, JSON)
    "api:list_enrolments": Rule(expect(AUTH)),
    "api:create_enrolment": post(expect(AUTH)),
}


def named_urls():
    """Every named URL pattern (with namespace) outside the Django admin."""
    found = {}

    def walk(patterns, namespace=None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin":
                    continue
                ns = namespace
                if pattern.namespace:
                    ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                walk(pattern.url_patterns, ns)
            elif isinstance(pattern, URLPattern) and pattern.name:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                found[name] = pattern

    walk(get_resolver().url_patterns)
    return found


def test_every_named_url_has_a_rule():
    missing = sorted(set(named_urls()) - set(RULES))
    stale = sorted(set(RULES) - set(named_urls()))
    assert missing == [], f"add a rule to RULES in {__file__} for: {missing}"
    assert stale == [], f"these URLs no longer exist; remove their rules: {stale}"


@pytest.fixture
def world(db, team, other_team, student, mentor, other_mentor, coordinator, researcher, open_window):
    """Two schools: ours (student Sanne, mentor Fatima, coordinator Coco, researcher Rita, an admin)
    and another (student Otto with mentor Karel and their own coordinator)."""
    from django.contrib.auth.models import User

    from zicht.monitoring.models import Alert
    from zicht.people.models import MentorLink, StaffRole, Student
    from zicht.privacy.models import Study

    other_student = Student.objects.create(team=other_team, external_id="S9", first_name="Otto")
    MentorLink.objects.create(
        mentor=other_mentor, student=other_student, starts_on=timezone.localdate() - timedelta(days=30)
    )
    other_coordinator = User.objects.create_user("olga", password="testpass-123!")
    StaffRole.objects.create(
        user=other_coordinator,
        role=StaffRole.COORDINATOR,
        organisation=other_team.organisation,
        team=other_team,
    )
    admin = User.objects.create_user("adam", password="testpass-123!")
    StaffRole.objects.create(user=admin, role=StaffRole.ADMIN, organisation=team.organisation)
    window, token = open_window(student)
    _other_window, other_token = open_window(other_student)
    today = timezone.localdate()
    alert = Alert.objects.create(
        student=student, kind="missed", week_start=today, last_week_start=today, reason="x"
    )
    other_alert = Alert.objects.create(
        student=other_student, kind="missed", week_start=today, last_week_start=today, reason="x"
    )
    return {
        "users": {
            "mentor": mentor.user,
            "other_mentor": other_mentor.user,
            "coordinator": coordinator,
            "other_coordinator": other_coordinator,
            "researcher": researcher,
            "admin": admin,
        },
        "@student": student.pk,
        "@other_student": other_student.pk,
        "@team": team.pk,
        "@other_team": other_team.pk,
        "@token": token,
        "@other_token": other_token,
        "@bad_token": "x" * 43,
        "@window": window.pk,
        "@alert": alert.pk,
        "@other_alert": other_alert.pk,
        "@missing": 987654,
        "@study": Study.objects.create(organisation=team.organisation, key="s", name="S").pk,
        "@other_study": Study.objects.create(organisation=other_team.organisation, key="s", name="S").pk,
    }


def _outcome(response, method):
    if response.status_code in (301, 302) and response["Location"].startswith("/login/"):
        return LOGIN
    if method == "post" and response.status_code in (200, 201, 302, 400, 409):
        return DONE
    if response.status_code in (301, 302):
        return REDIRECT
    for name, codes in CODES.items():
        if response.status_code in codes:
            return name
    return str(response.status_code)


def _matches(expected, got):
    return (
        expected == got
        or (expected == DENY and got in (GONE, POST_ONLY))
        or (expected == GONE and got == DENY)
    )


def test_every_role_gets_what_the_matrix_says(client, world, settings):
    from django.core.cache import cache
    from django.db import transaction
    from django.test import Client

    settings.ZICHT_DEV_PAGES = False
    cache.clear()
    clients = {"anonymous": Client(), "student": Client()}
    clients["student"].get(f"/d/{world['@token']}/")
    for role, user in world["users"].items():
        clients[role] = Client()
        clients[role].force_login(user)

    def resolve(kwargs):
        return {k: world[v] if isinstance(v, str) and v.startswith("@") else v for k, v in kwargs.items()}

    wrong = []
    for name, rule in RULES.items():
        cases = [("own", rule.kwargs, rule.own)]
        if rule.other_kwargs is not None:
            cases.append(("other", rule.other_kwargs, rule.other))
        for which, kwargs, expected in cases:
            url = reverse(name, kwargs=resolve(kwargs))
            for role in ROLES:
                cache.clear()  # rate limits would otherwise pile up over hundreds of requests
                probe = Client()  # a copy of the role's session: logging out here logs out only the copy
                probe.cookies = copy.deepcopy(clients[role].cookies)
                with transaction.atomic():
                    response = getattr(probe, rule.method)(url, rule.query)
                    transaction.set_rollback(True)
                got = _outcome(response, rule.method)
                if not _matches(expected[role], got):
                    wrong.append(f"{name} ({which}) as {role}: expected {expected[role]}, got {got}  [{url}]")
    assert wrong == [], "\n".join(wrong)
