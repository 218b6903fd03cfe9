"""Bulk import of students and mentors from a CSV or XLSX file, as school systems export them.

The rules (product.md §A): every row is checked before anything is stored; one bad row means
nothing is imported; a dry run shows what would happen; people already in the team are an error,
so importing the same file twice never creates doubles. Messages are Dutch with English after
the slash, because the same report is printed by the ``zicht import-people`` command.

Plain functions: ``read_table`` (bytes -> rows), ``check`` (rows -> result), ``run_import``
(the whole thing, in one transaction).
"""

import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from zicht.core import clock
from zicht.messaging.phone import normalise_phone
from zicht.people.models import MentorLink, Person

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000

# Canonical column -> (label for messages, accepted headers in order of preference).
# Headers are compared after ``_normalise_header``: lower case, without spaces, dashes, dots.
COLUMNS = {
    "role": ("rol", ["rol", "role", "soort", "type", "functie"]),
    "external_id": (
        "schoolnummer",
        [
            "schoolnummer",
            "externalid",
            "schoolnumber",
            "studentnummer",
            "leerlingnummer",
            "deelnemernummer",
            "studentnumber",
            "personeelsnummer",
            "medewerkernummer",
            "nummer",
            "id",
        ],
    ),
    "first_name": ("voornaam", ["roepnaam", "voornaam", "firstname", "givenname", "voornamen"]),
    "prefix": ("tussenvoegsel", ["tussenvoegsel", "tussenvoegsels", "voorvoegsel", "prefix"]),
    "last_name": ("achternaam", ["achternaam", "lastname", "surname", "familyname", "familienaam"]),
    "phone": (
        "mobiel",
        [
            "mobiel",
            "mobielnummer",
            "mobieltelefoonnummer",
            "telefoonmobiel",
            "telefoon",
            "telefoonnummer",
            "gsm",
            "phone",
            "mobile",
            "mobilephone",
            "phonenumber",
            "mobilenumber",
            "tel",
        ],
    ),
    "email": ("e-mail", ["email", "emailadres", "emailaddress", "mail", "eadres"]),
    "gender": ("geslacht", ["geslacht", "gender", "sex"]),
    "language": ("taal", ["taal", "language", "voorkeurstaal", "lang"]),
    "mentor": (
        "begeleider",
        [
            "mentor",
            "begeleider",
            "mentorschoolnummer",
            "mentornummer",
            "begeleidernummer",
            "mentorexternalid",
            "mentornumber",
            "mentorschoolnumber",
            "mentorid",
            "coach",
            "slb",
            "slber",
        ],
    ),
}
REQUIRED_COLUMNS = ["role", "external_id", "first_name"]

ROLE_WORDS = {
    Person.STUDENT: {"student", "leerling", "deelnemer", "cursist", "s"},
    Person.MENTOR: {"mentor", "begeleider", "coach", "slb", "slber", "m"},
}
GENDER_WORDS = {
    "f": {"f", "v", "vrouw", "vrouwelijk", "female", "woman", "meisje"},
    "m": {"m", "man", "mannelijk", "male", "jongen"},
    "x": {"x", "anders", "other", "nonbinair", "nonbinary", "overig"},
    "": {"", "onbekend", "unknown", "?", "-"},
}
LANGUAGE_WORDS = {
    "nl": {"nl", "nld", "ned", "nederlands", "dutch"},
    "en": {"en", "eng", "engels", "english"},
}


class FileProblem(Exception):
    """The file as a whole cannot be read (wrong type, too big, no header...)."""


@dataclass
class RowError:
    row: int | None  # the row number as the spreadsheet shows it (header = 1); None for the file
    column: str  # the header as written in the file, or our Dutch column name
    message: str

    def __str__(self):
        where = f"rij {self.row} / row {self.row}" if self.row else "bestand / file"
        return f"{where}, {self.column}: {self.message}" if self.column else f"{where}: {self.message}"


