"""A synthetic set of enrolment records whose marginal figures match the Amsterdam VSO → MBO study
(seeds/002): 733 students, 1,161 student×cohort pairs over the cohorts 2018/19–2022/23, 2,610
enrolment records, and by student 213 diplomas (Entree 90, level 2 66, level 3 26, level 4 31),
295 dropouts, 81 still enrolled and 144 who never started. Of 309 students with a known leaving
date of their VSO school, 58 overlap, 122 switch directly and 129 later (table 2.3.1). A quarter of
the dropouts leave within 100 days, a quarter within 100–180 days and half later.

The generator builds every student on purpose, so it knows the counts the analysis must find;
``generate()`` returns them next to the records. Pure Python, deterministic for a seed.
"""

import random
from datetime import date, timedelta

COHORTS = [2018, 2019, 2020, 2021, 2022]
STUDENTS_PER_COHORT = [201, 241, 248, 215, 256]
RECORDS_PER_COHORT = [437, 552, 590, 456, 575]
OUTCOME_COUNTS = {
    "diploma_entree": 90,
    "diploma_2": 66,
    "diploma_3": 26,
    "diploma_4": 31,
    "dropout": 295,
    "enrolled": 81,
    "never_started": 144,
}
# How many students appear in 1, 2, 3 or 4 cohorts: 733 students, 1,161 appearances.
COHORTS_PER_STUDENT = {1: 373, 2: 301, 3: 50, 4: 9}
# Days from leaving the VSO school to the first MBO registration (seeds/002 table 2.3.1).
TRANSFER_BINS = [
    (-900, -366, 10),
    (-365, -101, 48),
    (-100, -1, 17),
    (0, 100, 105),
    (101, 366, 64),
    (367, 900, 65),
]
TIMING_BINS = [(10, 99, 74), (100, 180, 74), (181, 700, 147)]
AS_OF = date(2025, 7, 31)

LEVEL_WEIGHTS = [("entree", 33), ("2", 35), ("3", 17), ("4", 15)]
PROGRAMMES = {
    "entree": ["Entree Horeca & Bakkerij", "Entree Dienstverlening", "Entree Logistiek", "Entree Techniek"],
    "2": [
        "Helpende Zorg & Welzijn",
        "Verkoopmedewerker",
        "Logistiek medewerker",
        "ICT-medewerker",
        "Medewerker fastservice",
        "Basismedewerker bouw",
    ],
    "3": ["Pedagogisch medewerker", "Medewerker ICT-support", "Verkoopspecialist", "Zorg & Welzijn (MZ)"],
    "4": ["Expert IT Systems & Devices", "Software developer", "Sociaal werker", "Mediavormgever"],
}
INSTITUTIONS = ["College West", "College Zuid", "College Zuidoost", "College Noord", "College Centrum"]
DURATION_DAYS = {"entree": (300, 365), "2": (600, 730), "3": (600, 730), "4": (900, 1095)}


def _pick_level(rng):
    return rng.choices([lv for lv, _ in LEVEL_WEIGHTS], weights=[w for _, w in LEVEL_WEIGHTS])[0]


def _assign_cohorts(rng):
    """Give each student a set of cohorts so that every cohort gets exactly its student count."""
    remaining = dict(zip(COHORTS, STUDENTS_PER_COHORT, strict=True))
    sizes = [k for k, n in sorted(COHORTS_PER_STUDENT.items(), reverse=True) for _ in range(n)]
    sets = []
    for k in sizes:  # largest sets first (Gale–Ryser greedy: always feasible when any assignment is)
        order = sorted(COHORTS, key=lambda c: (-remaining[c], rng.random()))
        chosen = sorted(order[:k])
        if any(remaining[c] <= 0 for c in chosen):
            raise AssertionError("cohort capacities cannot be met")
        for c in chosen:
            remaining[c] -= 1
        sets.append(chosen)
    assert all(v == 0 for v in remaining.values())
    rng.shuffle(sets)
    return sets


def _start_in(rng, cohort):
    if rng.random() < 0.1:  # February intake
        return date(cohort + 1, 2, 1) + timedelta(days=rng.randint(0, 14))
    return date(cohort, 8, 15) + timedelta(days=rng.randint(0, 31))


