"""Commands for QA staff: `report` (the report folder), `kpi` (the per-agent sheet) and
`review-mark` (复核/申诉)."""

from __future__ import annotations

import os
import sys
from dataclasses import asdict, is_dataclass, replace
from pathlib import Path

import click

from phrasecheck.cli.common import (
    EXIT_ERROR,
    EXIT_OK,
    agent_option,
    build_rules,
    failed,
    redact_option,
    refuse_output_over_inputs,
    report_errors,
    report_review_matching,
    rule_options,
)
from phrasecheck.cli.serve import db_options, record_run
from phrasecheck.config.lexicon import Lexicon
from phrasecheck.config.profile import KpiSettings, Profile, Weights, find_profile, recorded_settings
from phrasecheck.data import Run
from phrasecheck.engine.compiled import cached_checker
from phrasecheck.engine.run import check_paths, rules_folder
from phrasecheck.errors import ConfigError, InputError
from phrasecheck.report.findings_file import is_findings_file, load_findings, load_findings_scoring
from phrasecheck.scoring.review import ALIASES, REVIEW_NAME, known_keys, mark, migrate, normalise_verdict, read_reviews, resolve, sync_entries, write_reviews

review_option = click.option(
    "--review",
    "review",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="Review file (复核) to apply; default: review.csv in the report folder or next to findings.json.",
)

TERMINAL_COLUMNS = {
    "rank": "#",
    "agent_id": "agent",
    "conversations": "conv",
    "greeting_pct": "greet%",
    "forbidden_per_100": "forb/100",
    "courtesy_per_conversation": "courtesy",
    "attitude": "attitude",
    "points": "points",
    "grade": "grade",
    "first_response_s": "first s",
    "mean_response_s": "mean s",
    "reply_rate": "reply%",
    "kpi_points": "KPI",
    "kpi_max": "of",
}


def rules_of(profile: Profile, lexicon_dir: Path | None) -> Lexicon:
    """The lexicon, through the cache of built checkers (engine/compiled.py): the checker the run
    itself used comes back in a tenth of a second, where parsing the lexicon again took most of one."""
    return cached_checker(profile, rules_folder(profile, lexicon_dir)).lexicon


def load_run(paths: list[Path], config, lexicon, agent, select, ignore) -> tuple[Run, Profile, set[str], list[Path]]:
    """Check the inputs, and read back any findings.json among them instead of re-checking it.
    Returns the run, the profile, the fatal rule ids, and the findings files read."""
    docs = [p for p in paths if is_findings_file(p)]
    inputs = [p for p in paths if p not in docs]
    run, checker = Run(), None
    scored: list[tuple[str, frozenset[str]]] = []  # what each part of the run is scored with
    weights: list[tuple[str, Weights]] = []
    kpi_settings: list[tuple[str, KpiSettings]] = []
    if inputs:
        profile, checker = build_rules(config, lexicon, select, ignore)
        run = check_paths(inputs, checker, profile, agent)
        scored.append(("the inputs", frozenset(checker.fatal)))
        weights.append(("the inputs", profile.weights))
        kpi_settings.append(("the inputs", profile.kpi))
    else:
        profile = find_profile(config)
    docs = _once(docs, run)
    origin = {_key(r): "the inputs" for r in run.results}  # where each conversation was last read
    for doc in docs:
        loaded, scoring = load_findings_scoring(doc)
        doc_fatal = scoring.get("fatal")
        if doc_fatal is None:  # a `check --format json` file: the lexicon says which rules are fatal
            doc_fatal = {p.id for p in (checker.lexicon if checker else rules_of(profile, lexicon)).phrases if p.fatal}
        scored.append((str(doc), frozenset(doc_fatal)))
        if scoring.get("weights") is not None:  # a report folder's: the weights its scores were computed with
            weights.append((str(doc), recorded_settings(Weights, scoring["weights"], "scoring.weights", doc)))
        if scoring.get("kpi") is not None:
            kpi_settings.append((str(doc), recorded_settings(KpiSettings, scoring["kpi"], "scoring.kpi", doc)))
        _add_once(run, loaded, str(doc), origin)
        run.errors += loaded.errors
        run.files += loaded.files
    if profile.fatal is not None:
        fatal = set(profile.fatal)  # the profile's fatal: decides for every file
    else:
        fatal = set(_agreed("fatal rules", scored, "fatal:", lambda f: ", ".join(sorted(f)) or "none"))
    # A findings file is re-scored with the weights and KPI settings it was scored with (as the
    # workbench re-scores a run), unless the profile names its own: re-reporting a day written with
    # --config from a folder without that profile changed every score, with no review behind it.
    if "weights" not in profile.given and weights:
        profile = replace(profile, weights=_agreed("weights", weights, "weights:", _shown_settings))
    if "kpi" not in profile.given and kpi_settings:
        profile = replace(profile, kpi=_agreed("KPI settings", kpi_settings, "kpi:", _shown_settings))
    return run, profile, fatal, docs