@dataclass
class ImportRow:
    number: int
    raw: dict = field(default_factory=dict)  # the text as in the file, canonical column -> text
    values: dict = field(default_factory=dict)  # cleaned values, canonical column -> value
    errors: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.errors

    @property
    def full_name(self):
        return f"{self.values.get('first_name', '')} {self.values.get('last_name', '')}".strip()


@dataclass
class ImportResult:
    rows: list = field(default_factory=list)
    file_errors: list = field(default_factory=list)
    ignored_columns: list = field(default_factory=list)
    dry_run: bool = True
    imported: bool = False

    @property
    def errors(self):
        return self.file_errors + [error for row in self.rows for error in row.errors]

    @property
    def ok(self):
        return not self.errors

    @property
    def bad_rows(self):
        return [row for row in self.rows if row.errors]

    def count(self, role):
        return sum(1 for row in self.rows if row.values.get("role") == role)

    @property
    def students(self):
        return self.count(Person.STUDENT)

    @property
    def mentors(self):
        return self.count(Person.MENTOR)

    @property
    def links(self):
        return sum(
            1 for row in self.rows if row.values.get("role") == Person.STUDENT and row.values.get("mentor")
        )


# --- reading -------------------------------------------------------------------------------


def read_table(filename, data):
    """Return (first row number, rows as lists of strings) from CSV or XLSX bytes; the first row is the header.

    Raises FileProblem with a message for the user when the file cannot be used.
    """
    name = (filename or "").lower()
    if len(data) > MAX_BYTES:
        raise FileProblem(
            f"Het bestand is groter dan {MAX_BYTES // (1024 * 1024)} MB. Splits het op in kleinere bestanden. / "
            f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB. Split it into smaller files."
        )
    if not data.strip():
        raise FileProblem("Het bestand is leeg. / The file is empty.")
    if name.endswith(".xls") or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise FileProblem(
            "Dit is het oude Excel-formaat (.xls). Sla het op als .xlsx of als CSV. / "
            "This is the old Excel format (.xls). Save it as .xlsx or CSV."
        )
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx(data)
    if name.endswith((".xlsx", ".xlsm")):
        raise FileProblem(
            "Dit is geen geldig Excel-bestand (.xlsx). / This is not a valid Excel file (.xlsx)."
        )
    if not name.endswith((".csv", ".txt")) and name:
        raise FileProblem(
            "Kies een CSV-bestand (.csv) of een Excel-bestand (.xlsx). / Choose a CSV (.csv) or Excel (.xlsx) file."
        )
    return _read_csv(data)


