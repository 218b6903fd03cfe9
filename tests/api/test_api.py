"""The REST API: token auth per organisation with scopes, idempotent people writes, pseudonymised
responses, alerts and enrolments, pagination and date filters, JSON errors."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from api.conftest import ALL_SCOPES
from zicht.people.models import MentorLink, Person
from zicht.privacy.models import ApiToken, Study

BODY = {"team": "Entree A", "first_name": "Yara", "last_name": "Smit", "phone": "06 1234 5670"}


def put(client, path, body, headers):
    return client.put(path, json.dumps(body), content_type="application/json", **headers)


def test_schema_and_docs_are_published(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert {"/api/v1/people", "/api/v1/responses", "/api/v1/alerts", "/api/v1/enrolments"} <= set(
        schema["paths"]
    )
    assert client.get("/api/v1/docs").status_code == 200


def test_no_token_or_a_wrong_token_gets_401_json(client, db):
    response = client.get("/api/v1/people")
    assert response.status_code == 401 and response.json()["detail"]
    assert client.get("/api/v1/people", HTTP_AUTHORIZATION="Bearer nope").status_code == 401


def test_tokens_are_stored_as_hashes_and_can_be_revoked(client, organisation, token_for):
    headers = token_for("people:read")
    token = headers["HTTP_AUTHORIZATION"].split()[1]
    row = ApiToken.objects.get()
    assert token not in (row.token_hash, row.prefix) and row.token_hash == ApiToken.hash_token(token)
    assert client.get("/api/v1/people", **headers).status_code == 200
    ApiToken.objects.update(revoked_at=timezone.now())
    assert client.get("/api/v1/people", **headers).status_code == 401


def test_a_missing_scope_is_403(client, token_for, student):
    response = client.get("/api/v1/people", **token_for("alerts:read"))
    assert response.status_code == 403 and "people:read" in response.json()["detail"]


def test_put_person_is_idempotent_on_the_school_number(client, token_for, team):
    headers = token_for("people:write", "people:read")
    first = put(client, "/api/v1/people/student/S-100", BODY, headers)
    assert first.status_code == 201 and first.json()["phone"] == "+31612345670"
    again = put(client, "/api/v1/people/student/S-100", BODY, headers)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    changed = put(client, "/api/v1/people/student/S-100", {**BODY, "last_name": "Smit-Jansen"}, headers)
    assert changed.json()["last_name"] == "Smit-Jansen"
    assert Person.objects.filter(external_id="S-100").count() == 1


def test_bad_input_is_a_clear_4xx_and_stores_nothing(client, token_for, team):
    headers = token_for("people:write")
    bad_phone = put(client, "/api/v1/people/student/S-2", {**BODY, "phone": "12"}, headers)
    assert bad_phone.status_code == 400 and "mobiel" in json.dumps(bad_phone.json())
    assert put(client, "/api/v1/people/student/S-2", {**BODY, "team": "Onbekend"}, headers).status_code == 400
    assert put(client, "/api/v1/people/student/S-2", {"team": "Entree A"}, headers).status_code == 422
    assert not Person.objects.filter(external_id="S-2").exists()


def test_deactivate_is_repeatable(client, token_for, student):
    headers = token_for("people:write")
    for _ in range(2):
        response = client.post("/api/v1/people/student/S1/deactivate", **headers)
        assert response.status_code == 200 and response.json()["is_active"] is False


def test_a_token_never_sees_another_organisation(client, token_for, student, other_mentor):
    headers = token_for("people:read")
    ids = {p["external_id"] for p in client.get("/api/v1/people", **headers).json()["items"]}
    assert "S1" in ids and "M9" not in ids
    assert client.get("/api/v1/people/mentor/M9", **headers).status_code == 404


def test_people_list_is_paginated_and_filtered_by_date(client, token_for, team):
    for number in range(5):
        Person.objects.create(
            team=team,
            role="student",
            external_id=f"P{number}",
            first_name="X",
            created_at=timezone.now() - timedelta(days=number * 10),
        )
    headers = token_for("people:read")
    page = client.get("/api/v1/people?limit=2&offset=0", **headers).json()
    assert page["count"] == 5 and len(page["items"]) == 2
    after = (timezone.now() - timedelta(days=15)).isoformat()
    recent = client.get("/api/v1/people", {"created_after": after}, **headers).json()
    assert {p["external_id"] for p in recent["items"]} == {"P0", "P1"}


def test_mentor_link_change_keeps_history(client, token_for, team, student, mentor):
    from zicht.people.models import Mentor

    Mentor.objects.create(team=team, external_id="M2", first_name="Noor")
    headers = token_for("people:write", "people:read")
    response = put(client, "/api/v1/mentor-links", {"student": "S1", "mentor": "M2"}, headers)
    assert response.status_code == 200 and response.json()["mentor"] == "M2"
    assert put(client, "/api/v1/mentor-links", {"student": "S1", "mentor": "M2"}, headers).status_code == 200
    assert MentorLink.objects.filter(student=student).count() == 2
    current = client.get("/api/v1/mentor-links?current=true", **headers).json()["items"]
    assert [(link["student"], link["mentor"]) for link in current] == [("S1", "M2")]


def test_responses_are_pseudonymised_without_free_text(
    client, token_for, organisation, student, questionnaires
):
    from zicht.privacy.consent import give_consent
    from zicht.questionnaires.models import Questionnaire
    from zicht.responses.models import Response, Window

    study = Study.objects.create(
        organisation=organisation, key="ucan", name="U", questionnaire_keys=["student_diary"]
    )
    give_consent(student, "research")
    questionnaire = Questionnaire.objects.get(key="student_diary")
    window = Window.objects.create(
        respondent=student,
        questionnaire=questionnaire,
        measurement="d",
        occasion=1,
        opens_at=timezone.now(),
        state=Window.COMPLETED,
    )
    Response.objects.create(
        window=window,
        version=questionnaire.latest_version(),
        answers={"v2": 40, "v13": {"values": ["other"], "other": "bij Sanne thuis"}},
        meta={"untouched": ["v9"], "hidden": []},
    )
    headers = token_for("responses:read")
    body = client.get("/api/v1/responses?study=ucan", **headers).json()
    item = body["items"][0]
    assert item["pseudonym"] == study.pseudonym(student.pk) and item["answers"]["v2"] == 40
    assert "Sanne" not in json.dumps(body) and item["untouched"] == ["v9"]
    later = (timezone.now() + timedelta(hours=1)).isoformat()
    assert (
        client.get("/api/v1/responses", {"study": "ucan", "submitted_after": later}, **headers).json()[
            "count"
        ]
        == 0
    )
    assert client.get("/api/v1/responses?study=unknown", **headers).status_code == 404


def test_alerts_can_be_read_and_moved_on(client, token_for, student):
    from zicht.monitoring.models import Alert

    alert = Alert.objects.create(
        student=student,
        kind="missed",
        week_start=timezone.localdate(),
        last_week_start=timezone.localdate(),
        reason="twee weken gemist",
    )
    headers = token_for("alerts:read", "alerts:write")
    assert client.get("/api/v1/alerts?state=new", **headers).json()["items"][0]["id"] == alert.pk
    patch = client.patch(
        f"/api/v1/alerts/{alert.pk}",
        json.dumps({"state": "dismissed", "note": ""}),
        content_type="application/json",
        **headers,
    )
    assert patch.status_code == 409  # a dismissal needs a reason
    patch = client.patch(
        f"/api/v1/alerts/{alert.pk}",
        json.dumps({"state": "seen"}),
        content_type="application/json",
        **headers,
    )
    assert patch.status_code == 200 and patch.json()["state"] == "seen"


def test_enrolment_through_the_api_is_idempotent(client, token_for, student, db):
    from zicht.protocols.services import sync_protocols
    from zicht.questionnaires.loader import sync_definitions

    sync_definitions()
    sync_protocols()
    headers = token_for("enrolments:write", "enrolments:read")
    body = {"student": "S1", "starts_on": str(timezone.localdate())}
    first = client.post("/api/v1/enrolments", json.dumps(body), content_type="application/json", **headers)
    assert first.status_code == 201
    again = client.post("/api/v1/enrolments", json.dumps(body), content_type="application/json", **headers)
    assert [e["id"] for e in again.json()] == [e["id"] for e in first.json()]
    listed = client.get("/api/v1/enrolments?person=S1", **headers).json()
    assert listed["count"] >= 1 and listed["items"][0]["protocol"]


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v1/people/student/a%2Fb"])
def test_unknown_urls_under_the_api_answer_json(client, path, db):
    response = client.get(path)
    assert response.status_code == 404 and response.json()["detail"]


def test_every_scope_is_known():
    assert sorted(code for code, _label in ApiToken.SCOPES) == sorted(ALL_SCOPES)


def test_every_api_call_is_in_the_audit_log(client, token_for, student):
    from zicht.privacy.models import AuditEvent

    client.get("/api/v1/people", **token_for("people:read"))
    event = AuditEvent.objects.get(action="api")
    assert event.detail["path"] == "/api/v1/people" and event.organisation_id == student.team.organisation_id
