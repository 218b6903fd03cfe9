"""Filling in: the pages a student or mentor reaches through their personal link.

Views stay thin: the engine renders and checks the form, services store it.
"""

from datetime import UTC, datetime

from django.core import signing
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.views.decorators.http import require_http_methods, require_POST

from zicht.questionnaires import engine
from zicht.questionnaires.models import QuestionnaireVersion
from zicht.responses import services
from zicht.responses.models import Draft, Response, Window, open_windows

STARTED_SALT = "zicht.responses.started"


def _language(request, person):
    chosen = request.GET.get("lang") or request.session.get("lang")
    if chosen in ("nl", "en"):
        request.session["lang"] = chosen
        return chosen
    return person.language or "nl"


def _link_or_problem_page(request, token):
    """Return (link, None) or (None, an error page) for a token from the URL."""
    link, problem = services.find_link(token)
    if problem is None:
        return link, None
    language = link.person.language if link else (request.GET.get("lang") or "nl")
    status = 410 if problem == "expired" else 404
    with translation.override(language):
        page = render(request, "responses/link_problem.html", {"problem": problem}, status=status)
    return None, page


def _window_for(link, window_id):
    window = get_object_or_404(
        Window.objects.select_related("questionnaire", "about", "respondent__team__organisation"),
        pk=window_id,
        respondent=link.person,
    )
    return window


def _version_for(window, posted_id=None):
    """The version the respondent saw; the latest published one when the form is first shown."""
    versions = QuestionnaireVersion.objects.filter(questionnaire=window.questionnaire)
    if posted_id:
        version = versions.filter(pk=posted_id).first()
        if version is not None:
            return version
    version = versions.order_by("-number").first()
    if version is None:
        raise Http404("questionnaire has no published version")
    return version


def home(request, token):
    link, problem_page = _link_or_problem_page(request, token)
    if problem_page:
        return problem_page
    person = link.person
    language = _language(request, person)
    windows = list(open_windows(person))
    if len(windows) == 1 and person.role == person.STUDENT:
        return redirect("responses:fill", token=token, window_id=windows[0].pk)
    with translation.override(language):
        return render(
            request,
            "responses/home.html",
            {"person": person, "windows": windows, "token": token, "language": language},
        )


@require_http_methods(["GET", "POST"])
def fill(request, token, window_id):
    link, problem_page = _link_or_problem_page(request, token)
    if problem_page:
        return problem_page
    window = _window_for(link, window_id)
    person = link.person
    language = _language(request, person)
    if window.state == Window.COMPLETED:
        return redirect("responses:done", token=token, window_id=window.pk)
    if not window.is_open():
        with translation.override(language):
            return render(request, "responses/link_problem.html", {"problem": "closed"}, status=410)

    variables = engine.variables_for(window)
    values, errors = None, None
    version = _version_for(window, request.POST.get("_version") if request.method == "POST" else None)
    definition = version.definition

    if request.method == "POST":
        submission = engine.parse_submission(definition, request.POST, variables=variables, language=language)
        if not submission.errors:
            try:
                response, created = services.submit_response(
                    window,
                    version,
                    submission.answers,
                    submission.meta,
                    language=language,
                    started_at=_started_at(request.POST.get("_started")),
                )
            except services.WindowClosed:
                with translation.override(language):
                    return render(request, "responses/link_problem.html", {"problem": "closed"}, status=410)
            if created:
                services.apply_stop_rules(response)
            return redirect("responses:done", token=token, window_id=window.pk)
        values, errors = submission.values, submission.errors
    else:
        draft = Draft.objects.filter(window=window).first()
        values = draft.answers if draft else None

    with translation.override(language):
        form_html = engine.render_form(
            definition, variables=variables, language=language, values=values, errors=errors
        )
        return render(
            request,
            "responses/fill.html",
            {
                "person": person,
                "window": window,
                "token": token,
                "form_html": form_html,
                "errors": errors,
                "version": version,
                "title": engine.questionnaire_texts(definition, variables=variables, language=language)["title"],
                "started": request.POST.get("_started") or signing.dumps(timezone.now().timestamp(), salt=STARTED_SALT),
                "language": language,
            },
            status=400 if errors else 200,
        )


def _started_at(signed):
    try:
        timestamp = signing.loads(signed or "", salt=STARTED_SALT, max_age=7 * 24 * 3600)
    except signing.BadSignature:
        return None
    return datetime.fromtimestamp(float(timestamp), tz=UTC)


@require_POST
def save_draft(request, token, window_id):
    """Autosave target: the page posts the whole form every few seconds while typing."""
    link, problem = services.find_link(token)
    if problem:
        return JsonResponse({"saved": False, "reason": problem}, status=410 if problem == "expired" else 404)
    window = _window_for(link, window_id)
    version = _version_for(window, request.POST.get("_version"))
    submission = engine.parse_submission(
        version.definition, request.POST, variables=engine.variables_for(window), language=link.person.language
    )
    draft = services.save_draft(window, submission.values, {"touched": submission.meta.get("touched", [])})
    return JsonResponse({"saved": draft is not None})


def done(request, token, window_id):
    """Thank-you page, owned by the feedback app: the student's own trend, rewards, a way to ask for
    contact. One response per window: without a stored response this goes back to the form."""
    from zicht.feedback.services import thank_you_context  # feedback builds on responses

    link, problem_page = _link_or_problem_page(request, token)
    if problem_page:
        return problem_page
    window = _window_for(link, window_id)
    response = Response.objects.filter(window=window).first()
    if response is None:
        return redirect("responses:fill", token=token, window_id=window.pk)
    language = _language(request, link.person)
    remaining = list(open_windows(link.person))
    with translation.override(language):
        return render(
            request,
            "responses/done.html",
            {
                "person": link.person,
                "window": window,
                "token": token,
                "language": language,
                "next_window": remaining[0] if remaining else None,
                "remaining": remaining,
                **thank_you_context(link.person, window, language),
            },
        )
