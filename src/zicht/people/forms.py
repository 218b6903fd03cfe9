"""Forms for the coordinator's people pages. Labels are Dutch (the msgid), as in the templates."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from zicht.messaging.phone import display_phone, normalise_phone
from zicht.people import importer
from zicht.people.models import Person


class PersonForm(forms.ModelForm):
    """Add or edit a student or mentor of one team. ``team`` and ``role`` come from the URL/instance."""

    class Meta:
        model = Person
        fields = ["external_id", "first_name", "last_name", "phone", "email", "gender", "language"]
        labels = {
            "external_id": _("Schoolnummer"),
            "first_name": _("Voornaam"),
            "last_name": _("Achternaam (met tussenvoegsel)"),
            "phone": _("Mobiel nummer"),
            "email": _("E-mailadres"),
            "gender": _("Geslacht"),
            "language": _("Taal van uitnodigingen en vragenlijsten"),
        }
        help_texts = {
            "phone": _("Bijvoorbeeld 06 12345678. Hier komen de sms-uitnodigingen op binnen."),
            "external_id": _("Het nummer uit de schooladministratie."),
        }
        widgets = {
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off", "inputmode": "tel"}),
            "email": forms.EmailInput(attrs={"autocomplete": "off"}),
        }

    def __init__(self, *args, team, role, **kwargs):
        super().__init__(*args, **kwargs)
        self.team = team
        self.role = role
        self.fields["gender"].choices = [
            ("", _("onbekend")),
            ("f", _("vrouw")),
            ("m", _("man")),
            ("x", _("anders")),
        ]
        self.fields["language"].choices = [("nl", "Nederlands"), ("en", "English")]
        if self.instance.phone and not self.is_bound:
            self.initial["phone"] = display_phone(self.instance.phone)  # as people write it: 06 12345678
        if role == Person.STUDENT and self.instance.pk is None:
            self.fields["mentor"] = forms.ModelChoiceField(
                label=_("Begeleider"),
                queryset=Person.objects.filter(team=team, role=Person.MENTOR, is_active=True).order_by(
                    "first_name", "last_name"
                ),
                required=False,
                empty_label=_("(nog geen begeleider)"),
            )

    def clean_external_id(self):
        value = self.cleaned_data["external_id"].strip()
        duplicate = Person.objects.filter(team=self.team, role=self.role, external_id=value).exclude(
            pk=self.instance.pk
        )
        if duplicate.exists():
            raise ValidationError(
                _("Er is in dit team al iemand met dit schoolnummer: %(name)s.")
                % {"name": duplicate.first().full_name}
            )
        return value

    def clean_phone(self):
        raw = self.cleaned_data["phone"].strip()
        return normalise_phone(raw) if raw else ""

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("phone") and not cleaned.get("email") and "phone" not in self.errors:
            self.add_error(
                "phone",
                _("Vul een mobiel nummer of e-mailadres in, anders krijgt deze persoon geen uitnodigingen."),
            )
        return cleaned


class MentorChangeForm(forms.Form):
    mentor = forms.ModelChoiceField(
        label=_("Nieuwe begeleider"), queryset=Person.objects.none(), empty_label=_("Kies een begeleider")
    )
    # type=date needs ISO dates; the browser shows them the local way.
    on = forms.DateField(label=_("Vanaf"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, *args, student, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mentor"].queryset = Person.objects.filter(
            team=student.team, role=Person.MENTOR, is_active=True
        ).order_by("first_name", "last_name")


class TeamForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("School / organisatie"), queryset=None, empty_label=None)
    name = forms.CharField(label=_("Naam van het team"), max_length=200)
    mentor_title = forms.CharField(
        label=_("Hoe noemen studenten hun begeleider?"),
        max_length=60,
        initial="begeleider",
        help_text=_("Bijvoorbeeld coach, mentor of buddy. Dit woord staat in de vragen aan studenten."),
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations


class ImportForm(forms.Form):
    team = forms.ModelChoiceField(label=_("Team"), queryset=None, empty_label=None)
    file = forms.FileField(
        label=_("Bestand (CSV of Excel .xlsx)"),
        help_text=_("Maximaal 5 MB en 5000 rijen."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.xlsx"}),
    )

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > importer.MAX_BYTES:
            raise ValidationError(
                _(
                    "Het bestand is groter dan 5 MB. Splits het op in kleinere bestanden. / The file is larger than 5 MB."
                )
            )
        return upload
