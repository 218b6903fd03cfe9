"""Cohort flow analytics on enrolment records, in Polars. No Django imports: the benchmark and the
web pages call the same functions. Definitions are in docs/cohorts.md.

Input: a Polars DataFrame with one row per enrolment record ("verbintenis"):
  student (str, pseudonym), institution (str), programme (str), level ("entree", "2", "3", "4"),
  start_date (date: registration/start at the MBO), end_date (date or null: still enrolled),
  end_reason ("diploma", "dropout", "switch", "never_started", "other" or null), diploma (bool),
  prior_school_type (str or null), prior_school_end_date (date or null).
"""

from dataclasses import dataclass, field

import polars as pl

LEVELS = ["entree", "2", "3", "4"]
LEVEL_RANK = {"entree": 1, "2": 2, "3": 3, "4": 4}
LEVEL_LABEL = {"entree": "Entree", "2": "niveau 2", "3": "niveau 3", "4": "niveau 4"}

DIPLOMA_OUTCOMES = [f"diploma_{level}" for level in LEVELS]
COHORT_OUTCOMES = [*DIPLOMA_OUTCOMES, "enrolled", "re_enrolled_later", "dropout", "never_started"]
STUDENT_OUTCOMES = [*DIPLOMA_OUTCOMES, "enrolled", "dropout", "never_started"]
OUTCOME_LABELS = {
    "diploma_entree": "Diploma Entree",
    "diploma_2": "Diploma niveau 2",
    "diploma_3": "Diploma niveau 3",
    "diploma_4": "Diploma niveau 4",
    "enrolled": "Nog ingeschreven",
    "re_enrolled_later": "Later opnieuw ingeschreven",
    "dropout": "Gestopt zonder diploma",
    "never_started": "Niet gestart",
}
TRANSFER_TYPES = ["overlap", "direct", "later"]
TRANSFER_LABELS = {"overlap": "Overlapper", "direct": "Directe overstapper", "later": "Na-stapper"}
TRANSFER_WINDOW_DAYS = 100
TIMING_BUCKETS = ["<100", "100-180", ">180"]

SCHEMA = {
    "student": pl.String,
    "institution": pl.String,
    "programme": pl.String,
    "level": pl.String,
    "start_date": pl.Date,
    "end_date": pl.Date,
    "end_reason": pl.String,
    "diploma": pl.Boolean,
    "prior_school_type": pl.String,
    "prior_school_end_date": pl.Date,
}


@dataclass
class Table:
    """Counts with row and column labels; totals are computed, never stored separately."""

    key: str
    title: str
    row_labels: list
    col_labels: list
    cells: list  # list of rows, each a list of ints
    note: str = ""
    extra: dict = field(default_factory=dict)

    def row_totals(self):
        return [sum(row) for row in self.cells]

    def col_totals(self):
        return [sum(row[j] for row in self.cells) for j in range(len(self.col_labels))]

    def total(self):
        return sum(self.row_totals())

    def as_dict(self):
        """{row label: {col label: count}} (for tests and JSON)."""
        return {
            r: dict(zip(self.col_labels, row, strict=True))
            for r, row in zip(self.row_labels, self.cells, strict=True)
        }


def frame(records):
    """A DataFrame with the analysis schema from an iterable of dicts (or an existing frame)."""
    if isinstance(records, pl.DataFrame):
        return records
    return pl.DataFrame(list(records), schema=SCHEMA)


def cohort_label(year):
    return f"{year}/{(year + 1) % 100:02d}"


def prepare(df):
    """Adds cohort (school year that starts 1 August), started and level rank."""
    year = pl.col("start_date").dt.year()
    return df.with_columns(
        cohort=pl.when(pl.col("start_date").dt.month() >= 8).then(year).otherwise(year - 1).cast(pl.Int32),
        started=pl.col("end_reason").fill_null("").ne("never_started"),
        level_rank=pl.col("level").replace_strict(LEVEL_RANK, default=0, return_dtype=pl.Int8),
    )


def _outcome_expr(with_later):
    rank_to_outcome = {LEVEL_RANK[level]: f"diploma_{level}" for level in LEVELS}
    expr = (
        pl.when(pl.col("diploma_rank").is_not_null())
        .then(
            pl.col("diploma_rank").replace_strict(
                rank_to_outcome, default="diploma_entree", return_dtype=pl.String
            )
        )
        .when(pl.col("any_open"))
        .then(pl.lit("enrolled"))
    )
    if with_later:
        expr = expr.when(pl.col("any_started") & (pl.col("cohort") < pl.col("last_cohort"))).then(
            pl.lit("re_enrolled_later")
        )
    return expr.when(pl.col("any_started")).then(pl.lit("dropout")).otherwise(pl.lit("never_started"))


