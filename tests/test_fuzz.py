"""Fuzzing (hypothesis) of what a user's files reach: ingest, normalisation, matching, and the CSV
and JSON writers. Each property holds for any input: no exception but the project's own errors,
offsets that point inside the original text, every CSV cell safe for Excel, JSON that reads back.
Examples are bounded (settings below) so the suite stays fast; run with more for a deeper search:
    HYPOTHESIS_PROFILE=deep python3 -m pytest -q tests/test_fuzz.py"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from helpers import conv
from phrasecheck.cells import is_safe_cell
from phrasecheck.config.profile import Profile
from phrasecheck.data import Run
from phrasecheck.errors import PhrasecheckError
from phrasecheck.inputs.readers import read_file
from phrasecheck.report.callscsv import write_calls_csv
from phrasecheck.report.csvfmt import emit_csv
from phrasecheck.report.findings_file import run_from_document
from phrasecheck.report.jsonfmt import document
from phrasecheck.scoring.review import read_reviews, sync_entries, write_reviews
from phrasecheck.text.normalize import normalize

settings.register_profile("fast", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
settings.register_profile("deep", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fast"))

# Text a hostile or careless export holds: the lexicon's own words (so phrases do match), formula
# signs, punctuation, fillers, invisible and right-to-left characters, and anything else.
PIECES = [
    "不知道",
    "有本事你去告",
    "您好",
    "请稍等",
    "谢谢",
    "喂",
    "阳光物业",
    "我姓王",
    "=",
    "+",
    "-",
    "@",
    "，",
    "。",
    "\n",
    "\t",
    "\u202e",
    "\u202c",
    "\u3164",
    "\u200b",
    "啊",
    "嗯",
    "１２",
    "著",
]
TEXT = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=6)), max_size=12).map("".join)
ROLE = st.sampled_from(["agent", "customer", "客服", "客户", "robot", ""])


@given(text=TEXT)
def test_normalize_maps_every_position_inside_the_original(text):
    n = normalize(text)
    assert len(n.norm) == len(n.index) == len(n.key) == len(n.pinyin)
    assert all(0 <= i < len(text) for i in n.index)
    for start in range(len(n.norm)):
        a, b = n.span(start, len(n.norm))
        assert 0 <= a < b <= len(text)


@given(texts=st.lists(TEXT, min_size=1, max_size=4))
def test_matching_finds_spans_inside_the_turns(checker, texts):
    turns = [("agent" if i % 2 == 0 else "customer", t) for i, t in enumerate(texts)]
    r = checker.check(conv(*turns))
    for f in (*r.findings, *r.courtesy):
        text = r.conversation.turns[f.turn].text
        assert 0 <= f.start_char <= f.end_char <= len(text)
        if f.end_turn is None and f.kind != "greeting":
            assert f.text == text[f.start_char : f.end_char]
    assert 0 <= r.attitude_score <= 10


def _jsonl_line(draw_record) -> str:
    return json.dumps(draw_record, ensure_ascii=False)


RECORD = st.fixed_dictionaries(
    {"conversation_id": st.one_of(st.text(max_size=4), st.integers(), st.none()), "role": ROLE, "text": st.one_of(TEXT, st.integers(), st.none())},
    optional={
        "agent_id": st.one_of(st.text(max_size=4), st.none()),
        "timestamp": st.one_of(st.sampled_from(["2026-11-26T09:00:00", "2026-11-26T09:00:05+08:00", "yesterday", ""]), st.integers()),
    },
)


@given(records=st.lists(st.one_of(RECORD.map(_jsonl_line), st.text(max_size=20)), max_size=8))
def test_reading_any_jsonl_raises_nothing_but_input_errors(tmp_path_factory, records):
    path = tmp_path_factory.mktemp("jsonl") / "x.jsonl"
    path.write_text("\n".join(records), encoding="utf-8")
    _read_ok(path)


@given(data=st.binary(max_size=300), suffix=st.sampled_from([".jsonl", ".csv", ".txt"]))
def test_reading_any_bytes_raises_nothing_but_input_errors(tmp_path_factory, data, suffix):
    path = tmp_path_factory.mktemp("bytes") / f"x{suffix}"
    path.write_bytes(data)
    _read_ok(path)


@given(
    rows=st.lists(st.lists(st.one_of(TEXT, ROLE), max_size=6), max_size=6),
    header=st.sampled_from(["conversation_id,role,text", "会话id,角色,内容,时间", "text"]),
)
def test_reading_any_csv_raises_nothing_but_input_errors(tmp_path_factory, rows, header):
    out = io.StringIO()
    csv.writer(out).writerows([header.split(","), *rows])
    path = tmp_path_factory.mktemp("csv") / "x.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    _read_ok(path)


def _read_ok(path: Path) -> None:
    loaded = read_file(path, Profile())
    assert all(isinstance(e, PhrasecheckError) for e in loaded.errors)
    for c in loaded.conversations:
        assert c.turns and all(isinstance(t.text, str) for t in c.turns)


@given(ids=st.lists(TEXT, min_size=1, max_size=3), texts=st.lists(TEXT, min_size=1, max_size=3))
@example(ids=["\r="], texts=["\r="])  # found by hypothesis: a bare CR left unquoted split the CSV row before '='
def test_every_written_cell_is_safe_and_json_reads_back(checker, tmp_path_factory, ids, texts):
    run = Run()
    for i, cid in enumerate(ids):
        c = conv(*[("agent", t) for t in texts], cid=cid, agent=ids[-1 - i])
        c.source = cid or "x.jsonl"
        run.results.append(checker.check(c))
    folder = tmp_path_factory.mktemp("out")
    out = io.StringIO()
    emit_csv(run, Profile(), out)
    write_calls_csv(run, folder / "calls.csv")
    write_reviews(folder / "review.csv", sync_entries(run, {}))
    for rows in (
        list(csv.reader(io.StringIO(out.getvalue(), newline=""))),
        list(csv.reader(io.StringIO((folder / "calls.csv").read_text(encoding="utf-8-sig"), newline=""))),
        list(csv.reader(io.StringIO((folder / "review.csv").read_text(encoding="utf-8-sig"), newline=""))),
    ):
        assert all(is_safe_cell(cell) for row in rows for cell in row)
    reviews = read_reviews(folder / "review.csv")  # what was written reads back, keys and all
    assert set(reviews) == {e.key for e in sync_entries(run, {})}
    doc = json.loads(json.dumps(document(run, Profile()), ensure_ascii=False))
    back = run_from_document(doc)
    assert [(r.conversation.conversation_id, [f.id for f in r.findings]) for r in back.results] == [
        (r.conversation.conversation_id, [f.id for f in r.findings]) for r in run.results
    ]


def test_a_review_key_with_blanks_reads_back_as_written(checker, tmp_path):
    """Found by the fuzz test above: a conversation id ending in a line break lost it on reading."""
    r = checker.check(conv(("agent", ""), cid="\n"))
    r.conversation.source = "\n"
    write_reviews(tmp_path / "review.csv", sync_entries(Run(results=[r]), {}))
    assert set(read_reviews(tmp_path / "review.csv")) == {"\n:\n:G01:1:0"}


def _normalize_char_by_char(text: str) -> tuple[str, list[int], frozenset[int]]:
    """normalize's loop as it was before its per-character table: the reference it must equal."""
    from phrasecheck.text.normalize import FILLERS, _half_width, _invisible, _is_word_char, display_order, to_simplified

    simple = to_simplified(text)
    chars, index, breaks, spaced = [], [], set(), False
    han = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]").fullmatch
    for i in display_order(simple):
        ch = _half_width(simple[i]).lower()
        if _invisible(ch):
            continue
        if not _is_word_char(ch):
            if not ch.isspace():
                breaks.add(len(chars))
                spaced = False
            else:
                spaced = True
            continue
        if ch in FILLERS:
            continue
        if spaced and chars and han(chars[-1]) and han(ch):  # a space between two Chinese characters is a pause
            breaks.add(len(chars))
        spaced = False
        chars.append(ch)
        index.append(i)
    return "".join(chars), index, frozenset(breaks)


