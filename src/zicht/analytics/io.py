"""CSV in and out, wide format: ``student_id,week,<items...>`` (optional ``mentor_id``,
``duration_seconds``). A week without a diary is a row with all item cells empty.

pandas is used when installed (much faster on big files); otherwise the csv module.
"""

import csv
from dataclasses import dataclass

import numpy as np

META = ("student_id", "week", "mentor_id", "duration_seconds")


class InputError(ValueError):
    """Bad input file; the message is meant for the user (Dutch first, English after)."""


@dataclass
class Table:
    student_ids: np.ndarray  # (N,) in order of first appearance
    items: list
    X: np.ndarray  # (N, T, I) float32
    present: np.ndarray  # (N, T)
    duration: np.ndarray | None  # (N, T) seconds or None
    mentor_ids: np.ndarray | None  # (N,)
    row_student: np.ndarray  # (rows,) index into student_ids, in input order
    row_week: np.ndarray  # (rows,) week number (1-based), in input order


def _read_columns(path):
    try:
        import pandas as pd
    except ImportError:
        pd = None
    if pd is not None:
        df = pd.read_csv(
            path,
            dtype={"student_id": str, "mentor_id": str},
            keep_default_na=False,
            na_values=[""],
            low_memory=False,
        )
        return list(df.columns), {c: df[c].to_numpy() for c in df.columns}
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        cols = list(zip(*reader, strict=False)) or [()] * len(header)
    data = {}
    for name, values in zip(header, cols, strict=False):
        data[name] = np.array(values, dtype=object)
    return header, data


def _numbers(values, name):
    if values.dtype.kind in "fiu":
        return values.astype(np.float32)
    try:
        return np.array([float(v) if str(v).strip() != "" else np.nan for v in values], np.float32)
    except ValueError as e:
        raise InputError(
            f"kolom {name!r} bevat iets anders dan een getal / column {name!r} is not numeric: {e}"
        ) from e


def read_wide(path):
    header, data = _read_columns(path)
    header = [h.strip() for h in header]
    data = {k.strip(): v for k, v in data.items()}
    for need in ("student_id", "week"):
        if need not in header:
            raise InputError(f"kolom {need!r} ontbreekt / column {need!r} is missing")
    items = [h for h in header if h not in META]
    sid = np.asarray(data["student_id"]).astype(str)
    week_f = _numbers(np.asarray(data["week"]), "week")
    if np.isnan(week_f).any() or (week_f < 1).any() or (week_f != np.round(week_f)).any():
        raise InputError("week moet een geheel getal >= 1 zijn / week must be an integer >= 1")
    week = week_f.astype(np.int64)
    ids, codes = np.unique(sid, return_inverse=True)
    order = np.argsort(np.unique(codes, return_index=True)[1])  # first appearance order
    remap = np.empty_like(order)
    remap[order] = np.arange(len(order))
    codes, ids = remap[codes], ids[order]
    N, T, I = len(ids), int(week.max()) if len(week) else 0, len(items)  # noqa: E741 (N students, T weeks, I items)
    flat = codes * max(T, 1) + (week - 1)
    if len(np.unique(flat)) != len(flat):
        raise InputError("een student-week staat dubbel in het bestand / duplicate student-week row")
    X = np.full((N, T, I), np.nan, np.float32)
    for j, name in enumerate(items):
        X[codes, week - 1, j] = _numbers(np.asarray(data[name]), name)
    present = np.zeros((N, T), bool)
    present[codes, week - 1] = True
    duration = None
    if "duration_seconds" in data:
        duration = np.full((N, T), np.nan, np.float32)
        duration[codes, week - 1] = _numbers(np.asarray(data["duration_seconds"]), "duration_seconds")
    mentors = None
    if "mentor_id" in data:
        mentors = np.empty(N, dtype=object)
        mentors[codes] = np.asarray(data["mentor_id"]).astype(str)
    return Table(ids, items, X, present, duration, mentors, codes, week)


def write_wide(path, student_ids, items, X, present, mentor_ids=None):
    """Write a cohort array as wide CSV, one row per present student-week."""
    n_idx, t_idx = np.nonzero(present)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        head = ["student_id", "week"] + (["mentor_id"] if mentor_ids is not None else []) + list(items)
        w.writerow(head)
        vals = X[n_idx, t_idx, :]
        for k in range(len(n_idx)):
            n = n_idx[k]
            cells = ["" if np.isnan(v) else f"{v:.0f}" if v == int(v) else f"{v:g}" for v in vals[k]]
            lead = [student_ids[n], t_idx[k] + 1] + ([mentor_ids[n]] if mentor_ids is not None else [])
            w.writerow(lead + cells)


def write_labels(path, student_ids, left_week):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["student_id", "left_week"])
        for s, lw in zip(student_ids, left_week, strict=False):
            w.writerow([s, int(lw) if lw > 0 else ""])


def read_labels(path, student_ids):
    """left_week per student in the order of ``student_ids`` (0 = stayer or unknown)."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    by_id = {r["student_id"].strip(): (r.get("left_week") or "").strip() for r in rows}
    out = np.zeros(len(student_ids), np.int64)
    for i, s in enumerate(student_ids):
        v = by_id.get(str(s), "")
        out[i] = int(float(v)) if v else 0
    return out


def write_scores(path, student_ids, rows_n, rows_t, risk, alert, reason):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["student_id", "week", "risk", "alert", "reason"])
        r = risk[rows_n, rows_t]
        a = alert[rows_n, rows_t]
        for k in range(len(rows_n)):
            w.writerow([student_ids[rows_n[k]], rows_t[k] + 1, f"{r[k]:.6f}", int(a[k]), reason[k]])


def read_scores(path, student_ids, T):
    """Risk and alert arrays (N, T) from a scores CSV, aligned with ``student_ids``."""
    index = {str(s): i for i, s in enumerate(student_ids)}
    risk = np.full((len(student_ids), T), np.nan, np.float32)
    alert = np.zeros((len(student_ids), T), bool)
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            n = index.get(row["student_id"].strip())
            t = int(float(row["week"])) - 1
            if n is None or not 0 <= t < T:
                continue
            risk[n, t] = float(row["risk"])
            alert[n, t] = row["alert"].strip() in ("1", "True", "true")
    return risk, alert
