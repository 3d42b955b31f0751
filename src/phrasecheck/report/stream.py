"""Streaming forms of the JSON, CSV and text reports: each conversation is written as it is handed
on, and what follows the conversations (agents, errors, the summary) is written from the run's
Totals at the end. The output is the same, byte for byte, as the whole-run emitter's for the same
results; formats without a streaming form are collected and handed to their emitter at the end."""

from __future__ import annotations

import csv
import json
from typing import TextIO

import orjson

from phrasecheck.config.profile import Profile
from phrasecheck.data import Result
from phrasecheck.engine.run import Totals
from phrasecheck.report import EMITTERS
from phrasecheck.report.csvfmt import COLUMNS, rows
from phrasecheck.report.jsonfmt import SCHEMA_VERSION, agent_dict, conversation_dict, error_dict
from phrasecheck.report.options import EmitOptions
from phrasecheck.report.text import console_for, print_conversation, print_tail
from phrasecheck.scoring.score import standing


def _plain(x) -> bool:
    """Floats that orjson writes as json does (json switches to exponents outside this range)."""
    return x is None or x == 0 or 1e-4 <= abs(x) < 1e16


def _orjson_safe(r: Result) -> bool:
    c = r.conversation
    return (
        _plain(r.attitude_score)
        and _plain(c.first_agent_s)
        and all(_plain(t.start_s) and _plain(t.end_s) for t in c.turns)
        and all(_plain(f.score) and _plain(f.start_s) and _plain(f.end_s) for f in (*r.findings, *r.courtesy))
    )


def dumps_indented(d: dict, r: Result) -> str:
    """json.dumps(d, ensure_ascii=False, indent=2), by orjson where its output is the same."""
    if _orjson_safe(r):
        try:
            return orjson.dumps(d, option=orjson.OPT_INDENT_2).decode("utf-8")
        except orjson.JSONEncodeError:  # a lone surrogate, an integer past 64 bits: json's own handling
            pass
    return json.dumps(d, ensure_ascii=False, indent=2)


class StreamEmitter:
    """begin(), add() per (redacted) result in order, end() with the run's totals."""

    def __init__(self, fmt: str, profile: Profile, out: TextIO, options: EmitOptions):
        self.fmt, self.profile, self.out, self.options = fmt, profile, out, options
        self.n = 0

    def begin(self) -> None:
        pass

    def add(self, r: Result) -> None:
        self.n += 1

    def end(self, totals: Totals) -> None:
        pass


class JsonStream(StreamEmitter):
    def begin(self) -> None:
        self.out.write(f'{{\n  "schema_version": {SCHEMA_VERSION},\n  "conversations": [')

    def add(self, r: Result) -> None:
        self.out.write(("\n    " if self.n == 0 else ",\n    ") + dumps_indented(conversation_dict(r), r).replace("\n", "\n    "))
        self.n += 1

    def end(self, totals: Totals) -> None:
        self.out.write("\n  ],\n" if self.n else "],\n")
        tail = {
            "agents": [agent_dict(a) for a in sorted(totals.agents(self.profile), key=lambda a: a.agent_id)],
            "errors": [error_dict(e) for e in totals.errors],
        }
        self.out.write(json.dumps(tail, ensure_ascii=False, indent=2)[2:] + "\n")


class CsvStream(StreamEmitter):
    def begin(self) -> None:
        self.writer = csv.writer(self.out, lineterminator="\n")
        self.writer.writerow(COLUMNS)

    def add(self, r: Result) -> None:
        self.writer.writerows(rows(r))
        self.n += 1


class TextStream(StreamEmitter):
    def begin(self) -> None:
        self.console = console_for(self.out, self.options)
        self.shown = self.failing = 0

    def add(self, r: Result) -> None:
        self.shown += print_conversation(self.console, r)
        self.failing += len(standing(r, self.profile.count_review))
        self.n += 1

    def end(self, totals: Totals) -> None:
        print_tail(self.console, totals.as_run(), totals.agents(self.profile), self.n, self.failing, self.shown)


class Collected(StreamEmitter):
    """A format without a streaming form: results are kept and the whole-run emitter writes them at the end."""

    def begin(self) -> None:
        self.results: list[Result] = []

    def add(self, r: Result) -> None:
        self.results.append(r)
        self.n += 1

    def end(self, totals: Totals) -> None:
        EMITTERS[self.fmt](totals.as_run(self.results), self.profile, self.out, self.options)


STREAMING = {"json": JsonStream, "csv": CsvStream, "text": TextStream}


def stream_emitter(fmt: str, profile: Profile, out: TextIO, options: EmitOptions) -> StreamEmitter:
    return STREAMING.get(fmt, Collected)(fmt, profile, out, options)
