"""Command line: parse options, call the pipeline, choose the emitter, set the exit code."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from phrasecheck import __version__
from phrasecheck.cli.calls import audio_options, cache, make_options, prepare_audio, read_manifest, scan, transcribe
from phrasecheck.config.lexicon import load_file
from phrasecheck.config.profile import Profile, find_profile
from phrasecheck.data import Run
from phrasecheck.engine.checker import Checker
from phrasecheck.engine.run import check_paths, load_rules
from phrasecheck.errors import ConfigError
from phrasecheck.report import EMITTERS
from phrasecheck.report.redact import redact_run

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
FAIL_KINDS = ("forbidden", "opener", "greeting", "courtesy")


def _die(message: str) -> None:
    click.echo(f"phrasecheck: {message}", err=True)
    sys.exit(EXIT_ERROR)


def _fail_kinds(value: str) -> set[str]:
    kinds = {k.strip() for k in value.split(",") if k.strip()}
    unknown = kinds - set(FAIL_KINDS) - {"none"}
    if unknown:
        raise click.BadParameter(f"unknown kind(s) {', '.join(sorted(unknown))}; choose from {', '.join(FAIL_KINDS)} or none")
    return kinds - {"none"}


def exit_code(run: Run, fail_on: set[str], profile: Profile) -> int:
    """2 for input errors, 1 when a finding of a failing kind stands, else 0."""
    if run.errors:
        return EXIT_ERROR
    for r in run.results:
        if any(f.kind in fail_on and f.severity == "error" and f.review != "false" for f in r.findings):
            return EXIT_FINDINGS
        if "courtesy" in fail_on and len(r.courtesy_used) < profile.weights.courtesy_target:
            return EXIT_FINDINGS
    return EXIT_OK


def _setup(config: Path | None, lexicon: Path | None, select: str | None, ignore: str | None) -> tuple[Profile, Checker]:
    try:
        profile = find_profile(config)
        if select:
            profile.select = [s.strip() for s in select.split(",") if s.strip()]
        if ignore:
            profile.ignore += [s.strip() for s in ignore.split(",") if s.strip()]
        rules = load_rules(profile, lexicon)
    except ConfigError as exc:
        _die(str(exc))
    return profile, Checker(rules, profile)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="phrasecheck")
def main() -> None:
    """Check customer-service agents' speech against the centre's phrase rules."""


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(sorted(EMITTERS)), default="text", show_default=True, help="Report format.")
@click.option(
    "--fail-on", default="forbidden,opener", show_default=True, help="Finding kinds that make the exit code 1: forbidden, opener, greeting, courtesy, or none."
)
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False), help="Write the report to FILE instead of standard output.")
@click.option("--config", type=click.Path(path_type=Path, dir_okay=False), help="Profile file (default: ./phrasecheck.yaml if present).")
@click.option("--lexicon", type=click.Path(path_type=Path, file_okay=False), help="Lexicon folder (default: the profile's, else lexicons/default).")
@click.option("--agent", help="Agent id for inputs that do not name one (transcripts, recordings).")
@click.option("--select", help="Only these rule ids or prefixes, comma-separated (F,O01).")
@click.option("--ignore", help="Skip these rule ids or prefixes, comma-separated.")
@click.option("--color/--no-color", default=None, help="Colour the text report (default: when writing to a terminal).")
@click.option("--redact/--no-redact", default=True, show_default=True, help="Mask phone, ID card, bank card numbers and e-mail addresses in the report.")
@click.option("--manifest", type=click.Path(path_type=Path, dir_okay=False, exists=True), help="CSV naming agent and call time per recording.")
@audio_options
def check(
    paths, fmt, fail_on, output, config, lexicon, agent, select, ignore, color, redact, manifest, model, device, agent_channel, mono_role, no_cache
) -> None:
    """Check chat exports (JSONL, CSV), transcripts (TXT) and recordings (wav, mp3, ...) in PATHS.

    Exit status: 0 clean, 1 a finding of a --fail-on kind, 2 bad usage or input."""
    fail_kinds = _fail_kinds(fail_on)
    profile, checker = _setup(config, lexicon, select, ignore)
    options = make_options(model, device, agent_channel, mono_role, profile.agent_channel)
    reader = prepare_audio(list(paths), options, no_cache, read_manifest(manifest), 1, path_pattern=profile.recording_path)
    run = check_paths(paths, checker, profile, agent, audio=reader)
    _emit(redact_run(run) if redact else run, profile, fmt, output, color)
    sys.exit(exit_code(run, fail_kinds, profile))


def _emit(run: Run, profile: Profile, fmt: str, output: Path | None, color: bool | None) -> None:
    emitter = EMITTERS[fmt]
    if output is None:
        if fmt == "text":
            emitter(run, profile, sys.stdout, color=color)  # type: ignore[call-arg]
        else:
            emitter(run, profile, sys.stdout)
        return
    try:
        with open(output, "w", encoding="utf-8", newline="") as out:
            if fmt == "text":
                emitter(run, profile, out, color=bool(color))  # type: ignore[call-arg]
            else:
                emitter(run, profile, out)
    except OSError as exc:
        _die(f"cannot write {output}: {exc.strerror or exc}")
    if run.errors:
        for e in run.errors:
            click.echo(f"error: {e}", err=True)


@main.group()
def lexicon() -> None:
    """Show or validate lexicons."""


@lexicon.command("show")
@click.option("--config", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--lexicon", "lexicon_dir", type=click.Path(path_type=Path, file_okay=False))
def lexicon_show(config, lexicon_dir) -> None:
    """Print the active rules: id, kind, threshold, forms, exceptions, suggestion."""
    profile, checker = _setup(config, lexicon_dir, None, None)
    lex = checker.lexicon
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Active rules ({', '.join(lex.sources)})", title_justify="left", show_lines=False)
    for col in ("id", "kind", "phrase", "forms", "threshold", "exceptions", "fatal", "say instead"):
        table.add_column(col)
    for p in lex.phrases:
        if not profile.enabled(p.id):
            continue
        table.add_row(
            p.id,
            p.kind,
            p.text,
            " / ".join(f.text for f in p.forms),
            f"{checker.threshold(p):g}",
            str(len(p.exceptions)),
            "yes" if p.id in checker.fatal else "",
            p.suggestion,
        )
    if checker.greeting:
        g = checker.greeting
        forms = "; ".join(f"{k}: " + " / ".join(f.text for f in v) for k, v in g.parts.items())
        table.add_row(g.id, "greeting", g.text, forms, f"{g.threshold:g}", "", "", g.suggestion)
    Console(highlight=False).print(table)


@lexicon.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
def lexicon_check(files) -> None:
    """Validate lexicon (or profile) FILES; report each problem as FILE:LINE: message."""
    from phrasecheck.config.profile import load_profile

    bad = 0
    for path in files:
        try:
            if path.name == "phrasecheck.yaml":
                load_profile(path)
                click.echo(f"{path}: ok (profile)")
            else:
                phrases, greeting = load_file(path)
                click.echo(f"{path}: ok ({len(phrases) + (1 if greeting else 0)} rules)")
        except ConfigError as exc:
            click.echo(f"{exc}", err=True)
            bad += 1
    sys.exit(EXIT_ERROR if bad else EXIT_OK)


@main.command("eval")
@click.argument("gold", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.argument("inputs", nargs=-1, type=click.Path(path_type=Path))
@click.option("--json", "json_out", type=click.Path(path_type=Path, dir_okay=False), help="Also write the figures and disagreements as JSON.")
@click.option("--config", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--lexicon", "lexicon_dir", type=click.Path(path_type=Path, file_okay=False))
@click.option("--quiet", "-q", is_flag=True, help="Figures only, no list of disagreements.")
def eval_cmd(gold, inputs, json_out, config, lexicon_dir, quiet) -> None:
    """Measure the checker against GOLD labels (JSONL: conversation_id, greeting_ok, forbidden,
    openers, courtesy). INPUTS default to the inputs in GOLD's folder."""
    import json as jsonlib

    from rich.console import Console
    from rich.table import Table

    from phrasecheck.scoring.evaluate import evaluate, load_gold

    profile, checker = _setup(config, lexicon_dir, None, None)
    labels, errors = load_gold(gold)
    run = check_paths(list(inputs) or [gold.parent], checker, profile)
    ev = evaluate(run.results, labels)
    ev.errors = errors + run.errors + ev.errors
    console = Console(highlight=False)
    if not quiet:
        for d in ev.disagreements:
            console.print(f"[bold]{d.conversation_id}[/]  {d.id} [{'red' if d.verdict == 'false positive' else 'yellow'}]{d.verdict}[/]  {d.text}", markup=True)
    table = Table(title=f"{ev.greeting_total} labelled conversations ({gold})", title_justify="left")
    for col in ("category", "tp", "fp", "fn", "precision", "recall", "F1"):
        table.add_column(col, justify="left" if col == "category" else "right")
    for name, t in ev.categories.items():
        table.add_row(name, str(t.tp), str(t.fp), str(t.fn), f"{t.precision:.3f}", f"{t.recall:.3f}", f"{t.f1:.3f}")
    console.print(table)
    per = Table(title="per id", title_justify="left")
    for col in ("id", "tp", "fp", "fn", "precision", "recall"):
        per.add_column(col, justify="left" if col == "id" else "right")
    for rule_id, t in sorted(ev.per_id.items()):
        per.add_row(rule_id, str(t.tp), str(t.fp), str(t.fn), f"{t.precision:.3f}", f"{t.recall:.3f}")
    if not quiet:
        console.print(per)
    console.print(f"greeting accuracy: {ev.greeting_accuracy:.3f} ({ev.greeting_right}/{ev.greeting_total})")
    for e in ev.errors:
        console.print(f"[bold red]error:[/] {e}", markup=True)
    if json_out:
        json_out.write_text(jsonlib.dumps(ev.as_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    sys.exit(EXIT_ERROR if ev.errors else EXIT_OK)


# Report-folder, KPI and review commands (issue 4) live in reportcli.py.
from phrasecheck.cli.reports import kpi, report, review_mark  # noqa: E402

main.add_command(report)
main.add_command(kpi)
main.add_command(review_mark)
main.add_command(scan)
main.add_command(transcribe)
main.add_command(cache)

# The QA workbench and its database (issue 13).
from phrasecheck.cli.serve import import_cmd, serve  # noqa: E402

main.add_command(serve)
main.add_command(import_cmd)
