"""Window.messages_planned and the planner's partial indexes.

Backfill: a window counts as planned when its reminder row exists (the old planner made the
reminder last). A still-open window with only its invitation row is planned again by the new
planner, which then adds the missing reminder; the invitation part is a no-op (unique links).
"""

from django.db import migrations, models
from django.db.models import Exists, OuterRef


def mark_planned_windows(apps, schema_editor):
    Window = apps.get_model("responses", "Window")
    InvitationWindow = apps.get_model("messaging", "InvitationWindow")
    reminded = InvitationWindow.objects.filter(window=OuterRef("pk"), kind="reminder")
    Window.objects.filter(Exists(reminded)).update(messages_planned=True)


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0001_outbox"),
        ("people", "0001_initial"),
        ("protocols", "0002_subscription_history"),
        ("questionnaires", "0001_initial"),
        ("responses", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="window",
            name="messages_planned",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(mark_planned_windows, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="window",
            index=models.Index(
                condition=models.Q(("messages_planned", False), ("state", "planned")),
                fields=["opens_at"],
                name="window_to_plan",
            ),
        ),
        migrations.AddIndex(
            model_name="window",
            index=models.Index(condition=models.Q(("state", "planned")), fields=["closes_at"], name="window_to_close"),
        ),
    ]
