"""Mentor dashboard pages. Thin: access checks via monitoring.access, data via dashboard/groups, writes via services."""

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from zicht.analytics import weights
from zicht.core import clock, permissions
from zicht.feedback import contact
from zicht.monitoring import access, charts, dashboard, groups, services
from zicht.people.models import Person
from zicht.responses.models import Response


def risk_level(risk):
    """Words instead of a bare probability: levels of the 4-week risk set by the calibration (top 4% / 20%)."""
    if risk is None:
        return None
    if risk >= weights.RISK_HIGH:
        return "high"
    if risk >= weights.RISK_RAISED:
        return "raised"
    return "low"


@login_required
@require_GET
def caseload(request):
    """The mentor's students; a coordinator may pass ?team=<id> to see a team they manage."""
    team = None
    team_id = request.GET.get("team")
    if team_id:
        team = get_object_or_404(permissions.coordinator_teams(request.user), pk=team_id if team_id.isdigit() else 0)
        students = permissions.visible_people(request.user).filter(team=team, role=Person.STUDENT, is_active=True)
        students = students.select_related("team__organisation").order_by("first_name", "last_name")
        mentor = None
    else:
        students, mentor = access.caseload(request.user)
    if team is None and mentor is None:
        teams = list(permissions.coordinator_teams(request.user))
        if len(teams) == 1:
            return redirect(reverse("monitoring:caseload") + f"?team={teams[0].pk}")
        return render(request, "monitoring/no_caseload.html", {"teams": teams,
                                                               "group_teams": access.group_teams(request.user)})
    rows = dashboard.caseload_rows(students)
    for row in rows:
        row.level = risk_level(row.risk)
    dashboard.record_views(request, [row.student for row in rows], "caseload")
    # Students who asked to talk come first, above the table (feedback app).
    contact_requests = (
        contact.open_contact_requests_for_mentor(mentor) if mentor else contact.open_contact_requests_for_team(team)
    )
    return render(request, "monitoring/caseload.html", {
        "rows": rows, "mentor": mentor, "team": team, "today": clock.localtime().date(),
        "can_group": access.group_teams(request.user).exists(), "contact_requests": contact_requests,
    })


@login_required
@require_GET
def student(request, student_id):
    person = access.visible_student(request.user, student_id)
    page = dashboard.student_page(request.user, person)
    return render(request, "monitoring/student.html", page)


def _back(alert):
    return redirect(reverse("monitoring:student", args=[alert.student_id]) + f"#alert-{alert.pk}")


@login_required
@require_POST
def alert_seen(request, alert_id):
    alert = access.visible_alert(request.user, alert_id)
    if services.mark_seen(alert, request.user):
        messages.success(request, _("Signaal gemarkeerd als gezien."))
    return _back(alert)


@login_required
@require_POST
def alert_act(request, alert_id):
    alert = access.visible_alert(request.user, alert_id)
    action_response = None
    response_id = request.POST.get("action_response", "")
    if response_id.isdigit():
        action_response = Response.objects.filter(pk=int(response_id), window__about_id=alert.student_id).first()
    try:
        services.act_on(alert, request.user, request.POST.get("note", ""), action_response=action_response)
    except services.TransitionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Vastgelegd: actie ondernomen."))
    return _back(alert)


@login_required
@require_POST
def alert_dismiss(request, alert_id):
    alert = access.visible_alert(request.user, alert_id)
    try:
        services.dismiss(alert, request.user, request.POST.get("reason", ""))
    except services.TransitionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Signaal afgewezen; de reden is bewaard."))
    return _back(alert)


@login_required
@require_POST
def add_note(request, student_id):
    person = access.visible_student(request.user, student_id)
    try:
        services.add_case_note(person, request.user, request.POST.get("text", ""))
    except services.TransitionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Notitie bewaard."))
    return redirect(reverse("monitoring:student", args=[person.pk]) + "#notes")


# --------------------------------------------------------------------------------------------
# Group views


def _group_context(request):
    teams = list(access.group_teams(request.user))
    if not teams:
        raise Http404()
    team_id = request.GET.get("team", "")
    chosen = [t for t in teams if str(t.pk) == team_id] if team_id else teams
    if not chosen:
        raise Http404()
    grouping = request.GET.get("grouping", "outcome")
    grouping = grouping if grouping in groups.GROUPINGS else "outcome"
    measure = groups.measure(request.GET.get("measure", "wellbeing"))
    data = groups.group_data(chosen, grouping, measure[0], clock.now())
    return {"teams": teams, "chosen": chosen, "team_id": team_id, "grouping": grouping, "measure": measure,
            "data": data}


def _group_specs(context):
    data, label = context["data"], context["measure"][1]
    return {
        "trajectory": charts.to_spec(charts.group_trajectory_chart(
            data.trajectory, x_field="week", x_type="T", x_title="week",
            title=f"{label}: gemiddelde per week (95%-BI, band = P25–P75)", y_title=label)),
        "aligned": charts.to_spec(charts.group_trajectory_chart(
            data.aligned, x_field="weeks_before", x_type="Q", x_title="weken tot vertrek (0 = week van vertrek)",
            title=f"{label}: uitvallers, uitgelijnd op de week van vertrek", y_title=label,
            x_domain=(-groups.ALIGN_WEEKS, 0))),
        "completion": charts.to_spec(charts.completion_chart(data.completion, title="Ingevulde dagboeken per week")),
    }


@login_required
@require_GET
def group_view(request):
    context = _group_context(request)
    context["specs"] = _group_specs(context)
    context["measures"] = groups.measures()
    context["groupings"] = groups.GROUPINGS
    context["query"] = request.GET.urlencode()
    return render(request, "monitoring/groups.html", context)


@login_required
@require_GET
def group_download(request, chart, fmt):
    if chart not in ("trajectory", "aligned", "completion") or fmt not in ("csv", "svg", "png"):
        raise Http404()
    context = _group_context(request)
    name = f"zicht-{chart}-{context['measure'][0]}"
    if fmt == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        columns = groups.csv_columns(chart)
        writer = csv.DictWriter(response, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(getattr(context["data"], chart))
        return response
    spec = _group_specs(context)[chart]
    body = charts.export(spec, fmt)
    response = HttpResponse(body, content_type="image/svg+xml" if fmt == "svg" else "image/png")
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
