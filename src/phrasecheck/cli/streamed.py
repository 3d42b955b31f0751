"""The streamed body of `check`: results go from the checker through redaction to the report as
they are finished, with a progress bar on standard error when it is a terminal."""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

import click

from phrasecheck.cli.common import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, die, refuse_output_over_inputs, report_errors
from phrasecheck.cli.common import failed as input_failed
from phrasecheck.config.profile import Profile
from phrasecheck.data import Conversation
from phrasecheck.engine.checker import Checker
from phrasecheck.engine.parallel import default_jobs
from phrasecheck.engine.run import Totals, check_stream
from phrasecheck.report.options import EmitOptions
from phrasecheck.report.redact import redact_result
from phrasecheck.report.stream import stream_emitter
from phrasecheck.scoring.score import fails

# Formats with no place for an input error (a CSV row is a finding): their errors go to standard
# error even when the report goes to standard output, or a bad line would be named nowhere.
NO_ERROR_ROWS = frozenset({"csv"})


def _progress(stack: ExitStack, totals: Totals):
    """An advance(result) callback drawing a bar on standard error, or None when it is not a terminal."""
    if not sys.stderr.isatty():
        return None
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    bar = stack.enter_context(
        Progress(
            TextColumn("checking"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("messages, {task.fields[convs]} conversations"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=Console(file=sys.stderr),
            transient=True,
        )
    )
    task = bar.add_task("check", total=None, convs=0)

    def advance(r) -> None:
        if totals.messages and bar.tasks[0].total is None:
            bar.update(task, total=totals.messages)
        bar.update(task, advance=len(r.conversation.turns), convs=totals.conversations)

    return advance


def run_check(
    paths: list[Path],
    checker: Checker,
    profile: Profile,
    fmt: str,
    output: Path | None,
    options: EmitOptions,
    color: bool | None,
    redact: bool,
    agent: str | None,
    audio: Callable[[Path], Conversation] | None,
    jobs: int | None,
    problems: list | None = None,
) -> int:
    """Check and write the report; returns the exit status (2 input errors, 1 a failing finding, 0).
    problems: input errors met before checking (manifest rows), reported with the rest."""
    totals = Totals(errors=list(problems or []))
    failing = False
    target = profile.weights.courtesy_target
    refuse_output_over_inputs(output, paths)
    with ExitStack() as stack:
        if output is None:
            out, opts = sys.stdout, options
        else:
            try:
                out = stack.enter_context(open(output, "w", encoding="utf-8", newline=""))
            except OSError as exc:
                die(f"cannot write {output}: {exc.strerror or exc}")
            opts = options.with_color(bool(color))
        emitter = stream_emitter(fmt, profile, out, opts)
        advance = _progress(stack, totals)
        try:
            emitter.begin()
            for r in check_stream(paths, checker, profile, totals, agent, audio, jobs or default_jobs()):
                failing = failing or fails(r, options.fail_on, target, profile.count_review)
                emitter.add(redact_result(r) if redact else r)
                if advance:
                    advance(r)
            emitter.end(totals)
        except OSError as exc:
            if output is None:
                raise
            die(f"cannot write {output}: {exc.strerror or exc}")
    for note in dict.fromkeys(totals.notes):
        click.echo(f"phrasecheck: note: {note}", err=True)
    if output is not None or fmt in NO_ERROR_ROWS:
        report_errors(totals.as_run())
    if input_failed(totals.as_run()):
        return EXIT_ERROR
    return EXIT_FINDINGS if failing else EXIT_OK