_AGGREGATES = [
    pl.col("level_rank").filter(pl.col("diploma")).max().alias("diploma_rank"),
    (pl.col("started") & pl.col("end_date").is_null()).any().alias("any_open"),
    pl.col("started").any().alias("any_started"),
]


def student_cohort_outcomes(prepared):
    """One row per (student, cohort) with the outcome of that cohort's records."""
    last = prepared.group_by("student").agg(pl.col("cohort").max().alias("last_cohort"))
    per = prepared.group_by(["student", "cohort"]).agg(_AGGREGATES).join(last, on="student")
    return per.with_columns(outcome=_outcome_expr(with_later=True)).select(["student", "cohort", "outcome"])


def student_outcomes(prepared):
    """One row per student with the outcome over all their records."""
    per = prepared.group_by("student").agg(_AGGREGATES)
    return per.with_columns(outcome=_outcome_expr(with_later=False)).select(["student", "outcome"])


def _counts_table(counts, row_key, col_key, rows, cols, key, title, row_label=str, col_label=str, note=""):
    lookup = {(r[row_key], r[col_key]): r["n"] for r in counts.iter_rows(named=True)}
    cells = [[int(lookup.get((r, c), 0)) for c in cols] for r in rows]
    return Table(key, title, [row_label(r) for r in rows], [col_label(c) for c in cols], cells, note)


def _count(frame_or_lazy, keys):
    return frame_or_lazy.group_by(keys).agg(pl.len().alias("n"))


def outcome_table(counts, cohorts):
    return _counts_table(
        counts,
        "cohort",
        "outcome",
        cohorts,
        COHORT_OUTCOMES,
        "outcomes",
        "Uitkomst per cohort (student × cohort)",
        cohort_label,
        OUTCOME_LABELS.get,
        note="Eén telling per student per cohort waarin die student een inschrijving heeft.",
    )


def student_outcome_table(counts):
    counts = counts.with_columns(row=pl.lit("all"))
    return _counts_table(
        counts,
        "row",
        "outcome",
        ["all"],
        STUDENT_OUTCOMES,
        "student_outcomes",
        "Uitkomst per unieke student (alle cohorten)",
        lambda _: "Alle studenten",
        OUTCOME_LABELS.get,
    )


def transfer_types(prepared):
    """Per student with a known leaving date of the prior school: overlap / direct / later."""
    first = (
        prepared.group_by("student")
        .agg(
            pl.col("start_date").min().alias("first_start"),
            pl.col("cohort").min().alias("first_cohort"),
            pl.col("prior_school_end_date").drop_nulls().first().alias("prior_end"),
        )
        .filter(pl.col("prior_end").is_not_null())
    )
    days = (pl.col("first_start") - pl.col("prior_end")).dt.total_days()
    return first.with_columns(
        days=days,
        transfer=pl.when(days < -TRANSFER_WINDOW_DAYS)
        .then(pl.lit("overlap"))
        .when(days <= TRANSFER_WINDOW_DAYS)
        .then(pl.lit("direct"))
        .otherwise(pl.lit("later")),
    )


def transfer_table(counts, cohorts):
    return _counts_table(
        counts,
        "first_cohort",
        "transfer",
        cohorts,
        TRANSFER_TYPES,
        "transfer",
        "Overstaptype (cohort van eerste aanmelding)",
        cohort_label,
        TRANSFER_LABELS.get,
        note="Alleen studenten van wie de uitschrijfdatum van de vorige school bekend is.",
    )


def dropout_records(prepared):
    days = (pl.col("end_date") - pl.col("start_date")).dt.total_days()
    return prepared.filter(pl.col("end_reason") == "dropout").with_columns(
        days=days,
        bucket=pl.when(days < 100)
        .then(pl.lit("<100"))
        .when(days <= 180)
        .then(pl.lit("100-180"))
        .otherwise(pl.lit(">180")),
    )


