"""Pages of the continuous support line. Thin: permissions from core.permissions, rules from services."""

import csv
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from zicht.core import clock, permissions
from zicht.people.models import Person, StaffRole
from zicht.support import audit, consent, services, timeline
from zicht.support.forms import (
    SUPPORT_NEED_LABELS,
    AftercareForm,
    AssignContactForm,
    DeregistrationForm,
    DossierForm,
    FollowUpForm,
    IntakeForm,
    MonitorFilterForm,
    RegistrationForm,
    ReviewForm,
)
from zicht.support.models import DossierConsent


def _visible_dossier(request, pk):
    """The dossier if this user may see it right now; otherwise 404 (its existence is not revealed)."""
    dossier = permissions.visible_dossiers(request.user).filter(pk=pk).first()
    if dossier is None:
        raise Http404()
    return dossier


def _is_receiving(user, dossier):
    return (
        permissions.can_manage_team(user, dossier.receiving_team) or dossier.receiving_contact_id == user.pk
    )


@login_required
def home(request):
    return render(
        request,
        "support/home.html",
        {
            "teams": permissions.coordinator_teams(request.user),
            "inbox": services.outflow_answers(request.user).count(),
        },
    )


@login_required
def dossier_list(request):
    user = request.user
    now = clock.now()
    visible = permissions.visible_dossiers(user, now).select_related(
        "student", "receiving_team__organisation"
    )
    outgoing, incoming = [], []
    for dossier in visible.order_by("start_year", "student__first_name"):
        entry = {
            "dossier": dossier,
            "flags": services.dossier_flags(dossier, now),
            "registration": services.registration_status(dossier, now),
        }
        (outgoing if permissions.is_sending_side(user, dossier) else incoming).append(entry)
    return render(request, "support/dossier_list.html", {"outgoing": outgoing, "incoming": incoming})


@login_required
def dossier_export(request):
    """Incoming dossiers as CSV for the receiving school: only those with consent in force."""
    why = (request.GET.get("why") or "").strip()
    if not why:
        return HttpResponseBadRequest("Geef een reden voor de export (?why=...).")
    user = request.user
    now = clock.now()
    rows = permissions.visible_dossiers(user, now).select_related("student", "receiving_team")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="overstapdossiers.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            "dossier",
            "student",
            "opleiding",
            "niveau",
            "startjaar",
            "aangemeld_op",
            "ondersteuning",
            "contactpersoon_bevestigd",
        ]
    )
    for dossier in rows:
        if permissions.is_sending_side(user, dossier):
            continue
        audit.record(user, audit.EXPORT, dossier, student=dossier.student, why=why, now=now)
        writer.writerow(
            [
                dossier.pk,
                dossier.student.full_name,
                dossier.intended_programme,
                dossier.intended_level,
                dossier.start_year,
                dossier.registered_on or "",
                "; ".join(str(SUPPORT_NEED_LABELS.get(code, code)) for code in dossier.support_needs),
                "ja" if dossier.receipt_confirmed_at else "nee",
            ]
        )
    return response


@login_required
def dossier_create(request):
    user = request.user
    students = Person.objects.filter(role=Person.STUDENT, team__in=permissions.coordinator_teams(user))
    if not students.exists() and not permissions.coordinator_teams(user).exists():
        raise Http404()
    form = DossierForm(request.POST or None, students=students)
    if request.method == "POST" and form.is_valid():
        fields = {
            k: v for k, v in form.cleaned_data.items() if k in DossierForm.Meta.fields and k != "student"
        }
        dossier = services.create_dossier(
            user, form.cleaned_data["student"], contacts=form.contacts(), **fields
        )
        messages.success(request, "Overstapdossier aangemaakt.")
        return redirect("support:dossier", pk=dossier.pk)
    return render(request, "support/dossier_form.html", {"form": form})


@login_required
def dossier_detail(request, pk):
    dossier = _visible_dossier(request, pk)
    user = request.user
    now = clock.now()
    audit.record(user, audit.VIEW, dossier, student=dossier.student, why="dossier page", now=now)
    sending = permissions.is_sending_side(user, dossier)
    receiving = not sending and _is_receiving(user, dossier)
    consents = []
    for purpose, purpose_label in DossierConsent.PURPOSES:
        for giver, giver_label in DossierConsent.GIVERS:
            consents.append(
                {
                    "purpose": purpose,
                    "purpose_label": purpose_label,
                    "giver": giver,
                    "giver_label": giver_label,
                    "grant": consent.active_grant(dossier, purpose, giver, now),
                    "text": consent.consent_text(purpose, giver),
                }
            )
    context = {
        "dossier": dossier,
        "sending": sending,
        "receiving": receiving,
        "is_contact": dossier.receiving_contact_id == user.pk,
        "needs": [SUPPORT_NEED_LABELS.get(code, code) for code in dossier.support_needs],
        "needs_parent": consent.needs_parent(dossier, now),
        "consents": consents,
        "in_force": {p: consent.in_force(dossier, p, now) for p, _ in DossierConsent.PURPOSES},
        "registration": services.registration_status(dossier, now),
        "handover": services.handover_status(dossier, now),
        "flags": services.dossier_flags(dossier, now),
        "checkins": [
            (c, services.checkin_state(c, now)) for c in dossier.checkins.select_related("respondent")
        ],
        "quarters": services.aftercare_quarters(
            services.aftercare_start(dossier),
            [c.contacted_on for c in dossier.aftercare_contacts.all()],
            services.today(now),
        ),
        "assign_form": AssignContactForm(
            team=dossier.receiving_team,
            initial={"contact": dossier.receiving_contact_id, "mentor": dossier.receiving_mentor_id},
        )
        if receiving
        else None,
        "intake_form": IntakeForm(
            initial={
                "intake_on": dossier.intake_on,
                "specialist_intake_on": dossier.specialist_intake_on,
                "mbo_started_on": dossier.mbo_started_on,
            }
        ),
        "registration_form": RegistrationForm(initial={"registered_on": dossier.registered_on}),
        "review_form": ReviewForm(initial={"on": services.today(now)}),
        "aftercare_form": AftercareForm(initial={"contacted_on": services.today(now)}),
        "access_log": audit.entries_for(dossier)[:20] if sending else None,
    }
    return render(request, "support/dossier_detail.html", context)


