"""The analysis finds exactly the counts the synthetic generator built in (seeds/002 figures)."""

import pytest

from zicht.cohorts import analysis, synthetic


@pytest.fixture(scope="module")
def generated():
    records, known = synthetic.generate(seed=2026)
    return records, known, analysis.analyse(records)


def labelled(table):
    return table.as_dict()


def test_totals_match_the_seed_study(generated):
    records, known, result = generated
    assert (result["students"], result["student_cohorts"], result["records"]) == (733, 1161, 2610)
    by_cohort = labelled(result["records_by_cohort"])
    assert [by_cohort[c]["Inschrijvingen"] for c in result["cohorts"]] == [437, 552, 590, 456, 575]


def test_outcomes_per_student_are_the_seed_figures(generated):
    _, known, result = generated
    table = next(t for t in result["tables"] if t.key == "student_outcomes")
    row = labelled(table)["Alle studenten"]
    assert row == {
        "Diploma Entree": 90,
        "Diploma niveau 2": 66,
        "Diploma niveau 3": 26,
        "Diploma niveau 4": 31,
        "Nog ingeschreven": 81,
        "Gestopt zonder diploma": 295,
        "Niet gestart": 144,
    }
    assert sum(row.values()) == known["students"]


def test_outcomes_per_cohort_match_the_construction(generated):
    _, known, result = generated
    table = labelled(next(t for t in result["tables"] if t.key == "outcomes"))
    for year, expected in known["cohort_outcomes"].items():
        got = {
            code: table[analysis.cohort_label(year)][analysis.OUTCOME_LABELS[code]]
            for code in analysis.COHORT_OUTCOMES
        }
        assert got == {code: expected.get(code, 0) for code in analysis.COHORT_OUTCOMES}
    # One count per student per cohort: the rows add up to the students per cohort.
    assert [sum(table[c].values()) for c in result["cohorts"]] == [201, 241, 248, 215, 256]


def test_transfer_types_and_dropout_timing_match(generated):
    _, known, result = generated
    transfer = labelled(next(t for t in result["tables"] if t.key == "transfer"))
    timing = labelled(next(t for t in result["tables"] if t.key == "timing"))
    for year in known["transfer"]:
        label = analysis.cohort_label(year)
        assert [transfer[label][analysis.TRANSFER_LABELS[k]] for k in analysis.TRANSFER_TYPES] == [
            known["transfer"][year][k] for k in analysis.TRANSFER_TYPES
        ]
        assert [timing[label][f"{b} dagen"] for b in analysis.TIMING_BUCKETS] == [
            known["timing"][year][b] for b in analysis.TIMING_BUCKETS
        ]
    totals = [
        sum(transfer[c][analysis.TRANSFER_LABELS[k]] for c in transfer) for k in analysis.TRANSFER_TYPES
    ]
    assert totals == [58, 122, 129]  # 18% / 40% / 42% of 309, as in the study
    assert [sum(timing[c][f"{b} dagen"] for c in timing) for b in analysis.TIMING_BUCKETS] == [74, 74, 147]


def test_level_flows_match(generated):
    _, known, result = generated
    flows = labelled(next(t for t in result["tables"] if t.key == "flows_level"))
    for (a, b), count in known["level_flows"].items():
        assert flows[analysis.LEVEL_LABEL[a]][analysis.LEVEL_LABEL[b]] == count
    assert sum(map(sum, (r.values() for r in flows.values()))) == sum(known["level_flows"].values())


def test_another_seed_gives_other_records_but_the_same_margins():
    records, known = synthetic.generate(seed=7)
    result = analysis.analyse(records)
    assert records != synthetic.generate(seed=2026)[0]
    assert (
        labelled(next(t for t in result["tables"] if t.key == "student_outcomes"))["Alle studenten"][
            "Gestopt zonder diploma"
        ]
        == 295
    )


def test_definitions_on_a_hand_made_student():
    from datetime import date

    rows = [
        # Registered twice in 2023/24, started level 2, switched to level 3 the next year, still enrolled.
        dict(
            student="A",
            institution="X",
            programme="P2",
            level="2",
            start_date=date(2023, 8, 28),
            end_date=date(2024, 3, 1),
            end_reason="switch",
            diploma=False,
            prior_school_type="vso",
            prior_school_end_date=date(2023, 7, 14),
        ),
        dict(
            student="A",
            institution="X",
            programme="Q2",
            level="2",
            start_date=date(2023, 8, 20),
            end_date=date(2023, 8, 27),
            end_reason="never_started",
            diploma=False,
            prior_school_type="vso",
            prior_school_end_date=None,
        ),
        dict(
            student="A",
            institution="X",
            programme="P3",
            level="3",
            start_date=date(2024, 8, 26),
            end_date=None,
            end_reason=None,
            diploma=False,
            prior_school_type="vso",
            prior_school_end_date=None,
        ),
        # Started in February 2024 (cohort 2023/24), dropped out after 59 days.
        dict(
            student="B",
            institution="X",
            programme="P2",
            level="2",
            start_date=date(2024, 2, 5),
            end_date=date(2024, 4, 4),
            end_reason="dropout",
            diploma=False,
            prior_school_type="vso",
            prior_school_end_date=date(2024, 6, 30),
        ),
    ]
    result = analysis.analyse(rows)
    outcomes = labelled(result["tables"][0])
    assert (
        outcomes["2023/24"]["Later opnieuw ingeschreven"] == 1
        and outcomes["2023/24"]["Gestopt zonder diploma"] == 1
    )
    assert outcomes["2024/25"]["Nog ingeschreven"] == 1
    transfer = labelled(result["tables"][2])["2023/24"]
    # A: first registration 20 Aug 2023, left VSO 14 Jul 2023 (+37 days): direct. B: registered 146 days
    # before leaving VSO: overlap.
    assert transfer == {"Overlapper": 1, "Directe overstapper": 1, "Na-stapper": 0}
    assert labelled(result["tables"][3])["2023/24"]["<100 dagen"] == 1
    assert labelled(result["tables"][5])["niveau 2"]["niveau 3"] == 1
