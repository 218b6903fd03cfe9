"""Benchmark: stream a long research export of 1,000,000 answers from the database to CSV.

Builds a fresh SQLite database in a temporary directory (1,000 students x 40 weekly diaries x 25
items = 1,000,000 answers), then measures:
  * the streamed export (database -> pseudonyms -> CSV lines -> file), its time and the peak
    growth of the process's resident memory while it runs;
  * the baseline: the same rows, already in a Python list, written with csv.writer.
The last line is machine-readable:
  RESULT export seconds=... peak_mb=... ratio_vs_plain_csv=...
Usage: .venv/bin/python bench/export.py [--students 1000] [--weeks 40]
"""

import argparse
import csv
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path


def rss_mb(field="VmRSS"):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def reset_peak():
    """Linux: writing 5 to clear_refs resets the peak resident size (VmHWM)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--weeks", type=int, default=40)
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="zicht-bench-export-")
    os.environ["ZICHT_DATA_DIR"] = workdir
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zicht.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from zicht.people.models import Organisation, Person, Team
    from zicht.privacy import exports
    from zicht.privacy.models import Consent, ConsentText, Study
    from zicht.questionnaires.loader import sync_definitions
    from zicht.questionnaires.models import Questionnaire
    from zicht.responses.models import Response, Window

    started = time.perf_counter()
    sync_definitions()
    questionnaire = Questionnaire.objects.get(key="student_diary")
    version = questionnaire.latest_version()
    organisation = Organisation.objects.create(name="Bench ROC")
    team = Team.objects.create(organisation=organisation, name="Bench")
    Person.objects.bulk_create(
        Person(role=Person.STUDENT, team=team, external_id=f"S{i}", first_name=f"Student{i}")
        for i in range(args.students)
    )
    people = list(Person.objects.filter(team=team).values_list("id", flat=True))
    text = ConsentText.objects.get(purpose=ConsentText.RESEARCH, version=1)
    start = datetime(2025, 9, 4, 10, 0, tzinfo=UTC)
    Consent.objects.bulk_create(
        Consent(person_id=p, purpose=ConsentText.RESEARCH, text=text, given_at=start - timedelta(days=7))
        for p in people
    )
    rng = random.Random(7)
    sliders = [f"v{i}" for i in range(2, 26) if i not in (13, 18)]
    for week in range(args.weeks):
        opens = start + timedelta(weeks=week)
        Window.objects.bulk_create(
            Window(
                respondent_id=p,
                questionnaire=questionnaire,
                measurement="student_diary",
                occasion=week + 1,
                opens_at=opens,
                closes_at=opens + timedelta(hours=30),
                state=Window.COMPLETED,
                completed_at=opens + timedelta(hours=2),
            )
            for p in people
        )
        windows = Window.objects.filter(occasion=week + 1).values_list("id", flat=True)
        batch = []
        for window_id in windows:
            answers = {"v1": "yes", "v13": ["work"], "v18": "no"}
            untouched = []
            for item in sliders:
                if rng.random() < 0.05:
                    untouched.append(item)
                else:
                    answers[item] = rng.randint(0, 40 if item == "v7" else 100)
            hidden = ["v19", "v20", "v21", "v22", "v23", "v24"]
            for item in hidden:
                answers.pop(item, None)
            batch.append(
                Response(
                    window_id=window_id,
                    version=version,
                    answers=answers,
                    meta={"untouched": untouched, "hidden": hidden, "seconds_to_complete": 120.0},
                    submitted_at=opens + timedelta(hours=2),
                )
            )
        Response.objects.bulk_create(batch, batch_size=2000)
    study = Study.objects.create(
        organisation=organisation, key="bench", name="Bench", questionnaire_keys=["student_diary"]
    )
    setup_seconds = time.perf_counter() - started

    # 1. Streamed export straight from the database.
    out = Path(workdir) / "long.csv"
    reset_peak()
    before = rss_mb()
    t0 = time.perf_counter()
    rows = 0
    with out.open("w", encoding="utf-8", newline="") as handle:
        for line in exports.csv_lines(exports.long_rows(study)):
            handle.write(line)
            rows += 1
    export_seconds = time.perf_counter() - t0
    peak_mb = max(rss_mb("VmHWM") - before, 0.0)
    answers = rows - 2  # BOM line and header
    size_mb = out.stat().st_size / 1e6

    # 2. Baseline: the same rows from a Python list, written with csv.writer.
    materialised = list(exports.long_rows(study))
    list_mb = rss_mb() - before
    plain = Path(workdir) / "plain.csv"
    t0 = time.perf_counter()
    with plain.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(materialised)
    plain_seconds = time.perf_counter() - t0

    print(
        f"setup: {args.students} students x {args.weeks} weeks, {answers:,} answer rows, {setup_seconds:.1f} s"
    )
    print(
        f"export: {export_seconds:.2f} s, {answers / export_seconds:,.0f} rows/s, file {size_mb:.1f} MB, "
        f"peak RSS growth {peak_mb:.1f} MB"
    )
    print(f"baseline csv.writer from a list: {plain_seconds:.2f} s (the list itself held ~{list_mb:.0f} MB)")
    print(
        f"RESULT export seconds={export_seconds:.2f} peak_mb={peak_mb:.1f} "
        f"ratio_vs_plain_csv={export_seconds / plain_seconds:.2f}"
    )


if __name__ == "__main__":
    main()