@login_required
@require_POST
def dossier_action(request, pk, action):
    dossier = _visible_dossier(request, pk)
    user = request.user
    now = clock.now()
    sending = permissions.is_sending_side(user, dossier)
    receiving = not sending and _is_receiving(user, dossier)
    post = request.POST
    if action in ("grant", "withdraw", "hand_over", "aftercare", "registration") and not sending:
        raise Http404()
    if action in ("assign", "intake", "plan_landing", "review") and not receiving:
        raise Http404()
    if action in ("grant", "withdraw"):
        purpose, giver = post.get("purpose"), post.get("given_by")
        if (purpose, giver) not in consent.TEXTS:
            return HttpResponseBadRequest("onbekend doel")
        if action == "grant":
            consent.grant(dossier, purpose, giver, user, now, language=post.get("language", "nl"))
            messages.success(request, "Toestemming vastgelegd.")
        else:
            consent.withdraw(dossier, purpose, giver, user, now)
            messages.success(request, "Toestemming ingetrokken. Delen voor dit doel stopt per direct.")
    elif action == "registration":
        form = RegistrationForm(post)
        if form.is_valid():
            dossier.registered_on = form.cleaned_data["registered_on"]
            dossier.save(update_fields=["registered_on"])
            messages.success(request, "Aanmelddatum opgeslagen.")
    elif action == "hand_over":
        services.hand_over(dossier, now)
        messages.success(
            request, "Dossier klaargezet voor de mbo-school (zichtbaar zodra er toestemming is)."
        )
    elif action == "aftercare":
        form = AftercareForm(post)
        if form.is_valid():
            services.record_aftercare(
                dossier,
                user,
                form.cleaned_data["contacted_on"],
                form.cleaned_data["channel"],
                form.cleaned_data["notes"],
                now,
            )
            messages.success(request, "Nazorgcontact vastgelegd.")
    elif action == "assign":
        if not permissions.can_manage_team(user, dossier.receiving_team):
            raise Http404()
        form = AssignContactForm(post, team=dossier.receiving_team)
        if form.is_valid():
            services.assign_contact(dossier, form.cleaned_data["contact"], form.cleaned_data["mentor"], now)
            if dossier.mbo_started_on and dossier.checkins.exists():
                services.plan_landing(dossier, now)  # adds the mentor's check-ins
            messages.success(request, "Contactpersoon aangewezen.")
    elif action == "confirm":
        if dossier.receiving_contact_id != user.pk:
            raise Http404()
        services.confirm_receipt(dossier, user, now)
        messages.success(request, "Ontvangst bevestigd. Dank voor de warme overdracht.")
    elif action == "intake":
        form = IntakeForm(post)
        if form.is_valid():
            for field, value in form.cleaned_data.items():
                setattr(dossier, field, value)
            dossier.save(update_fields=list(form.cleaned_data))
            messages.success(request, "Data opgeslagen.")
    elif action == "plan_landing":
        try:
            services.plan_landing(dossier, now)
            messages.success(request, "Check-ins voor de eerste 100 dagen gepland.")
        except ValueError:
            messages.error(request, "Vul eerst de eerste schooldag in.")
    elif action == "review":
        form = ReviewForm(post)
        if form.is_valid():
            services.record_review(dossier, form.cleaned_data["on"], form.cleaned_data["notes"], now)
            messages.success(request, "100-dagengesprek vastgelegd.")
    else:
        raise Http404()
    return redirect("support:dossier", pk=dossier.pk)


@login_required
def student_timeline(request, pk):
    user = request.user
    student = get_object_or_404(Person, pk=pk, role=Person.STUDENT)
    now = clock.now()
    dossiers = permissions.visible_dossiers(user, now).filter(student=student)
    deregistrations = permissions.visible_deregistrations(user).filter(student=student)
    if not permissions.can_view_person(user, student) and not dossiers.exists():
        raise Http404()
    audit.record(user, audit.VIEW, student, student=student, why="support timeline", now=now)
    events = timeline.build(
        dossiers.prefetch_related("consents", "checkins__window", "aftercare_contacts"),
        deregistrations.select_related("reason", "team__organisation").prefetch_related("checkins__window"),
        now,
    )
    return render(
        request, "support/timeline.html", {"student": student, "events": events, "today": services.today(now)}
    )


