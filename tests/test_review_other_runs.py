"""`report --review` with a review file that spans other runs (a browser export of several days):
only rows that carry a verdict are worth a "matches no finding" warning; a blank row of another run is not."""

from __future__ import annotations

from click.testing import CliRunner

from phrasecheck.cli import main
from phrasecheck.scoring.review import read_reviews
from reports_helpers import DAY, write_day


def test_blank_rows_of_other_runs_do_not_warn(tmp_path):
    today, other = tmp_path / "today", tmp_path / "other"
    today.mkdir()
    other.mkdir()
    day_a = write_day(today / "day.jsonl", DAY[:2])  # c1, c2 (F02)
    day_b = write_day(other / "day.jsonl", DAY[2:])  # c3, c4: another run's findings
    runner = CliRunner()
    res = runner.invoke(main, ["report", str(day_b), "--out", str(other / "out"), "--no-db"])
    assert res.exit_code in (0, 1), res.output
    rows = read_reviews(other / "out" / "review.csv")
    assert len(rows) >= 2 and not any(e.verdict for e in rows.values())  # the other run: blank rows, one per finding
    decided = next(k for k in rows if ":F11:" in k)
    res = runner.invoke(main, ["review-mark", str(other / "out" / "findings.json"), "--finding", decided, "--verdict", "confirmed", "--by", "QA李"])
    assert res.exit_code == 0, res.output

    res = runner.invoke(main, ["report", str(day_a), "--out", str(today / "out"), "--review", str(other / "out" / "review.csv"), "--no-db"])
    assert res.exit_code in (0, 1), res.output
    warned = [line for line in res.output.splitlines() if "matches no finding" in line]
    assert warned == [f"warning: review entry {decided} matches no finding"]  # the verdict row, and no blank row
