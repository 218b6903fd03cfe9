"""What monitoring and students see: /healthz tells the truth, and an outage shows a friendly page."""

import pytest
from django.db import OperationalError
from django.test import Client

from .conftest import free_port


def test_healthz_is_200_when_the_database_answers_and_no_broker_is_configured(db, client, settings):
    settings.CELERY_BROKER_URL = ""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"
    assert "queue" not in response.json()  # the embedded setup has no queue to check


def test_healthz_checks_the_queue_when_a_broker_is_configured(db, client, settings, redis_server):
    settings.CELERY_BROKER_URL = redis_server.url
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "queue": "ok", "outbox_lag_seconds": 0}


def test_healthz_is_503_when_the_broker_is_unreachable(db, client, settings):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "ok"
    assert response.json()["queue"] == "error"


def test_healthz_is_503_when_the_database_is_down(db, client, settings, monkeypatch):
    from django.db import connection

    settings.CELERY_BROKER_URL = ""

    def refuse():
        raise OperationalError("connection refused")

    with monkeypatch.context() as patched:
        patched.setattr(connection, "cursor", refuse)
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "error"
    assert "refused" not in response.content.decode()  # no internals on a public URL


def test_healthz_reports_how_long_the_oldest_due_invitation_waits(db, client, settings, student):
    from datetime import timedelta

    from django.utils import timezone

    from zicht.messaging.models import Invitation

    settings.CELERY_BROKER_URL = ""
    moment = timezone.now() - timedelta(minutes=10)
    Invitation.objects.create(person=student, kind=Invitation.INVITATION, moment=moment, due_at=moment)
    lag = Client().get("/healthz").json()["outbox_lag_seconds"]
    assert 590 <= lag <= 700  # a worker that stopped shows up here before students notice


def test_database_outage_while_submitting_shows_a_retry_page_not_a_stack_trace(db, settings, monkeypatch):
    from zicht.responses import services

    settings.DEBUG = False

    def database_gone(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(services, "find_link", database_gone)
    response = Client(raise_request_exception=False).post("/d/some-token-value/w/1/", {"x": "1"})
    assert response.status_code == 503 and response["Retry-After"] == "10"  # temporary: try again
    page = response.content.decode()
    assert "probeer het zo opnieuw" in page and "try again" in page
    assert "Traceback" not in page and "OperationalError" not in page and "server closed" not in page


def test_any_other_error_is_the_same_friendly_page_with_500(db, settings, monkeypatch):
    from zicht.responses import services

    settings.DEBUG = False

    def bug(*args, **kwargs):
        raise KeyError("a bug of ours")

    monkeypatch.setattr(services, "find_link", bug)
    response = Client(raise_request_exception=False).get("/d/some-token-value/")
    assert response.status_code == 500 and "Retry-After" not in response
    page = response.content.decode()
    assert "probeer het zo opnieuw" in page and "a bug of ours" not in page and "KeyError" not in page


@pytest.mark.parametrize("configured", [False, True])
def test_the_celery_app_is_loaded_only_when_a_broker_is_configured(configured):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("CELERY_BROKER_URL")}
    if configured:
        env["CELERY_BROKER_URL"] = "redis://127.0.0.1:1/0"
    code = "import sys, zicht; print('celery' in sys.modules, hasattr(zicht, 'celery_app'))"
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert result.stdout.split() == ([str(configured)] * 2), result.stderr


def test_beat_runs_the_dispatcher_every_30_seconds_and_the_worker_jobs_beside_it():
    """Defaults, read in a fresh process without any of the tuning variables."""
    import json
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZICHT_DISPATCH_", "ZICHT_JOBS_"))}
    code = """if True:
        import json
        from zicht.celery import app
        app.loader.import_default_modules()
        schedule = app.conf.beat_schedule
        print(json.dumps({
            "entries": {k: [v["task"], v["schedule"], v["options"], v.get("kwargs", {}).get("plan")]
                        for k, v in schedule.items()},
            "tasks": sorted(t for t in app.tasks if t.startswith("zicht.")),
            "timezone": app.conf.timezone,
        }))
    """
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    found = json.loads(result.stdout.strip().splitlines()[-1])
    entries = found["entries"]
    dispatch = [v for v in entries.values() if v[0] == "zicht.messaging.dispatch"]
    assert len(dispatch) == 2  # one pass per dispatch process, so both work on a large wave
    assert all(v[1] == 30.0 and v[2] == {"expires": 30.0, "queue": "dispatch"} for v in dispatch)
    assert sorted(v[3] for v in dispatch) == [False, True]  # planning: once per tick, not in every pass
    # The jobs `zicht worker` runs after its passes, on their own queue.
    assert entries["early-warning"] == [
        "zicht.core.compute_alerts",
        60.0,
        {"expires": 60.0, "queue": "analytics"},
        None,
    ]
    assert entries["contact-follow-up"][:2] == ["zicht.core.follow_up_contact_requests", 60.0]
    assert entries["retention-purge"][:2] == ["zicht.core.purge_expired_data", 3600.0]
    assert found["tasks"] == [
        "zicht.core.compute_alerts",
        "zicht.core.follow_up_contact_requests",
        "zicht.core.purge_expired_data",
        "zicht.messaging.dispatch",
    ]
    assert found["timezone"] == "Europe/Amsterdam"


def test_the_early_warning_task_runs_the_worker_job_with_the_current_time(db, monkeypatch):
    from zicht.core import tasks
    from zicht.monitoring import services

    calls = []
    monkeypatch.setattr(services, "compute_alerts_if_due", lambda now: calls.append(now) or "scored")
    assert tasks.compute_alerts.apply().get() == {"alerts_computed": 1}
    assert len(calls) == 1 and calls[0].tzinfo is not None
