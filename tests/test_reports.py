"""Report folder and formats: files written, xlsx/csv read back, CI formats parsed and validated,
personal data masked in every format without hiding findings."""

from __future__ import annotations

import csv
import io
import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from phrasecheck.cli import main
from phrasecheck.config.profile import Profile
from phrasecheck.data import Conversation, Run, Turn
from phrasecheck.inputs.readers import read_file
from phrasecheck.report import EMITTERS, EmitOptions
from phrasecheck.report.folder import write_report_folder
from phrasecheck.report.kpisheet import COLUMNS
from phrasecheck.report.redact import mask, redact_run, spans
from reports_helpers import DAY, checker, write_day


def _run(tmp_path: Path, day=DAY) -> tuple[Run, set[str]]:
    chk = checker()
    path = write_day(tmp_path / "day.jsonl", day)
    return Run(results=[chk.check(c) for c in read_file(path, Profile()).conversations], files=1), chk.fatal


def _emit(run: Run, fmt: str, fail_on: str = "forbidden,opener") -> str:
    out = io.StringIO()
    EMITTERS[fmt](run, Profile(), out, EmitOptions(fail_on=frozenset(fail_on.split(","))))
    return out.getvalue()


# --- report folder, xlsx, csv ------------------------------------------------------------------


def test_report_command_writes_the_folder(tmp_path):
    day = write_day(tmp_path / "day.jsonl")
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["report", str(day), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in out.iterdir()) == ["calls.csv", "findings.json", "kpi.csv", "kpi.xlsx", "report.html", "review.csv"]
    doc = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    assert doc["schema_version"] == 1 and doc["scoring"]["fatal"] == ["F11"]
    assert [a["agent_id"] for a in doc["kpi"]] == ["A1", "B2"]
    assert doc["conversations"][0]["turns"][0]["timestamp"].startswith("2026-11-26T09:00:00")


