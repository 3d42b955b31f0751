"""Commands for call recordings: `scan` a day's folder, `transcribe`, and the transcript `cache`.

Recordings are transcribed first (in --jobs worker processes, through the cache), then the
ordinary check pass reads them like any other input, so calls and chats share every rule."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click

from phrasecheck.cli.common import (
    EXIT_ERROR,
    EXIT_OK,
    audio_options,
    build_rules,
    config_option,
    failed,
    lexicon_option,
    manifest_option,
    redact_option,
    refuse_output_over_inputs,
)
from phrasecheck.cli.serve import db_options, record_run
from phrasecheck.config.profile import Profile
from phrasecheck.data import Conversation
from phrasecheck.engine.run import check_paths
from phrasecheck.errors import InputError
from phrasecheck.inputs.discover import audio_among

if TYPE_CHECKING:
    from phrasecheck.calls.transcribe import TranscribeOptions
    from phrasecheck.calls.verify import Verification

# The transcriber (calls.batch, calls.transcribe: numpy, faster-whisper's helpers) and acoustic
# verification (numpy) are imported by the functions that use them: `check` on chat exports starts
# without them.


def transcribe_with_bar(
    files: list[Path],
    options: TranscribeOptions,
    no_cache: bool,
    meta: dict[str, dict],
    jobs: int,
    executor: str = "local",
    address: str | None = None,
    verification: Verification | None = None,
) -> dict[Path, Conversation | InputError]:
    """transcribe_all with a progress bar on standard error when it is a terminal."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    from phrasecheck.calls.batch import duration_s, transcribe_all
    from phrasecheck.calls.cache import TranscriptCache

    cache = None if no_cache or not files else TranscriptCache()
    problem = cache.usable() if cache else None
    if problem is not None:
        click.echo(f"phrasecheck: warning: {problem}; transcribing without it", err=True)
        cache = None
    total_h = sum(duration_s(f) for f in files) / 3600 if sys.stderr.isatty() else 0.0
    columns = [
        TextColumn("transcribing"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[hours]} h audio"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    ]
    with Progress(*columns, disable=not sys.stderr.isatty() or not files, transient=True) as bar:
        task = bar.add_task("audio", total=len(files), hours=f"0.00/{total_h:.2f}")

        def advance(done: int, done_s: float) -> None:
            bar.update(task, completed=done, hours=f"{done_s / 3600:.2f}/{total_h:.2f}")

        return transcribe_all(files, options, cache, meta, jobs, progress=advance, executor=executor, address=address, verification=verification)


def audio_reader(transcripts: dict[Path, Conversation | InputError]) -> Callable[[Path], Conversation]:
    """The reader check_paths gets for recordings: each one's transcript, or its error."""

    def read(path: Path) -> Conversation:
        result = transcripts.get(path)
        if result is None:
            raise InputError(path, "was not transcribed")
        if isinstance(result, InputError):
            raise result
        return result

    return read


def recordings(
    paths: list[Path],
    profile: Profile,
    manifest: Path | None,
    model,
    device,
    agent_channel,
    mono_role,
    no_cache: bool,
    jobs: int = 1,
    executor: str = "local",
    address: str | None = None,
    verification: Verification | None = None,
) -> tuple[Callable[[Path], Conversation], list[InputError]]:
    """Transcribe the recordings among paths; the reader check_paths gets for them, and the problems
    met on the way that belong to no recording's result (manifest rows that could not be used)."""
    audio = audio_among(paths)
    if not audio:
        return audio_reader({}), []
    from phrasecheck.calls.batch import make_options, over_limits, recordings_meta

    options = make_options(model, device, agent_channel, mono_role, profile.agent_channel, jobs, profile.channels)
    meta, unplaced, problems = recordings_meta(audio, manifest, profile.recording_path)
    # A path whose day or time is no real one (2026-13-45) leaves the call's time unknown: a warning
    # of that recording in every report (findings.json, --format json, the summary), not a line on
    # the terminal alone, which the report folder and the machine formats never showed.
    problems += unplaced
    too_big = over_limits(audio, profile.limits)
    transcripts = transcribe_with_bar([a for a in audio if a not in too_big], options, no_cache, meta, jobs, executor, address, verification)
    return audio_reader({**transcripts, **too_big}), problems


@click.command()
@click.argument("folder", type=click.Path(path_type=Path, exists=True, file_okay=False))
@manifest_option
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), help="Report folder (default: ./phrasecheck-report-YYYY-MM-DD).")
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(1, 64),
    default=None,
    help="Worker processes transcribing at once (default: one per CPU core, at most 4; 1 with --device cuda).",
)
@click.option(
    "--executor",
    type=click.Choice(["local", "ray"]),
    default="local",
    show_default=True,
    help='Where transcription groups run: worker processes here, or Ray tasks (pip install "phrasecheck[ray]").',
)
@click.option("--address", help="Ray cluster to use with --executor ray (default: RAY_ADDRESS, else a Ray runtime started here).")
@config_option
@lexicon_option
@redact_option
@audio_options
@db_options
def scan(
    folder, manifest, out_dir, jobs, executor, address, config, lexicon_dir, redact, model, device, agent_channel, mono_role, no_cache, no_verify, db, no_db
) -> None:
    """Transcribe and check a day's recordings and chat exports under FOLDER; write the report folder.

    Exit status: 0 done, 2 when a file failed (listed in the report and the summary)."""
    from phrasecheck.calls.batch import default_jobs
    from phrasecheck.calls.verify import Verification
    from phrasecheck.report import EmitOptions
    from phrasecheck.report.folder import write_report_folder
    from phrasecheck.report.labels import rule_names
    from phrasecheck.report.text import emit_text

    profile, checker = build_rules(config, lexicon_dir)
    jobs = jobs or default_jobs(device)
    verification = None if no_verify else Verification.of(checker)
    reader, problems = recordings([folder], profile, manifest, model, device, agent_channel, mono_role, no_cache, jobs, executor, address, verification)
    run = check_paths([folder], checker, profile, audio=reader)
    run.errors += problems
    out_dir = out_dir or Path(f"phrasecheck-report-{date.today().isoformat()}")
    written = write_report_folder(run, profile, out_dir, checker.fatal, redact=redact, rule_names=rule_names(checker.lexicon))
    emit_text(run, profile, sys.stdout, EmitOptions())
    click.echo(f"report folder: {out_dir} ({', '.join(sorted(p.name for p in written.files))})")
    if not no_db:
        record_run(written.findings, db, checker.lexicon)
    sys.exit(EXIT_ERROR if failed(run) else EXIT_OK)


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "srt"]), default="text", show_default=True)
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False))
@config_option
@lexicon_option
@audio_options
def transcribe(files, fmt, output, config, lexicon_dir, model, device, agent_channel, mono_role, no_cache, no_verify) -> None:
    """Print or write the transcript of recordings (agent/customer turns with times).

    Where the text comes close to a rule's words, JSON gives what acoustic verification heard."""
    from phrasecheck.calls.batch import make_options
    from phrasecheck.calls.transcribe import transcript_json, transcript_srt, transcript_text
    from phrasecheck.calls.verify import Verification

    refuse_output_over_inputs(output, list(files))  # the recording itself, overwritten by its transcript
    profile, checker = build_rules(config, lexicon_dir)
    options = make_options(model, device, agent_channel, mono_role, profile.agent_channel)
    verification = None if no_verify else Verification.of(checker)
    transcripts = transcribe_with_bar(list(files), options, no_cache, {}, 1, verification=verification)
    convs, errors = [], []
    for path in files:
        result = transcripts[path]
        (errors if isinstance(result, InputError) else convs).append(result)
    if fmt == "json":
        text = json.dumps([transcript_json(c) for c in convs], ensure_ascii=False, indent=2) + "\n"
    elif fmt == "srt":
        text = "\n".join(transcript_srt(c) for c in convs)
    else:
        text = "\n".join(transcript_text(c) for c in convs)
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)
    for e in errors:
        click.echo(f"{'warning' if e.warning else 'error'}: {e}", err=True)
    sys.exit(EXIT_ERROR if any(not e.warning for e in errors) else EXIT_OK)


@click.group()
def cache() -> None:
    """The transcript cache (SQLite): a re-run after a lexicon change transcribes nothing again."""


@cache.command("info")
def cache_info() -> None:
    """The transcripts, and what else the cache folder holds (the joined model, jieba's table)."""
    from phrasecheck.calls.cache import TranscriptCache

    info = TranscriptCache().info()
    click.echo(f"{info.path}: {info.entries} transcript(s), {info.size_bytes / 1e6:.2f} MB")
    transcripts = Path(info.path)
    for entry in sorted(transcripts.parent.iterdir()) if transcripts.parent.is_dir() else []:
        if not entry.name.startswith(transcripts.name):  # the database and its -wal/-shm files
            files = [entry] if entry.is_file() else [p for p in entry.rglob("*") if p.is_file()]
            click.echo(f"{entry}: {sum(p.stat().st_size for p in files) / 1e6:.2f} MB (rebuilt when missing; `cache clear` keeps it)")


@cache.command("clear")
def cache_clear() -> None:
    """Remove every cached transcript."""
    from phrasecheck.calls.cache import TranscriptCache

    removed = TranscriptCache().clear()
    click.echo(f"removed {removed} transcript(s)")
