"""Student pages under /d/<token>/… and the staff pages for contact requests and feedback settings.

Thin views: the rules live in contact.py, participation.py, personal.py and study_settings.py.
A token only ever opens its own person's pages; a staff page only shows requests of students the
user may see (core.permissions), and answers 404 for the rest.

Link validity: asking for contact, pausing, stopping and choosing SMS/e-mail also work with an
expired link (like the opt-out page: stepping back must never need a fresh link). Seeing or
downloading stored data and changing the phone number need a link that is still valid.
"""

import json
from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zicht.core import clock, permissions
from zicht.feedback import contact, participation, services, study_settings
from zicht.feedback.constructs import CONSTRUCTS, keys_valid
from zicht.feedback.models import ContactRequest
from zicht.people.models import Person
from zicht.protocols.models import Protocol
from zicht.responses.services import find_link


class _Student:
    def __init__(self, link, person, language, expired):
        self.link, self.person, self.language, self.expired = link, person, language, expired


def _language(request, person):
    chosen = request.GET.get("lang") or request.session.get("lang")
    if chosen in ("nl", "en"):
        request.session["lang"] = chosen
        return chosen
    return person.language if person.language in ("nl", "en") else "nl"


def _student(request, token, *, allow_expired):
    """The student this token belongs to, or an error page: unknown → 404; expired → 410 unless allowed."""
    link, problem = find_link(token)
    if link is None or problem not in (None, "expired") or link.revoked_at is not None:
        raise Http404()
    person = link.person
    if person.role != Person.STUDENT:
        raise Http404()
    language = _language(request, person)
    if problem == "expired" and not allow_expired:
        return None, _page(request, "responses/link_problem.html", language, status=410, problem="expired")
    return _Student(link, person, language, expired=problem == "expired"), None


def _page(request, template, language, status=200, **context):
    with translation.override(language):
        return render(request, template, {"language": language, **context}, status=status)


def _base_context(student, token):
    return {"person": student.person, "token": token, "expired": student.expired}


# --- contact ------------------------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
def contact_page(request, token):
    student, problem = _student(request, token, allow_expired=True)
    if problem:
        return problem
    person = student.person
    error = None
    if request.method == "POST":
        message = request.POST.get("message", "")
        if len(message) > contact.MAX_MESSAGE:
            error = "too_long"
        else:
            _request, created = services.request_contact(
                person, message=message, preferred_channel=request.POST.get("channel", ""),
                language=student.language,
            )
            return redirect(reverse("feedback:contact", args=[token]) + ("?sent=1" if created else "?open=1"))
    context = {
        **_base_context(student, token),
        **services.contact_context(person, student.language),
        "requests": ContactRequest.objects.filter(student=person).order_by("-created_at", "-pk")[:10],
        "sent": request.GET.get("sent") == "1",
        "already_open": request.GET.get("open") == "1",
        "error": error,
        "message": request.POST.get("message", "") if error else "",
    }
    return _page(request, "feedback/contact.html", student.language, status=400 if error else 200, **context)


# --- participation ------------------------------------------------------------------------------

def _participation_context(student, token, now=None):
    person = student.person
    state, until = participation.status(person)
    first, last = participation.pause_bounds(now)
    context = {
        **_base_context(student, token),
        **services.contact_context(person, student.language, now),
        "state": state,
        "paused_until": until,
        "pause_first": first,
        "pause_last": last,
        "pause_default": first + timedelta(days=6),
        "channel": participation.channel_of(person),
        "channel_options": participation.channel_options(person),
        "who": participation.who_sees_what(person, now),
    }
    if not student.expired:
        context["summary"] = participation.data_summary(person, now)
    return context


@require_GET
def participation_page(request, token):
    student, problem = _student(request, token, allow_expired=True)
    if problem:
        return problem
    context = _participation_context(student, token)
    context["done"] = request.GET.get("done", "")
    return _page(request, "feedback/participation.html", student.language, **context)


def _back(token, done):
    return redirect(reverse("feedback:participation", args=[token]) + f"?done={done}#status")


@require_POST
def pause(request, token):
    student, problem = _student(request, token, allow_expired=True)
    if problem:
        return problem
    try:
        until = date.fromisoformat(request.POST.get("until", ""))
        participation.pause_until(student.person, until)
    except ValueError:
        context = _participation_context(student, token)
        context["pause_error"] = True
        return _page(request, "feedback/participation.html", student.language, status=400, **context)
    return _back(token, "paused")


@require_POST
def resume(request, token):
    student, problem = _student(request, token, allow_expired=True)
    if problem:
        return problem
    participation.resume_now(student.person)
    return _back(token, "resumed")


@require_http_methods(["GET", "POST"])
def stop(request, token):
    student, problem = _student(request, token, allow_expired=True)
    if problem:
        return problem
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        participation.stop_participation(student.person)
        return _back(token, "stopped")
    context = {**_base_context(student, token), **services.contact_context(student.person, student.language)}
    return _page(request, "feedback/stop.html", student.language, **context)


@require_POST
def channel(request, token):
    student, problem = _student(request, token, allow_expired=True)
    if problem:
        return problem
    try:
        participation.set_channel(student.person, request.POST.get("channel", ""))
    except ValueError:
        context = _participation_context(student, token)
        context["channel_error"] = True
        return _page(request, "feedback/participation.html", student.language, status=400, **context)
    return _back(token, "channel")