def _decode(data):
    if b"\x00" in data:
        raise FileProblem(
            "Dit is geen tekstbestand. Kies een CSV-bestand (.csv) of een Excel-bestand (.xlsx). / "
            "This is not a text file. Choose a CSV (.csv) or Excel (.xlsx) file."
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        # Excel on Dutch Windows saves "CSV (gescheiden door lijstscheidingsteken)" in Windows-1252.
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise FileProblem(
            "De tekens in het bestand zijn niet te lezen. Sla het op als 'CSV UTF-8'. / "
            "The characters in the file cannot be read. Save it as 'CSV UTF-8'."
        ) from exc


def _read_csv(data):
    text = _decode(data)
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max([";", ",", "\t"], key=first_line.count) if first_line else ","
    try:
        rows = [
            [cell.strip() for cell in row]
            for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        ]
    except csv.Error as exc:
        raise FileProblem(
            f"Het CSV-bestand is niet te lezen ({exc}). / The CSV file cannot be read ({exc})."
        ) from exc
    return rows


def _read_xlsx(data):
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise FileProblem(
            "Dit is geen geldig Excel-bestand (.xlsx). / This is not a valid Excel file (.xlsx)."
        ) from exc
    except Exception as exc:  # noqa: BLE001 - openpyxl raises its own classes for broken files
        raise FileProblem(
            "Dit is geen geldig Excel-bestand (.xlsx). / This is not a valid Excel file (.xlsx)."
        ) from exc
    try:
        sheet = workbook.worksheets[0]
        rows, filled = [], 0
        for values in sheet.iter_rows(values_only=True):
            row = [_cell_text(value) for value in values]
            rows.append(row)
            filled += any(row)
            if filled > MAX_ROWS + 1:
                break  # header + more rows than allowed: enough to say the file is too long
        return rows
    finally:
        workbook.close()


def _cell_text(value):
    """Excel cells are typed; we want the text the coordinator sees."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


# --- checking ------------------------------------------------------------------------------


def _normalise_header(text):
    text = (text or "").strip().lower().replace("\ufeff", "")
    for char in " _-.'’*:()/":
        text = text.replace(char, "")
    return text


def map_headers(header):
    """Return ({canonical: column index}, [ignored headers], [file errors])."""
    normalised = [_normalise_header(cell) for cell in header]
    mapping, errors = {}, []
    for canonical, (_label, aliases) in COLUMNS.items():
        for alias in aliases:
            hits = [index for index, name in enumerate(normalised) if name == alias]
            if len(hits) > 1:
                errors.append(
                    RowError(
                        1, header[hits[0]], "Deze kolom staat er twee keer in. / This column appears twice."
                    )
                )
            if hits:
                mapping[canonical] = hits[0]
                break
    for canonical in REQUIRED_COLUMNS:
        if canonical not in mapping:
            label, aliases = COLUMNS[canonical]
            errors.append(
                RowError(
                    1,
                    label,
                    f"Kolom '{label}' ontbreekt in de kopregel (bijv. {', '.join(aliases[:3])}). / "
                    f"Column '{label}' is missing from the header row (e.g. {', '.join(aliases[:3])}).",
                )
            )
    used = set(mapping.values())
    ignored = [cell for index, cell in enumerate(header) if index not in used and cell.strip()]
    return mapping, ignored, errors


def _parse_word(value, words):
    key = _normalise_header(value)
    for result, options in words.items():
        if key in options:
            return result
    return None


def check(team, table):
    """Check every row of ``table`` (header first) against the rules and the team's people."""
    result = ImportResult()
    start = next((index for index, row in enumerate(table) if any(cell.strip() for cell in row)), None)
    if start is None:
        result.file_errors.append(RowError(None, "", "Het bestand is leeg. / The file is empty."))
        return result
    header = table[start]
    mapping, result.ignored_columns, header_errors = map_headers(header)
    if header_errors:
        result.file_errors.extend(header_errors)
        return result
    body = [
        (start + offset + 2, row)
        for offset, row in enumerate(table[start + 1 :])
        if any(c.strip() for c in row)
    ]
    if not body:
        result.file_errors.append(
            RowError(None, "", "Er staan geen rijen onder de kopregel. / There are no rows below the header.")
        )
        return result
    if len(body) > MAX_ROWS:
        result.file_errors.append(
            RowError(
                None,
                "",
                f"Het bestand heeft meer dan {MAX_ROWS} rijen. Splits het op in kleinere bestanden. / "
                f"The file has more than {MAX_ROWS} rows. Split it into smaller files.",
            )
        )
        return result

    def column_name(canonical):
        return header[mapping[canonical]].strip() if canonical in mapping else COLUMNS[canonical][0]

    existing = {
        (role, external_id): name
        for role, external_id, name in Person.objects.filter(team=team).values_list(
            "role", "external_id", "first_name"
        )
    }
    team_mentors = {
        mentor.external_id: mentor for mentor in Person.objects.filter(team=team, role=Person.MENTOR)
    }
    seen = {}
    for number, cells in body:
        raw = {key: (cells[index].strip() if index < len(cells) else "") for key, index in mapping.items()}
        row = ImportRow(number, raw=raw)
        _check_row(row, raw, column_name, existing, seen)
        result.rows.append(row)

    file_mentors = {
        row.values["external_id"] for row in result.rows if row.values.get("role") == Person.MENTOR
    }
    for row in result.rows:
        reference = row.values.get("mentor")
        if not reference or row.values.get("role") != Person.STUDENT:
            continue
        if reference in file_mentors:
            continue
        known = team_mentors.get(reference)
        if known is None:
            row.errors.append(
                RowError(
                    row.number,
                    column_name("mentor"),
                    f"Geen begeleider met schoolnummer '{reference}' in dit bestand of in het team. / "
                    f"No mentor with school number '{reference}' in this file or in the team.",
                )
            )
        elif not known.is_active:
            row.errors.append(
                RowError(
                    row.number,
                    column_name("mentor"),
                    f"Begeleider '{reference}' ({known.full_name}) is gestopt. / Mentor '{reference}' is inactive.",
                )
            )
    return result


def _check_row(row, raw, column_name, existing, seen):
    values = row.values

    def error(canonical, message):
        row.errors.append(RowError(row.number, column_name(canonical), message))

    role_text = raw.get("role", "")
    role = _parse_word(role_text, ROLE_WORDS)
    if not role_text:
        error("role", "Vul de rol in: student of begeleider. / Fill in the role: student or mentor.")
    elif role is None:
        error(
            "role",
            f"Onbekende rol '{role_text}': gebruik student of begeleider. / Unknown role: use student or mentor.",
        )
    else:
        values["role"] = role

    external_id = raw.get("external_id", "")
    values["external_id"] = external_id
    if not external_id:
        error("external_id", "Vul het schoolnummer in. / Fill in the school number.")
    elif len(external_id) > Person._meta.get_field("external_id").max_length:
        error(
            "external_id",
            "Het schoolnummer is te lang (max. 64 tekens). / The school number is too long (max. 64).",
        )
    elif role:
        key = (role, external_id)
        if key in seen:
            error(
                "external_id",
                f"Schoolnummer {external_id} staat ook in rij {seen[key]}. / "
                f"School number {external_id} is also in row {seen[key]}.",
            )
        else:
            seen[key] = row.number
        if key in existing:
            error(
                "external_id",
                f"Er is al een {'student' if role == Person.STUDENT else 'begeleider'} met schoolnummer {external_id} "
                f"in dit team ({existing[key]}). Wijzig die persoon op de teampagina. / "
                f"A {role} with school number {external_id} already exists in this team; edit them on the team page.",
            )

    first_name = raw.get("first_name", "")
    values["first_name"] = first_name
    if not first_name:
        error("first_name", "Vul de voornaam in. / Fill in the first name.")
    elif len(first_name) > 100:
        error(
            "first_name", "De voornaam is te lang (max. 100 tekens). / The first name is too long (max. 100)."
        )
    last_name = " ".join(part for part in (raw.get("prefix", ""), raw.get("last_name", "")) if part)
    values["last_name"] = last_name
    if len(last_name) > 150:
        error(
            "last_name", "De achternaam is te lang (max. 150 tekens). / The last name is too long (max. 150)."
        )

    phone = raw.get("phone", "")
    values["phone"] = ""
    if phone:
        try:
            values["phone"] = normalise_phone(phone)
        except ValidationError as exc:
            error("phone", f"'{phone}': " + " ".join(exc.messages))
    email = raw.get("email", "")
    values["email"] = email
    if email:
        try:
            validate_email(email)
        except ValidationError:
            error(
                "email", f"'{email}' is geen geldig e-mailadres. / '{email}' is not a valid e-mail address."
            )
    if not phone and not email:
        error(
            "phone",
            "Vul een mobiel nummer of e-mailadres in, anders krijgt deze persoon geen uitnodigingen. / "
            "Fill in a mobile number or e-mail address, otherwise this person gets no invitations.",
        )

    gender = _parse_word(raw.get("gender", ""), GENDER_WORDS)
    values["gender"] = gender or ""
    if gender is None:
        error(
            "gender",
            f"Onbekend geslacht '{raw['gender']}': gebruik v, m of x. / Unknown gender: use f, m or x.",
        )

    language_text = raw.get("language", "")
    language = _parse_word(language_text, LANGUAGE_WORDS) if language_text else settings.LANGUAGE_CODE
    values["language"] = language or ""
    if language is None:
        error(
            "language",
            f"Onbekende taal '{language_text}': gebruik nl of en. / Unknown language: use nl or en.",
        )

    mentor = raw.get("mentor", "")
    values["mentor"] = mentor
    if mentor and role == Person.MENTOR:
        error(
            "mentor",
            "Alleen studenten hebben een begeleider; laat dit leeg voor begeleiders. / "
            "Only students have a mentor; leave this empty for mentors.",
        )


# --- importing -----------------------------------------------------------------------------


def run_import(team, filename, data, *, dry_run=False, on=None):
    """Read, check and (unless ``dry_run`` or anything is wrong) store the people in one transaction.

    New students with a mentor get a MentorLink starting ``on`` (default: today in Amsterdam).
    """
    on = on or clock.localtime().date()
    try:
        table = read_table(filename, data)
    except FileProblem as problem:
        return ImportResult(file_errors=[RowError(None, "", str(problem))], dry_run=dry_run)
    try:
        with transaction.atomic():
            # Checked inside the transaction so nobody adds the same people in between.
            result = check(team, table)
            result.dry_run = dry_run
            if result.ok and not dry_run:
                _store(team, result.rows, on)
                result.imported = True
    except IntegrityError:
        result = check(team, table)
        result.dry_run = dry_run
        if result.ok:
            result.file_errors.append(
                RowError(
                    None,
                    "",
                    "Iemand voegde tegelijk dezelfde mensen toe; er is niets geïmporteerd. Probeer het opnieuw. / "
                    "Somebody added the same people at the same time; nothing was imported. Try again.",
                )
            )
    return result


def _store(team, rows, on):
    fields = ["external_id", "first_name", "last_name", "gender", "phone", "email", "language"]
    Person.objects.bulk_create(
        [
            Person(team=team, role=row.values["role"], **{name: row.values[name] for name in fields})
            for row in rows
        ]
    )
    students = [row for row in rows if row.values["role"] == Person.STUDENT and row.values["mentor"]]
    if not students:
        return
    mentor_ids = dict(
        Person.objects.filter(
            team=team, role=Person.MENTOR, external_id__in={row.values["mentor"] for row in students}
        ).values_list("external_id", "id")
    )
    student_ids = dict(
        Person.objects.filter(
            team=team, role=Person.STUDENT, external_id__in={row.values["external_id"] for row in students}
        ).values_list("external_id", "id")
    )
    MentorLink.objects.bulk_create(
        [
            MentorLink(
                mentor_id=mentor_ids[row.values["mentor"]],
                student_id=student_ids[row.values["external_id"]],
                starts_on=on,
            )
            for row in students
        ]
    )


def format_report(result):
    """The plain-text report the command prints (and a log can keep)."""
    lines = []
    if result.imported:
        lines.append("Geïmporteerd / Imported:")
    elif result.ok and result.dry_run:
        lines.append("Proefimport, er is niets opgeslagen / Dry run, nothing was stored:")
    elif not result.ok:
        lines.append(
            "Niet geïmporteerd: er zijn fouten, er is niets opgeslagen / Not imported: errors, nothing was stored."
        )
    if result.rows:
        lines.append(
            f"  {result.students} studenten / students, {result.mentors} begeleiders / mentors, "
            f"{result.links} koppelingen / mentor links, {len(result.rows)} rijen / rows"
        )
    if result.ignored_columns:
        lines.append("  Genegeerde kolommen / ignored columns: " + ", ".join(result.ignored_columns))
    if result.errors:
        lines.append(f"{len(result.errors)} fout(en) / error(s):")
        lines.extend(f"  {error}" for error in result.errors)
    return "\n".join(lines)
