"""Stopping ends what is still to come, including a pre-measurement left open for months."""

from datetime import datetime, timedelta

import pytest

from zicht.core import clock
from zicht.protocols.services import enrol, stop
from zicht.responses.models import Window

pytestmark = pytest.mark.django_db


def test_stop_cancels_the_open_pre_measurement_but_lets_this_weeks_diary_finish(student, questionnaires):
    zone = clock.local_zone()
    # Thursday 14:00, two hours after this week's diary opened; enrolled five weeks ago.
    now = datetime(2026, 11, 26, 14, 0, tzinfo=zone)
    subscription = enrol(student, "student", now.date() - timedelta(weeks=5, days=3), now=now)
    windows = {w.measurement: w for w in subscription.windows.filter(opens_at__lte=now, state=Window.PLANNED)}
    assert set(windows) == {"pre", "diary"}

    stop(subscription, now, reason="left school")

    states = {w.measurement: w.state for w in Window.objects.filter(pk__in=[w.pk for w in windows.values()])}
    assert states == {"pre": Window.CANCELLED, "diary": Window.PLANNED}
    assert not subscription.windows.filter(opens_at__gt=now, state=Window.PLANNED).exists()
