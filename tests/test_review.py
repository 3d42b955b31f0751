"""复核: review marks change scores and the KPI from findings.json, without re-checking; appeals don't."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from phrasecheck.cli import main
from phrasecheck.engine import run as pipeline
from phrasecheck.errors import ReviewError
from phrasecheck.scoring.review import read_reviews
from reports_helpers import write_day

F02 = "c2:F02:4:3"  # c2's 不知道: the 4th turn, char 3
F11 = "c4:F11:4:0"


@pytest.fixture()
def folder(tmp_path) -> Path:
    day = write_day(tmp_path / "day.jsonl")
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["report", str(day), "--out", str(out)])
    assert res.exit_code == 0, res.output
    return out


def _agents(out: Path) -> dict:
    return {a["agent_id"]: a for a in json.loads((out / "findings.json").read_text(encoding="utf-8"))["kpi"]}


def _no_checking(monkeypatch):
    def boom(*a, **k):
        raise AssertionError("re-checked the inputs")

    monkeypatch.setattr(pipeline, "check_paths", boom)


def test_review_file_has_one_row_per_finding(folder):
    rows = list(csv.DictReader((folder / "review.csv").open(encoding="utf-8-sig")))
    # the key starts with the input file: two files may hold the same conversation id
    assert [r["key"] for r in rows] == [f"{r['source']}:{k}" for r, k in zip(rows, [F02, "c3:G01:2:0", "c3:O01:2:0", F11])]
    assert {r["source"] for r in rows} == {str(folder.parent / "day.jsonl")}
    assert all(r["verdict"] == "" for r in rows)
    assert 'href="review.csv"' in (folder / "report.html").read_text(encoding="utf-8")


def test_overruling_a_finding_recomputes_scores_and_kpi_without_rechecking(folder, monkeypatch):
    assert _agents(folder)["A1"]["attitude"] == 8.5
    res = CliRunner().invoke(
        main, ["review-mark", str(folder / "findings.json"), "--finding", F02, "--verdict", "false", "--note", "问的是别人不知道", "--by", "QA李"]
    )
    assert res.exit_code == 0, res.output
    _no_checking(monkeypatch)
    res = CliRunner().invoke(main, ["report", str(folder / "findings.json"), "--out", str(folder)])
    assert res.exit_code == 0, res.output
    a1 = _agents(folder)["A1"]
    assert (a1["attitude"], a1["points"], a1["grade"], a1["forbidden_per_100"]) == (10.0, 100.0, "优秀", 0.0)
    doc = json.loads((folder / "findings.json").read_text(encoding="utf-8"))
    c2 = doc["conversations"][1]
    assert c2["attitude_score"] == 10.0
    assert [(f["id"], f.get("review")) for f in c2["findings"]] == [("F02", "false")]  # still there, overruled
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert "复核：误报（已驳回）（QA李） — 问的是别人不知道" in html
    # the KPI command reads the same file back
    res = CliRunner().invoke(main, ["kpi", str(folder / "findings.json"), "--output", str(folder / "k.csv")])
    assert res.exit_code == 0
    rows = list(csv.DictReader((folder / "k.csv").open(encoding="utf-8-sig")))
    assert rows[0]["坐席 agent"] == "A1" and rows[0]["服务态度(10) attitude"] == "10.0"


def test_overruling_the_fatal_finding_lifts_the_zero(folder, monkeypatch):
    CliRunner().invoke(main, ["review-mark", str(folder / "findings.json"), "--finding", "c4:F11", "--verdict", "false"])
    _no_checking(monkeypatch)
    res = CliRunner().invoke(main, ["kpi", str(folder / "findings.json"), "--output", str(folder / "k.csv")])
    assert res.exit_code == 0
    b2 = {r["坐席 agent"]: r for r in csv.DictReader((folder / "k.csv").open(encoding="utf-8-sig"))}["B2"]
    assert b2["服务态度(10) attitude"] == "7.0"  # c3 4 + c4 10 (greeting ok, courtesy 2) over 2
    assert b2["一票否决会话 fatal"] == "0"


def test_an_appeal_is_shown_but_does_not_change_the_score_until_decided(folder):
    runner = CliRunner()
    runner.invoke(main, ["review-mark", str(folder / "findings.json"), "--finding", F02, "--verdict", "appeal", "--note", "客户问的是别人", "--by", "A1"])
    runner.invoke(main, ["report", str(folder / "findings.json"), "--out", str(folder)])
    assert _agents(folder)["A1"]["attitude"] == 8.5
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert "申诉：客户问的是别人" in html
    runner.invoke(main, ["review-mark", str(folder / "findings.json"), "--finding", F02, "--verdict", "confirmed", "--by", "QA李"])
    entry = read_reviews(folder / "review.csv")[f"{folder.parent / 'day.jsonl'}:{F02}"]
    assert (entry.verdict, entry.appeal, entry.by) == ("confirmed", "客户问的是别人", "QA李")
    runner.invoke(main, ["report", str(folder / "findings.json"), "--out", str(folder)])
    assert _agents(folder)["A1"]["attitude"] == 8.5


def test_a_hand_edited_review_file_with_chinese_verdicts(folder):
    text = (folder / "review.csv").read_text(encoding="utf-8-sig").replace(",c2,A1,F02,4,不知道,,", ",c2,A1,F02,4,不知道,误报,")
    (folder / "review.csv").write_text(text, encoding="utf-8-sig")
    res = CliRunner().invoke(main, ["kpi", str(folder / "findings.json")])
    assert res.exit_code == 0
    assert "优秀" in next(ln for ln in res.output.splitlines() if "A1" in ln)


def test_rerunning_the_report_on_the_inputs_keeps_verdicts(folder, tmp_path):
    CliRunner().invoke(main, ["review-mark", str(folder / "findings.json"), "--finding", F02, "--verdict", "false"])
    res = CliRunner().invoke(main, ["report", str(tmp_path / "day.jsonl"), "--out", str(folder)])
    assert res.exit_code == 0
    assert read_reviews(folder / "review.csv")[f"{tmp_path / 'day.jsonl'}:{F02}"].verdict == "false"
    assert _agents(folder)["A1"]["attitude"] == 10.0


def test_bad_marks_and_bad_files_are_reported(folder):
    res = CliRunner().invoke(main, ["review-mark", str(folder / "findings.json"), "--finding", "c9:F01", "--verdict", "false"])
    assert res.exit_code == 2 and "matches no finding" in res.output
    res = CliRunner().invoke(main, ["review-mark", str(folder / "findings.json"), "--finding", "c3", "--verdict", "false"])
    assert res.exit_code == 2 and "ambiguous" in res.output
    (folder / "review.csv").write_text("key,verdict\nc2:F02:3:3,maybe\n", encoding="utf-8")
    with pytest.raises(ReviewError, match=r"review.csv:2: verdict 'maybe'"):
        read_reviews(folder / "review.csv")
    res = CliRunner().invoke(main, ["kpi", str(folder / "findings.json")])
    assert res.exit_code == 2 and "review.csv:2" in res.output


def test_a_verdict_whose_key_cell_was_emptied_is_an_error_not_dropped(folder):
    """A review.csv row with a verdict but no key was skipped: the verdict did nothing and vanished when
    review.csv was written again (exit 0). A blank row is still only a blank row."""
    path = folder / "review.csv"
    rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
    at = next(i for i, r in enumerate(rows) if r[0].endswith(F02))
    rows[at][0], rows[at][rows[0].index("verdict")] = "", "false"
    rows.append([""] * len(rows[0]))
    with open(path, "w", encoding="utf-8-sig", newline="") as out:
        csv.writer(out, lineterminator="\r\n").writerows(rows)
    with pytest.raises(ReviewError) as err:
        read_reviews(path)
    assert err.value.line == at + 1 and "a row with no key" in err.value.message
    res = CliRunner().invoke(main, ["kpi", str(folder / "findings.json")])
    assert res.exit_code == 2 and f"{path}:{at + 1}: a row with no key" in res.output
