"""Thin views: provider webhooks, the opt-out page, the development outbox and coordinator pages."""

import json
from datetime import date

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from zicht.core import permissions
from zicht.messaging import channels, services
from zicht.messaging.models import Delivery, OptOut
from zicht.people.models import Person
from zicht.responses.services import find_link


def _error(status, code, nl, en):
    return JsonResponse({"error": {"code": code, "message": f"{nl} / {en}"}}, status=status)


def _signed_json(request):
    """(data, None) for a correctly signed JSON webhook, else (None, an error response)."""
    if not channels.verify_webhook(request.body, request.headers.get("X-Zicht-Signature")):
        return None, _error(
            403, "bad_signature", "Handtekening ontbreekt of klopt niet.", "Missing or wrong signature."
        )
    try:
        return json.loads(request.body), None
    except ValueError:
        return None, _error(400, "bad_json", "De inhoud is geen geldige JSON.", "The body is not valid JSON.")


@csrf_exempt
@require_POST
def status_callback(request):
    """Delivery report from the SMS provider (signed with ZICHT_SMS_WEBHOOK_SECRET)."""
    data, problem = _signed_json(request)
    if problem:
        return problem
    try:
        reference, status = channels.parse_status_callback(data)
    except ValueError as error:
        return _error(400, "bad_report", "Onbruikbaar afleverbericht.", str(error))
    delivery = services.record_status(reference, status)
    if delivery is None:
        return _error(404, "unknown_reference", "Onbekende referentie.", "Unknown reference.")
    return JsonResponse({"reference": reference, "status": delivery.status})


@csrf_exempt
@require_POST
def inbound_sms(request):
    """A reply to one of our SMS: STOP opts the number out, START undoes it."""
    data, problem = _signed_json(request)
    if problem:
        return problem
    try:
        sender, text = channels.parse_inbound(data)
    except ValueError as error:
        return _error(400, "bad_inbound", "Onbruikbaar bericht.", str(error))
    return JsonResponse({"result": services.handle_inbound(sender, text)})


@require_http_methods(["GET", "POST"])
def opt_out_page(request, token):
    """Stop messages, pause for a few weeks, or start again, with the personal link's token.

    An expired link still works here: stopping messages must never depend on a fresh link.
    """
    link, problem = find_link(token)
    if link is None or (problem and problem != "expired"):
        raise Http404()
    person = link.person
    language = request.GET.get("lang") or request.POST.get("lang") or person.language or "nl"
    language = language if language in ("nl", "en") else "nl"
    done = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "stop":
            services.opt_out(person, OptOut.PAGE)
            done = "stopped"
        elif action == "pause" and request.POST.get("weeks") in {"1", "2", "3", "4"}:
            done = "paused"
            until = services.pause_person(person, int(request.POST["weeks"]))
        elif action == "start":
            services.opt_in(person)
            done = "started"
        else:
            return _page(
                request,
                "messaging/opt_out.html",
                language,
                status=400,
                person=person,
                error=True,
                opted_out=services.is_opted_out(person),
            )
    context = {"person": person, "done": done, "opted_out": services.is_opted_out(person)}
    if done == "paused":
        context["until"] = until
    return _page(request, "messaging/opt_out.html", language, **context)


def _page(request, template, language, status=200, **context):
    with translation.override(language):
        return render(request, template, {"language": language, **context}, status=status)


def dev_outbox(request):
    """Development only: the latest SMS and e-mails as the dispatcher wrote them, links clickable."""
    if not (getattr(settings, "ZICHT_DEV_PAGES", False) or settings.DEBUG):
        raise Http404()
    deliveries = Delivery.objects.select_related("invitation__person").order_by("-created_at", "-pk")[:100]
    return render(request, "messaging/outbox.html", {"deliveries": deliveries})


@login_required
def person_messages(request, person_id):
    person = get_object_or_404(Person.objects.select_related("team__organisation"), pk=person_id)
    if not permissions.can_view_person(request.user, person):
        raise PermissionDenied
    return render(
        request, "messaging/person_messages.html", {"person": person, **services.person_messages(person)}
    )


def _payout_scope(request):
    teams = permissions.coordinator_teams(request.user)
    if not teams.exists():
        raise PermissionDenied
    team_id = request.GET.get("team")
    if team_id:
        teams = teams.filter(pk=team_id if team_id.isdigit() else -1)
        if not teams.exists():
            raise PermissionDenied
    return teams


def _period(request):
    try:
        start = date.fromisoformat(request.GET.get("from", ""))
        end = date.fromisoformat(request.GET.get("to", ""))
    except ValueError:
        return None
    return (start, end) if start <= end else None


@login_required
def payout_page(request):
    teams = _payout_scope(request)
    return render(request, "messaging/payout.html", {"teams": teams.select_related("organisation")})


@login_required
def payout_download(request):
    teams = _payout_scope(request)
    period = _period(request)
    if period is None:
        return HttpResponse(
            "Geef een periode op: ?from=JJJJ-MM-DD&to=JJJJ-MM-DD / Give a period: ?from=YYYY-MM-DD&to=YYYY-MM-DD",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    start, end = period
    people = Person.objects.filter(team__in=teams)
    response = HttpResponse(services.payout_csv(people, start, end), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="zicht-beloningen-{start}-{end}.csv"'
    return response
