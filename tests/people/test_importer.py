"""The importer: what a coordinator's file does to the team, and the errors they see."""

import pytest

from zicht.people import importer
from zicht.people.models import MentorLink, Person, current_links

from .conftest import GOOD_LINES, csv_bytes, xlsx_bytes


def people_in(team):
    return Person.objects.filter(team=team).count()


def error_texts(result):
    return [str(error) for error in result.errors]


def test_good_csv_imports_people_with_normalised_phones_and_mentor_links(team, mentor, good_csv):
    before = people_in(team)

    result = importer.run_import(team, "export.csv", good_csv)

    assert result.ok and result.imported, error_texts(result)
    assert (result.students, result.mentors, result.links) == (3, 1, 2)
    assert people_in(team) == before + 4
    lotte = Person.objects.get(team=team, external_id="S20")
    assert (lotte.role, lotte.phone, lotte.gender, lotte.language) == ("student", "+31622223333", "f", "nl")
    assert lotte.current_mentor().external_id == "M20"  # a mentor from the same file
    daan = Person.objects.get(team=team, external_id="S21")
    assert daan.current_mentor() == mentor  # a mentor already in the team
    assert daan.language == "en"
    noor = Person.objects.get(team=team, external_id="S22")
    assert noor.phone == "" and noor.email == "noor@example.org" and noor.current_mentor() is None
    ahmed = Person.objects.get(team=team, external_id="M20")
    assert ahmed.role == "mentor" and ahmed.phone == "+31611112222"


def test_xlsx_with_typed_cells_imports_like_excel_shows_them(team, mentor):
    # Excel stores school numbers and phone numbers typed in as numbers: 20001, 612345678 (zero lost).
    data = xlsx_bytes(
        [
            [
                "Rol",
                "Schoolnummer",
                "Roepnaam",
                "Tussenvoegsel",
                "Achternaam",
                "Mobiel",
                "E-mail",
                "Geslacht",
                "Begeleider",
            ],
            ["begeleider", 7001, "Mila", None, "Jansen", "0612121212", None, "V", None],
            ["leerling", 20001, "Bram", "van der", "Berg", 612345678, None, "M", 7001],
        ]
    )

    result = importer.run_import(team, "Export Eduarte.xlsx", data)

    assert result.imported, error_texts(result)
    bram = Person.objects.get(team=team, role="student", external_id="20001")
    assert bram.last_name == "van der Berg"
    assert bram.phone == "+31612345678"
    assert bram.gender == "m"
    assert bram.current_mentor().external_id == "7001"
    assert Person.objects.get(team=team, role="mentor", external_id="7001").gender == "f"


def test_semicolon_csv_with_bom_as_dutch_excel_saves_it(team):
    data = csv_bytes(
        [
            ["Rol", "Schoolnummer", "Voornaam", "Achternaam", "Telefoon", "E-mailadres", "Taal", "Mentor"],
            ["begeleider", "B1", "Joost", "Mulder", "06 1000 2000", "", "Nederlands", ""],
            ["student", "L1", "Zoë", "Çelik", "06 3000 4000", "zoe@example.org", "", "B1"],
        ],
        delimiter=";",
        bom=True,
    )

    result = importer.run_import(team, "leerlingen.csv", data)

    assert result.imported, error_texts(result)
    zoe = Person.objects.get(team=team, external_id="L1")
    assert (zoe.first_name, zoe.last_name) == ("Zoë", "Çelik")
    assert zoe.current_mentor().first_name == "Joost"


def test_windows_1252_csv_is_read_too(team):
    data = csv_bytes(
        [
            ["rol", "schoolnummer", "voornaam", "achternaam", "mobiel"],
            ["student", "L9", "Inès", "Brouwer", "0612345678"],
        ],
        delimiter=";",
        encoding="cp1252",
    )
    result = importer.run_import(team, "oud.csv", data)
    assert result.imported, error_texts(result)
    assert Person.objects.get(team=team, external_id="L9").first_name == "Inès"


def test_one_bad_row_imports_nothing_and_names_the_row_and_column(team, mentor):
    lines = [*GOOD_LINES]
    lines.insert(3, ["student", "S30", "Kees", "Bos", "020 123 4567", "", "", "", "M20"])  # a landline: row 4
    before = (people_in(team), MentorLink.objects.count())

    result = importer.run_import(team, "export.csv", csv_bytes(lines))

    assert not result.ok and not result.imported
    assert (people_in(team), MentorLink.objects.count()) == before
    assert len(result.errors) == 1
    error = result.errors[0]
    assert (error.row, error.column) == (4, "phone")
    assert "geen geldig mobiel nummer" in error.message and "not a valid mobile number" in error.message
    assert "rij 4" in importer.format_report(result)


