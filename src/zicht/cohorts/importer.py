"""Import enrolment records from CSV or XLSX: validate every row first, store all or nothing.

A dry run reports what would be stored. Any bad row stops the import and is reported with its
row number (as the spreadsheet shows it: the header is row 1), the column and what is wrong.
"""

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import transaction

from zicht.cohorts.models import CohortDataset, EnrolmentRecord

MAX_ROWS = 500_000
COLUMNS = {
    "student": ["student", "student_id", "pseudonym", "pseudoniem", "student_pseudoniem"],
    "institution": ["institution", "instelling", "school"],
    "programme": ["programme", "program", "opleiding"],
    "level": ["level", "niveau"],
    "start_date": ["start_date", "startdatum", "inschrijfdatum"],
    "end_date": ["end_date", "einddatum", "uitschrijfdatum"],
    "end_reason": ["end_reason", "reden_einde", "uitschrijfreden", "reden"],
    "diploma": ["diploma", "gediplomeerd"],
    "prior_school_type": ["prior_school_type", "vooropleiding", "vorige_school"],
    "prior_school_end_date": [
        "prior_school_end_date",
        "einddatum_vorige_school",
        "uitschrijfdatum_vorige_school",
    ],
}
REQUIRED = [
    "student",
    "institution",
    "programme",
    "level",
    "start_date",
    "end_date",
    "end_reason",
    "diploma",
    "prior_school_type",
]
LEVELS = {
    "entree": "entree",
    "1": "entree",
    "niveau 1": "entree",
    "2": "2",
    "niveau 2": "2",
    "mbo-2": "2",
    "3": "3",
    "niveau 3": "3",
    "mbo-3": "3",
    "4": "4",
    "niveau 4": "4",
    "mbo-4": "4",
}
END_REASONS = {
    "diploma": "diploma",
    "gediplomeerd": "diploma",
    "dropout": "dropout",
    "uitval": "dropout",
    "voortijdig": "dropout",
    "gestopt": "dropout",
    "switch": "switch",
    "overstap": "switch",
    "never_started": "never_started",
    "niet gestart": "never_started",
    "afgemeld": "never_started",
    "afgewezen": "never_started",
    "other": "other",
    "anders": "other",
    "overig": "other",
}
PRIOR_TYPES = {"vso", "pro", "vmbo", "havo", "vwo", "mbo", "other", "anders", ""}
YES = {"ja", "j", "yes", "y", "1", "true", "waar"}
NO = {"nee", "n", "no", "0", "false", "onwaar", ""}
DATE_FORMATS = ["%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y"]


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def __str__(self):
        return f"rij {self.row}, {self.column}: {self.message}"


@dataclass
class ImportResult:
    rows: int = 0
    errors: list = field(default_factory=list)
    dataset: CohortDataset | None = None
    dry_run: bool = False

    @property
    def ok(self):
        return not self.errors


def _normalise_header(value):
    return re.sub(r"[\s\-]+", "_", str(value or "").strip().lower())


def read_table(data, filename):
    """Return (header, rows) from CSV (comma or semicolon, UTF-8) or XLSX bytes."""
    if filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook  # noqa: PLC0415 - only needed for spreadsheets

        sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    else:
        text = data.decode("utf-8-sig")
        sample = text[:4096]
        delimiter = ";" if sample.count(";") > sample.count(",") else ","
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    rows = [row for row in rows if any(cell not in (None, "") for cell in row)]
    if not rows:
        return [], []
    return [_normalise_header(h) for h in rows[0]], rows[1:]


def _map_header(header):
    mapping, errors = {}, []
    for name, aliases in COLUMNS.items():
        found = [i for i, h in enumerate(header) if h in aliases]
        if found:
            mapping[name] = found[0]
        elif name in REQUIRED:
            errors.append(RowError(1, name, f"kolom ontbreekt (verwacht een van: {', '.join(aliases)})"))
    return mapping, errors


def _text(value):
    if value is None:
        return ""
    return str(value).strip()


def _date(value):
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"geen datum: {text!r} (gebruik JJJJ-MM-DD of DD-MM-JJJJ)")


def looks_like_bsn(value):
    """Nine digits passing the Dutch 'elfproef': a citizen service number must never be imported."""
    if not re.fullmatch(r"\d{9}", value):
        return False
    digits = [int(d) for d in value]
    total = sum(d * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True)) - digits[8]
    return total % 11 == 0


