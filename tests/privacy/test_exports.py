"""Research exports: pseudonymised, consent-filtered, untouched/hidden distinguishable, labelled."""

import csv
import io
from datetime import UTC, datetime

import pytest

from zicht.privacy import exports
from zicht.privacy.consent import give_consent, withdraw_consent
from zicht.privacy.models import AuditEvent, Study

ANSWERS = {
    "v1": "no",
    "v7": 12,
    "v8": 55,
    "v13": {"values": ["work", "other"], "other": "Sanne haar verjaardag"},
    "v18": "yes",
    "v19": 80,
    "v25": 64,
}
META = {
    "untouched": ["v9", "v10"],
    "hidden": ["v2", "v3", "v4", "v5", "v6"],
    "touched": ["v7"],
    "seconds_to_complete": 95.0,
}
AT = datetime(2026, 3, 26, 11, 30, tzinfo=UTC)  # 12:30 in Amsterdam (winter time)


@pytest.fixture
def study(organisation):
    return Study.objects.create(
        organisation=organisation,
        key="ucan",
        name="U-can-act",
        questionnaire_keys=["student_diary", "mentor_diary"],
    )


@pytest.fixture
def answered(student, respond):
    give_consent(student, "research")
    return respond(student, ANSWERS, META, at=AT)


def long_table(study, **options):
    return [
        dict(zip(rows[0], row, strict=True))
        for rows in [list(exports.long_rows(study, **options))]
        for row in rows[1:]
    ]


def test_long_export_has_one_row_per_item_with_status_and_no_identities(study, answered, student):
    rows = long_table(study)
    by_item = {r["item"]: r for r in rows}
    assert by_item["v8"]["value"] == 55 and by_item["v8"]["status"] == "answered"
    assert by_item["v9"]["status"] == "untouched" and by_item["v9"]["value"] == ""
    assert by_item["v2"]["status"] == "hidden"
    assert by_item["v1"]["value_label"] == "Nee"
    assert by_item["v13"]["value"] == "work;other" and "[vrije tekst]" in by_item["v13"]["value_label"]
    assert by_item["v25"]["submitted_utc"] == "2026-03-26T11:30:00+00:00"
    assert by_item["v25"]["submitted_amsterdam"] == "2026-03-26T12:30:00+01:00"
    assert "intro_school" not in by_item  # info blocks have no answer
    flat = repr(rows)
    for personal in (student.first_name, student.last_name, student.phone, student.external_id):
        assert personal not in flat


def test_pseudonyms_are_stable_per_study_and_differ_between_studies(study, answered, student, organisation):
    first = {r["pseudonym"] for r in long_table(study)}
    second = {r["pseudonym"] for r in long_table(study)}
    other = Study.objects.create(
        organisation=organisation, key="other", name="Ander onderzoek", questionnaire_keys=["student_diary"]
    )
    assert first == second == {study.pseudonym(student.pk)}
    assert {r["pseudonym"] for r in long_table(other)} != first
    assert len(next(iter(first))) == 17


def test_only_people_with_research_consent_are_exported(study, answered, student):
    assert long_table(study)
    withdraw_consent(student, "research")
    assert long_table(study) == []


def test_wide_export_codes_missing_values(study, answered):
    rows = list(exports.wide_rows(study, "student_diary"))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["v8"] == 55 and row["v9"] == -1 and row["v2"] == -2 and row["v11"] == -3
    assert row["v1"] == 2 and row["v18"] == 1  # yes = 1, no = 2 in option order
    assert (row["v13_work"], row["v13_hobby"], row["v13_other"]) == (1, 0, 1)
    assert "v13_othertext" not in row  # free text only on request
    with_text = list(exports.wide_rows(study, "student_diary", include_text=True))
    assert dict(zip(with_text[0], with_text[1], strict=True))["v13_othertext"] == "Sanne haar verjaardag"


