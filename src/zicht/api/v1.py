"""REST API v1 for school systems and research tools (django-ninja; schema at /api/v1/openapi.json).

Every call carries a bearer token of one organisation; each endpoint needs a scope, and
core.permissions decides what a token may touch. Writes go through the owning apps' services.
"""

from datetime import date, datetime
from typing import Literal

from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, transaction
from django.http import Http404
from ninja import Field, NinjaAPI, Path, Query, Schema
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.security import HttpBearer

from zicht.core import clock, permissions
from zicht.people.models import MentorLink, Team
from zicht.privacy.models import ApiToken, Study

EXTERNAL_ID = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
KEY = r"^[a-z0-9][a-z0-9_-]{0,79}$"
PLAIN_TEXT = r"^[^\x00-\x1f\x7f]*$"  # no control characters (PostgreSQL refuses NUL bytes)
MAX_ID = 2**63 - 1


class TokenAuth(HttpBearer):
    """Bearer token → ApiToken row (only the SHA-256 is stored); unknown or revoked → 401."""

    def authenticate(self, request, token):
        if not token or len(token) > 200:
            return None
        row = ApiToken.objects.filter(token_hash=ApiToken.hash_token(token), revoked_at=None).first()
        if row is None:
            return None
        now = clock.now()
        if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        return row


api = NinjaAPI(
    title="zicht API",
    version="1",
    description="Integrations for schools and researchers. Authenticate with `Authorization: Bearer <token>`; "
    "tokens are created per organisation with `zicht api_token` and carry scopes.",
    auth=TokenAuth(),
    urls_namespace="api",
    docs_url="/docs",
)


@api.exception_handler(ValidationError)
def django_validation_error(request, exc):
    return api.create_response(request, {"detail": exc.messages}, status=400)


@api.exception_handler(DataError)
def data_error(request, exc):
    return api.create_response(request, {"detail": "a value is out of range or malformed"}, status=400)


@api.exception_handler(IntegrityError)
def integrity_error(request, exc):
    return api.create_response(request, {"detail": "conflict with existing data"}, status=409)


class Pages(LimitOffsetPagination):
    """limit/offset paging with bounds, so no request can ask the database for an absurd offset."""

    class Input(Schema):
        limit: int = Field(100, ge=1, le=1000)
        offset: int = Field(0, ge=0, le=10_000_000)


def need(request, scope):
    """Check the token's scope and record the call in the audit log (one row per call)."""
    from zicht.privacy.audit import audit
    from zicht.privacy.models import AuditEvent

    if not permissions.api_token_allows(request.auth, scope):
        raise HttpError(403, f"this token lacks the scope {scope}")
    audit(
        None,
        AuditEvent.API,
        None,
        organisation_id=request.auth.organisation_id,
        detail={
            "token": request.auth.prefix,
            "method": request.method,
            "path": request.path[:200],
            "scope": scope,
        },
    )
    return request.auth


# --- people -----------------------------------------------------------------------------------

Role = Literal["student", "mentor"]


class PersonIn(Schema):
    team: str = Field(
        ..., min_length=1, max_length=200, pattern=PLAIN_TEXT, description="team name within the organisation"
    )
    first_name: str = Field(..., min_length=1, max_length=100, pattern=PLAIN_TEXT)
    last_name: str = Field("", max_length=150, pattern=PLAIN_TEXT)
    phone: str = Field("", max_length=40, pattern=PLAIN_TEXT, description="mobile number; stored as E.164")
    email: str = Field("", max_length=254, pattern=PLAIN_TEXT)
    language: Literal["nl", "en"] = "nl"
    gender: Literal["", "f", "m", "x"] = ""


class PersonOut(Schema):
    id: int
    external_id: str
    role: str
    team: str
    first_name: str
    last_name: str
    phone: str
    email: str
    language: str
    is_active: bool
    created_at: datetime

    @staticmethod
    def resolve_team(obj):
        return obj.team.name


class PeopleFilter(Schema):
    role: Role | None = None
    active: bool | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None


def _person(request, role, external_id):
    matches = list(
        permissions.api_people(request.auth)
        .filter(role=role, external_id=external_id)
        .select_related("team")[:2]
    )
    if not matches:
        raise Http404
    if len(matches) > 1:
        raise HttpError(409, "this school number is used in more than one team")
    return matches[0]


