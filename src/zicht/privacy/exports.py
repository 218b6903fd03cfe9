"""Research exports of a study: long and wide CSV, XLSX, SPSS .sav, and the codebook.

Rows come from the database in chunks (``iterator``) and CSV is produced line by line, so a
long export of millions of answers runs in constant memory. Identifiers are pseudonyms
(HMAC-SHA-256 under the study secret); names, phone numbers and e-mail addresses appear only
when ``identities=True``, which the view allows for permitted roles with a stated reason.
Only people with research consent (and, for a mentor diary, the student it is about) are included.
"""

import csv
import json
import tempfile
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q
from django.template.loader import render_to_string

from zicht.core import clock
from zicht.people.models import Person
from zicht.privacy import codebook as cb
from zicht.privacy.models import Consent, ConsentText
from zicht.questionnaires.models import Questionnaire, QuestionnaireVersion
from zicht.responses.models import Response

LOCAL = ZoneInfo("Europe/Amsterdam")
META_COLUMNS = [
    "pseudonym",
    "about_pseudonym",
    "respondent_role",
    "questionnaire",
    "version",
    "measurement",
    "occasion",
    "submitted_utc",
    "submitted_amsterdam",
    "seconds_to_complete",
    "language",
]
IDENTITY_COLUMNS = ["external_id", "first_name", "last_name", "phone", "email"]
LONG_COLUMNS = META_COLUMNS + ["item", "block", "value", "value_label", "status"]

ANSWERED, UNTOUCHED, HIDDEN, SKIPPED = "answered", "untouched", "hidden", "skipped"
STATUS_CODES = {UNTOUCHED: cb.UNTOUCHED, HIDDEN: cb.HIDDEN, SKIPPED: cb.SKIPPED}

RESPONSE_FIELDS = (
    "id",
    "answers",
    "meta",
    "version_id",
    "language",
    "submitted_at",
    "window__respondent_id",
    "window__about_id",
    "window__respondent__role",
    "window__questionnaire__key",
    "window__measurement",
    "window__occasion",
)


class _Echo:
    """A file-like object whose write returns the line: lets csv.writer feed a generator."""

    def write(self, value):
        return value


def consenting_people(now=None):
    now = now or clock.now()
    return (
        Consent.objects.filter(purpose=ConsentText.RESEARCH, given_at__lte=now)
        .filter(Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gt=now))
        .values("person_id")
    )


def study_responses(study, questionnaire_keys=None, *, since=None, until=None, now=None, consent=True):
    """The responses a study may export (values, not model instances: cheaper per row)."""
    keys = questionnaire_keys or study.questionnaire_keys
    responses = Response.objects.filter(
        window__questionnaire__key__in=keys, window__respondent__team__organisation_id=study.organisation_id
    )
    if consent:
        ok = consenting_people(now)
        responses = responses.filter(window__respondent_id__in=ok).filter(
            Q(window__about__isnull=True) | Q(window__about_id__in=ok)
        )
    if since is not None:
        responses = responses.filter(submitted_at__gte=since)
    if until is not None:
        responses = responses.filter(submitted_at__lt=until)
    return responses.order_by("id").values_list(*RESPONSE_FIELDS)


class _Context:
    """Per-export caches: definitions by version, pseudonyms and identities by person."""

    def __init__(self, study, identities=False):
        self.study = study
        self.identities = identities
        self.versions = {}
        self.pseudonym = lru_cache(maxsize=200_000)(study.pseudonym)
        self._people = {}

    def version(self, version_id):
        if version_id not in self.versions:
            version = QuestionnaireVersion.objects.get(pk=version_id)
            self.versions[version_id] = (version.number, list(cb.items_of(version.definition)))
        return self.versions[version_id]

    def identity(self, person_id):
        if person_id not in self._people:
            if len(self._people) > 100_000:
                self._people.clear()
            person = (
                Person.objects.filter(pk=person_id)
                .values_list("external_id", "first_name", "last_name", "phone", "email")
                .first()
            )
            self._people[person_id] = list(person or ("", "", "", "", ""))
        return self._people[person_id]

    def meta(self, row):
        (
            response_id,
            answers,
            meta,
            version_id,
            language,
            submitted_at,
            respondent_id,
            about_id,
            role,
            key,
            measurement,
            occasion,
        ) = row
        number, _items = self.version(version_id)
        values = [
            self.pseudonym(respondent_id),
            self.pseudonym(about_id) if about_id else "",
            role,
            key,
            number,
            measurement,
            occasion,
            submitted_at.isoformat(),
            submitted_at.astimezone(LOCAL).isoformat(),
            (meta or {}).get("seconds_to_complete", ""),
            language,
        ]
        if self.identities:
            values += self.identity(respondent_id)
        return values


