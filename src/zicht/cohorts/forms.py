from django import forms
from django.utils.translation import gettext_lazy as _


class ImportForm(forms.Form):
    name = forms.CharField(label=_("Naam van de dataset"), max_length=200)
    file = forms.FileField(label=_("Bestand (CSV of XLSX)"))
    dry_run = forms.BooleanField(label=_("Alleen controleren (proefimport)"), required=False, initial=True)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("Kies een .csv- of .xlsx-bestand."))
        return upload