@api.get("/people", response=list[PersonOut], tags=["people"])
@paginate(Pages)
def list_people(request, filters: Query[PeopleFilter]):
    need(request, "people:read")
    people = permissions.api_people(request.auth).select_related("team").order_by("id")
    if filters.role:
        people = people.filter(role=filters.role)
    if filters.active is not None:
        people = people.filter(is_active=filters.active)
    if filters.created_after:
        people = people.filter(created_at__gte=filters.created_after)
    if filters.created_before:
        people = people.filter(created_at__lt=filters.created_before)
    return people


ExternalId = Path(..., pattern=EXTERNAL_ID, description="the school's own number for this person")


@api.get("/people/{role}/{external_id}", response=PersonOut, tags=["people"])
def get_person(request, role: Role, external_id: str = ExternalId):
    need(request, "people:read")
    return _person(request, role, external_id)


@api.put("/people/{role}/{external_id}", response={200: PersonOut, 201: PersonOut}, tags=["people"])
def put_person(request, role: Role, payload: PersonIn, external_id: str = ExternalId):
    """Create or update by school number: sending the same body twice changes nothing."""
    need(request, "people:write")
    from zicht.messaging.phone import normalise_phone
    from zicht.people import services as people_services

    team = Team.objects.filter(organisation_id=request.auth.organisation_id, name=payload.team).first()
    if team is None:
        raise HttpError(400, "unknown team for this organisation")
    fields = payload.dict(exclude={"team"})
    if fields["phone"]:
        fields["phone"] = normalise_phone(fields["phone"])
    if fields["email"]:
        from django.core.validators import validate_email

        validate_email(fields["email"])
    with transaction.atomic():
        existing = permissions.api_people(request.auth).filter(role=role, external_id=external_id)
        if existing.count() > 1:
            raise HttpError(409, "this school number is used in more than one team")
        person = existing.select_for_update().first()
        if person is None:
            person = people_services.add_person(team, role, {"external_id": external_id, **fields})
            return 201, person
        changed = [name for name, value in fields.items() if getattr(person, name) != value]
        for name in changed:
            setattr(person, name, fields[name])
        if person.team_id != team.pk:
            person.team = team
            changed.append("team")
        if changed:
            person.save(update_fields=changed)
    return 200, person


@api.post("/people/{role}/{external_id}/deactivate", response=PersonOut, tags=["people"])
def deactivate_person(request, role: Role, external_id: str = ExternalId):
    """Stop a person (no more invitations); repeating it is harmless."""
    need(request, "people:write")
    from zicht.people import services as people_services

    person = _person(request, role, external_id)
    if person.is_active:
        people_services.deactivate(person)
    return person


# --- mentor links -------------------------------------------------------------------------------


class MentorLinkIn(Schema):
    student: str = Field(..., pattern=EXTERNAL_ID)
    mentor: str = Field(..., pattern=EXTERNAL_ID)
    starts_on: date | None = Field(None, description="default: today")


class MentorLinkOut(Schema):
    id: int
    student: str
    mentor: str
    starts_on: date
    ends_on: date | None

    @staticmethod
    def resolve_student(obj):
        return obj.student.external_id

    @staticmethod
    def resolve_mentor(obj):
        return obj.mentor.external_id


class LinkFilter(Schema):
    student: str | None = Field(None, pattern=EXTERNAL_ID)
    mentor: str | None = Field(None, pattern=EXTERNAL_ID)
    current: bool | None = None


@api.get("/mentor-links", response=list[MentorLinkOut], tags=["people"])
@paginate(Pages)
def list_links(request, filters: Query[LinkFilter]):
    need(request, "people:read")
    links = (
        MentorLink.objects.filter(student__in=permissions.api_people(request.auth))
        .select_related("student", "mentor")
        .order_by("id")
    )
    if filters.student:
        links = links.filter(student__external_id=filters.student)
    if filters.mentor:
        links = links.filter(mentor__external_id=filters.mentor)
    if filters.current is not None:
        links = links.filter(ends_on__isnull=filters.current)
    return links