# --- De-registrations ---------------------------------------------------------------------------


def _period(form, now):
    today = services.today(now)
    start = form.cleaned_data.get("start") if form.is_valid() else None
    end = form.cleaned_data.get("end") if form.is_valid() else None
    return start or (today - timedelta(days=365)), end or today


@login_required
def deregistration_monitor(request):
    user = request.user
    now = clock.now()
    teams = permissions.coordinator_teams(user)
    if not teams.exists():
        raise Http404()
    form = MonitorFilterForm(request.GET or None, teams=teams)
    start, end = _period(form, now)
    if not form.is_bound:  # show the period in use in the date fields
        form = MonitorFilterForm(initial={"start": start, "end": end}, teams=teams)
    rows = permissions.visible_deregistrations(user).filter(
        team__in=teams, deregistered_on__range=(start, end)
    )
    if form.is_valid() and form.cleaned_data.get("team"):
        rows = rows.filter(team=form.cleaned_data["team"])
    figures = services.monitor(rows, now)
    return render(
        request,
        "support/monitor.html",
        {
            "form": form,
            "start": start,
            "end": end,
            "figures": figures,
            "share_pct": None if figures["share_in_time"] is None else round(100 * figures["share_in_time"]),
        },
    )


def _team_contacts(teams):
    User = get_user_model()
    orgs = teams.values("organisation")
    return User.objects.filter(
        Q(staff_roles__organisation__in=orgs, staff_roles__role=StaffRole.COORDINATOR)
        | Q(person__team__in=teams)
    ).distinct()


@login_required
def deregistration_create(request):
    user = request.user
    teams = permissions.coordinator_teams(user)
    if not teams.exists():
        raise Http404()
    services.ensure_default_reasons()
    students = Person.objects.filter(role=Person.STUDENT, team__in=teams).order_by("first_name")
    initial = {"deregistered_on": services.today(), "designated_contact": user.pk}
    form = DeregistrationForm(
        request.POST or None, students=students, contacts=_team_contacts(teams), initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        row = services.record_deregistration(
            user,
            data["student"],
            reason=data["reason"],
            enrolled_on=data["enrolled_on"],
            deregistered_on=data["deregistered_on"],
            initiated_by=data["initiated_by"],
            kind=data["kind"],
            destination=data["destination"],
            reason_text=data["reason_text"],
            outflow_consent=data["outflow_consent"],
            designated_contact=data["designated_contact"],
        )
        messages.success(
            request, f"Uitschrijving vastgelegd; {row.stopped_subscriptions} uitnodigingsreeks(en) gestopt."
        )
        return redirect("support:deregistration", pk=row.pk)
    return render(request, "support/deregistration_form.html", {"form": form})


@login_required
def deregistration_detail(request, pk):
    user = request.user
    row = (
        permissions.visible_deregistrations(user)
        .filter(pk=pk)
        .select_related("student", "reason", "team")
        .first()
    )
    if row is None:
        raise Http404()
    now = clock.now()
    audit.record(user, audit.VIEW, row, student=row.student, why="de-registration page", now=now)
    can_edit = permissions.can_manage_team(user, row.team)
    if request.method == "POST":
        if not can_edit:
            raise Http404()
        if request.POST.get("action") == "stop_outflow":
            services.stop_outflow(row, now)
            messages.success(request, "Check-ins na vertrek gestopt.")
            return redirect("support:deregistration", pk=row.pk)
        form = FollowUpForm(request.POST)
        if form.is_valid():
            services.record_follow_up(row, user, form.cleaned_data["on"], form.cleaned_data["notes"])
            messages.success(request, "Nagesprek vastgelegd.")
            return redirect("support:deregistration", pk=row.pk)
    else:
        form = FollowUpForm(initial={"on": services.today(now)})
    checkins = [
        (c, services.checkin_state(c, now), services.wants_help(c))
        for c in row.checkins.select_related("window")
    ]
    return render(
        request,
        "support/deregistration_detail.html",
        {
            "row": row,
            "form": form,
            "can_edit": can_edit,
            "checkins": checkins,
            "due": services.follow_up_due(row),
            "in_time": services.followed_up_in_time(row),
            "bucket": services.timing_bucket(row.days_enrolled),
        },
    )


@login_required
def outflow_inbox(request):
    now = clock.now()
    answers = [(c, services.wants_help(c)) for c in services.outflow_answers(request.user)]
    answers.sort(key=lambda pair: not pair[1])  # who wants help first
    for checkin, _ in answers:
        audit.record(
            request.user,
            audit.VIEW,
            checkin.deregistration,
            student=checkin.deregistration.student,
            why="outflow answers",
            now=now,
        )
    return render(request, "support/outflow_inbox.html", {"answers": answers})