def _shown_settings(settings: dict) -> str:
    return ", ".join(f"{k} {v:g}" for k, v in settings.items())


def _agreed(what: str, scored: list[tuple[str, object]], setting: str, shown):
    """The one setting every part of the run was scored with. Parts scored differently (a day scored
    with fatal: [F02] and one with the lexicon's F11) cannot share one report: each rule set applied to
    the other's conversations changed their scores without a word (the union of the fatal rules zeroed
    the first day's F02 conversations)."""
    values: list = []
    for _, v in scored:
        if v not in values:  # settings are compared by value (dataclasses are not hashable)
            values.append(v)
    if len(values) > 1:
        firsts = [next(name for name, v in scored if v == value) for value in values[:2]]
        if is_dataclass(values[0]):  # name the settings that differ, not all eleven weights
            one, two = asdict(values[0]), asdict(values[1])
            differ = [k for k in one if one[k] != two[k]]
            values = [{k: d[k] for k in differ} for d in (one, two)]
        raise ConfigError(
            None,
            f"{firsts[0]} and {firsts[1]} were scored with different {what} ({shown(values[0])}; {shown(values[1])}): "
            f"report them apart, or set {setting} in the profile (--config) to score them alike",
        )
    return values[0] if values else set()


def _key(r) -> tuple[str, str]:
    return (r.conversation.source, r.conversation.conversation_id)


def _once(docs: list[Path], run: Run) -> list[Path]:
    """Each findings file once: given twice (or through a link), it was read twice and every
    conversation in it counted twice. The second path is reported, as a chat export's is."""
    from phrasecheck.inputs.discover import Skipped

    seen: dict[str, Path] = {}
    for doc in docs:
        real = os.path.realpath(doc)
        if real in seen:
            run.errors.append(Skipped(str(doc), f"the same file as {seen[real]} (through a symbolic link or given twice); read once"))
        else:
            seen[real] = doc
    return list(seen.values())


def _add_once(run: Run, loaded: Run, name: str, origin: dict[tuple[str, str], str]) -> None:
    """Add loaded's conversations to run; one already there (the same source file and conversation
    id: the same day reported twice) is replaced by this later copy instead of counted twice, and
    the overlap is reported once per file (exit 2: two copies of a day, which may disagree)."""
    index = {_key(r): i for i, r in enumerate(run.results)}
    again: dict[str, int] = {}
    for r in loaded.results:
        key = _key(r)
        if key in index:
            run.results[index[key]] = r
            again[origin[key]] = again.get(origin[key], 0) + 1
        else:
            index[key] = len(run.results)
            run.results.append(r)
        origin[key] = name
    for other, n in again.items():
        run.errors.append(
            InputError(
                name, f"{n} conversation(s) are also in {other} (the same source file and conversation id): each is counted once, as this later file has it"
            )
        )


def _review_file(explicit: Path | None, *folders: Path) -> Path | None:
    if explicit is not None:
        return explicit
    return next((f / REVIEW_NAME for f in folders if (f / REVIEW_NAME).is_file()), None)


