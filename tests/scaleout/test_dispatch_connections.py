"""A dispatcher pass with send threads gives back every database connection it opened."""

import pytest
from django.db import connection

from .conftest import make_due_wave, wait_for

pytestmark = pytest.mark.postgres_only


def backends_started_since(moment):
    """Connections to the test database opened since ``moment`` (other tests' do not count)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND backend_start >= %s AND pid <> pg_backend_pid()",
            [moment],
        )
        return cursor.fetchone()[0]


def test_send_threads_reuse_their_connections_and_close_them_when_the_pass_ends(
    postgres, provider, settings
):
    from zicht.messaging import dispatcher

    settings.ZICHT_SMS_BACKEND = "http"
    settings.ZICHT_SMS_API_URL = provider.url
    settings.ZICHT_SMS_API_KEY = "k"
    settings.ZICHT_SMS_BATCH_SIZE = 5
    people = make_due_wave(120)
    with connection.cursor() as cursor:
        cursor.execute("SELECT clock_timestamp()")
        started = cursor.fetchone()[0]

    stats = dispatcher.run_once(batch=20, send_threads=4)

    assert stats["delivery_sent"] == len(people) == provider.stats()["received"]
    # The send threads' connections are closed (a backend takes a moment to go away).
    wait_for(lambda: backends_started_since(started) == 0, 5, "the send threads' connections to close")
