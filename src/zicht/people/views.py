"""The coordinator's pages: a team's people, adding and editing them, mentor links, import.

Access: only teams from ``permissions.coordinator_teams``; anything else is a 404, so an outsider
cannot even learn that a team or person exists. Person URLs use ``person_id`` so the privacy
app's audit middleware records who looked at whom. Views parse the request and call services/importer.
"""

import secrets
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zicht.core import permissions
from zicht.messaging.phone import display_phone
from zicht.people import importer, services
from zicht.people.forms import ImportForm, MentorChangeForm, PersonForm, TeamForm
from zicht.people.models import MentorLink, Person, StaffRole, current_links
from zicht.privacy.audit import audit
from zicht.privacy.models import AuditEvent

UPLOAD_DIR_NAME = "import-uploads"
UPLOAD_MAX_AGE_SECONDS = 24 * 3600
SESSION_KEY = "people_import"


def _team_or_404(request, pk):
    return get_object_or_404(
        permissions.coordinator_teams(request.user).select_related("organisation"), pk=pk
    )


def _person_or_404(request, pk):
    return get_object_or_404(
        Person.objects.filter(team__in=permissions.coordinator_teams(request.user)).select_related(
            "team__organisation"
        ),
        pk=pk,
    )


def _org_wide_organisations(user):
    """Organisations where the user is a coordinator without a team: they may add teams there."""
    from zicht.people.models import Organisation

    roles = permissions.roles(user).filter(role=StaffRole.COORDINATOR, team=None)
    return Organisation.objects.filter(id__in=roles.values("organisation")).order_by("name")


def _phone(value):
    try:
        return display_phone(value) if value else ""
    except Exception:  # noqa: BLE001 - an unparsable stored number is shown as stored
        return value


@login_required
def team_list(request):
    teams = (
        permissions.coordinator_teams(request.user)
        .select_related("organisation")
        .order_by("organisation__name", "name")
    )
    if not teams.exists() and not _org_wide_organisations(request.user).exists():
        raise Http404()
    return render(
        request,
        "people/team_list.html",
        {"teams": teams, "can_add_team": _org_wide_organisations(request.user).exists()},
    )


@login_required
def team_detail(request, pk):
    team = _team_or_404(request, pk)
    query = request.GET.get("q", "").strip()
    people = Person.objects.filter(team=team).order_by("-is_active", "first_name", "last_name")
    if query:
        people = people.filter(
            Q(first_name__icontains=query)
            | Q(last_name__icontains=query)
            | Q(external_id__icontains=query)
            | Q(email__icontains=query)
        )
    links = current_links().filter(student__team=team).select_related("mentor")
    mentor_of = {link.student_id: link.mentor for link in links}
    caseload = {}
    for link in links:
        caseload[link.mentor_id] = caseload.get(link.mentor_id, 0) + 1
    students, mentors = [], []
    for person in people:
        person.phone_display = _phone(person.phone)
        if person.role == Person.STUDENT:
            person.mentor_now = mentor_of.get(person.id)
            students.append(person)
        else:
            person.caseload = caseload.get(person.id, 0)
            mentors.append(person)
    # The list shows many people's contact details: one audit row for the page (privacy.audit).
    audit(
        request.user, AuditEvent.VIEW, team, detail={"path": request.path[:200], "what": "team people list"}
    )
    return render(
        request,
        "people/team_detail.html",
        {"team": team, "students": students, "mentors": mentors, "query": query},
    )


@login_required
def person_add(request, pk, role):
    team = _team_or_404(request, pk)
    if role not in (Person.STUDENT, Person.MENTOR):
        raise Http404()
    form = PersonForm(request.POST or None, team=team, role=role)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in PersonForm.Meta.fields}
        try:
            person = services.add_person(team, role, fields, mentor=form.cleaned_data.get("mentor"))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("%(name)s is toegevoegd.") % {"name": person.full_name})
            return redirect("people:team", team.pk)
    return render(
        request, "people/person_form.html", {"team": team, "role": role, "form": form, "person": None}
    )


@login_required
def person_edit(request, person_id):
    person = _person_or_404(request, person_id)
    form = PersonForm(request.POST or None, instance=person, team=person.team, role=person.role)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("De gegevens van %(name)s zijn opgeslagen.") % {"name": person.full_name})
        return redirect("people:team", person.team_id)
    context = {"team": person.team, "role": person.role, "form": form, "person": person}
    if person.role == Person.STUDENT:
        context["mentor_form"] = MentorChangeForm(student=person, initial={"on": services.today()})
        context["history"] = (
            MentorLink.objects.filter(student=person).select_related("mentor").order_by("-starts_on", "-id")
        )
        context["current_mentor"] = person.current_mentor()
    else:
        context["students_now"] = Person.objects.filter(
            id__in=current_links().filter(mentor=person).values("student")
        ).order_by("first_name")
    return render(request, "people/person_form.html", context)


