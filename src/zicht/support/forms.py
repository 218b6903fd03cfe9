"""Forms of the support line. Labels are Dutch (the interface language); English via gettext."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from zicht.people.models import Person, StaffRole, Team
from zicht.support.models import AftercareContact, Deregistration, DeregistrationReason, TransitionDossier

# Structured support needs (seeds/002: what VSO cluster-4 pupils ask for most), free text besides.
SUPPORT_NEEDS = [
    ("structure", _("Structuur en voorspelbaarheid")),
    ("overview", _("Overzicht en planning")),
    ("one_contact", _("Eén vast aanspreekpunt")),
    ("social_emotional", _("Sociaal-emotionele steun")),
    ("behaviour", _("Begeleiding bij gedrag")),
    ("concentration", _("Aandacht en concentratie")),
    ("anxiety", _("Omgaan met spanning of angst")),
    ("language", _("Taal en lezen")),
    ("maths", _("Rekenen")),
    ("internship", _("Begeleiding bij stage")),
    ("travel", _("Reizen en zelfstandigheid")),
    ("home", _("Thuissituatie")),
    ("health", _("Gezondheid")),
    ("care", _("Lopende jeugdhulp of zorg")),
]
SUPPORT_NEED_LABELS = dict(SUPPORT_NEEDS)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class DossierForm(forms.ModelForm):
    support_needs = forms.MultipleChoiceField(
        label=_("Ondersteuningsbehoefte"),
        choices=SUPPORT_NEEDS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    contact_name = forms.CharField(label=_("Contactpersoon: naam"), required=False, max_length=150)
    contact_role = forms.CharField(
        label=_("Contactpersoon: rol (ouder, mentor vso, hulpverlener)"), required=False, max_length=100
    )
    contact_phone = forms.CharField(label=_("Contactpersoon: telefoon"), required=False, max_length=30)

    class Meta:
        model = TransitionDossier
        fields = [
            "student",
            "pupil_birth_date",
            "intended_programme",
            "intended_level",
            "receiving_team",
            "start_year",
            "registered_on",
            "support_needs",
            "support_needs_text",
            "what_helped",
        ]
        labels = {
            "student": _("Leerling"),
            "pupil_birth_date": _("Geboortedatum"),
            "intended_programme": _("Gekozen opleiding"),
            "intended_level": _("Niveau"),
            "receiving_team": _("Mbo-school (team)"),
            "start_year": _("Startjaar (na de zomer)"),
            "registered_on": _("Aangemeld op"),
            "support_needs_text": _("Ondersteuningsbehoefte in eigen woorden"),
            "what_helped": _("Wat hielp op het vso"),
        }
        widgets = {"pupil_birth_date": DateInput(), "registered_on": DateInput()}

    def __init__(self, *args, students=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["student"].queryset = students if students is not None else Person.objects.none()
        self.fields["receiving_team"].queryset = Team.objects.select_related("organisation").order_by(
            "organisation__name", "name"
        )

    def contacts(self):
        data = self.cleaned_data
        if not data.get("contact_name"):
            return []
        return [
            {
                "name": data["contact_name"],
                "role": data.get("contact_role") or "",
                "phone": data.get("contact_phone") or "",
            }
        ]


class AssignContactForm(forms.Form):
    contact = forms.ModelChoiceField(label=_("Contactpersoon mbo"), queryset=get_user_model().objects.none())
    mentor = forms.ModelChoiceField(
        label=_("Mentor mbo (optioneel)"), queryset=Person.objects.none(), required=False
    )

    def __init__(self, *args, team=None, **kwargs):
        super().__init__(*args, **kwargs)
        if team is not None:
            users = get_user_model().objects.filter(
                staff_roles__organisation=team.organisation, staff_roles__role=StaffRole.COORDINATOR
            ) | get_user_model().objects.filter(person__team=team, person__role=Person.MENTOR)
            self.fields["contact"].queryset = users.distinct().order_by("first_name", "username")
            self.fields["mentor"].queryset = Person.objects.filter(team=team, role=Person.MENTOR)


class RegistrationForm(forms.Form):
    registered_on = forms.DateField(label=_("Aangemeld bij het mbo op"), required=False, widget=DateInput())


class IntakeForm(forms.Form):
    intake_on = forms.DateField(label=_("Intake"), required=False, widget=DateInput())
    specialist_intake_on = forms.DateField(
        label=_("Specialistische intake"), required=False, widget=DateInput()
    )
    mbo_started_on = forms.DateField(label=_("Eerste schooldag mbo"), required=False, widget=DateInput())


class ReviewForm(forms.Form):
    on = forms.DateField(label=_("Datum gesprek"), widget=DateInput())
    notes = forms.CharField(label=_("Afspraken"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class AftercareForm(forms.ModelForm):
    class Meta:
        model = AftercareContact
        fields = ["contacted_on", "channel", "notes"]
        labels = {"contacted_on": _("Datum"), "channel": _("Hoe"), "notes": _("Notitie")}
        widgets = {"contacted_on": DateInput(), "notes": forms.Textarea(attrs={"rows": 2})}


class DeregistrationForm(forms.ModelForm):
    class Meta:
        model = Deregistration
        fields = [
            "student",
            "kind",
            "enrolled_on",
            "deregistered_on",
            "reason",
            "reason_text",
            "destination",
            "initiated_by",
            "outflow_consent",
            "designated_contact",
        ]
        labels = {
            "student": _("Student"),
            "kind": _("Soort"),
            "enrolled_on": _("Ingeschreven op"),
            "deregistered_on": _("Uitgeschreven op"),
            "reason": _("Reden"),
            "reason_text": _("Toelichting"),
            "destination": _("Bestemming (als bekend)"),
            "initiated_by": _("Op initiatief van"),
            "outflow_consent": _("Student wil na vertrek een maandelijkse check-in (6 maanden)"),
            "designated_contact": _("Contactpersoon voor antwoorden"),
        }
        widgets = {"enrolled_on": DateInput(), "deregistered_on": DateInput()}

    def __init__(self, *args, students=None, contacts=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["student"].queryset = students if students is not None else Person.objects.none()
        self.fields["reason"].queryset = DeregistrationReason.objects.filter(is_active=True)
        self.fields["designated_contact"].queryset = (
            contacts if contacts is not None else get_user_model().objects.none()
        )

    def clean(self):
        data = super().clean()
        if (
            data.get("enrolled_on")
            and data.get("deregistered_on")
            and data["deregistered_on"] < data["enrolled_on"]
        ):
            self.add_error("deregistered_on", _("De uitschrijfdatum ligt voor de inschrijfdatum."))
        if data.get("outflow_consent") and not data.get("designated_contact"):
            self.add_error("designated_contact", _("Kies wie de antwoorden van de check-in krijgt."))
        return data


class FollowUpForm(forms.Form):
    on = forms.DateField(label=_("Datum contact"), widget=DateInput())
    notes = forms.CharField(
        label=_("Wat is besproken"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class MonitorFilterForm(forms.Form):
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.none(), required=False, empty_label=_("Alle teams")
    )
    start = forms.DateField(label=_("Van"), required=False, widget=DateInput())
    end = forms.DateField(label=_("Tot en met"), required=False, widget=DateInput())

    def __init__(self, *args, teams=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams if teams is not None else Team.objects.none()
