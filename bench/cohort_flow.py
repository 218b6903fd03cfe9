"""Benchmark: cohort flow analytics on 5 million enrolment records, Polars (what zicht runs) vs pandas.

    .venv/bin/python bench/cohort_flow.py [--rows 5000000] [--repeat 3]

The input is the synthetic seeds/002 cohort (2,610 records, 733 students) tiled until it has
--rows rows; every copy gets its own student ids and its dates shifted by 0–6 days. Each engine
runs in its own process, so peak memory (peak RSS, ru_maxrss) is per engine and includes its
input. Only the aggregation is timed (best of --repeat); CPU seconds (user + system) are shown
too, since wall time on a busy machine says little. Both engines must produce identical
counts, or the benchmark fails. The last line is

    RESULT cohort_flow seconds=<polars> peak_mb=<polars peak RSS> ratio_pandas=<pandas s / polars s>
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

CATEGORICAL = ["institution", "programme", "level", "end_reason", "prior_school_type"]
DATES = ["start_date", "end_date", "prior_school_end_date"]


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build_arrays(rows, seed=2026):
    """Column arrays: student (int64), category codes + their names, dates as datetime64[D] with NaT."""
    from zicht.cohorts import synthetic

    records, _ = synthetic.generate(seed=seed)
    base = len(records)
    copies = -(-rows // base)
    rng = np.random.default_rng(seed)
    index = np.tile(np.arange(base), copies)[:rows]
    copy = np.repeat(np.arange(copies), base)[:rows]
    ids = {s: i for i, s in enumerate(sorted({r["student"] for r in records}))}
    student = np.array([ids[r["student"]] for r in records], dtype=np.int64)[index] + copy * len(ids)
    shift = rng.integers(0, 7, copies).astype("timedelta64[D]")[copy]
    columns = {"student": student}
    for name in CATEGORICAL:
        values = [r[name] for r in records]
        names = sorted({v for v in values if v is not None})
        lookup = {v: i for i, v in enumerate(names)}
        codes = np.array([lookup.get(v, -1) for v in values], dtype=np.int32)[index]
        columns[name] = (codes, names)
    for name in DATES:
        base_dates = np.array(
            [r[name] if r[name] is not None else "NaT" for r in records], dtype="datetime64[D]"
        )
        columns[name] = base_dates[index] + shift
    columns["diploma"] = np.array([r["diploma"] for r in records], dtype=bool)[index]
    return columns


# --- Polars: the code zicht runs (zicht.cohorts.analysis) ---------------------------------------


def polars_frame(columns):
    import polars as pl

    data = {"student": pl.Series(columns["student"])}
    for name in CATEGORICAL:
        codes, names = columns[name]
        series = pl.Series(names + [None], dtype=pl.String).gather(np.where(codes < 0, len(names), codes))
        data[name] = series
    for name in DATES:
        data[name] = pl.Series(columns[name])
    data["diploma"] = pl.Series(columns["diploma"])
    return pl.DataFrame(data)


def polars_run(df):
    from zicht.cohorts import analysis

    result = analysis.analyse(df)
    tables = {t.key: t.as_dict() for t in result["tables"] if t.key != "flows_programme"}
    flows = {f"{a}>{b}": n for a, b, n in result["programme_flows"].iter_rows()}
    return {
        "students": result["students"],
        "student_cohorts": result["student_cohorts"],
        "tables": tables,
        "programme_flows": flows,
    }


# --- pandas: the same definitions, written the way a pandas user would -------------------------


def pandas_frame(columns):
    import pandas as pd

    data = {"student": columns["student"]}
    for name in CATEGORICAL:
        codes, names = columns[name]
        data[name] = pd.Categorical.from_codes(codes, categories=names)
    for name in DATES:
        data[name] = columns[name].astype("datetime64[s]")
    data["diploma"] = columns["diploma"]
    return pd.DataFrame(data)


def pandas_run(df):
    import pandas as pd

    from zicht.cohorts import analysis as a

    df = df.copy()
    df["cohort"] = df["start_date"].dt.year - (df["start_date"].dt.month < 8)
    df["started"] = (df["end_reason"] != "never_started").to_numpy()
    df["level_rank"] = df["level"].map(a.LEVEL_RANK).astype("int8")
    df["diploma_rank"] = df["level_rank"].where(df["diploma"])
    df["open"] = df["started"] & df["end_date"].isna()
    rank_name = {a.LEVEL_RANK[lv]: f"diploma_{lv}" for lv in a.LEVELS}

    def outcome(grouped, later):
        conditions = [grouped["diploma_rank"].notna(), grouped["open"]]
        choices = [grouped["diploma_rank"].map(rank_name), "enrolled"]
        if later is not None:
            conditions.append(grouped["started"] & later)
            choices.append("re_enrolled_later")
        conditions.append(grouped["started"])
        choices.append("dropout")
        return np.select(conditions, choices, default="never_started")

    aggs = {"diploma_rank": "max", "open": "any", "started": "any"}
    per = df.groupby(["student", "cohort"], observed=True).agg(aggs).reset_index()
    last = df.groupby("student")["cohort"].max()
    per["outcome"] = outcome(per, per["cohort"] < per["student"].map(last))
    students = df.groupby("student").agg(aggs)
    students["outcome"] = outcome(students, None)

    first = df.groupby("student").agg(
        first_start=("start_date", "min"),
        first_cohort=("cohort", "min"),
        prior_end=("prior_school_end_date", "first"),
    )
    first = first[first["prior_end"].notna()]
    days = (first["first_start"] - first["prior_end"]).dt.days
    first["transfer"] = np.select(
        [days < -a.TRANSFER_WINDOW_DAYS, days <= a.TRANSFER_WINDOW_DAYS],
        ["overlap", "direct"],
        default="later",
    )

    drop = df[df["end_reason"] == "dropout"].copy()
    drop_days = (drop["end_date"] - drop["start_date"]).dt.days
    drop["bucket"] = np.select([drop_days < 100, drop_days <= 180], ["<100", "100-180"], default=">180")

    def flows(by):
        started = df[df["started"]].sort_values(["student", "start_date", "level_rank"], kind="stable")
        nxt = started.groupby("student", observed=True)[by].shift(-1)
        pairs = pd.DataFrame({"from": started[by].astype(str), "to": nxt.astype(object)})
        pairs = pairs[pairs["to"].notna()]
        return pairs.groupby(["from", "to"]).size()

    cohorts = sorted(df["cohort"].unique())

    def table(frame, row, col, rows, cols, row_label, col_label):
        counts = frame.groupby([row, col], observed=True).size()
        return {row_label(r): {col_label(c): int(counts.get((r, c), 0)) for c in cols} for r in rows}

    label = a.cohort_label
    tables = {
        "outcomes": table(per, "cohort", "outcome", cohorts, a.COHORT_OUTCOMES, label, a.OUTCOME_LABELS.get),
        "student_outcomes": {
            "Alle studenten": {
                a.OUTCOME_LABELS[o]: int((students["outcome"] == o).sum()) for o in a.STUDENT_OUTCOMES
            }
        },
        "transfer": table(
            first, "first_cohort", "transfer", cohorts, a.TRANSFER_TYPES, label, a.TRANSFER_LABELS.get
        ),
        "timing": table(drop, "cohort", "bucket", cohorts, a.TIMING_BUCKETS, label, lambda b: f"{b} dagen"),
        "timing_level": table(
            drop.assign(level=drop["level"].astype(str)),
            "level",
            "bucket",
            a.LEVELS,
            a.TIMING_BUCKETS,
            a.LEVEL_LABEL.get,
            lambda b: f"{b} dagen",
        ),
    }
    levels = flows("level")
    tables["flows_level"] = {
        a.LEVEL_LABEL[f]: {a.LEVEL_LABEL[t]: int(levels.get((f, t), 0)) for t in a.LEVELS} for f in a.LEVELS
    }
    programmes = flows("programme")
    return {
        "students": int(df["student"].nunique()),
        "student_cohorts": len(per),
        "tables": tables,
        "programme_flows": {f"{f}>{t}": int(n) for (f, t), n in programmes.items()},
    }


def normalise(value):
    """JSON round trip with string keys, so both engines' results compare equal when equal."""
    return json.loads(json.dumps(value, sort_keys=True, default=str))