def _unlinked_recordings(run: Run, docs: list[Path]) -> None:
    """A findings.json names its recordings as the scan was given them (in/calls/a.wav, from the folder
    it was run in); re-reported from another folder (the report folder itself, after review.csv was
    edited), report.html linked every player to a file that is not there, without a word."""
    from phrasecheck.inputs.discover import AUDIO_SUFFIXES

    if not docs:
        return
    missing = [
        r.conversation.source for r in run.results if Path(r.conversation.source).suffix.lower() in AUDIO_SUFFIXES and not Path(r.conversation.source).is_file()
    ]
    if missing:
        click.echo(
            f"warning: {len(missing)} recording(s) not found from this folder (first: {missing[0]}): report.html's player cannot play them; "
            "run report from the folder the scan was run in",
            err=True,
        )


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path, file_okay=False), help="Report folder to write.")
@redact_option
@rule_options
@agent_option
@review_option
@db_options
def report(paths, out_dir, redact, config, lexicon_dir, agent, select, ignore, review, db, no_db) -> None:
    """Write the report folder for PATHS: findings.json, review.csv, report.html, kpi.xlsx, kpi.csv.

    PATHS are chat exports and transcripts, or a findings.json written earlier: then nothing is
    re-checked, and scores and KPI are recomputed from its findings and the review verdicts."""
    from phrasecheck.report.folder import write_report_folder
    from phrasecheck.report.labels import rule_names

    run, profile, fatal, docs = load_run(list(paths), config, lexicon_dir, agent, select, ignore)
    review_path = _review_file(review, out_dir, *(d.parent for d in docs))
    rules = rules_of(profile, lexicon_dir)
    names = rule_names(rules)  # the rules as report.html names them: F02 不知道
    written = write_report_folder(run, profile, out_dir, fatal, redact=redact, review=review_path, rule_names=names)
    report_errors(run)
    report_review_matching(written.migrated_reviews, written.unmatched_reviews)
    _unlinked_recordings(run, docs)
    click.echo(f"wrote {', '.join(str(p) for p in written.files)}")
    if not no_db:
        record_run(written.findings, db, rules)
    sys.exit(EXIT_ERROR if failed(run) else EXIT_OK)


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False), help="Write the sheet to FILE.xlsx or FILE.csv instead of printing it.")
@rule_options
@agent_option
@review_option
def kpi(paths, output, config, lexicon_dir, agent, select, ignore, review) -> None:
    """Per-agent KPI for PATHS (inputs, or a findings.json), ranked: the monthly review sheet."""
    from phrasecheck.report.folder import review_run
    from phrasecheck.report.kpisheet import COLUMNS, rows, write_csv, write_xlsx
    from phrasecheck.scoring.kpi import compute_kpi, formula_lines

    if output is not None and output.suffix.lower() not in (".xlsx", ".csv"):
        raise click.BadParameter("must end in .xlsx or .csv", param_hint="--output")
    refuse_output_over_inputs(output, list(paths))
    run, profile, fatal, docs = load_run(list(paths), config, lexicon_dir, agent, select, ignore)
    # its entries are re-keyed in memory only
    _, unmatched = review_run(run, profile, fatal, _review_file(review, *(d.parent for d in docs)))
    agents = compute_kpi(run.results, profile, fatal)
    report_errors(run)
    report_review_matching([], unmatched)  # as report says it: a verdict the sheet does not count
    if output is None:
        from rich.console import Console
        from rich.table import Table

        shown = [i for i, (_, attr) in enumerate(COLUMNS) if attr in TERMINAL_COLUMNS]
        table = Table(title="KPI (all columns: --output FILE.xlsx|.csv)", title_justify="left")
        for i in shown:
            table.add_column(TERMINAL_COLUMNS[COLUMNS[i][1]], justify="left" if COLUMNS[i][1] in ("agent_id", "grade") else "right")
        for row in rows(agents):
            table.add_row(*("–" if row[i] is None else f"{row[i]:g}" if isinstance(row[i], float) else str(row[i]) for i in shown))
        Console(highlight=False, soft_wrap=False, width=max(120, Console().width)).print(table)
    elif output.suffix.lower() == ".xlsx":
        write_xlsx(agents, output, formula_lines(profile, fatal))
    else:
        write_csv(agents, output)
    sys.exit(EXIT_ERROR if failed(run) else EXIT_OK)


@click.command("review-mark")
@click.argument("findings", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--finding", "keys", multiple=True, required=True, help="Finding key (conversation:rule:turn:start), or a unique prefix of one. Repeatable.")
@click.option(
    "--verdict",
    required=True,
    type=click.Choice(["confirmed", "false", "appeal", *ALIASES]),
    help="confirmed (确认/成立), false (误报/不成立/驳回: overrule), or appeal (申诉, by the agent).",
)
@click.option("--note", default="", help="Why: the reviewer's reason, or the agent's appeal.")
@click.option("--by", "by", default="", help="Who decided or appealed.")
@click.option("--review", "review", type=click.Path(path_type=Path, dir_okay=False), help="Review file (default: review.csv next to FINDINGS).")
def review_mark(findings, keys, verdict, note, by, review) -> None:
    """Record a 复核 verdict (or an appeal) for findings of FINDINGS.json in its review file.

    Then `phrasecheck report FINDINGS.json --out DIR` or `phrasecheck kpi FINDINGS.json` recompute
    scores and KPI without re-checking."""
    if normalise_verdict(verdict) == "appeal" and not note.strip():  # as the workbench refuses one: a lead has nothing to decide on
        raise click.BadParameter("an appeal needs a reason (提出申诉要写明理由): give it with --note", param_hint="--note")
    path = review or findings.parent / REVIEW_NAME
    run, _ = load_findings(findings)
    chosen = resolve(list(keys), known_keys(run), findings)
    entries = read_reviews(path) if path.is_file() else {}
    for moved in migrate(run, entries):
        click.echo(f"review entry {moved.old} is now {moved.new}", err=True)
    mark(entries, chosen, verdict, note, by)
    write_reviews(path, sync_entries(run, entries))
    for k in chosen:
        click.echo(f"{k}: {normalise_verdict(verdict)}")
    click.echo(f"wrote {path}")