def test_every_kind_of_row_error_is_reported_at_once(team, mentor):
    data = csv_bytes(
        [
            ["rol", "schoolnummer", "voornaam", "achternaam", "mobiel", "email", "geslacht", "begeleider"],
            ["docent", "X1", "Piet", "Klaver", "0612345678", "", "", ""],  # 2: unknown role
            ["student", "", "Anna", "Kok", "0612345678", "", "", ""],  # 3: no school number
            ["student", "S40", "", "Kok", "0612345678", "", "", ""],  # 4: no first name
            ["student", "S41", "Eva", "Kok", "", "eva@", "", ""],  # 5: bad e-mail
            ["student", "S42", "Tim", "Kok", "0612345678", "", "", "M404"],  # 6: mentor unknown
            ["student", "S42", "Tom", "Kok", "0612345678", "", "", ""],  # 7: school number twice
            ["student", "S43", "Ruben", "Kok", "", "", "", ""],  # 8: no way to invite
            ["student", "S44", "Roos", "Kok", "0612345678", "", "vrouwtje", ""],  # 9: unknown gender
            ["mentor", "M44", "Rik", "Kok", "0612345678", "", "", "M1"],  # 10: mentor with a mentor
        ]
    )

    result = importer.run_import(team, "fouten.csv", data)

    found = {(error.row, error.column) for error in result.errors}
    assert found == {
        (2, "rol"),
        (3, "schoolnummer"),
        (4, "voornaam"),
        (5, "email"),
        (6, "begeleider"),
        (7, "schoolnummer"),
        (8, "mobiel"),
        (9, "geslacht"),
        (10, "begeleider"),
    }
    messages = {error.row: error.message for error in result.errors}
    assert "Onbekende rol 'docent'" in messages[2]
    assert "M404" in messages[6]
    assert "ook in rij 6" in messages[7]
    assert people_in(team) == 1  # only the fixture mentor


def test_importing_the_same_file_twice_is_an_error_listing_the_duplicates(team, mentor, good_csv):
    assert importer.run_import(team, "export.csv", good_csv).imported
    count = people_in(team)

    again = importer.run_import(team, "export.csv", good_csv)

    assert not again.imported
    assert people_in(team) == count
    assert [error.row for error in again.errors] == [2, 3, 4, 5]
    assert all("already exists in this team" in error.message for error in again.errors)
    assert "Er is al een student met schoolnummer S20" in again.errors[1].message


def test_the_same_people_in_another_team_are_fine(team, other_team, good_csv):
    from zicht.people.models import Mentor

    Mentor.objects.create(team=other_team, external_id="M1", first_name="Karel", phone="+31611111111")
    assert importer.run_import(other_team, "a.csv", good_csv).imported
    # Team "team" has no mentor M1 yet, so the row for Daan refers to an unknown mentor.
    result = importer.run_import(team, "a.csv", good_csv)
    assert [(error.row, error.column) for error in result.errors] == [(4, "mentor")]


def test_dry_run_reports_but_stores_nothing(team, mentor, good_csv):
    before = (people_in(team), MentorLink.objects.count())

    result = importer.run_import(team, "export.csv", good_csv, dry_run=True)

    assert result.ok and not result.imported
    assert (result.students, result.mentors, result.links) == (3, 1, 2)
    assert (people_in(team), MentorLink.objects.count()) == before
    assert "Dry run, nothing was stored" in importer.format_report(result)


def test_links_start_on_the_given_day(team, mentor, good_csv):
    from datetime import date

    importer.run_import(team, "export.csv", good_csv, on=date(2026, 9, 1))
    lotte = Person.objects.get(team=team, external_id="S20")
    assert current_links(date(2026, 8, 31)).filter(student=lotte).count() == 0
    assert current_links(date(2026, 9, 1)).get(student=lotte).mentor.external_id == "M20"


def test_missing_required_column_is_a_file_error(team):
    data = csv_bytes([["schoolnummer", "voornaam"], ["S1", "Anna"]])
    result = importer.run_import(team, "a.csv", data)
    assert not result.ok and not result.rows
    assert "Kolom 'rol' ontbreekt" in str(result.errors[0])


def test_unknown_columns_are_ignored_and_listed(team):
    data = csv_bytes(
        [["rol", "schoolnummer", "voornaam", "mobiel", "klas"], ["student", "S1", "Anna", "0612345678", "1A"]]
    )
    result = importer.run_import(team, "a.csv", data)
    assert result.imported
    assert result.ignored_columns == ["klas"]


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("people.pdf", b"%PDF-1.4 something", "Kies een CSV-bestand"),
        ("people.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "oude Excel-formaat"),
        ("people.xlsx", b"this is no zip file", "geen geldig Excel-bestand"),
        ("people.csv", b"PK\x03\x04 broken zip", "geen geldig Excel-bestand"),
        ("people.csv", b"rol,school\x00nummer", "geen tekstbestand"),
        ("people.csv", b"   \r\n", "leeg"),
    ],
)
def test_wrong_or_broken_files_get_a_clear_message(team, name, data, expected):
    result = importer.run_import(team, name, data)
    assert not result.ok
    assert expected in result.errors[0].message
    assert people_in(team) == 0


def test_too_large_and_too_long_files_are_refused(team, monkeypatch, good_csv):
    monkeypatch.setattr(importer, "MAX_BYTES", 100)
    big = importer.run_import(team, "a.csv", good_csv)
    assert "groter dan" in big.errors[0].message

    monkeypatch.setattr(importer, "MAX_BYTES", 5 * 1024 * 1024)
    monkeypatch.setattr(importer, "MAX_ROWS", 3)
    long = importer.run_import(team, "a.csv", good_csv)
    assert "meer dan 3 rijen" in long.errors[0].message
    long_xlsx = importer.run_import(team, "a.xlsx", xlsx_bytes(GOOD_LINES))
    assert "meer dan 3 rijen" in long_xlsx.errors[0].message
    assert people_in(team) == 0


def test_the_example_file_in_the_coordinator_guide_imports(team):
    from pathlib import Path

    example = Path(__file__).resolve().parents[2] / "docs" / "examples" / "import-example.csv"
    result = importer.run_import(team, example.name, example.read_bytes())
    assert result.imported, error_texts(result)
    bram = Person.objects.get(team=team, external_id="200312")
    assert (bram.last_name, bram.language, bram.current_mentor().first_name) == (
        "van der Berg",
        "en",
        "Ahmed",
    )
