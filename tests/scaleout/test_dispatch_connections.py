"""A dispatcher pass with send threads gives back every database connection it opened."""

import pytest
from django.db import connection

from .conftest import make_due_wave

pytestmark = pytest.mark.postgres_only


def backends():
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
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
    before = backends()

    stats = dispatcher.run_once(batch=20, send_threads=4)

    assert stats["delivery_sent"] == len(people) == provider.stats()["received"]
    assert backends() == before  # the 4 send threads' connections are closed, none left open
