"""The worker keeps the dashboard current: after diaries close it scores everyone and raises alerts."""

from datetime import timedelta

import pytest

from zicht.core import jobs
from zicht.monitoring.models import Alert, RiskScore

try:
    from tests.monitoring.helpers import declining, steady
except ImportError:  # pragma: no cover - depends on how pytest put tests on the path
    from helpers import declining, steady

pytestmark = pytest.mark.django_db


def test_worker_pass_scores_closed_diaries_and_raises_an_alert(diary, student, team, now):
    from zicht.people.models import Student

    diary(student, declining(75, 20, 16))
    calm = Student.objects.create(team=team, external_id="S2", first_name="Mo")
    diary(calm, steady(70, 16))

    counts = jobs.PeriodicJobs().run(now)

    assert counts.get("alerts_computed") == 1
    assert RiskScore.objects.filter(student=student).exists()
    assert Alert.objects.filter(student=student).exists()
    # A second pass with nothing newly closed does not score again.
    assert "alerts_computed" not in jobs.PeriodicJobs().run(now)


def test_one_failing_job_does_not_stop_the_others(monkeypatch, now):
    ran = []
    monkeypatch.setattr(jobs, "compute_alerts", lambda now: 1 / 0)
    monkeypatch.setattr(jobs, "follow_up_contact_requests", lambda now: ran.append("contact") or {})
    monkeypatch.setattr(jobs, "purge_expired_data", lambda now: ran.append("purge") or {})
    jobs.PeriodicJobs().run(now)
    assert ran == ["contact", "purge"]


def test_retention_purge_runs_at_most_hourly(monkeypatch, now):
    purges = []
    monkeypatch.setattr(jobs, "purge_expired_data", lambda when: purges.append(when) or {})
    periodic = jobs.PeriodicJobs()
    for minutes in (0, 10, 59, 60, 61):
        periodic.run(now + timedelta(minutes=minutes))
    assert purges == [now, now + timedelta(minutes=60)]