@require_http_methods(["GET", "POST"])
def phone(request, token):
    student, problem = _student(request, token, allow_expired=False)
    if problem:
        return problem
    error, number = None, ""
    if request.method == "POST":
        number = request.POST.get("phone", "")
        try:
            participation.start_phone_change(student.person, number)
        except participation.PhoneChangeError as failure:
            error = failure.code
        else:
            return redirect("feedback:phone-code", token=token)
    context = {**_base_context(student, token), "error": error, "number": number}
    return _page(request, "feedback/phone.html", student.language, status=400 if error else 200, **context)


@require_http_methods(["GET", "POST"])
def phone_code(request, token):
    student, problem = _student(request, token, allow_expired=False)
    if problem:
        return problem
    pending = participation.pending_phone_change(student.person)
    error = None
    if request.method == "POST":
        try:
            participation.verify_phone_code(student.person, request.POST.get("code", ""))
        except participation.PhoneChangeError as failure:
            error = failure.code
            pending = participation.pending_phone_change(student.person)
        else:
            return _back(token, "phone")
    if pending is None and error is None:
        return redirect("feedback:phone", token=token)
    from zicht.messaging.phone import display_phone

    context = {
        **_base_context(student, token), "error": error,
        "new_phone": display_phone(pending.new_phone) if pending else "",
        "tries_left": participation.CODE_ATTEMPTS - pending.attempts if pending else 0,
    }
    return _page(request, "feedback/phone_code.html", student.language, status=400 if error else 200, **context)


@require_GET
def data_download(request, token):
    student, problem = _student(request, token, allow_expired=False)
    if problem:
        return problem
    from zicht.privacy.audit import audit
    from zicht.privacy.models import AuditEvent

    person = student.person
    audit(None, AuditEvent.ACCESS_EXPORT, person, "self-service download by the participant", person=person)
    data = participation.own_data(person, student.language)
    response = HttpResponse(json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json")
    response["Content-Disposition"] = 'attachment; filename="zicht-mijn-gegevens.json"'
    response["Cache-Control"] = "no-store"
    return response


# --- staff: contact requests ---------------------------------------------------------------------

def _visible_request(user, request_id):
    request = get_object_or_404(ContactRequest.objects.select_related("student__team", "mentor"), pk=request_id)
    if not permissions.can_view_person(user, request.student):
        raise Http404()
    return request


@login_required
@require_GET
def staff_list(request):
    from zicht.privacy.audit import record_view

    lists = contact.staff_lists(request.user)
    for student in {r.student for group in lists.values() for r in group}:
        record_view(request, student, "contact requests")
    return render(request, "feedback/staff_list.html", {**lists, "now": clock.now()})


@login_required
@require_GET
def staff_detail(request, request_id):
    contact_request = _visible_request(request.user, request_id)
    from zicht.privacy.audit import audit
    from zicht.privacy.models import AuditEvent

    audit(request.user, AuditEvent.VIEW, contact_request, person=contact_request.student,
          detail={"path": request.path[:200], "view": "feedback:staff-detail"})
    contact_request.waiting_days = contact.waiting_days(contact_request)
    contact_request.overdue = contact.is_overdue(contact_request)
    return render(request, "feedback/staff_detail.html", {"r": contact_request})


def _next_or_detail(request, contact_request):
    target = request.POST.get("next", "")
    if target.startswith("/staff/") and "//" not in target:
        return redirect(target)
    return redirect("feedback:staff-detail", request_id=contact_request.pk)


@login_required
@require_POST
def staff_pick_up(request, request_id):
    contact_request = _visible_request(request.user, request_id)
    if contact.pick_up(contact_request, request.user):
        messages.success(request, "De student ziet nu dat je het verzoek hebt opgepakt.")
    return _next_or_detail(request, contact_request)


@login_required
@require_POST
def staff_done(request, request_id):
    contact_request = _visible_request(request.user, request_id)
    if contact.mark_done(contact_request, request.user):
        messages.success(request, "Het verzoek is afgerond.")
    return _next_or_detail(request, contact_request)


# --- staff: feedback settings --------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request):
    organisations = list(study_settings.configurable_organisations(request.user))
    if not organisations:
        raise Http404()
    organisation = organisations[0]
    chosen = request.GET.get("organisation") or request.POST.get("organisation")
    if chosen:
        organisation = next((o for o in organisations if str(o.pk) == chosen), None)
        if organisation is None:
            raise Http404()
    protocols = list(Protocol.objects.filter(key__startswith="student").order_by("key"))
    if request.method == "POST":
        protocol = None
        if request.POST.get("protocol"):
            protocol = next((p for p in protocols if str(p.pk) == request.POST["protocol"]), None)
            if protocol is None:
                raise Http404()
        study_settings.change_settings(
            organisation, protocol=protocol, enabled=request.POST.get("enabled") == "on",
            constructs=keys_valid(request.POST.getlist("constructs")), note=request.POST.get("note", ""),
            user=request.user,
        )
        messages.success(request, "Opgeslagen. De vorige keuze blijft in de geschiedenis staan.")
        return redirect(reverse("feedback:settings") + f"?organisation={organisation.pk}")
    scopes = [
        {"protocol": protocol, "choice": study_settings.choice_for_organisation(organisation, protocol)}
        for protocol in [None, *protocols]
    ]
    return render(request, "feedback/settings.html", {
        "organisation": organisation, "organisations": organisations, "scopes": scopes,
        "constructs": CONSTRUCTS, "history": study_settings.history(organisation)[:50],
    })