@login_required
@require_POST
def person_mentor(request, person_id):
    student = _person_or_404(request, person_id)
    if student.role != Person.STUDENT:
        raise Http404()
    form = MentorChangeForm(request.POST, student=student)
    if form.is_valid():
        try:
            services.link_mentor(student, form.cleaned_data["mentor"], on=form.cleaned_data["on"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("%(mentor)s is vanaf %(date)s de begeleider van %(student)s.")
                % {
                    "mentor": form.cleaned_data["mentor"].full_name,
                    "date": form.cleaned_data["on"].strftime("%d-%m-%Y"),
                    "student": student.full_name,
                },
            )
    else:
        messages.error(request, _("Kies een begeleider en een datum."))
    return redirect("people:person", student.pk)


@login_required
@require_POST
def person_active(request, person_id):
    person = _person_or_404(request, person_id)
    try:
        if request.POST.get("active") == "1":
            services.reactivate(person)
            messages.success(request, _("%(name)s is weer actief.") % {"name": person.full_name})
        else:
            services.deactivate(person)
            messages.success(
                request,
                _("%(name)s is gestopt en krijgt geen uitnodigingen meer.") % {"name": person.full_name},
            )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("people:person", person.pk)


@login_required
def team_add(request):
    organisations = _org_wide_organisations(request.user)
    if not organisations.exists():
        raise Http404()
    form = TeamForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        try:
            team = services.add_team(
                form.cleaned_data["organisation"],
                form.cleaned_data["name"],
                form.cleaned_data["mentor_title"],
            )
        except ValidationError as error:
            form.add_error("name", error)
        else:
            messages.success(request, _("Team %(name)s is aangemaakt.") % {"name": team.name})
            return redirect("people:team", team.pk)
    return render(request, "people/team_form.html", {"form": form})


# --- import: upload -> dry-run preview -> confirm ----------------------------------------------
# The uploaded file waits in the data directory between preview and confirm (it holds personal
# data, so it is deleted on confirm, on the next upload, and after a day at the latest).


def _upload_dir():
    path = settings.DATA_DIR / UPLOAD_DIR_NAME
    path.mkdir(parents=True, exist_ok=True)
    return path


def _clean_uploads(request):
    pending = request.session.pop(SESSION_KEY, None)
    if pending:
        (_upload_dir() / pending["token"]).unlink(missing_ok=True)
    cutoff = time.time() - UPLOAD_MAX_AGE_SECONDS
    for path in _upload_dir().iterdir():
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)


@login_required
def import_upload(request):
    teams = permissions.coordinator_teams(request.user).select_related("organisation").order_by("name")
    if not teams.exists():
        raise Http404()
    initial = {}
    if request.GET.get("team", "").isdigit() and teams.filter(pk=request.GET["team"]).exists():
        initial["team"] = request.GET["team"]
    form = ImportForm(request.POST or None, request.FILES or None, teams=teams, initial=initial)
    context = {"form": form, "columns": importer.COLUMNS}
    if request.method == "POST" and form.is_valid():
        team = form.cleaned_data["team"]
        upload = form.cleaned_data["file"]
        data = upload.read()
        result = importer.run_import(team, upload.name, data, dry_run=True)
        _clean_uploads(request)
        if result.ok:
            token = secrets.token_hex(16)
            (_upload_dir() / token).write_bytes(data)
            request.session[SESSION_KEY] = {"token": token, "team": team.pk, "filename": upload.name}
            context["token"] = token
        context.update(_preview(result, team, upload.name))
        form = ImportForm(teams=teams, initial={"team": team.pk})
        context["form"] = form
    return render(request, "people/import.html", context)


@login_required
@require_POST
def import_confirm(request):
    pending = request.session.get(SESSION_KEY)
    if not pending or request.POST.get("token") != pending["token"]:
        messages.error(request, _("Deze import is verlopen of al uitgevoerd. Upload het bestand opnieuw."))
        return redirect("people:import")
    team = _team_or_404(request, pending["team"])
    path = _upload_dir() / pending["token"]
    if not path.exists():
        request.session.pop(SESSION_KEY, None)
        messages.error(request, _("Deze import is verlopen of al uitgevoerd. Upload het bestand opnieuw."))
        return redirect("people:import")
    result = importer.run_import(team, pending["filename"], path.read_bytes())
    _clean_uploads(request)
    if not result.imported:
        teams = permissions.coordinator_teams(request.user).order_by("name")
        context = {"form": ImportForm(teams=teams, initial={"team": team.pk}), "columns": importer.COLUMNS}
        context.update(_preview(result, team, pending["filename"]))
        return render(request, "people/import.html", context, status=409)
    messages.success(
        request,
        _("Geïmporteerd: %(students)s studenten, %(mentors)s begeleiders, %(links)s koppelingen.")
        % {"students": result.students, "mentors": result.mentors, "links": result.links},
    )
    return redirect(reverse("people:team", args=[team.pk]))


PREVIEW_GOOD_ROWS = 200


def _preview(result, team, filename):
    """What the preview table shows: every row with an error, and the first good rows."""
    shown, good, hidden = [], 0, 0
    for row in result.rows:
        if not row.errors and good >= PREVIEW_GOOD_ROWS:
            hidden += 1
            continue
        good += not row.errors
        row.phone_display = (
            _phone(row.values["phone"]) if row.values.get("phone") else row.raw.get("phone", "")
        )
        shown.append(row)
    return {"result": result, "team": team, "filename": filename, "rows": shown, "hidden_rows": hidden}
