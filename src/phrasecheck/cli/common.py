"""What every command shares: exit codes, the shared options, and turning errors into one line.

This package is the only part of phrasecheck that exits: library code raises PhrasecheckError
(or OSError), and the group in cli/__init__.py prints it as `phrasecheck: FILE:LINE: reason`
and exits 2, so CI never reads a crash as "findings found". Anything else is a bug in phrasecheck:
one line naming the file that holds the traceback, and exit 3 (see crash.py)."""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path
from typing import NoReturn

import click

from phrasecheck.data import Run
from phrasecheck.errors import ConfigError, PhrasecheckError

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR, EXIT_INTERNAL = 0, 1, 2, 3


def die(message: str) -> NoReturn:
    click.echo(f"phrasecheck: {message}", err=True)
    sys.exit(EXIT_ERROR)


def describe(exc: BaseException) -> str:
    """One line for a user: FILE:LINE: reason."""
    if isinstance(exc, PhrasecheckError):
        return str(exc)
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}{exc.strerror or exc}"
    return str(exc)


class Group(click.Group):
    """A click group whose commands' PhrasecheckError and OSError end as one line and exit 2, and
    any other exception (a bug) as one line naming its saved traceback and exit 3."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (PhrasecheckError, OSError) as exc:
            die(describe(exc))
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as exc:  # noqa: BLE001 - the one place a bug is turned into exit 3
            from phrasecheck.cli.crash import save_traceback

            where = save_traceback(exc)
            click.echo(f"phrasecheck: internal error ({type(exc).__name__}: {_first_line(exc)}); the full traceback is in {where}", err=True)
            sys.exit(EXIT_INTERNAL)
        finally:
            gc.unfreeze()  # what build_rules froze goes back to the collector (the tests run many commands in one process)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0][:200] if text else "") or "no message"


def build_rules(config: Path | None, lexicon_dir: Path | None = None, select: str | None = None, ignore: str | None = None):
    """engine.run.build_checker, and every --select/--ignore entry (and the profile's select/ignore)
    must name a rule: a typo (--select F2O) would switch every rule off and pass CI with exit 0."""
    from phrasecheck.engine.run import build_checker, split_ids

    collecting = gc.isenabled()
    gc.disable()
    try:
        profile, checker = build_checker(config, lexicon_dir, select, ignore)
    finally:
        # The rules are a few hundred thousand objects that live as long as the command: frozen, the
        # collector's passes skip them (walking them cost a scan of the sample calls 0.4 s) and forked
        # workers do not copy their pages. Group.invoke unfreezes them when the command ends.
        gc.freeze()
        if collecting:
            gc.enable()
    lexicon = checker.lexicon
    known = sorted(set(lexicon.ids()) | {b.id for b in lexicon.behaviour})
    given = [("--select", x, None) for x in split_ids(select)] + [("--ignore", x, None) for x in split_ids(ignore)]
    if not select:
        given += [("select", x, profile.source) for x in profile.select]
    given += [("ignore", x, profile.source) for x in profile.ignore if x not in split_ids(ignore)]
    for option, prefix, source in given:
        if not any(rule_id.startswith(prefix) for rule_id in known):
            problem = f"{option} {prefix}: no rule id starts with it (the lexicon's ids: {', '.join(known)})"
            raise ConfigError(source, problem.replace(f"{option} {prefix}:", f"{option}: {prefix}:") if source else problem)
    if not any(profile.enabled(rule_id) for rule_id in known):
        raise ConfigError(None, f"select and ignore (--select {select or '-'}, --ignore {ignore or '-'}, and the profile's) leave no rule to check")
    return profile, checker


def refuse_output_over_inputs(output: Path | None, paths: list[Path], option: str = "--output") -> None:
    """Exit 2 before anything is written when output is one of the inputs, or lies in an input folder
    where the walk would read it: it would be emptied before it is read, or overwrite the input."""
    from phrasecheck.inputs.discover import found_among

    where = found_among(paths, output) if output is not None else None
    if where is not None:
        how = "is" if os.path.realpath(where) == os.path.realpath(output) else "lies under"
        die(f"{option} {output} {how} the input {where}: it would be emptied or read as an input before it is written; write it elsewhere")


def report_errors(run: Run) -> None:
    for e in run.errors:
        click.echo(f"{'warning' if e.warning else 'error'}: {e}", err=True)


def report_review_matching(moved, unmatched, of: str = "") -> None:
    """What re-reading review.csv against the findings did (report, kpi, import say it alike): rows of an
    older key form re-keyed, and verdicts no finding takes (of: the findings file, where several are read)."""
    for m in moved:
        click.echo(f"review entry {m.old} is now {m.new}", err=True)
    for key in unmatched:
        click.echo(f"warning: review entry {key} matches no finding{f' of {of}' if of else ''}", err=True)


def failed(run: Run) -> bool:
    """Whether an input could not be used (exit 2); warnings (a recording with no speech) do not count."""
    return any(not e.warning for e in run.errors)


def _stack(*options):
    def apply(f):
        for option in reversed(options):
            f = option(f)
        return f

    return apply


config_option = click.option("--config", type=click.Path(path_type=Path, dir_okay=False), help="Profile file (default: ./phrasecheck.yaml if present).")
lexicon_option = click.option(
    "--lexicon",
    "lexicon_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Lexicon folder, or a shipped pack by name: default, ecommerce (default: the profile's, else default).",
)
agent_option = click.option("--agent", help="Agent id for inputs that do not name one (transcripts, recordings).")
redact_option = click.option(
    "--redact/--no-redact", default=True, show_default=True, help="Mask phone, ID card, bank card numbers and e-mail addresses in the report."
)
manifest_option = click.option(
    "--manifest",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="CSV: file, agent_id, call_time[, conversation_id]. Default: manifest.csv beside the recordings.",
)

# --config, --lexicon, --select, --ignore: which rules apply.
rule_options = _stack(
    config_option,
    lexicon_option,
    click.option("--select", help="Only these rule ids or prefixes, comma-separated (F,O01)."),
    click.option("--ignore", help="Skip these rule ids or prefixes, comma-separated."),
)

# --model, --device, --agent-channel, --mono-role, --no-cache: how recordings are transcribed.
audio_options = _stack(
    click.option("--model", default="base", show_default=True, help="faster-whisper size name or a local CTranslate2 model folder."),
    click.option("--device", type=click.Choice(["cpu", "cuda", "auto"]), default="cpu", show_default=True, help="cuda uses float16 and the batched pipeline."),
    click.option(
        "--agent-channel", type=click.Choice(["left", "right"]), default=None, help="Stereo channel of the agent (default: the profile's, else left)."
    ),
    click.option(
        "--mono-role", type=click.Choice(["agent"]), default=None, help="Treat all speech in mono recordings as the agent's instead of inferring roles."
    ),
    click.option("--no-cache", is_flag=True, help="Transcribe again instead of using the transcript cache."),
    click.option(
        "--no-verify",
        is_flag=True,
        help="Skip acoustic verification (where a transcript comes close to a rule's words, the model scores those words against the audio).",
    ),
)