@api.put("/mentor-links", response=MentorLinkOut, tags=["people"])
def put_link(request, payload: MentorLinkIn):
    """Make ``mentor`` the student's mentor (a change keeps history and moves the mentor diary)."""
    need(request, "people:write")
    from zicht.people import services as people_services

    student = _person(request, "student", payload.student)
    mentor = _person(request, "mentor", payload.mentor)
    on = payload.starts_on or clock.localtime().date()
    current = MentorLink.objects.filter(student=student, ends_on__isnull=True).first()
    if current is not None and current.mentor_id != mentor.pk:
        if mentor.team_id != student.team_id or not mentor.is_active:
            people_services.link_mentor(student, mentor, on=on)  # raises the service's clear error
        from zicht.protocols.services import change_mentor

        change_mentor(student, mentor, on)
        return MentorLink.objects.select_related("student", "mentor").get(
            student=student, ends_on__isnull=True
        )
    return people_services.link_mentor(student, mentor, on=on)


# --- responses (pseudonymised) ----------------------------------------------------------------------


class ResponseFilter(Schema):
    study: str = Field(..., pattern=KEY, description="study key: its questionnaires and pseudonym secret")
    questionnaire: str | None = Field(None, pattern=KEY)
    submitted_after: datetime | None = None
    submitted_before: datetime | None = None


class ResponseOut(Schema):
    id: int
    pseudonym: str
    about_pseudonym: str
    respondent_role: str
    questionnaire: str
    version: int
    measurement: str
    occasion: int
    submitted_at: datetime
    answers: dict
    untouched: list[str]
    hidden: list[str]


@api.get("/responses", response=list[ResponseOut], tags=["responses"])
@paginate(Pages)
def list_responses(request, filters: Query[ResponseFilter]):
    """Answers under the study's pseudonyms; free text is left out; only people with research consent."""
    need(request, "responses:read")
    from zicht.privacy import exports, gdpr
    from zicht.questionnaires.models import QuestionnaireVersion

    study = Study.objects.filter(organisation_id=request.auth.organisation_id, key=filters.study).first()
    if study is None:
        raise Http404
    keys = [filters.questionnaire] if filters.questionnaire else None
    if keys and keys[0] not in study.questionnaire_keys:
        raise HttpError(400, "questionnaire is not part of this study")
    rows = exports.study_responses(study, keys, since=filters.submitted_after, until=filters.submitted_before)
    definitions = {}

    def out(row):
        (
            response_id,
            answers,
            meta,
            version_id,
            _language,
            submitted_at,
            respondent_id,
            about_id,
            role,
            key,
            measurement,
            occasion,
        ) = row
        if version_id not in definitions:
            version = QuestionnaireVersion.objects.get(pk=version_id)
            definitions[version_id] = (version.number, gdpr.free_text_ids(version.definition))
        number, text_ids = definitions[version_id]
        return {
            "id": response_id,
            "pseudonym": study.pseudonym(respondent_id),
            "about_pseudonym": study.pseudonym(about_id) if about_id else "",
            "respondent_role": role,
            "questionnaire": key,
            "version": number,
            "measurement": measurement,
            "occasion": occasion,
            "submitted_at": submitted_at,
            "answers": gdpr.strip_free_text(answers or {}, text_ids),
            "untouched": (meta or {}).get("untouched", []),
            "hidden": (meta or {}).get("hidden", []),
        }

    return _Mapped(rows, out)


class _Mapped:
    """A lazily mapped queryset: pagination slices the query, then rows are turned into dicts."""

    def __init__(self, queryset, func):
        self.queryset, self.func = queryset, func

    def count(self):
        return self.queryset.count()

    def __len__(self):
        return self.count()

    def __getitem__(self, item):
        rows = self.queryset[item]
        return [self.func(row) for row in rows] if isinstance(item, slice) else self.func(rows)

    def __iter__(self):
        return (self.func(row) for row in self.queryset)


# --- alerts -------------------------------------------------------------------------------------------


class AlertOut(Schema):
    id: int
    student: str
    kind: str
    state: str
    reason: str
    risk: float
    week_start: date
    last_week_start: date
    ongoing: bool
    created_at: datetime
    state_changed_at: datetime | None

    @staticmethod
    def resolve_student(obj):
        return obj.student.external_id


class AlertFilter(Schema):
    state: Literal["new", "seen", "acted", "dismissed"] | None = None
    student: str | None = Field(None, pattern=EXTERNAL_ID)
    created_after: datetime | None = None
    created_before: datetime | None = None


class AlertChange(Schema):
    state: Literal["seen", "acted", "dismissed"]
    note: str = Field(
        "",
        max_length=2000,
        pattern=r"^[^\x00]*$",
        description="what was done (acted) or why not a concern (dismissed)",
    )


