import pytest


@pytest.fixture
def token_for(organisation):
    """Factory: a bearer header for a token of ``organisation`` with the given scopes."""
    from zicht.privacy.models import ApiToken

    def make(*scopes, org=None):
        _row, token = ApiToken.issue(org or organisation, "test", list(scopes))
        return {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    return make


ALL_SCOPES = [
    "people:read",
    "people:write",
    "responses:read",
    "alerts:read",
    "alerts:write",
    "enrolments:read",
    "enrolments:write",
]
