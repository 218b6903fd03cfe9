"""GDPR rights of a participant: a copy of their data (access) and erasure.

Both walk the models generically: every table with a foreign-key path to the person (up to three
steps, e.g. Delivery → Invitation → Person) is included, so a table a colleague adds later is
covered without changing this file. Erasure then also sweeps every text column of every table
for the person's name, phone number and e-mail address.
"""

import csv
import datetime
import decimal
import io
import json
import re
import uuid
import zipfile

from django.apps import apps
from django.db import connection, models, transaction
from django.db.models import Q
from django.template.loader import render_to_string

from zicht.core import clock
from zicht.people.models import Person
from zicht.privacy.audit import audit
from zicht.privacy.consent import has_consent
from zicht.privacy.models import ERASED, AuditEvent, ConsentText, Erasure
from zicht.questionnaires.definition import iter_items
from zicht.responses.models import AccessLink, Draft, Response, Window

MAX_DEPTH = 3
SECRET_FIELD = re.compile(r"(hash|secret|token|password)", re.I)
TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField)
# Fields holding message texts: blanked entirely on erasure (they quote names and links).
MESSAGE_FIELDS = ("body", "message", "subject")
# Contact details in rows about the person (a new phone number waiting for confirmation, the
# address a message went to): blanked too, even when they differ from the person's current ones.
CONTACT_FIELD = re.compile(r"(phone|e_?mail|^to$)", re.I)


def _concrete_models():
    """Models with a table in this database (an app whose migrations have not run is skipped)."""
    tables = set(connection.introspection.table_names())
    return [
        m for m in apps.get_models() if not m._meta.proxy and m._meta.managed and m._meta.db_table in tables
    ]


def person_paths():
    """{model: [lookup paths to a Person id]} for every model linked to Person by foreign keys."""
    paths = {Person: [""]}
    frontier = {Person: [""]}
    for _depth in range(MAX_DEPTH):
        found = {}
        for model in _concrete_models():
            if model is Person:
                continue
            for field in model._meta.get_fields():
                is_forward_key = field.concrete and (field.many_to_one or field.one_to_one)
                if not is_forward_key:
                    continue
                target = field.related_model
                if target in frontier:
                    for path in frontier[target]:
                        lookup = field.name if not path else f"{field.name}__{path}"
                        if lookup not in paths.get(model, []) + found.get(model, []):
                            found.setdefault(model, []).append(lookup)
        for model, lookups in found.items():
            paths.setdefault(model, []).extend(lookups)
        frontier = found
        if not frontier:
            break
    del paths[Person]
    return paths


def linked_rows(person):
    """(model, queryset) for every table row that belongs to or is about this person."""
    for model, lookups in person_paths().items():
        query = Q()
        for lookup in lookups:
            query |= Q(**{lookup: person.pk})
        yield model, model._default_manager.filter(query).distinct()


def _jsonable(value):
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    return value


def row_dict(obj):
    data = {}
    for field in obj._meta.concrete_fields:
        if SECRET_FIELD.search(field.name):
            continue
        data[field.attname] = _jsonable(getattr(obj, field.attname))
    return data


def person_data(person):
    """Everything stored about a person, as plain dicts grouped by table."""
    tables = {"people.person": [row_dict(person)]}
    for model, queryset in linked_rows(person):
        rows = [row_dict(obj) for obj in queryset]
        if rows:
            tables[model._meta.label_lower] = rows
    audits = AuditEvent.objects.filter(person_id=person.pk).order_by("at")
    if audits.exists():
        tables["privacy.auditevent"] = [row_dict(e) for e in audits]
    return tables


def access_export(person, *, user, why, now=None):
    """A ZIP with data.json, one CSV per table and summary.html; the request is audited."""
    now = now or clock.now()
    audit(user, AuditEvent.ACCESS_EXPORT, person, why, person=person, now=now)
    tables = person_data(person)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "data.json",
            json.dumps(
                {"person_id": person.pk, "exported_at": now.isoformat(), "tables": tables},
                ensure_ascii=False,
                indent=2,
                default=str,
            ),
        )
        for table, rows in tables.items():
            text = io.StringIO()
            columns = list(rows[0])
            writer = csv.DictWriter(text, fieldnames=columns, extrasaction="ignore")
            writer.writeheader()
            for row in rows:
                writer.writerow(
                    {
                        k: json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else v
                        for k, v in row.items()
                    }
                )
            archive.writestr(f"csv/{table}.csv", "\ufeff" + text.getvalue())
        responses = (
            Response.objects.filter(window__respondent=person)
            .select_related("window__questionnaire", "version")
            .order_by("submitted_at")
        )
        archive.writestr(
            "summary.html",
            render_to_string(
                "privacy/access_summary.html",
                {
                    "person": person,
                    "tables": tables,
                    "now": now,
                    "responses": [_readable(r) for r in responses],
                    "consents": tables.get("privacy.consent", []),
                },
            ),
        )
    return buffer.getvalue()


def _readable(response):
    """A response as (question text, answer) pairs in Dutch, for the summary page."""
    texts = {
        item["id"]: (item.get("text") or {}).get("nl", item["id"])
        if isinstance(item.get("text"), dict)
        else str(item.get("text") or item["id"])
        for item in iter_items(response.version.definition)
    }
    pairs = [
        (
            texts.get(key, key),
            json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else value,
        )
        for key, value in response.answers.items()
    ]
    return {
        "title": response.window.questionnaire.title,
        "submitted_at": response.submitted_at,
        "answers": pairs,
    }


# --- erasure -----------------------------------------------------------------------------------