def status_of(item_id, answers, meta):
    if item_id in answers and answers[item_id] not in (None, "", []):
        return ANSWERED
    if item_id in meta.get("untouched", ()):
        return UNTOUCHED
    if item_id in meta.get("hidden", ()):
        return HIDDEN
    return SKIPPED


def _labels(item):
    return {o["value"]: cb._text(o.get("label"), "nl") for o in item.get("options", ())}


def _plain(value, item, include_text):
    """(value, value_label) as text for the long format."""
    kind = item.get("type")
    if kind in cb.TEXT_TYPES:
        return (str(value) if include_text else "[vrije tekst]"), ""
    if kind in cb.CODED_TYPES or kind == "checkbox":
        labels = _labels(item)
        codes = [value] if isinstance(value, str) else cb_codes(value)
        label = "; ".join(labels.get(code, "anders/other" if code == "other" else code) for code in codes)
        text = ";".join(codes)
        if isinstance(value, dict) and "other" in value:
            label += f" ({value['other'] if include_text else '[vrije tekst]'})"
        return text, label
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False), ""
    return value, ""


def cb_codes(value):
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    if isinstance(value, dict):
        inner = value.get("values", value.get("value"))
        return [inner] if isinstance(inner, str) else cb_codes(inner or [])
    return [str(value)]


def long_rows(
    study,
    *,
    identities=False,
    include_text=False,
    questionnaire_keys=None,
    since=None,
    until=None,
    now=None,
    chunk_size=None,
):
    """Yield lists: a header, then one row per item per response (answered or not)."""
    context = _Context(study, identities)
    yield (
        LONG_COLUMNS[: len(META_COLUMNS)]
        + (IDENTITY_COLUMNS if identities else [])
        + LONG_COLUMNS[len(META_COLUMNS) :]
    )
    chunk_size = chunk_size or settings.ZICHT_EXPORT_CHUNK
    rows = study_responses(study, questionnaire_keys, since=since, until=until, now=now)
    for row in rows.iterator(chunk_size=chunk_size):
        answers, meta = row[1] or {}, row[2] or {}
        head = context.meta(row)
        _number, items = context.version(row[3])
        seen = set()
        for item, parent in items:
            if parent is not None:
                continue
            item_id = item["id"]
            seen.add(item_id)
            if item.get("type") == "repeat":
                blocks = answers.get(item_id) or []
                subs = [sub for sub, p in items if p == item_id]
                if not blocks:
                    yield head + [item_id, "", "", "", status_of(item_id, answers, meta)]
                for index, block in enumerate(blocks, start=1):
                    for sub in subs:
                        scoped = f"{item_id}.{index}.{sub['id']}"
                        if isinstance(block, dict) and sub["id"] in block:
                            value, label = _plain(block[sub["id"]], sub, include_text)
                            yield head + [sub["id"], index, value, label, ANSWERED]
                        else:
                            yield head + [sub["id"], index, "", "", status_of(scoped, {}, meta)]
                continue
            status = status_of(item_id, answers, meta)
            if status == ANSWERED:
                value, label = _plain(answers[item_id], item, include_text)
                yield head + [item_id, "", value, label, status]
            elif not item.get("foreach"):
                yield head + [item_id, "", "", "", status]
        # Answers not named in the definition: per-student copies of foreach items (id_<key>).
        for item_id, value in answers.items():
            if item_id not in seen:
                yield head + [item_id, "", *_plain(value, {"type": ""}, include_text), ANSWERED]


def wide_variables(questionnaire_key):
    return cb.variables_for(Questionnaire.objects.get(key=questionnaire_key))


def _wide_value(var, answers, meta, include_text):
    item_id = var.item_id
    status = status_of(item_id, answers, meta)
    if var.kind == "text":
        if status != ANSWERED or not include_text:
            return ""
        value = answers[item_id]
        if isinstance(value, dict):
            return str(value.get("other", "")) if var.name.endswith(("_other", "_othertext")) else ""
        return "" if var.name.endswith(("_other", "_othertext")) else str(value)
    if status != ANSWERED:
        return STATUS_CODES[status] if var.numeric else ""
    value = answers[item_id]
    if var.kind == "numeric":
        return value if isinstance(value, (int, float)) else cb.SKIPPED
    if var.kind == "coded":
        codes = cb_codes(value)
        return var.codes.get(codes[0], cb.SKIPPED) if codes else cb.SKIPPED
    if var.kind == "dummy":
        return 1 if var.option in cb_codes(value) else 0
    if var.kind == "count":
        return len(value) if isinstance(value, list) else 0
    return str(value)


