"""``zicht import-people``: the same report as the page, and an exit status scripts can trust."""

import pytest

from zicht.cli import main
from zicht.people.models import Person

from .conftest import GOOD_LINES, csv_bytes

# The command closes database connections when it ends, so these tests use real transactions.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def good_file(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(csv_bytes(GOOD_LINES, delimiter=";", bom=True))
    return path


def run(capsys, *args):
    try:
        code = main(["import-people", *map(str, args)])
    except SystemExit as exit:
        code = exit.code
    out, err = capsys.readouterr()
    return code, out, err


def test_dry_run_prints_the_report_and_stores_nothing(capsys, team, mentor, good_file):
    code, out, _ = run(capsys, good_file, "--team", team.pk, "--dry-run")
    assert code == 0
    assert "Dry run, nothing was stored" in out
    assert "3 studenten / students, 1 begeleiders / mentors, 2 koppelingen" in out
    assert Person.objects.filter(team=team).count() == 1


def test_import_then_reimport_fails_with_the_duplicates(capsys, team, mentor, good_file):
    code, out, _ = run(capsys, good_file, "--team", team.pk)
    assert code == 0 and "Imported" in out
    assert Person.objects.filter(team=team).count() == 5

    code, out, err = run(capsys, good_file, "--team", team.pk)
    assert code == 1
    assert "rij 3 / row 3, school number: Er is al een student met schoolnummer S20" in out
    assert "nothing imported" in err
    assert Person.objects.filter(team=team).count() == 5


def test_bad_row_exits_non_zero(capsys, tmp_path, team, mentor):
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes([GOOD_LINES[0], ["student", "S9", "Ali", "", "12345", "", "", "", ""]]))
    code, out, _ = run(capsys, path, "--team", team.pk)
    assert code == 1
    assert "rij 2 / row 2, phone: '12345': Dit is geen geldig mobiel nummer" in out
    assert not Person.objects.filter(external_id="S9").exists()


def test_unknown_team_or_file_exits_non_zero(capsys, team, good_file, tmp_path):
    code, _, err = run(capsys, good_file, "--team", 99999)
    assert code == 1 and "does not exist" in err
    code, _, err = run(capsys, tmp_path / "missing.csv", "--team", team.pk)
    assert code == 1 and "File not found" in err