def test_xlsx_reads_back_with_openpyxl(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    run, fatal = _run(tmp_path)
    write_report_folder(run, Profile(), tmp_path / "out", fatal)
    wb = openpyxl.load_workbook(tmp_path / "out" / "kpi.xlsx")
    assert wb.sheetnames == ["KPI", "说明"]
    ws = wb["KPI"]
    header = [c.value for c in ws[1]]
    assert header == [h for h, _ in COLUMNS]
    rows = [dict(zip(header, (c.value for c in row))) for row in ws.iter_rows(min_row=2)]
    assert [(r["排名 rank"], r["坐席 agent"], r["百分制 points"], r["等级 grade"]) for r in rows] == [(1, "A1", 85, "良好"), (2, "B2", 20, "不称职")]
    assert rows[0]["回复率% reply_rate"] == 100 and rows[0]["平均响应秒 mean_response_s"] == 25
    assert any("服务态度" in (c.value or "") for c in wb["说明"]["A"])


def test_kpi_csv_has_a_bom_and_the_same_rows(tmp_path):
    run, fatal = _run(tmp_path)
    write_report_folder(run, Profile(), tmp_path / "out", fatal)
    raw = (tmp_path / "out" / "kpi.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [(r["排名 rank"], r["坐席 agent"], r["等级 grade"]) for r in rows] == [("1", "A1", "良好"), ("2", "B2", "不称职")]


def test_calls_csv_speaks_chinese_in_the_same_column_order(tmp_path):
    run, fatal = _run(tmp_path)
    write_report_folder(run, Profile(), tmp_path / "out", fatal)
    rows = list(csv.reader(io.StringIO((tmp_path / "out" / "calls.csv").read_text(encoding="utf-8-sig"))))
    keys = ["source", "conversation_id", "agent_id", "roles", "started_at", "first_agent_s", "greeting_ok", "greeting_missing"]
    keys += ["forbidden", "openers", "courtesy_used", "courtesy_count", "attitude_score", "error"]
    assert [h.split(" ")[-1] for h in rows[0]] == keys  # the order scripts rely on
    assert rows[0][1] == "会话 conversation_id" and rows[0][6] == "问候合规 greeting_ok"
    by_id = {r[1]: r for r in rows[1:]}
    assert [by_id[c][6] for c in ("c1", "c2", "c3", "c4")] == ["是", "是", "否", "是"]
    assert "问候" in by_id["c3"][7].split(" ") and by_id["c3"][9] == "O01" and by_id["c4"][8] == "F11"
    assert not any(v in ("yes", "no") for r in rows[1:] for v in r)


def test_report_html_names_rules_and_dates_in_chinese(tmp_path):
    run, fatal = _run(tmp_path)
    write_report_folder(run, Profile(), tmp_path / "out", fatal)
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "<title>phrasecheck 质检报告</title>" in html
    assert '<span class="rule">F02 不知道</span>' in html and '<option value="F11">F11 有本事你去告</option>' in html
    assert "2026-11-26 09:00:00" in html  # the date of each conversation, not only its clock time
    assert "建议说：" in html and "服务忌语：不应对客户说「不知道」" in html
    for english in ("say instead", "conversation(s)", "courtesy used", "generated", "turn 4"):
        assert english not in html
    assert html.count('<template class="conv"') == 4 and 'data-findings="0"' in html  # c1 is there for the toggle


def test_kpi_command_writes_xlsx_and_csv_and_keeps_formulas_out(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    day = [("c9", '=HYPERLINK("http://x")', [("customer", "你好", 0), ("agent", "您好", 10)])]
    path = write_day(tmp_path / "evil.jsonl", day)
    for name in ("k.xlsx", "k.csv"):
        res = CliRunner().invoke(main, ["kpi", str(path), "--output", str(tmp_path / name)])
        assert res.exit_code == 0, res.output
    cell = openpyxl.load_workbook(tmp_path / "k.xlsx")["KPI"]["B2"]
    assert cell.data_type == "s" and cell.value.startswith("'=")
    assert "'=HYPERLINK" in (tmp_path / "k.csv").read_text(encoding="utf-8-sig")
    res = CliRunner().invoke(main, ["kpi", str(path), "--output", str(tmp_path / "k.txt")])
    assert res.exit_code == 2


def test_kpi_command_prints_the_ranking(tmp_path):
    res = CliRunner().invoke(main, ["kpi", str(write_day(tmp_path / "day.jsonl"))])
    assert res.exit_code == 0
    lines = [ln for ln in res.output.splitlines() if "A1" in ln or "B2" in ln]
    assert "A1" in lines[0] and "良好" in lines[0] and "B2" in lines[1]


# --- CI formats --------------------------------------------------------------------------------


def test_junit_is_xml_with_a_case_per_conversation_and_a_failure_per_finding(tmp_path):
    run, _ = _run(tmp_path)
    root = ET.fromstring(_emit(run, "junit"))
    cases = root.findall("./testsuite/testcase")
    assert [c.get("name") for c in cases] == ["c1", "c2", "c3", "c4"]
    fails = {c.get("name"): [f.get("type") for f in c.findall("failure")] for c in cases}
    # the default --fail-on is forbidden,opener: c3's missing greeting is a warning, not a failure
    assert fails == {"c1": [], "c2": ["F02"], "c3": ["O01"], "c4": ["F11"]}
    assert root.get("tests") == "4" and root.get("failures") == "3"
    assert "warning G01" in root.find("./testsuite/testcase[@name='c3']/system-out").text
    strict = ET.fromstring(_emit(run, "junit", "forbidden,opener,greeting"))
    assert [f.get("type") for f in strict.findall("./testsuite/testcase[@name='c3']/failure")] == ["G01", "O01"]


def test_junit_counts_failing_cases_and_sarif_fingerprints_tell_files_apart(tmp_path):
    """Two exports holding the same conversation id, one with two forbidden phrases: JUnit's `failures` is
    the failing cases (2), not the failing findings (3); SARIF's fingerprints differ between the files."""
    for name, agent in (("a", "A1"), ("b", "B2")):  # another agent: two conversations, not one joined
        lines = [{"conversation_id": "c1", "agent_id": agent, "role": "agent", "text": "您好，阳光物业客服中心，我姓王，请问有什么可以帮您？"}]
        lines.append({"conversation_id": "c1", "agent_id": agent, "role": "customer", "text": "我家水管漏了"})
        rude = "不知道，有本事你去告" if name == "a" else "有本事你去告"
        lines.append({"conversation_id": "c1", "agent_id": agent, "role": "agent", "text": rude})
        (tmp_path / f"{name}.jsonl").write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), encoding="utf-8")
    out = {}
    for fmt in ("junit", "sarif"):
        res = CliRunner().invoke(main, ["check", "--format", fmt, str(tmp_path / "a.jsonl"), str(tmp_path / "b.jsonl")])
        assert res.exit_code == 1
        out[fmt] = res.stdout
    root = ET.fromstring(out["junit"])
    assert len(root.findall(".//failure")) == 3 and root.get("failures") == "2" and root.get("tests") == "2"
    results = json.loads(out["sarif"])["runs"][0]["results"]
    f11 = [r["partialFingerprints"]["phrasecheckKey/v2"] for r in results if r["ruleId"] == "F11"]
    assert len(f11) == 2 and len(set(f11)) == 2


def test_ci_formats_fail_exactly_when_check_exits_1(tmp_path):
    run, _ = _run(tmp_path)
    only_greeting = Run(results=[r for r in run.results if r.conversation.conversation_id == "c3"])
    only_greeting.results[0].findings = [f for f in only_greeting.results[0].findings if f.kind == "greeting"]
    assert ET.fromstring(_emit(only_greeting, "junit")).get("failures") == "0"
    gh = _emit(only_greeting, "github").splitlines()
    assert gh[0].startswith("::warning ") and "0 failing finding(s)" in gh[-1]
    sarif = json.loads(_emit(only_greeting, "sarif"))
    assert [r["level"] for r in sarif["runs"][0]["results"]] == ["warning"]
    assert json.loads(_emit(only_greeting, "sarif", "greeting"))["runs"][0]["results"][0]["level"] == "error"


def test_github_annotations_use_the_source_line(tmp_path):
    run, _ = _run(tmp_path)
    lines = _emit(run, "github").splitlines()
    f02 = next(ln for ln in lines if "title=F02" in ln)
    # c2's agent turn 不知道 is line 10 of the JSONL (6 lines of c1, then 4 of c2)
    assert f02.startswith("::error file=") and ",line=10," in f02 and "%0Asay instead" in f02
    assert next(ln for ln in lines if "title=G01" in ln).startswith("::warning ")
    assert len(lines) == 5 and lines[-1].startswith("phrasecheck: 4 conversation(s), 3 failing finding(s)")


# SARIF 2.1.0: the official schema is ~110 KB, so the tests check the parts phrasecheck writes
# against this hand-written subset (required properties, enums and property names of the spec);
# set PHRASECHECK_SARIF_SCHEMA to the official sarif-schema-2.1.0.json to validate against it too.
_MSG = {
    "type": "object",
    "anyOf": [{"required": ["text"]}, {"required": ["id"]}],
    "properties": {
        "text": {"type": "string"},
        "id": {"type": "string"},
        "markdown": {"type": "string"},
        "arguments": {"type": "array"},
        "properties": {"type": "object"},
    },
    "additionalProperties": False,
}
_MSF = {
    "type": "object",
    "required": ["text"],
    "properties": {"text": {"type": "string"}, "markdown": {"type": "string"}, "properties": {"type": "object"}},
    "additionalProperties": False,
}
_ART = {
    "type": "object",
    "properties": {
        "uri": {"type": "string", "format": "uri-reference"},
        "uriBaseId": {"type": "string"},
        "index": {"type": "integer", "minimum": -1},
        "description": _MSG,
        "properties": {"type": "object"},
    },
    "additionalProperties": False,
}
_LOC = {
    "type": "object",
    "properties": {
        "id": {"type": "integer", "minimum": -1},
        "physicalLocation": {
            "type": "object",
            "anyOf": [{"required": ["address"]}, {"required": ["artifactLocation"]}],
            "properties": {
                "address": {"type": "object"},
                "artifactLocation": _ART,
                "region": {
                    "type": "object",
                    "properties": {
                        "startLine": {"type": "integer", "minimum": 1},
                        "startColumn": {"type": "integer", "minimum": 1},
                        "endLine": {"type": "integer", "minimum": 1},
                        "endColumn": {"type": "integer", "minimum": 1},
                        "charOffset": {"type": "integer", "minimum": -1},
                        "charLength": {"type": "integer", "minimum": 0},
                        "snippet": {"type": "object", "properties": {"text": {"type": "string"}}},
                        "message": _MSG,
                        "properties": {"type": "object"},
                    },
                    "additionalProperties": False,
                },
                "contextRegion": {"type": "object"},
                "properties": {"type": "object"},
            },
            "additionalProperties": False,
        },
        "logicalLocations": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "index": {"type": "integer"},
                    "fullyQualifiedName": {"type": "string"},
                    "decoratedName": {"type": "string"},
                    "parentIndex": {"type": "integer"},
                    "kind": {"type": "string"},
                    "properties": {"type": "object"},
                },
                "additionalProperties": False,
            },
        },
        "message": _MSG,
        "annotations": {"type": "array"},
        "relationships": {"type": "array"},
        "properties": {"type": "object"},
    },
    "additionalProperties": False,
}
LEVELS = ["none", "note", "warning", "error"]
SARIF_SUBSET = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "required": ["version", "runs"],
    "properties": {
        "$schema": {"type": "string", "format": "uri"},
        "version": {"enum": ["2.1.0"]},
        "runs": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["tool"],
                "properties": {
                    "tool": {
                        "type": "object",
                        "required": ["driver"],
                        "properties": {
                            "driver": {
                                "type": "object",
                                "required": ["name"],
                                "properties": {
                                    "name": {"type": "string"},
                                    "version": {"type": "string"},
                                    "informationUri": {"type": "string", "format": "uri"},
                                    "rules": {
                                        "type": "array",
                                        "uniqueItems": True,
                                        "items": {
                                            "type": "object",
                                            "required": ["id"],
                                            "properties": {
                                                "id": {"type": "string"},
                                                "name": {"type": "string"},
                                                "shortDescription": _MSF,
                                                "fullDescription": _MSF,
                                                "help": _MSF,
                                                "helpUri": {"type": "string"},
                                                "defaultConfiguration": {
                                                    "type": "object",
                                                    "properties": {
                                                        "enabled": {"type": "boolean"},
                                                        "level": {"enum": LEVELS},
                                                        "rank": {"type": "number"},
                                                        "parameters": {"type": "object"},
                                                        "properties": {"type": "object"},
                                                    },
                                                    "additionalProperties": False,
                                                },
                                                "properties": {"type": "object"},
                                            },
                                            "additionalProperties": False,
                                        },
                                    },
                                },
                                "additionalProperties": False,
                            }
                        },
                        "additionalProperties": False,
                    },
                    "invocations": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["executionSuccessful"],
                            "properties": {
                                "executionSuccessful": {"type": "boolean"},
                                "toolExecutionNotifications": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "required": ["message"],
                                        "properties": {"message": _MSG, "level": {"enum": LEVELS}, "locations": {"type": "array", "items": _LOC}},
                                        "additionalProperties": False,
                                    },
                                },
                            },
                        },
                    },
                    "results": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["message"],
                            "properties": {
                                "ruleId": {"type": "string"},
                                "ruleIndex": {"type": "integer", "minimum": -1},
                                "kind": {"enum": ["notApplicable", "pass", "fail", "review", "open", "informational"]},
                                "level": {"enum": LEVELS},
                                "message": _MSG,
                                "locations": {"type": "array", "items": _LOC},
                                "partialFingerprints": {"type": "object", "additionalProperties": {"type": "string"}},
                                "fingerprints": {"type": "object", "additionalProperties": {"type": "string"}},
                                "suppressions": {
                                    "type": "array",
                                    "uniqueItems": True,
                                    "items": {
                                        "type": "object",
                                        "required": ["kind"],
                                        "properties": {
                                            "guid": {"type": "string"},
                                            "kind": {"enum": ["inSource", "external"]},
                                            "status": {"enum": ["accepted", "underReview", "rejected"]},
                                            "justification": {"type": "string"},
                                            "location": _LOC,
                                            "properties": {"type": "object"},
                                        },
                                        "additionalProperties": False,
                                    },
                                },
                                "properties": {"type": "object"},
                            },
                            "additionalProperties": False,
                        },
                    },
                },
            },
        },
    },
    "additionalProperties": False,
}


