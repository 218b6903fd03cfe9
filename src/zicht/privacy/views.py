"""Privacy pages: second factor, audit download, a person's privacy page (consent, access, erasure),
and research exports. Every rule about who may do what lives in core.permissions."""

import base64
import io
import os
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zicht.core import clock, permissions
from zicht.people.models import Person
from zicht.privacy import audit as audit_log
from zicht.privacy import consent as consent_service
from zicht.privacy import exports, gdpr
from zicht.privacy.audit import audit
from zicht.privacy.models import AuditEvent, ConsentText, Study


def csrf_failure(request, reason=""):
    """Django calls this for a POST without a valid CSRF token: a plain explanation, status 403."""
    return render(request, "privacy/csrf_failure.html", status=403)


# --- second factor -------------------------------------------------------------------------


def _next(request):
    target = request.POST.get("next") or request.GET.get("next") or "/staff/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return "/staff/"
    return target


def _qr_data_uri(url):
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


@login_required
def otp_setup(request):
    """Add an authenticator app: show a QR code and the key; a correct code confirms it."""
    from django_otp import login as otp_login
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=request.user, name="app", confirmed=False)
    error = None
    if request.method == "POST":
        if device.verify_token((request.POST.get("token") or "").strip().replace(" ", "")):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=request.user, confirmed=False).delete()
            otp_login(request, device)
            messages.success(request, _("Tweestapsverificatie staat aan."))
            return redirect(_next(request))
        error = _("Deze code klopt niet. Probeer de nieuwste code uit de app.")
    key = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "privacy/otp_setup.html",
        {
            "qr": _qr_data_uri(device.config_url),
            "key": " ".join(key[i : i + 4] for i in range(0, len(key), 4)),
            "error": error,
            "next": _next(request),
        },
        status=400 if error else 200,
    )


@login_required
def otp_verify(request):
    """Second step of a login: the six-digit code from the authenticator app."""
    from django_otp import devices_for_user
    from django_otp import login as otp_login

    devices = list(devices_for_user(request.user, confirmed=True))
    if not devices:
        return redirect(f"{_url('privacy:otp-setup')}?next={quote(_next(request))}")
    error = None
    if request.method == "POST":
        token = (request.POST.get("token") or "").strip().replace(" ", "")
        for device in devices:
            if device.verify_is_allowed()[0] and device.verify_token(token):
                otp_login(request, device)
                return redirect(_next(request))
        error = _("Deze code klopt niet. Probeer de nieuwste code uit de app.")
    return render(
        request,
        "privacy/otp_verify.html",
        {"error": error, "next": _next(request)},
        status=400 if error else 200,
    )


def _url(name, **kwargs):
    from django.urls import reverse

    return reverse(name, kwargs=kwargs)


# --- audit log ---------------------------------------------------------------------------------


