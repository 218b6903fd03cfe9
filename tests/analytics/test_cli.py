"""Round trip through the command line: simulate -> score -> evaluate."""

import csv
import json

import pytest

from zicht.analytics import cli

KEYS = ["auc_4w", "share_alerted_2w_ahead", "median_lead_weeks", "false_alarms_per_mentor_month"]


def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("ews")
    inp, labels, out = d / "in.csv", d / "labels.csv", d / "scores.csv"
    assert (
        cli.main(["simulate", "--students", "300", "--weeks", "20", "--seed", "7", str(inp), str(labels)])
        == 0
    )
    assert cli.main(["score", str(inp), str(out)]) == 0
    return d, inp, labels, out


def test_simulated_input_follows_the_spec(files):
    _, inp, labels, _ = files
    data = rows(inp)
    assert list(data[0])[:3] == ["student_id", "week", "mentor_id"]
    empty = [r for r in data if all(r[k] == "" for k in r if k.startswith("v"))]
    assert 0.15 < len(empty) / len(data) < 0.5  # missed diaries are rows with empty cells
    lab = rows(labels)
    assert len(lab) == 300 and any(r["left_week"] for r in lab) and any(not r["left_week"] for r in lab)


def test_score_writes_every_input_row(files):
    _, inp, _, out = files
    data, scores = rows(inp), rows(out)
    assert [(r["student_id"], r["week"]) for r in scores] == [(r["student_id"], r["week"]) for r in data]
    assert list(scores[0]) == ["student_id", "week", "risk", "alert", "reason"]
    alerted = [r for r in scores if r["alert"] == "1"]
    assert alerted and all(r["reason"] for r in alerted)


def test_evaluate_prints_table_and_json_last_line(files, capsys):
    _, inp, labels, out = files
    capsys.readouterr()
    assert cli.main(["evaluate", str(inp), str(labels), "--scores", str(out)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert any(line.startswith("model") for line in lines)
    result = json.loads(lines[-1])
    for prefix in ("", "baseline_missed_", "baseline_low_"):
        for k in KEYS:
            assert prefix + k in result
    assert 0 <= result["auc_4w"] <= 1


def test_csv_scoring_is_causal_and_ignores_item_names(files):
    d, inp, _, out = files
    data = rows(inp)
    head = list(data[0])
    cut, renamed = d / "cut.csv", d / "renamed.csv"
    with open(cut, "w", newline="") as f:
        w = csv.DictWriter(f, head)
        w.writeheader()
        w.writerows(r for r in data if int(r["week"]) <= 8)
    new_head = [h if h in ("student_id", "week", "mentor_id") else f"q{i}" for i, h in enumerate(head)]
    with open(renamed, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(new_head)
        w.writerows([r[h] for h in head] for r in data)
    assert cli.main(["score", str(cut), str(d / "cut_scores.csv")]) == 0
    assert cli.main(["score", str(renamed), str(d / "renamed_scores.csv")]) == 0
    full = rows(out)
    early = [r for r in full if int(r["week"]) <= 8]
    assert rows(d / "cut_scores.csv") == early
    strip = lambda rs: [(r["student_id"], r["week"], r["risk"], r["alert"]) for r in rs]  # noqa: E731
    assert strip(rows(d / "renamed_scores.csv")) == strip(full)


def test_bad_input_gives_clear_error(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("student_id,v1\ns1,50\n")
    assert cli.main(["score", str(bad), str(tmp_path / "o.csv")]) == 2
    assert "week" in capsys.readouterr().err


def test_project_console_script_routes_ews(tmp_path):
    from zicht.cli import main as zicht_main

    inp, labels = tmp_path / "in.csv", tmp_path / "labels.csv"
    assert zicht_main(["ews", "simulate", "--students", "20", "--weeks", "6", str(inp), str(labels)]) == 0
    assert inp.read_text().startswith("student_id,week,")
