"""Schemathesis fuzzes every API operation from the OpenAPI schema (a bounded number of examples):
no request may cause a server error, and every 4xx answer must be a JSON error body."""

import json

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from api.conftest import ALL_SCOPES


@pytest.fixture
def keep_connection():
    """Like Django's test client: a finished WSGI request must not close the test's connection."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(db, keep_connection, team, student, mentor, organisation):
    from django.core.wsgi import get_wsgi_application

    from zicht.privacy.models import Study

    Study.objects.create(
        organisation=organisation, key="ucan", name="U", questionnaire_keys=["student_diary"]
    )
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@pytest.fixture
def auth_headers(organisation):
    from zicht.privacy.models import ApiToken

    _row, token = ApiToken.issue(organisation, "fuzz", ALL_SCOPES)
    return {"Authorization": f"Bearer {token}"}


EXAMPLES_PER_OPERATION = 10


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_never_fails_and_errors_are_json(api_schema, auth_headers, mode):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 10
    seen = []
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def call(case):
            response = case.call(headers=auth_headers)
            seen.append(response.status_code)
            where = f"{case.method} {case.formatted_path} {case.query} -> {response.status_code}"
            assert response.status_code < 500, where
            if 400 <= response.status_code < 500:
                body = json.loads(response.content)
                assert isinstance(body, dict) and "detail" in body, where

        call()
    assert 200 in seen  # the token works: the fuzzer reached real answers, not only errors