@login_required
def audit_csv(request):
    if not permissions.is_admin(request.user):
        raise PermissionDenied
    events = permissions.visible_audit_events(request.user)
    response = StreamingHttpResponse(audit_log.csv_rows(events), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{clock.localtime():%Y%m%d}.csv"'
    return response


# --- a person's privacy page -----------------------------------------------------------------


def _managed_person(request, person_id):
    person = get_object_or_404(Person.objects.select_related("team__organisation"), pk=person_id)
    if not permissions.can_manage_privacy(request.user, person):
        raise PermissionDenied
    return person


@login_required
def person_privacy(request, person_id):
    person = _managed_person(request, person_id)
    return render(
        request,
        "privacy/person.html",
        {
            "person": person,
            "consents": consent_service.consent_overview(person),
            "purposes": [
                (code, label, consent_service.has_consent(person, code))
                for code, label in ConsentText.PURPOSES
            ],
            "erased": gdpr.is_erased(person),
        },
    )


@login_required
@require_POST
def person_consent(request, person_id):
    person = _managed_person(request, person_id)
    purpose = request.POST.get("purpose")
    if purpose not in consent_service.PURPOSES:
        return HttpResponse(_("Onbekend doel."), status=400)
    if request.POST.get("action") == "withdraw":
        consent_service.withdraw_consent(person, purpose, user=request.user)
    else:
        consent_service.give_consent(person, purpose, recorded_by=str(request.user.pk), user=request.user)
    return redirect("privacy:person", person_id=person.pk)


@login_required
@require_POST
def person_access_export(request, person_id):
    person = _managed_person(request, person_id)
    why = (request.POST.get("why") or "").strip()
    if not why:
        messages.error(request, _("Vul in waarom je deze gegevens opvraagt."))
        return redirect("privacy:person", person_id=person.pk)
    data = gdpr.access_export(person, user=request.user, why=why)
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="inzage-{person.pk}.zip"'
    return response


@login_required
@require_POST
def person_erase(request, person_id):
    person = _managed_person(request, person_id)
    why = (request.POST.get("why") or "").strip()
    if not why or request.POST.get("confirm") != "ja":
        messages.error(request, _("Vul een reden in en bevestig dat je de gegevens wilt wissen."))
        return redirect("privacy:person", person_id=person.pk)
    erasure = gdpr.erase_person(person, user=request.user, why=why)
    if erasure.kept_research_data:
        messages.success(
            request,
            _(
                "Persoonsgegevens gewist. Antwoorden blijven alleen onder pseudoniem bewaard "
                "voor onderzoek (toestemming gegeven)."
            ),
        )
    else:
        messages.success(request, _("Persoonsgegevens en antwoorden gewist."))
    return redirect("privacy:person", person_id=person.pk)


# --- research exports --------------------------------------------------------------------------

FORMATS = {
    "long.csv": "Lang (één rij per antwoord) CSV / long CSV",
    "wide.csv": "Breed (één rij per vragenlijst) CSV / wide CSV",
    "xlsx": "Excel (breed + codeboek) / XLSX",
    "sav": "SPSS .sav (breed, met labels) / SPSS",
    "codebook.html": "Codeboek HTML / codebook",
    "codebook.csv": "Codeboek CSV / codebook CSV",
}


@login_required
def study_list(request):
    studies = permissions.visible_studies(request.user).select_related("organisation")
    if not studies.exists() and not permissions.has_role(request.user, "researcher"):
        raise PermissionDenied
    return render(request, "privacy/studies.html", {"studies": studies})


@login_required
def study_export(request, study_id):
    study = get_object_or_404(Study, pk=study_id)
    if not permissions.can_export_study(request.user, study):
        raise PermissionDenied
    may_identify = permissions.can_export_identities(request.user, study)
    context = {
        "study": study,
        "formats": FORMATS,
        "may_identify": may_identify,
        "error": None,
        "questionnaires": exports.study_questionnaires(study),
    }
    if request.method != "POST":
        return render(request, "privacy/study_export.html", context)

    fmt = request.POST.get("format")
    why = (request.POST.get("why") or "").strip()
    identities = request.POST.get("identities") == "1"
    include_text = request.POST.get("include_text") == "1"
    key = request.POST.get("questionnaire") or (study.questionnaire_keys or [""])[0]
    if fmt not in FORMATS:
        context["error"] = _("Kies een formaat.")
    elif not why and not fmt.startswith("codebook"):
        context["error"] = _("Vul in waarvoor je deze export nodig hebt.")
    elif identities and not may_identify:
        raise PermissionDenied
    elif key not in study.questionnaire_keys and fmt in ("wide.csv", "sav"):
        context["error"] = _("Kies een vragenlijst van dit onderzoek.")
    if context["error"]:
        return render(request, "privacy/study_export.html", context, status=400)

    if not fmt.startswith("codebook"):
        audit(
            request.user,
            AuditEvent.EXPORT,
            study,
            why,
            detail={"format": fmt, "identities": identities, "free_text": include_text, "questionnaire": key},
        )
    name = f"{study.key}-{clock.localtime():%Y%m%d-%H%M}"
    options = {"identities": identities, "include_text": include_text}
    if fmt == "long.csv":
        return _stream(exports.csv_lines(exports.long_rows(study, **options)), f"{name}-long.csv")
    if fmt == "wide.csv":
        return _stream(exports.csv_lines(exports.wide_rows(study, key, **options)), f"{name}-{key}-wide.csv")
    if fmt == "codebook.csv":
        return _stream(exports.codebook_csv_lines(study), f"{name}-codebook.csv")
    if fmt == "codebook.html":
        return HttpResponse(exports.codebook_html(study))
    if fmt == "xlsx":
        path = exports.temp_path(".xlsx")
        exports.write_xlsx(study, path, **options)
        return _file(
            path, f"{name}.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    path = exports.temp_path(".sav")
    exports.write_sav(study, key, path, **options)
    return _file(path, f"{name}-{key}.sav", "application/x-spss-sav")


def _stream(lines, filename):
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class _TempFile(io.FileIO):
    """Removes the temporary export file once the response has been sent."""

    def close(self):
        super().close()
        try:
            os.unlink(self.name)
        except OSError:
            pass


def _file(path, filename, content_type):
    return FileResponse(
        _TempFile(path, "rb"), as_attachment=True, filename=filename, content_type=content_type
    )