def timing_tables(by_cohort, by_level, cohorts):
    def bucket_label(bucket):
        return f"{bucket} dagen"

    return (
        _counts_table(
            by_cohort,
            "cohort",
            "bucket",
            cohorts,
            TIMING_BUCKETS,
            "timing",
            "Moment van uitval (dagen na start), per cohort",
            cohort_label,
            bucket_label,
        ),
        _counts_table(
            by_level,
            "level",
            "bucket",
            LEVELS,
            TIMING_BUCKETS,
            "timing_level",
            "Moment van uitval (dagen na start), per niveau",
            LEVEL_LABEL.get,
            bucket_label,
        ),
    )


def started_in_order(prepared):
    """Started records per student by start date (ties: lower level first, then input order)."""
    return prepared.filter(pl.col("started")).sort(
        ["student", "start_date", "level_rank"], maintain_order=True
    )


def flows(prepared, by="level", ordered=None):
    """Counts of moves from one started enrolment to the student's next started one."""
    ordered = started_in_order(prepared) if ordered is None else ordered
    same_student = pl.col("student").shift(-1) == pl.col("student")
    pairs = ordered.select(
        pl.col(by).alias("from"), pl.when(same_student).then(pl.col(by).shift(-1)).alias("to")
    )
    return (
        pairs.filter(pl.col("to").is_not_null())
        .group_by(["from", "to"])
        .agg(pl.len().alias("n"))
        .sort(["n", "from", "to"], descending=[True, False, False])
    )


def level_flow_table(counts):
    return _counts_table(
        counts,
        "from",
        "to",
        LEVELS,
        LEVELS,
        "flows_level",
        "Stromen tussen niveaus (van rij naar kolom)",
        LEVEL_LABEL.get,
        LEVEL_LABEL.get,
    )


def programme_flow_table(counts, limit=15):
    """The most frequent programme-to-programme moves, as a from × to table of the busiest programmes."""
    busiest = counts.head(limit)
    names = sorted(set(busiest["from"].to_list()) | set(busiest["to"].to_list()))
    return _counts_table(
        counts.filter(pl.col("from").is_in(names) & pl.col("to").is_in(names)),
        "from",
        "to",
        names,
        names,
        "flows_programme",
        "Stromen tussen opleidingen (drukste opleidingen; van rij naar kolom)",
    )


def analyse(records):
    """Every table of the cohort page, from raw records. Returns a dict of Tables plus figures.

    All queries are lazy and collected together, so Polars shares the common work and runs the
    independent aggregations in parallel.
    """
    lazy = prepare(frame(records)).lazy()
    drop = dropout_records(lazy)
    ordered = started_in_order(lazy)
    (
        cohorts_frame,
        sizes,
        per_cohort,
        outcomes,
        students,
        transfer,
        timing_cohort,
        timing_level,
        means,
        level_flows,
        programme_flows,
    ) = pl.collect_all(
        [
            lazy.select(pl.col("cohort").unique().sort()),
            lazy.select(pl.len().alias("records"), pl.col("student").n_unique().alias("students")),
            _count(lazy.with_columns(col=pl.lit("n")), ["cohort", "col"]),
            _count(student_cohort_outcomes(lazy), ["cohort", "outcome"]),
            _count(student_outcomes(lazy), ["outcome"]),
            _count(transfer_types(lazy), ["first_cohort", "transfer"]),
            _count(drop, ["cohort", "bucket"]),
            _count(drop, ["level", "bucket"]),
            drop.group_by("bucket").agg(pl.col("days").mean()),
            flows(lazy, "level", ordered),
            flows(lazy, "programme", ordered),
        ]
    )
    cohorts = cohorts_frame["cohort"].to_list()
    by_cohort, by_level = timing_tables(timing_cohort, timing_level, cohorts)
    return {
        "cohorts": [cohort_label(c) for c in cohorts],
        "records": sizes["records"][0],
        "students": sizes["students"][0],
        "student_cohorts": int(outcomes["n"].sum()),  # one outcome per student × cohort
        "records_by_cohort": _counts_table(
            per_cohort,
            "cohort",
            "col",
            cohorts,
            ["n"],
            "records",
            "Inschrijvingen per cohort",
            cohort_label,
            lambda _: "Inschrijvingen",
        ),
        "tables": [
            outcome_table(outcomes, cohorts),
            student_outcome_table(students),
            transfer_table(transfer, cohorts),
            by_cohort,
            by_level,
            level_flow_table(level_flows),
            programme_flow_table(programme_flows),
        ],
        "programme_flows": programme_flows,
        "dropout_mean_days": {
            bucket: (round(float(v), 1) if v is not None else None) for bucket, v in means.iter_rows()
        },
    }