def worker(engine, rows, repeat):
    started = time.perf_counter()
    columns = build_arrays(rows)
    frame = polars_frame(columns) if engine == "polars" else pandas_frame(columns)
    del columns
    input_seconds = time.perf_counter() - started
    input_mb = peak_mb()
    run = polars_run if engine == "polars" else pandas_run
    times, cpu = [], []
    for _ in range(repeat):
        usage = resource.getrusage(resource.RUSAGE_SELF)
        t0 = time.perf_counter()
        result = run(frame)
        times.append(time.perf_counter() - t0)
        after = resource.getrusage(resource.RUSAGE_SELF)
        cpu.append(after.ru_utime + after.ru_stime - usage.ru_utime - usage.ru_stime)
    print(
        json.dumps(
            {
                "cpu_seconds": cpu,
                "load": os.getloadavg()[0],
                "engine": engine,
                "rows": rows,
                "seconds": min(times),
                "all_seconds": times,
                "input_seconds": input_seconds,
                "input_peak_mb": input_mb,
                "peak_mb": peak_mb(),
                "result": normalise(result),
            }
        )
    )


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--worker", choices=["polars", "pandas"])
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.rows, args.repeat)
        return 0
    reports = {}
    for engine in ("polars", "pandas"):
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--worker",
                engine,
                "--rows",
                str(args.rows),
                "--repeat",
                str(args.repeat),
            ],
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": "0"},
        )
        reports[engine] = json.loads(out.stdout.strip().splitlines()[-1])
        r = reports[engine]
        print(
            f"{engine:7s} rows={r['rows']:,} aggregation best={r['seconds']:.2f}s "
            f"(runs: {', '.join(f'{s:.2f}' for s in r['all_seconds'])}; "
            f"CPU s: {', '.join(f'{s:.2f}' for s in r['cpu_seconds'])}; load {r['load']:.1f}) "
            f"peak RSS={r['peak_mb']:.0f} MB (after building input: {r['input_peak_mb']:.0f} MB)"
        )
    if reports["polars"]["result"] != reports["pandas"]["result"]:
        print("MISMATCH: Polars and pandas disagree", file=sys.stderr)
        return 1
    outcomes = reports["polars"]["result"]["tables"]["student_outcomes"]["Alle studenten"]
    print(f"identical results; {reports['polars']['result']['students']:,} students, outcomes {outcomes}")
    polars, pandas = reports["polars"], reports["pandas"]
    print(
        f"RESULT cohort_flow seconds={polars['seconds']:.3f} peak_mb={polars['peak_mb']:.0f} "
        f"ratio_pandas={pandas['seconds'] / polars['seconds']:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