def validate_row(number, raw, mapping):
    """Return (record dict, errors) for one row."""
    errors = []

    def get(name):
        index = mapping.get(name)
        return raw[index] if index is not None and index < len(raw) else None

    def bad(column, message):
        errors.append(RowError(number, column, message))

    record = {}
    student = _text(get("student"))
    if not student:
        bad("student", "leeg")
    elif len(student) > 64:
        bad("student", "langer dan 64 tekens")
    elif "@" in student or looks_like_bsn(student):
        bad("student", "lijkt een e-mailadres of BSN; gebruik een pseudoniem")
    record["student"] = student
    for name in ("institution", "programme"):
        value = _text(get(name))
        if not value:
            bad(name, "leeg")
        record[name] = value[:200]
    level = LEVELS.get(_text(get("level")).lower())
    if level is None:
        bad("level", f"onbekend niveau {_text(get('level'))!r} (Entree, 2, 3 of 4)")
    record["level"] = level
    for name in ("start_date", "end_date", "prior_school_end_date"):
        try:
            record[name] = _date(get(name))
        except ValueError as error:
            bad(name, str(error))
            record[name] = None
    if record["start_date"] is None and not any(e.column == "start_date" for e in errors):
        bad("start_date", "leeg")
    reason_text = _text(get("end_reason")).lower()
    reason = END_REASONS.get(reason_text, None if reason_text else "")
    if reason is None:
        bad("end_reason", f"onbekende reden {reason_text!r} ({', '.join(sorted(set(END_REASONS.values())))})")
    record["end_reason"] = reason or ""
    diploma_text = _text(get("diploma")).lower()
    if diploma_text in YES:
        record["diploma"] = True
    elif diploma_text in NO:
        record["diploma"] = False
    else:
        bad("diploma", f"ja of nee, niet {diploma_text!r}")
        record["diploma"] = False
    prior = _text(get("prior_school_type")).lower()
    if prior not in PRIOR_TYPES:
        bad("prior_school_type", f"onbekend type {prior!r} ({', '.join(sorted(PRIOR_TYPES - {''}))})")
    record["prior_school_type"] = prior
    start, end = record["start_date"], record["end_date"]
    if start and end and end < start:
        bad("end_date", "ligt voor de startdatum")
    if end and not record["end_reason"]:
        bad("end_reason", "verplicht als er een einddatum is")
    if not end and record["end_reason"] not in ("", "never_started"):
        bad("end_date", "verplicht bij deze reden")
    if record["diploma"] and record["end_reason"] != "diploma":
        bad("diploma", "diploma 'ja' past alleen bij reden 'diploma'")
    if record["end_reason"] == "diploma" and not record["diploma"]:
        bad("diploma", "reden 'diploma' maar diploma is 'nee'")
    return record, errors


def validate(header, rows):
    mapping, errors = _map_header(header)
    if errors:
        return [], errors
    if len(rows) > MAX_ROWS:
        return [], [RowError(1, "-", f"te veel rijen ({len(rows)}; maximaal {MAX_ROWS})")]
    records, seen = [], {}
    for offset, raw in enumerate(rows):
        number = offset + 2
        record, row_errors = validate_row(number, raw, mapping)
        key = (record["student"], record["programme"], record["start_date"])
        if not row_errors and key in seen:
            row_errors.append(
                RowError(
                    number,
                    "student",
                    f"dubbel: dezelfde student, opleiding en startdatum als rij {seen[key]}",
                )
            )
        seen.setdefault(key, number)
        errors.extend(row_errors)
        record["row_number"] = number
        records.append(record)
    return records, errors


def import_records(data, filename, *, owner, user, name, dry_run=False, now=None):
    """Validate, then store everything in one transaction, or nothing at all."""
    result = ImportResult(dry_run=dry_run)
    try:
        header, rows = read_table(data, filename)
    except Exception as error:  # noqa: BLE001 - any unreadable upload is one clear error, never a crash
        result.errors.append(RowError(1, "-", f"bestand niet leesbaar ({type(error).__name__})"))
        return result
    if not header:
        result.errors.append(RowError(1, "-", "leeg bestand"))
        return result
    records, errors = validate(header, rows)
    result.rows = len(records)
    result.errors = errors
    if errors or dry_run:
        return result
    with transaction.atomic():
        dataset = CohortDataset.objects.create(
            owner=owner,
            name=name,
            source_filename=filename[:255],
            row_count=len(records),
            imported_by=user,
            **({"imported_at": now} if now else {}),
        )
        EnrolmentRecord.objects.bulk_create(
            (EnrolmentRecord(dataset=dataset, **record) for record in records), batch_size=5000
        )
    result.dataset = dataset
    return result


def records_frame(dataset):
    """The dataset as a Polars frame for cohorts.analysis."""
    from zicht.cohorts.analysis import SCHEMA, frame  # noqa: PLC0415

    fields = list(SCHEMA)
    model_fields = ["student", *fields[1:]]
    rows = dataset.records.values_list(*model_fields)
    return frame(
        {
            name: (value if not (name == "end_reason" and value == "") else None)
            for name, value in zip(fields, row, strict=True)
        }
        for row in rows.iterator(chunk_size=10000)
    )
