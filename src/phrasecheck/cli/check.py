"""`check` (any inputs, any format, CI exit codes) and `eval` (the checker against gold labels)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from phrasecheck.calls.verify import Verification
from phrasecheck.cli.calls import recordings
from phrasecheck.cli.common import (
    EXIT_ERROR,
    EXIT_OK,
    agent_option,
    audio_options,
    build_rules,
    manifest_option,
    redact_option,
    rule_options,
)
from phrasecheck.engine.run import check_paths
from phrasecheck.errors import ConfigError
from phrasecheck.report import EMITTERS, EmitOptions
from phrasecheck.scoring.score import FAIL_KINDS


def _fail_kinds(value: str) -> frozenset[str]:
    kinds = {k.strip() for k in value.split(",") if k.strip()}
    unknown = kinds - set(FAIL_KINDS) - {"none"}
    if unknown:
        raise click.BadParameter(f"unknown kind(s) {', '.join(sorted(unknown))}; choose from {', '.join(FAIL_KINDS)} or none")
    return frozenset(kinds - {"none"})


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(sorted(EMITTERS)), default="text", show_default=True, help="Report format.")
@click.option(
    "--fail-on",
    default="forbidden,opener",
    show_default=True,
    help="Finding kinds that make the exit code 1: forbidden, opener, greeting, courtesy, behaviour, or none.",
)
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False), help="Write the report to FILE instead of standard output.")
@click.option(
    "--jobs", "-j", type=click.IntRange(1, 256), default=None, help="Worker processes checking conversations (default: one per CPU core); same output as 1."
)
@rule_options
@agent_option
@click.option("--color/--no-color", default=None, help="Colour the text report (default: when writing to a terminal).")
@redact_option
@manifest_option
@audio_options
def check(
    paths,
    fmt,
    fail_on,
    output,
    jobs,
    config,
    lexicon_dir,
    agent,
    select,
    ignore,
    color,
    redact,
    manifest,
    model,
    device,
    agent_channel,
    mono_role,
    no_cache,
    no_verify,
) -> None:
    """Check chat exports (JSONL, CSV), transcripts (TXT) and recordings (wav, mp3, amr, ...) in PATHS.

    Conversations are checked as they are read and written out as they are finished, so memory
    stays bounded however large the input. Exit status: 0 clean, 1 a finding of a --fail-on kind,
    2 bad usage or input, 3 an internal error."""
    from phrasecheck.cli.streamed import run_check

    options = EmitOptions(color=color, fail_on=_fail_kinds(fail_on))
    profile, checker = build_rules(config, lexicon_dir, select, ignore)
    verification = None if no_verify else Verification.of(checker)
    reader, problems = recordings(list(paths), profile, manifest, model, device, agent_channel, mono_role, no_cache, verification=verification)
    sys.exit(run_check(list(paths), checker, profile, fmt, output, options, color, redact, agent, reader, jobs, problems))


@click.command("eval")
@click.argument("gold", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.argument("inputs", nargs=-1, type=click.Path(path_type=Path))
@click.option("--json", "json_out", type=click.Path(path_type=Path, dir_okay=False), help="Also write the figures and disagreements as JSON.")
@rule_options
@click.option("--quiet", "-q", is_flag=True, help="Figures only, no list of disagreements.")
@redact_option
def eval_cmd(gold, inputs, json_out, config, lexicon_dir, select, ignore, quiet, redact) -> None:
    """Measure the checker against GOLD labels (JSONL: conversation_id, greeting_ok, forbidden,
    openers, courtesy). INPUTS default to the inputs in GOLD's folder."""
    import json as jsonlib

    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from phrasecheck.report.redact import redact_result
    from phrasecheck.scoring.evaluate import evaluate, load_gold

    profile, checker = build_rules(config, lexicon_dir, select, ignore)
    kinds = {p.id: p.kind for p in checker.lexicon.phrases}
    greeting_id = checker.greeting.id if checker.greeting else None
    if not any(profile.enabled(i) for i in [*kinds, *([greeting_id] if greeting_id else [])]):
        raise ConfigError(
            None, "select and ignore leave no labelled rule to measure: gold labels name forbidden phrases, openers, courtesy phrases and the greeting"
        )
    labels, errors = load_gold(gold, kinds)
    run = check_paths(list(inputs) or [gold.parent], checker, profile)
    phrases = {p.id: p.text for p in checker.lexicon.phrases}
    # the disagreements quote agent turns: masked as every report masks them (the verdicts read ids only)
    results = [redact_result(r) for r in run.results] if redact else run.results
    ev = evaluate(results, labels, profile.enabled, kinds, greeting_id, phrases)
    ev.errors = errors + run.errors + ev.errors
    console = Console(highlight=False)
    if not quiet:
        for d in ev.disagreements:
            # Text, not markup: a quote or a reason in brackets ([company], a chat's [微笑]) is printed as it is
            verdict = Text(d.verdict, "red" if d.verdict == "false positive" else "yellow")
            console.print(Text.assemble((d.conversation_id, "bold"), f"  {d.id} ", verdict, f"  {d.text}"))
    table = Table(title=Text(f"{ev.labelled} labelled conversations ({gold})"), title_justify="left")
    # findings listed for review (复核) count in no figure: how many of the missed labels they hold
    # (review), and how many rules they list that no label names (review fp: the review queue's noise)
    table.caption = "review: missed labels a finding for review (复核) lists; review fp: rules it lists that no label names"
    table.caption_justify = "left"
    for col in ("category", "tp", "fp", "fn", "precision", "recall", "F1", "review", "review fp"):
        table.add_column(col, justify="left" if col == "category" else "right")
    for name, t in ev.categories.items():
        review = (str(t.review), str(t.review_unlabelled)) if name != "courtesy" else ("-", "-")
        table.add_row(name, str(t.tp), str(t.fp), str(t.fn), f"{t.precision:.3f}", f"{t.recall:.3f}", f"{t.f1:.3f}", *review)
    console.print(table if ev.categories else table.title)
    per = Table(title="per id", title_justify="left")
    for col in ("id", "tp", "fp", "fn", "precision", "recall"):
        per.add_column(col, justify="left" if col == "id" else "right")
    for rule_id, t in sorted(ev.per_id.items()):
        per.add_row(rule_id, str(t.tp), str(t.fp), str(t.fn), f"{t.precision:.3f}", f"{t.recall:.3f}")
    if not quiet:
        console.print(per)
    if ev.greeting_checked:
        console.print(f"greeting accuracy: {ev.greeting_accuracy:.3f} ({ev.greeting_right}/{ev.greeting_total})")
    for e in ev.errors:  # one line each, as every command's errors: rich wrapped them at the terminal's width
        click.echo(f"error: {e}")
    if json_out:
        json_out.write_text(jsonlib.dumps(ev.as_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    sys.exit(EXIT_ERROR if ev.errors else EXIT_OK)
