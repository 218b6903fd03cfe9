"""Staff landing page, health check and the development links page."""

import json

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import render

from zicht.core import permissions


@login_required
def staff_home(request):
    user = request.user
    return render(
        request,
        "core/staff_home.html",
        {
            "teams": permissions.coordinator_teams(user).select_related("organisation"),
            "mentor": permissions.mentor_person(user),
            "roles": permissions.roles(user).select_related("organisation", "team"),
        },
    )


def healthz(request):
    """Is the database reachable? (The scale-out work adds the queue.)"""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return JsonResponse({"database": "ok"})
    except Exception as error:  # noqa: BLE001 - report any database failure as unhealthy
        return JsonResponse({"database": "error", "detail": str(error)[:200]}, status=503)


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
