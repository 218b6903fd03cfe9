"""The default de-registration reason codes (seeds/000 and seeds/002); editable afterwards."""

from django.db import migrations

REASONS = [
    ("no_show", "Niet verschenen", "No-show", 10),
    ("study_choice", "Verkeerde studiekeuze", "Wrong study choice", 20),
    ("behaviour", "Gedrag", "Behaviour", 30),
    ("personal_health", "Persoonlijke omstandigheden of gezondheid", "Personal circumstances or health", 40),
    ("work", "Gaat werken", "Work", 50),
    ("moved", "Verhuisd", "Moved", 60),
    ("other", "Anders", "Other", 90),
]


def add(apps, schema_editor):
    Reason = apps.get_model("support", "DeregistrationReason")
    for code, nl, en, order in REASONS:
        Reason.objects.get_or_create(code=code, defaults={"label_nl": nl, "label_en": en, "order": order})


def remove(apps, schema_editor):
    apps.get_model("support", "DeregistrationReason").objects.filter(
        code__in=[r[0] for r in REASONS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("support", "0001_initial")]
    operations = [migrations.RunPython(add, remove)]
