"""The report folder (findings.json, review.csv, report.html, kpi.xlsx, kpi.csv, calls.csv) for any Run:
`phrasecheck report` calls it after checking chats, `phrasecheck scan` after transcribing calls,
and both after re-reading a findings.json when only review verdicts changed."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from phrasecheck.config.profile import Profile
from phrasecheck.data import Run
from phrasecheck.report.callscsv import write_calls_csv
from phrasecheck.report.html import write_html
from phrasecheck.report.jsonfmt import document
from phrasecheck.report.kpisheet import write_csv, write_xlsx
from phrasecheck.report.labels import RuleNames
from phrasecheck.report.redact import redact_run
from phrasecheck.scoring.kpi import AgentKpi, compute_kpi, formula_lines
from phrasecheck.scoring.review import REVIEW_NAME, Migration, ReviewEntry, apply_reviews, migrate, read_reviews, sync_entries, write_reviews
from phrasecheck.scoring.score import rescore

FINDINGS_NAME = "findings.json"


@dataclass
class Written:
    out_dir: Path
    files: list[Path]
    agents: list[AgentKpi]
    unmatched_reviews: list[str]  # review keys that match no finding of this run
    migrated_reviews: list[Migration] = field(default_factory=list)  # old keys re-keyed to one finding each

    @property
    def findings(self) -> Path:
        return self.out_dir / FINDINGS_NAME


def review_run(
    run: Run, profile: Profile, fatal: set[str], review: Path | None, moves: list[Migration] | None = None
) -> tuple[dict[str, ReviewEntry], list[str]]:
    """Apply a review file (if there is one) to run and re-score it; returns its entries and unmatched keys.
    Entries with keys of an older form are re-keyed first where they name one finding (appended to moves)."""
    entries = read_reviews(review) if review is not None and review.is_file() else {}
    moved = migrate(run, entries)
    if moves is not None:
        moves += moved
    unmatched = apply_reviews(run, entries)
    rescore(run.results, profile.weights, fatal, profile.count_review)
    return entries, unmatched


def findings_document(run: Run, profile: Profile, fatal: set[str], agents: list[AgentKpi]) -> dict:
    """The schema_version 1 document plus what a later re-score needs (additive keys)."""
    doc = document(run, profile, fatal)
    doc["scoring"] = {"fatal": sorted(fatal), "weights": asdict(profile.weights), "kpi": asdict(profile.kpi)}
    doc["kpi"] = [asdict(a) for a in agents]
    return doc


def write_report_folder(
    run: Run, profile: Profile, out_dir: Path, fatal: set[str], redact: bool = True, review: Path | None = None, rule_names: RuleNames | None = None
) -> Written:
    """Write the folder. The review file is `review` if given, else out_dir/review.csv when present;
    it is (re)written in out_dir with one row per finding, keeping every verdict already there.
    `run` is scored in place from its review verdicts; text is masked on a copy when `redact`.
    rule_names (id -> phrase, suggestion) name the rules in report.html; default: the shipped lexicon's."""
    out_dir.mkdir(parents=True, exist_ok=True)
    review_path = out_dir / REVIEW_NAME
    moves: list[Migration] = []
    entries, unmatched = review_run(run, profile, fatal, review if review is not None else review_path, moves)
    agents = compute_kpi(run.results, profile, fatal)
    shown = redact_run(run) if redact else run
    formula = formula_lines(profile, fatal)

    findings = out_dir / FINDINGS_NAME
    with open(findings, "w", encoding="utf-8", newline="\n") as out:
        json.dump(findings_document(shown, profile, fatal, agents), out, ensure_ascii=False, indent=2)
        out.write("\n")
    write_reviews(review_path, sync_entries(shown, entries))
    html = out_dir / "report.html"
    write_html(html, shown, agents, out_dir, formula, entries, REVIEW_NAME, redact, rule_names, fatal=fatal, count_review=profile.count_review)
    xlsx, csv_path = out_dir / "kpi.xlsx", out_dir / "kpi.csv"
    write_xlsx(agents, xlsx, formula)
    write_csv(agents, csv_path)
    calls = out_dir / "calls.csv"
    write_calls_csv(shown, calls, profile.count_review)
    return Written(out_dir, [findings, review_path, html, xlsx, csv_path, calls], agents, unmatched, moves)