def wide_rows(
    study,
    questionnaire_key,
    *,
    identities=False,
    include_text=False,
    since=None,
    until=None,
    now=None,
    chunk_size=None,
):
    """Yield a header, then one row per response; missing values coded -1/-2/-3 (codebook.py)."""
    variables = [v for v in wide_variables(questionnaire_key) if include_text or not v.free_text]
    context = _Context(study, identities)
    yield META_COLUMNS + (IDENTITY_COLUMNS if identities else []) + [v.name for v in variables]
    rows = study_responses(study, [questionnaire_key], since=since, until=until, now=now)
    for row in rows.iterator(chunk_size=chunk_size or settings.ZICHT_EXPORT_CHUNK):
        answers, meta = row[1] or {}, row[2] or {}
        number, _items = context.version(row[3])
        yield context.meta(row) + [
            _wide_value(v, answers, meta, include_text) if number in v.versions else "" for v in variables
        ]


def csv_lines(rows):
    """Turn rows into CSV text lines, for a StreamingHttpResponse (UTF-8 with BOM for Excel)."""
    writer = csv.writer(_Echo())
    yield "\ufeff"
    for row in rows:
        yield writer.writerow(row)


def write_xlsx(study, path, *, identities=False, include_text=False):
    """One sheet per questionnaire (wide) plus the codebook; write-only mode keeps memory flat."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for key in study.questionnaire_keys:
        if not Questionnaire.objects.filter(key=key).exists():
            continue
        sheet = workbook.create_sheet(title=key[:31])
        for row in wide_rows(study, key, identities=identities, include_text=include_text):
            sheet.append(row)
    sheet = workbook.create_sheet(title="codebook")
    sheet.append(cb.CODEBOOK_COLUMNS)
    for row in cb.codebook_rows(study_questionnaires(study)):
        sheet.append([row[c] for c in cb.CODEBOOK_COLUMNS])
    workbook.save(path)


def write_sav(study, questionnaire_key, path, *, identities=False, include_text=False):
    """SPSS file with variable labels, value labels and user-missing codes -1, -2, -3."""
    import pandas as pd
    import pyreadstat

    variables = [v for v in wide_variables(questionnaire_key) if include_text or not v.free_text]
    rows = wide_rows(study, questionnaire_key, identities=identities, include_text=include_text)
    header = next(rows)
    frame = pd.DataFrame(list(rows), columns=header)
    numeric = {v.name for v in variables if v.numeric} | {"version", "occasion"}
    for column in frame.columns:
        if column in numeric:
            frame[column] = pd.to_numeric(frame[column], errors="coerce")
        elif column == "seconds_to_complete":
            frame[column] = pd.to_numeric(frame[column], errors="coerce")
        else:
            frame[column] = frame[column].astype(str)
    labels = {
        v.name: (f"{v.text_nl} / {v.text_en}" if v.text_en != v.text_nl else v.text_nl)[:250]
        for v in variables
    }
    labels.update(
        {
            "pseudonym": "pseudoniem / pseudonym",
            "about_pseudonym": "over student (pseudoniem) / about student",
            "submitted_utc": "ingeleverd (UTC) / submitted (UTC)",
            "submitted_amsterdam": "ingeleverd (Amsterdam) / submitted (Amsterdam time)",
        }
    )
    value_labels = {}
    for v in variables:
        if v.numeric:
            value_labels[v.name] = {
                **{float(k): str(text) for k, text in v.value_labels.items()},
                **{float(k): text for k, text in cb.MISSING_CODES.items()},
            }
    missing = {v.name: [cb.UNTOUCHED, cb.HIDDEN, cb.SKIPPED] for v in variables if v.numeric}
    pyreadstat.write_sav(
        frame,
        str(path),
        column_labels=[labels.get(c, c) for c in frame.columns],
        variable_value_labels=value_labels,
        missing_ranges=missing,
    )


def study_questionnaires(study):
    found = {q.key: q for q in Questionnaire.objects.filter(key__in=study.questionnaire_keys)}
    return [found[key] for key in study.questionnaire_keys if key in found]


def codebook_csv_lines(study):
    rows = cb.codebook_rows(study_questionnaires(study))
    return csv_lines([cb.CODEBOOK_COLUMNS] + [[r[c] for c in cb.CODEBOOK_COLUMNS] for r in rows])


def codebook_html(study):
    rows = list(cb.codebook_rows(study_questionnaires(study)))
    return render_to_string(
        "privacy/codebook.html",
        {
            "study": study,
            "rows": rows,
            "missing": cb.MISSING_CODES,
            "generated": clock.localtime(),
            "long_columns": LONG_COLUMNS,
            "meta_columns": META_COLUMNS,
        },
    )


def temp_path(suffix):
    handle = tempfile.NamedTemporaryFile(suffix=suffix, delete=False)
    handle.close()
    return handle.name
