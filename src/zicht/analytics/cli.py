"""``zicht ews simulate | score | evaluate`` — early-warning tools that need no database."""

import argparse
import json
import math
import sys

import numpy as np

from zicht.analytics import evaluate, io, risk, simulate

KEYS = ["auc_4w", "share_alerted_2w_ahead", "median_lead_weeks", "false_alarms_per_mentor_month"]


def _parser():
    ap = argparse.ArgumentParser(prog="zicht ews", description="Vroegsignalering / early warning")
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("simulate", help="synthetisch cohort / synthetic cohort")
    s.add_argument("--students", type=int, default=2000)
    s.add_argument("--weeks", type=int, default=40)
    s.add_argument("--seed", type=int, default=2)
    s.add_argument("--effect", type=float, default=1.0, help="sterkte van het signaal bij uitvallers")
    s.add_argument("--missing", type=float, default=0.33, help="aandeel gemiste dagboeken")
    s.add_argument("--noise", type=float, default=1.0, help="schaal van de ruis per week")
    s.add_argument("out")
    s.add_argument("labels")
    c = sub.add_parser("score", help="risico en signalen per student-week / risk and alerts")
    c.add_argument("input")
    c.add_argument("output")
    e = sub.add_parser("evaluate", help="kwaliteit tegen uitkomsten / quality against outcomes")
    e.add_argument("input")
    e.add_argument("labels")
    e.add_argument("--scores", help="bestaand scorebestand; anders wordt eerst gescoord")
    return ap


def _score(table):
    r, a, parts = risk.score_arrays(table.X, table.present, table.duration)
    reason = risk.reasons(parts, a, table.items, table.row_student, table.row_week - 1)
    return r, a, reason


def cmd_simulate(a):
    c = simulate.simulate(a.students, a.weeks, a.seed, a.effect, a.missing, a.noise)
    io.write_wide(a.out, c.student_ids, c.items, c.X, c.present, c.mentor_ids)
    io.write_labels(a.labels, c.student_ids, c.left_week)
    print(f"{a.students} studenten, {int((c.left_week > 0).sum())} uitvallers -> {a.out}, {a.labels}")
    return 0


def cmd_score(a):
    t = io.read_wide(a.input)
    r, al, reason = _score(t)
    io.write_scores(a.output, t.student_ids, t.row_student, t.row_week - 1, r, al, reason)
    print(
        f"{len(t.row_student)} rijen gescoord, {int(al[t.row_student, t.row_week - 1].sum())} met signaal -> {a.output}"
    )
    return 0


def _fmt(v, key):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    return f"{v:.1%}" if key == "share_alerted_2w_ahead" else f"{v:.3f}" if key == "auc_4w" else f"{v:.2f}"


def cmd_evaluate(a):
    t = io.read_wide(a.input)
    left = io.read_labels(a.labels, t.student_ids)
    if a.scores:
        r, al = io.read_scores(a.scores, t.student_ids, t.X.shape[1])
        r = np.nan_to_num(r, nan=-np.inf)
    else:
        r, al, _ = _score(t)
    res = evaluate.evaluate_all(t.X, t.present, left, t.items, r, al)
    n_leavers = int((left > 0).sum())
    print(f"{len(t.student_ids)} studenten, {n_leavers} uitvallers, {int(t.present.sum())} student-weken")
    print(f"{'':22s}{'AUC 4 wk':>10s}{'>=2 wk vooraf':>15s}{'mediaan wk':>12s}{'vals alarm/mentor/mnd':>23s}")
    for name, prefix in (
        ("model", ""),
        ("basis: 2x gemist", "baseline_missed_"),
        ("basis: laatste < 40", "baseline_low_"),
    ):
        cells = [_fmt(res[prefix + k], k) for k in KEYS]
        print(f"{name:22s}{cells[0]:>10s}{cells[1]:>15s}{cells[2]:>12s}{cells[3]:>23s}")
    clean = {k: (None if isinstance(v, float) and math.isnan(v) else round(v, 4)) for k, v in res.items()}
    print(json.dumps(clean))
    return 0


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    a = _parser().parse_args(argv)
    try:
        return {"simulate": cmd_simulate, "score": cmd_score, "evaluate": cmd_evaluate}[a.cmd](a)
    except (io.InputError, FileNotFoundError) as e:
        print(f"fout / error: {e}", file=sys.stderr)
        return 2
