"""Importing enrolment records: dry run, row-level errors, and nothing stored when any row is bad."""

import io

import pytest
from openpyxl import Workbook

from zicht.cohorts import importer, synthetic
from zicht.cohorts.models import CohortDataset, EnrolmentRecord

pytestmark = pytest.mark.django_db
HEADER = "student;instelling;opleiding;niveau;startdatum;einddatum;reden_einde;diploma;vooropleiding;einddatum_vorige_school"
GOOD = [
    "P100001;College West;Helpende Zorg & Welzijn;2;2024-08-26;2025-06-30;diploma;ja;vso;2024-07-12",
    "P100002;College Zuid;Entree Dienstverlening;Entree;26-08-2024;;;nee;vso;",
    "P100003;College Zuid;Verkoopmedewerker;niveau 2;2024-08-26;2024-10-15;uitval;nee;vso;",
]


def csv_bytes(*rows, header=HEADER):
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


def run(data, filename="inschrijvingen.csv", dry_run=False, organisation=None):
    return importer.import_records(
        data, filename, owner=organisation, user=None, name="Test", dry_run=dry_run
    )


def test_a_good_file_is_stored_with_dutch_headers_and_formats(organisation):
    result = run(csv_bytes(*GOOD), organisation=organisation)
    assert result.ok and result.rows == 3
    records = {r.student: r for r in EnrolmentRecord.objects.all()}
    assert records["P100002"].level == "entree" and records["P100002"].end_date is None
    assert records["P100003"].end_reason == "dropout"
    assert records["P100001"].diploma and records["P100001"].prior_school_end_date.isoformat() == "2024-07-12"


def test_dry_run_checks_but_stores_nothing(organisation):
    result = run(csv_bytes(*GOOD), dry_run=True, organisation=organisation)
    assert result.ok and result.rows == 3 and result.dataset is None
    assert not CohortDataset.objects.exists() and not EnrolmentRecord.objects.exists()


def test_one_bad_row_stores_nothing_and_every_error_names_row_and_column(organisation):
    bad = [
        *GOOD,
        "P100004;College West;ICT-medewerker;5;2024-08-26;;;nee;vso;",  # row 5: level
        "P100005;College West;ICT-medewerker;2;2024-13-01;;;nee;vso;",  # row 6: date
        "P100006;College West;ICT-medewerker;2;2024-08-26;2024-08-01;uitval;nee;vso;",  # row 7: end < start
        "P100007;College West;ICT-medewerker;2;2024-08-26;2025-06-01;;nee;vso;",  # row 8: reason missing
        "P100008;College West;ICT-medewerker;2;2024-08-26;2025-06-01;uitval;ja;vso;",  # row 9: diploma vs reason
        "111222333;College West;ICT-medewerker;2;2024-08-26;;;nee;vso;",  # row 10: a BSN
        "P100001;College West;Helpende Zorg & Welzijn;2;2024-08-26;;;nee;vso;",  # row 11: duplicate
        "P100009;College West;ICT-medewerker;2;2024-08-26;;;misschien;vso;",  # row 12: diploma value
    ]
    result = run(csv_bytes(*bad), organisation=organisation)
    assert not result.ok
    found = {(e.row, e.column) for e in result.errors}
    assert found == {
        (5, "level"),
        (6, "start_date"),
        (7, "end_date"),
        (8, "end_reason"),
        (9, "diploma"),
        (10, "student"),
        (11, "student"),
        (12, "diploma"),
    }
    assert (
        "rij 11" in str(next(e for e in result.errors if e.row == 11))
        and "rij 2" in next(e for e in result.errors if e.row == 11).message
    )
    assert not CohortDataset.objects.exists() and not EnrolmentRecord.objects.exists()


def test_missing_columns_and_unreadable_files_are_reported(organisation):
    result = run(
        csv_bytes(GOOD[0].rsplit(";", 3)[0], header=HEADER.rsplit(";", 3)[0]), organisation=organisation
    )
    assert {e.column for e in result.errors} == {"diploma", "prior_school_type"}
    assert not run(b"\xff\xfe\x00garbage", organisation=organisation).ok
    assert not run(b"", organisation=organisation).ok
    assert not run(b"not a zip", filename="x.xlsx", organisation=organisation).ok
    assert not EnrolmentRecord.objects.exists()


def test_xlsx_with_real_dates(organisation):
    from datetime import date

    book = Workbook()
    sheet = book.active
    sheet.append(
        [
            "student_id",
            "institution",
            "programme",
            "level",
            "start_date",
            "end_date",
            "end_reason",
            "diploma",
            "prior_school_type",
        ]
    )
    sheet.append(
        ["P200001", "College Noord", "Mediavormgever", 4, date(2023, 8, 28), None, None, "no", "vso"]
    )
    sheet.append(
        [
            "P200002",
            "College Noord",
            "Mediavormgever",
            "4",
            date(2023, 8, 28),
            date(2023, 9, 20),
            "uitval",
            "nee",
            "",
        ]
    )
    out = io.BytesIO()
    book.save(out)
    result = run(out.getvalue(), filename="export.xlsx", organisation=organisation)
    assert result.ok, result.errors
    assert EnrolmentRecord.objects.get(student="P200002").end_reason == "dropout"


def test_the_synthetic_set_imports_and_reads_back_identically(organisation):
    records, _ = synthetic.generate()
    result = run(synthetic.to_csv(records), organisation=organisation)
    assert result.ok and result.rows == 2610
    frame = importer.records_frame(result.dataset)
    from zicht.cohorts import analysis

    assert analysis.analyse(frame)["tables"][1].as_dict() == analysis.analyse(records)["tables"][1].as_dict()