@given(text=TEXT)
def test_normalize_table_gives_what_the_char_by_char_loop_gave(text):
    try:
        want = _normalize_char_by_char(text)
    except TypeError:  # a character whose lower case is two (İ): the loop failed, and so does the table
        with pytest.raises(TypeError):
            normalize(text)
        return
    n = normalize(text)
    assert (n.norm, n.index, n.breaks) == want


@pytest.fixture(scope="module")
def warm_checker(lexicon):
    """One checker for every example: its caches fill across them, as a long scan's do."""
    from phrasecheck.engine.checker import Checker

    return Checker(lexicon, Profile())


# a checker of the whole lexicon built per example (1-3 s): a quarter of the profile's examples
@settings(max_examples=max(1, settings().max_examples // 4))
@given(texts=st.lists(TEXT, min_size=1, max_size=6))
def test_answers_kept_on_prepared_turns_change_no_result(lexicon, warm_checker, texts):
    """The checker keeps whole answers (courtesy hits, located forbidden phrases, greeting parts) on
    prepared turns shared by every conversation with the same text: a conversation checked by a warm
    checker (every example before this one, and the same texts in another order), twice, gives what a
    fresh one with no caches gives."""
    from phrasecheck.engine import match
    from phrasecheck.engine.checker import Checker

    turns = [("agent" if i % 3 != 1 else "customer", t) for i, t in enumerate(texts)]
    warm = warm_checker
    warm.check(conv(*turns[::-1]))  # the same texts met before in another order and other pairs
    first, again = warm.check(conv(*turns)), warm.check(conv(*turns))
    saved = match.PREPARED_CACHE
    match.PREPARED_CACHE = 0
    try:
        cold = Checker(lexicon, Profile()).check(conv(*turns))
    finally:
        match.PREPARED_CACHE = saved
    for r in (first, again):
        assert (r.findings, r.courtesy, r.greeting, r.attitude_score) == (cold.findings, cold.courtesy, cold.greeting, cold.attitude_score)