def personal_values(person):
    """The strings that identify this person, for the sweep over all text columns."""
    values = {
        person.full_name,
        person.first_name,
        person.last_name,
        person.email,
        person.phone,
        person.external_id,
    }
    if person.phone.startswith("+31"):
        values.add("0" + person.phone[3:])
    if person.user_id:
        user = person.user
        values |= {user.username, user.email, user.first_name, user.last_name, user.get_full_name()}
    return sorted((v for v in values if v and len(v) >= 2 and v != ERASED), key=len, reverse=True)


def identifying_values(person):
    """Values specific enough to sweep from every table, also rows not linked to the person
    (a first name alone is not: another student may share it)."""
    values = {person.full_name, person.email, person.phone, person.external_id}
    if person.phone.startswith("+31"):
        values.add("0" + person.phone[3:])
    if person.user_id:
        values |= {person.user.username, person.user.email, person.user.get_full_name()}
    return sorted((v for v in values if v and len(v) >= 6 and v != ERASED), key=len, reverse=True)


def _scrub(value, patterns):
    if isinstance(value, str):
        for pattern in patterns:
            value = pattern.sub(ERASED, value)
        return value
    if isinstance(value, list):
        return [_scrub(v, patterns) for v in value]
    if isinstance(value, dict):
        return {_scrub(k, patterns): _scrub(v, patterns) for k, v in value.items()}
    return value


def _text_fields(model):
    return [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, TEXT_FIELDS)
        and not f.choices
        and not f.primary_key
        and not SECRET_FIELD.search(f.name)
    ]


def _sweep(queryset, patterns, values=None):
    """Replace personal values in the text columns of these rows; return how many rows changed."""
    changed = 0
    fields = _text_fields(queryset.model)
    if not fields:
        return 0
    if values is not None:  # global sweep: only rows that contain one of the values
        query = Q()
        for field in fields:
            for value in values:
                query |= Q(**{f"{field.name}__icontains": value})
        queryset = queryset.filter(query)
    for obj in queryset.iterator():
        dirty = []
        for field in fields:
            old = getattr(obj, field.attname)
            new = _scrub(old, patterns)
            if new != old:
                setattr(obj, field.attname, new)
                dirty.append(field.attname)
        if dirty:
            type(obj)._base_manager.filter(pk=obj.pk).update(**{f: getattr(obj, f) for f in dirty})
            changed += 1
    return changed


def free_text_ids(definition):
    return {item["id"] for item in iter_items(definition) if item.get("type") in ("text", "textarea")}


def strip_free_text(answers, text_ids):
    """Keep coded answers; drop typed text (text items and 'other, namely' boxes)."""
    kept = {}
    for key, value in answers.items():
        if key in text_ids:
            continue
        if isinstance(value, dict) and "other" in value:
            value = {k: v for k, v in value.items() if k != "other"}
        if isinstance(value, list):
            value = [strip_free_text(v, text_ids) if isinstance(v, dict) else v for v in value]
        kept[key] = value
    return kept


@transaction.atomic
def erase_person(person, *, user=None, why="", now=None, reason="request", thorough=True):
    """Remove a person's personal data from every table.

    Responses stay, stripped of free text and under the pseudonym only, when the person gave
    research consent; otherwise their responses (and mentor diaries about them) are deleted.
    """
    now = now or clock.now()
    person = Person.objects.select_related("user", "team").get(pk=person.pk)
    keep_research = has_consent(person, ConsentText.RESEARCH, at=now)
    values = personal_values(person)
    specific = identifying_values(person)
    patterns = [re.compile(re.escape(v), re.I) for v in values]
    audit(
        user,
        AuditEvent.ERASE,
        person,
        why or reason,
        person=person,
        now=now,
        detail={"kept_research_data": keep_research},
    )

    about = Q(window__respondent=person) | Q(window__about=person)
    Draft.objects.filter(about).delete()
    AccessLink.objects.filter(person=person).delete()
    if keep_research:
        for response in Response.objects.filter(about).select_related("version"):
            response.answers = strip_free_text(response.answers, free_text_ids(response.version.definition))
            response.meta = {
                k: v
                for k, v in response.meta.items()
                if k in ("untouched", "hidden", "touched", "seconds_to_complete")
            }
            response.save(update_fields=["answers", "meta"])
    else:
        Response.objects.filter(about).delete()
        Window.objects.filter(Q(respondent=person) | Q(about=person), state=Window.COMPLETED).update(
            state=Window.CANCELLED
        )

    for model, queryset in linked_rows(person):
        if model is AuditEvent:
            continue
        blank = {
            f.attname: ""
            for f in _text_fields(model)
            if f.name in MESSAGE_FIELDS
            or (CONTACT_FIELD.search(f.name) and not isinstance(f, models.JSONField))
        }
        if blank:
            model._base_manager.filter(pk__in=queryset.values("pk")).update(**blank)
        _sweep(queryset, patterns)
    if thorough:
        for model in _concrete_models():
            if model in (AuditEvent, Person) or not specific:
                continue
            # A row holding their phone, e-mail or full name is about them: scrub all their values.
            _sweep(model._base_manager.all(), patterns, specific)

    AuditEvent.objects.redact_for_person(person.pk)
    if person.user_id:
        account = person.user
        AuditEvent.objects.redact_actor(account.pk)
        account.username = f"erased-{account.pk}"
        account.first_name = account.last_name = account.email = ""
        account.is_active = False
        account.set_unusable_password()
        account.save()
    Person.objects.filter(pk=person.pk).update(
        first_name=ERASED,
        last_name="",
        phone="",
        email="",
        gender="",
        external_id=f"erased-{person.pk}",
        user=None,
        is_active=False,
    )
    return Erasure.objects.create(
        person_id=person.pk, at=now, kept_research_data=keep_research, reason=reason
    )


def is_erased(person):
    return Erasure.objects.filter(person_id=person.pk).exists()
