"""Staff landing page, health check and the development links page."""

import json
import sys

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import InterfaceError, OperationalError, connection
from django.http import Http404, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader

from zicht.core import clock, permissions


@login_required
def staff_home(request):
    user = request.user
    teams = permissions.coordinator_teams(user).select_related("organisation")
    return render(
        request,
        "core/staff_home.html",
        {
            "teams": teams,
            "mentor": permissions.mentor_person(user),
            "is_coordinator": teams.exists(),
            "is_researcher": permissions.has_role(user, "researcher"),
            "is_admin": permissions.is_admin(user),
        },
    )


def healthz(request):
    """Is the database reachable, and the queue when a broker is configured? 200 when both are,
    503 otherwise (load balancers and monitoring read the status code; the JSON says which)."""
    checks, healthy = {}, True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as error:  # noqa: BLE001 - any database failure means unhealthy
        checks["database"], checks["database_error"] = "error", type(error).__name__
        healthy = False
    if settings.CELERY_BROKER_URL:
        try:
            _ping_broker(settings.CELERY_BROKER_URL)
            checks["queue"] = "ok"
        except Exception as error:  # noqa: BLE001 - any broker failure means unhealthy
            checks["queue"], checks["queue_error"] = "error", type(error).__name__
            healthy = False
    if checks["database"] == "ok":
        # For monitoring, not for the status: how long the oldest due invitation has waited.
        checks["outbox_lag_seconds"] = _outbox_lag_seconds()
    return JsonResponse(checks, status=200 if healthy else 503)


def _ping_broker(url, timeout=2.0):
    from kombu import Connection

    options = {"socket_timeout": timeout, "socket_connect_timeout": timeout}
    with Connection(url, connect_timeout=timeout, transport_options=options) as broker:
        broker.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=timeout)
        channel = broker.default_channel
        if hasattr(channel, "client") and hasattr(channel.client, "ping"):
            channel.client.ping()  # Redis: a round trip, not just an open socket


def _outbox_lag_seconds():
    from zicht.messaging.models import Invitation

    now = clock.now()
    oldest = (
        Invitation.objects.filter(status=Invitation.PLANNED, due_at__lte=now)
        .order_by("due_at")
        .values_list("due_at", flat=True)
        .first()
    )
    return round((now - oldest).total_seconds()) if oldest else 0


def dev_links(request):
    """Personal links of the demo people, so a newcomer can fill in a diary at once.

    Tokens are stored only as hashes; the demo command writes the plain links to a file in
    the data directory, and this page (development only) shows that file.
    """
    if not settings.ZICHT_DEV_PAGES:
        raise Http404()
    path = settings.DATA_DIR / "demo-links.json"
    links = json.loads(path.read_text()) if path.exists() else []
    return render(request, "core/dev_links.html", {"links": links})


DATABASE_OUTAGE_RETRY_AFTER = 10  # seconds; a PostgreSQL restart takes about one


def server_error(request):
    """The friendly error page. When the database was unreachable (a restart, a failover) it is a
    temporary condition: 503 with Retry-After, so browsers, proxies and scripts know to try again.
    Rendered without context processors or the database, which may be what just failed."""
    error = sys.exc_info()[1]
    outage = isinstance(error, (OperationalError, InterfaceError))
    response = HttpResponseServerError(loader.get_template("500.html").render())
    if outage:
        response.status_code = 503
        response["Retry-After"] = str(DATABASE_OUTAGE_RETRY_AFTER)
    return response
