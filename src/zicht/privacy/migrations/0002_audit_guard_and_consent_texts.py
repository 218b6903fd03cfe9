"""Make the audit log append-only in the database, and publish the first consent texts."""

from django.db import migrations

IMMUTABLE = ["at", "actor_id", "action", "object_type", "object_id", "person_id", "organisation_id"]
ERASED = "[verwijderd]"

SQLITE_CHANGED = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in IMMUTABLE)
SQLITE_TRIGGER = f"""
CREATE TRIGGER privacy_auditevent_append_only BEFORE UPDATE ON privacy_auditevent
WHEN {SQLITE_CHANGED}
  OR (NEW.why IS NOT OLD.why AND NEW.why != '{ERASED}')
  OR (NEW.actor_name IS NOT OLD.actor_name AND NEW.actor_name != '{ERASED}')
  OR (NEW.detail IS NOT OLD.detail AND NEW.detail != '{{}}')
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
"""

PG_CHANGED = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in IMMUTABLE)
PG_TRIGGER = f"""
CREATE OR REPLACE FUNCTION privacy_auditevent_guard() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'audit events are append-only' USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF {PG_CHANGED}
     OR (NEW.why IS DISTINCT FROM OLD.why AND NEW.why <> '{ERASED}')
     OR (NEW.actor_name IS DISTINCT FROM OLD.actor_name AND NEW.actor_name <> '{ERASED}')
     OR (NEW.detail IS DISTINCT FROM OLD.detail AND NEW.detail <> '{{}}'::jsonb) THEN
    RAISE EXCEPTION 'audit events are append-only' USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER privacy_auditevent_append_only BEFORE UPDATE OR DELETE ON privacy_auditevent
FOR EACH ROW EXECUTE FUNCTION privacy_auditevent_guard();
"""


def add_guard(apps, schema_editor):
    # SQLite: updates only. Django's test flush empties tables with DELETE on SQLite, so a delete
    # guard there would break test isolation; the model and queryset refuse deletes instead.
    # PostgreSQL flushes with TRUNCATE, which row triggers do not see, so deletes are refused too.
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_TRIGGER)
    elif vendor == "postgresql":
        schema_editor.execute(PG_TRIGGER)


def drop_guard(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    schema_editor.execute(
        "DROP TRIGGER IF EXISTS privacy_auditevent_append_only"
        + (" ON privacy_auditevent" if vendor == "postgresql" else "")
    )


TEXTS = {
    "participation": (
        "Ik doe mee met het weekdagboek. Ik krijg elke week een link per sms of e-mail. "
        "Ik mag altijd stoppen, zonder dat dat gevolgen heeft voor mijn opleiding.",
        "I take part in the weekly diary. I get a link by text message or e-mail every week. "
        "I may stop at any time, without consequences for my studies.",
    ),
    "share_with_mentor": (
        "Mijn begeleider mag mijn antwoorden zien, zodat hij of zij mij op tijd kan helpen.",
        "My mentor may see my answers, so that they can help me in time.",
    ),
    "research": (
        "Mijn antwoorden mogen zonder mijn naam gebruikt worden voor onderzoek. "
        "Onderzoekers zien alleen een code, nooit mijn naam, telefoonnummer of e-mailadres.",
        "My answers may be used for research without my name. "
        "Researchers only see a code, never my name, phone number or e-mail address.",
    ),
}


def add_texts(apps, schema_editor):
    ConsentText = apps.get_model("privacy", "ConsentText")
    for purpose, (nl, en) in TEXTS.items():
        ConsentText.objects.get_or_create(purpose=purpose, version=1, defaults={"text_nl": nl, "text_en": en})


class Migration(migrations.Migration):
    dependencies = [("privacy", "0001_initial")]

    operations = [
        migrations.RunPython(add_guard, drop_guard),
        migrations.RunPython(add_texts, migrations.RunPython.noop),
    ]