def generate(seed=2026):
    """Return (records, known): records as dicts (the import format), known counts by construction."""
    rng = random.Random(seed)
    cohort_sets = _assign_cohorts(rng)
    n = len(cohort_sets)
    ids = [f"P{number:06d}" for number in rng.sample(range(100000, 999999), n)]

    # Outcomes: the 81 still enrolled come from students whose last cohort is the newest one.
    outcomes = [None] * n
    newest = [i for i in range(n) if cohort_sets[i][-1] == COHORTS[-1]]
    rng.shuffle(newest)
    for i in newest[: OUTCOME_COUNTS["enrolled"]]:
        outcomes[i] = "enrolled"
    rest = [i for i in range(n) if outcomes[i] is None]
    rng.shuffle(rest)
    pool = [o for o, count in OUTCOME_COUNTS.items() if o != "enrolled" for _ in range(count)]
    for i, outcome in zip(rest, pool, strict=True):
        outcomes[i] = outcome

    # Records per (student, cohort): at least one, extra registrations spread per cohort.
    pairs = {c: [i for i in range(n) if c in cohort_sets[i]] for c in COHORTS}
    extra = {(i, c): 0 for c in COHORTS for i in pairs[c]}
    for c, records, students in zip(COHORTS, RECORDS_PER_COHORT, STUDENTS_PER_COHORT, strict=True):
        for _ in range(records - students):
            extra[(rng.choice(pairs[c]), c)] += 1

    dropouts = [i for i in range(n) if outcomes[i] == "dropout"]
    rng.shuffle(dropouts)
    dropout_days = {}
    position = 0
    for low, high, count in TIMING_BINS:
        for i in dropouts[position : position + count]:
            dropout_days[i] = (low, high)
        position += count

    records = []
    known = {
        "students": n,
        "student_cohorts": sum(len(s) for s in cohort_sets),
        "records": sum(RECORDS_PER_COHORT),
        "records_by_cohort": dict(zip(COHORTS, RECORDS_PER_COHORT, strict=True)),
        "student_outcomes": dict(OUTCOME_COUNTS),
        "cohort_outcomes": {c: {} for c in COHORTS},
        "timing": {c: {"<100": 0, "100-180": 0, ">180": 0} for c in COHORTS},
        "transfer": {c: {"overlap": 0, "direct": 0, "later": 0} for c in COHORTS},
        "level_flows": {},
    }
    first_start = {}
    for i in range(n):
        outcome = outcomes[i]
        last = cohort_sets[i][-1]
        main_levels = []
        for c in cohort_sets[i]:
            final = c == last
            start = _start_in(rng, c)
            first_start[i] = min(first_start.get(i, start), start)
            if outcome == "never_started":
                cohort_outcome = "never_started"
            elif not final:
                cohort_outcome = "re_enrolled_later"
            else:
                cohort_outcome = outcome
            known["cohort_outcomes"][c][cohort_outcome] = (
                known["cohort_outcomes"][c].get(cohort_outcome, 0) + 1
            )

            level = (
                outcome.removeprefix("diploma_")
                if final and outcome.startswith("diploma_")
                else _pick_level(rng)
            )
            row = {
                "student": ids[i],
                "institution": rng.choice(INSTITUTIONS),
                "programme": rng.choice(PROGRAMMES[level]),
                "level": level,
                "start_date": start,
                "end_date": None,
                "end_reason": None,
                "diploma": False,
                "prior_school_type": "vso",
                "prior_school_end_date": None,
            }
            if outcome == "never_started":
                row["end_reason"], row["end_date"] = (
                    "never_started",
                    start + timedelta(days=rng.randint(0, 30)),
                )
            elif not final:
                row["end_reason"], row["end_date"] = "switch", start + timedelta(days=rng.randint(30, 200))
            elif outcome.startswith("diploma_"):
                low, high = DURATION_DAYS[level]
                end = min(start + timedelta(days=rng.randint(low, high)), AS_OF)
                row["end_reason"], row["end_date"], row["diploma"] = "diploma", end, True
            elif outcome == "dropout":
                low, high = dropout_days[i]
                days = rng.randint(low, high)
                row["end_reason"], row["end_date"] = "dropout", start + timedelta(days=days)
                bucket = "<100" if days < 100 else ("100-180" if days <= 180 else ">180")
                known["timing"][c][bucket] += 1
            # "enrolled": open record, no end date.
            if outcome != "never_started":
                main_levels.append(level)
            records.append(row)
            cohort_first_day = date(c, 8, 1)
            used = {(row["programme"], start)}
            for _ in range(extra[(i, c)]):
                while True:  # at most one registration per programme and day
                    side_level = _pick_level(rng)
                    side_programme = rng.choice(PROGRAMMES[side_level])
                    side_start = cohort_first_day + timedelta(
                        days=rng.randint(0, (start - cohort_first_day).days)
                    )
                    if (side_programme, side_start) not in used:
                        used.add((side_programme, side_start))
                        break
                first_start[i] = min(first_start[i], side_start)
                records.append(
                    {
                        **row,
                        "programme": side_programme,
                        "level": side_level,
                        "start_date": side_start,
                        "end_date": side_start + timedelta(days=rng.randint(1, 60)),
                        "end_reason": "never_started",
                        "diploma": False,
                    }
                )
        for a, b in zip(main_levels, main_levels[1:], strict=False):
            known["level_flows"][(a, b)] = known["level_flows"].get((a, b), 0) + 1

    # VSO leaving dates for 309 students, binned as in the study.
    chosen = rng.sample(range(n), sum(count for _, _, count in TRANSFER_BINS))
    position = 0
    prior_end = {}
    for low, high, count in TRANSFER_BINS:
        for i in chosen[position : position + count]:
            days = rng.randint(low, high)
            prior_end[ids[i]] = first_start[i] - timedelta(days=days)
            kind = "overlap" if days < -100 else ("direct" if days <= 100 else "later")
            first_cohort = cohort_sets[i][0]
            known["transfer"][first_cohort][kind] += 1
        position += count
    for row in records:
        row["prior_school_end_date"] = prior_end.get(row["student"])
    rng.shuffle(records)
    return records, known


CSV_COLUMNS = [
    "student",
    "institution",
    "programme",
    "level",
    "start_date",
    "end_date",
    "end_reason",
    "diploma",
    "prior_school_type",
    "prior_school_end_date",
]


def to_csv(records):
    """The records in the import format (semicolon CSV, UTF-8), e.g. for a demo upload."""
    import csv  # noqa: PLC0415
    import io  # noqa: PLC0415

    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(CSV_COLUMNS)
    for row in records:
        writer.writerow(
            [
                "ja" if row[c] is True else "nee" if row[c] is False else ("" if row[c] is None else row[c])
                for c in CSV_COLUMNS
            ]
        )
    return out.getvalue().encode("utf-8")