def test_identities_only_when_asked(study, answered, student):
    rows = long_table(study, identities=True)
    assert rows[0]["first_name"] == student.first_name and rows[0]["phone"] == student.phone


def test_spss_file_has_variable_labels_value_labels_and_missing_codes(study, answered, tmp_path):
    import pyreadstat

    path = tmp_path / "diary.sav"
    exports.write_sav(study, "student_diary", path)
    frame, meta = pyreadstat.read_sav(str(path), user_missing=True)
    assert frame.loc[0, "v8"] == 55 and frame.loc[0, "v9"] == -1
    assert meta.column_names_to_labels["v25"].startswith("Hoe ging het deze week met je")
    assert meta.variable_value_labels["v1"][2.0].startswith("Nee")
    assert meta.variable_value_labels["v9"][-1.0].startswith("niet aangeraakt")
    assert meta.missing_ranges["v9"]
    plain, _ = pyreadstat.read_sav(str(path))  # SPSS treats the codes as missing
    assert plain["v9"].isna().all()


def test_xlsx_has_a_sheet_per_questionnaire_and_the_codebook(study, answered, tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "study.xlsx"
    exports.write_xlsx(study, path)
    book = load_workbook(path, read_only=True)
    assert book.sheetnames == ["student_diary", "mentor_diary", "codebook"]
    header = [c.value for c in next(book["student_diary"].iter_rows(max_row=1))]
    assert "v25" in header and "pseudonym" in header


def test_codebook_describes_every_item_from_the_definitions(study, questionnaires):
    lines = "".join(exports.codebook_csv_lines(study)).lstrip("\ufeff")
    rows = {
        r["variable"]: r for r in csv.DictReader(io.StringIO(lines)) if r["questionnaire"] == "student_diary"
    }
    assert (
        rows["v2"]["conditions"].startswith("start verborgen")
        and "shown if v1 = yes" in rows["v2"]["conditions"]
    )
    assert "1 = Ja / Yes" in rows["v1"]["values"]
    assert rows["v25"]["text_en"] and rows["v25"]["anchors"]
    assert rows["v25"]["missing_codes"].startswith("-1")
    html = exports.codebook_html(study)
    assert "v25" in html and "untouched" in html


def test_researcher_downloads_a_streamed_csv_with_a_reason_and_it_is_audited(
    client, researcher, study, answered
):
    client.force_login(researcher)
    assert client.get(f"/staff/privacy/onderzoek/{study.pk}/export/").status_code == 200
    refused = client.post(f"/staff/privacy/onderzoek/{study.pk}/export/", {"format": "long.csv"})
    assert refused.status_code == 400
    response = client.post(
        f"/staff/privacy/onderzoek/{study.pk}/export/", {"format": "long.csv", "why": "analyse week 12"}
    )
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert text.splitlines()[0].startswith("pseudonym,about_pseudonym")
    event = AuditEvent.objects.get(action="export")
    assert event.why == "analyse week 12" and event.detail["identities"] is False


def test_researcher_may_not_export_identities_or_other_schools(
    client, researcher, study, answered, other_team
):
    client.force_login(researcher)
    denied = client.post(
        f"/staff/privacy/onderzoek/{study.pk}/export/", {"format": "long.csv", "why": "x", "identities": "1"}
    )
    assert denied.status_code == 403
    foreign = Study.objects.create(
        organisation=other_team.organisation, key="f", name="F", questionnaire_keys=[]
    )
    assert client.get(f"/staff/privacy/onderzoek/{foreign.pk}/export/").status_code == 403


@pytest.mark.parametrize("fmt", ["wide.csv", "xlsx", "sav", "codebook.html", "codebook.csv"])
def test_every_format_downloads(client, researcher, study, answered, fmt):
    client.force_login(researcher)
    response = client.post(
        f"/staff/privacy/onderzoek/{study.pk}/export/",
        {"format": fmt, "why": "check", "questionnaire": "student_diary"},
    )
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert len(body) > 100