def _alerts(request):
    from zicht.monitoring.models import Alert

    return Alert.objects.filter(student__in=permissions.api_people(request.auth)).select_related("student")


@api.get("/alerts", response=list[AlertOut], tags=["alerts"])
@paginate(Pages)
def list_alerts(request, filters: Query[AlertFilter]):
    need(request, "alerts:read")
    alerts = _alerts(request).order_by("id")
    if filters.state:
        alerts = alerts.filter(state=filters.state)
    if filters.student:
        alerts = alerts.filter(student__external_id=filters.student)
    if filters.created_after:
        alerts = alerts.filter(created_at__gte=filters.created_after)
    if filters.created_before:
        alerts = alerts.filter(created_at__lt=filters.created_before)
    return alerts


@api.patch("/alerts/{alert_id}", response=AlertOut, tags=["alerts"])
def change_alert(request, payload: AlertChange, alert_id: int = Path(..., ge=1, le=MAX_ID)):
    """Move an alert on in its life cycle (seen, acted on with a note, dismissed with a reason)."""
    need(request, "alerts:write")
    from zicht.monitoring import services as monitoring

    alert = _alerts(request).filter(pk=alert_id).first()
    if alert is None:
        raise Http404
    user = request.auth.acting_user()
    try:
        if payload.state == "seen":
            monitoring.mark_seen(alert, user)
        elif payload.state == "acted":
            monitoring.act_on(alert, user, payload.note)
        else:
            monitoring.dismiss(alert, user, payload.note)
    except monitoring.TransitionError as error:
        raise HttpError(409, str(error)) from error
    alert.refresh_from_db()
    return alert


# --- enrolments ---------------------------------------------------------------------------------------


class EnrolmentOut(Schema):
    id: int
    person: str
    role: str
    about: str | None
    protocol: str
    starts_on: date
    ends_on: date | None
    state: str
    created_at: datetime

    @staticmethod
    def resolve_person(obj):
        return obj.person.external_id

    @staticmethod
    def resolve_role(obj):
        return obj.person.role

    @staticmethod
    def resolve_about(obj):
        return obj.about.external_id if obj.about_id else None

    @staticmethod
    def resolve_protocol(obj):
        return obj.protocol.key


class EnrolmentFilter(Schema):
    person: str | None = Field(None, pattern=EXTERNAL_ID)
    protocol: str | None = Field(None, pattern=KEY)
    state: Literal["active", "paused", "stopped"] | None = None
    starts_after: date | None = None
    starts_before: date | None = None


class EnrolmentIn(Schema):
    student: str = Field(..., pattern=EXTERNAL_ID)
    starts_on: date
    control: bool = Field(False, description="control group: no mentor diary about this student")


def _subscriptions(request):
    from zicht.protocols.models import Subscription

    return Subscription.objects.filter(person__in=permissions.api_people(request.auth)).select_related(
        "person", "about", "protocol"
    )


@api.get("/enrolments", response=list[EnrolmentOut], tags=["enrolments"])
@paginate(Pages)
def list_enrolments(request, filters: Query[EnrolmentFilter]):
    need(request, "enrolments:read")
    rows = _subscriptions(request).order_by("id")
    if filters.person:
        rows = rows.filter(person__external_id=filters.person)
    if filters.protocol:
        rows = rows.filter(protocol__key=filters.protocol)
    if filters.state:
        rows = rows.filter(state=filters.state)
    if filters.starts_after:
        rows = rows.filter(starts_on__gte=filters.starts_after)
    if filters.starts_before:
        rows = rows.filter(starts_on__lt=filters.starts_before)
    return rows


@api.post("/enrolments", response={201: list[EnrolmentOut]}, tags=["enrolments"])
def create_enrolment(request, payload: EnrolmentIn):
    """Enrol a student (and their mentor's diary about them); repeating it creates nothing new."""
    need(request, "enrolments:write")
    from zicht.protocols.services import enrol_student

    student = _person(request, "student", payload.student)
    if not student.is_active:
        raise HttpError(409, "this student is inactive")
    if abs((payload.starts_on - clock.localtime().date()).days) > 366:
        raise HttpError(400, "starts_on must be within a year from today")
    result = enrol_student(student, payload.starts_on, control=payload.control)
    ids = [s.pk for s in result.values() if s is not None]
    return 201, list(_subscriptions(request).filter(pk__in=ids).order_by("id"))