def _sarif(tmp_path) -> dict:
    run, _ = _run(tmp_path)
    run.results[1].findings[0].review = "false"
    return json.loads(_emit(run, "sarif"))


def test_sarif_validates_against_the_2_1_0_structure(tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    doc = _sarif(tmp_path)
    jsonschema.Draft7Validator.check_schema(SARIF_SUBSET)
    jsonschema.Draft7Validator(SARIF_SUBSET).validate(doc)
    official = os.environ.get("PHRASECHECK_SARIF_SCHEMA")
    if official:
        jsonschema.Draft7Validator(json.loads(Path(official).read_text(encoding="utf-8"))).validate(doc)


def test_sarif_rules_results_and_locations(tmp_path):
    doc = _sarif(tmp_path)
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert sorted(r["id"] for r in rules) == ["F02", "F11", "G01", "O01"]
    assert all(r["help"]["text"] for r in rules)
    results = run["results"]
    assert [r["ruleId"] for r in results] == ["F02", "G01", "O01", "F11"]
    for r in results:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
    f02 = results[0]
    assert f02["locations"][0]["physicalLocation"]["region"]["startLine"] == 10
    assert f02["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("day.jsonl")
    assert f02["suppressions"][0]["kind"] == "external"  # overruled by review, still listed


def test_ci_formats_keep_the_check_exit_codes(tmp_path):
    day = write_day(tmp_path / "day.jsonl")
    for fmt in ("junit", "github", "sarif"):
        assert CliRunner().invoke(main, ["check", str(day), "--format", fmt]).exit_code == 1
        assert CliRunner().invoke(main, ["check", str(day), "--format", fmt, "--fail-on", "none"]).exit_code == 0
        assert CliRunner().invoke(main, ["check", str(day), str(tmp_path / "missing.jsonl"), "--format", fmt]).exit_code == 2


# --- redaction ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, secret",
    [
        ("请回电13812345678谢谢", "13812345678"),
        ("手机+86 139-1234-5678", "+86 139-1234-5678"),
        ("手机１３８１２３４５６７８", "１３８１２３４５６７８"),
        ("座机010-87654321转21", "010-87654321转21"),
        ("电话(0755)87654321", "(0755)87654321"),
        ("身份证号11010519491231002X", "11010519491231002X"),
        ("身份证号110105194912310021。", "110105194912310021"),
        ("卡号6222021234567890123", "6222021234567890123"),
        ("卡号6222 0212 3456 7890", "6222 0212 3456 7890"),
        ("邮箱 wang.li@example.com.cn 谢谢", "wang.li@example.com.cn"),
        ("我的手机是一三八一二三四五六七八，您记一下", "一三八一二三四五六七八"),
        ("号码幺三九零零零零幺二三四对吧", "幺三九零零零零幺二三四"),
        ("138一二三四五六七八", "138一二三四五六七八"),
        ("身份证一一零一零五一九四九一二三一零零二X", "一一零一零五一九四九一二三一零零二X"),
    ],
)
def test_each_kind_of_number_is_masked_to_the_same_length(text, secret):
    masked = mask(text)
    assert len(masked) == len(text)
    assert secret not in masked
    start = text.index(secret)
    assert masked[start : start + len(secret)] == "*" * len(secret)
    assert masked[:start] == text[:start]


@pytest.mark.parametrize(
    "text",
    [
        "工单号12345",
        "共3户",
        "2026-11-26 09:15",
        "第1234期",
        "金额1999元",
        "我们会一一解答",
        "三五成群",
        "一百三十八元",
        "工单一二三四五六",
        "一三八一二三四五六七",
    ],
)
def test_ordinary_numbers_are_kept(text):
    assert mask(text) == text and spans(text) == []


def _pii_run() -> Run:
    chk = checker()
    conv = Conversation(
        "p1",
        "A1",
        "p.jsonl",
        [
            Turn("customer", "我电话13812345678，邮箱 a.b@example.com"),
            Turn("agent", "我不知道。请打13987654321吧，身份证11010519491231002X，卡号6222021234567890123"),
        ],
    )
    return Run(results=[chk.check(conv)], files=1)


SECRETS = ["13812345678", "a.b@example.com", "13987654321", "11010519491231002X", "6222021234567890123"]


def test_redaction_never_hides_a_finding_and_keeps_offsets():
    run = _pii_run()
    shown = redact_run(run)
    before = [(f.id, f.turn, f.start_char, f.end_char) for f in run.results[0].findings]
    after = shown.results[0].findings
    assert before == [(f.id, f.turn, f.start_char, f.end_char) for f in after] and ("F02", 1, 1, 4) in before
    for f in after:
        turn = shown.results[0].conversation.turns[f.turn].text
        assert turn[f.start_char : f.end_char] == f.text
    assert run.results[0].conversation.turns[0].text.endswith("example.com")  # the original run is untouched


@pytest.mark.parametrize("fmt", ["text", "json", "csv", "junit", "github", "sarif"])
def test_every_check_format_masks_and_no_redact_keeps(tmp_path, fmt):
    path = tmp_path / "p.jsonl"
    run = _pii_run()
    path.write_text(
        "\n".join(
            json.dumps({"conversation_id": "p1", "agent_id": "A1", "role": t.role, "text": t.text}, ensure_ascii=False)
            for t in run.results[0].conversation.turns
        ),
        encoding="utf-8",
    )
    masked = CliRunner().invoke(main, ["check", str(path), "--format", fmt, "--no-color"]).output
    assert "F02" in masked
    for secret in SECRETS:
        assert secret not in masked
    kept = CliRunner().invoke(main, ["check", str(path), "--format", fmt, "--no-redact", "--no-color"]).output
    assert "13987654321" in kept  # in the finding's turn, which every format quotes


def test_report_folder_masks_every_file(tmp_path):
    run = _pii_run()
    write_report_folder(run, Profile(), tmp_path / "out", set())
    for name in ("findings.json", "report.html", "review.csv", "kpi.csv"):
        text = (tmp_path / "out" / name).read_text(encoding="utf-8-sig")
        for secret in SECRETS:
            assert secret not in text, (name, secret)
    write_report_folder(_pii_run(), Profile(), tmp_path / "raw", set(), redact=False)
    assert "13812345678" in (tmp_path / "raw" / "report.html").read_text(encoding="utf-8")


def test_report_html_names_rules_from_the_lexicon_in_use(tmp_path):
    day = write_day(tmp_path / "day.jsonl")
    for pack, greeting in ((None, "G01 你好,××物业客服中心…"), ("ecommerce", "G01 您好,很高兴为您服务!…")):
        out = tmp_path / (pack or "default")
        res = CliRunner().invoke(main, ["report", str(day), "--out", str(out), "--no-db", *(["--lexicon", pack] if pack else [])])
        assert res.exit_code == 0, res.output
        assert f'<span class="rule">{greeting}</span>' in (out / "report.html").read_text(encoding="utf-8")
