"""Commands for call recordings: scan a day's folder, transcribe, manage the transcript cache.

Recordings are transcribed first (in --jobs worker processes, through the cache), then the
ordinary check pass reads them like any other input, so calls and chats share every rule."""

from __future__ import annotations

import csv
import os
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path

import click

from phrasecheck.calls.audio import AUDIO_SUFFIXES
from phrasecheck.calls.cache import TranscriptCache
from phrasecheck.calls.transcribe import Job, TranscribeOptions, WhisperTranscriber, transcribe_batch, transcript_json, transcript_srt, transcript_text
from phrasecheck.config.recording_path import PathPattern
from phrasecheck.data import Conversation
from phrasecheck.errors import ConfigError, InputError, ModelError
from phrasecheck.inputs.readers import decode, discover, parse_time

EXIT_ERROR = 2


def _die(message: str) -> None:
    click.echo(f"phrasecheck: {message}", err=True)
    sys.exit(EXIT_ERROR)


def audio_options(f):
    """--model/--device/--agent-channel/--mono-role, shared by check, scan and transcribe."""
    for option in reversed(
        [
            click.option("--model", default="base", show_default=True, help="faster-whisper size name or a local CTranslate2 model folder."),
            click.option(
                "--device", type=click.Choice(["cpu", "cuda", "auto"]), default="cpu", show_default=True, help="cuda uses float16 and the batched pipeline."
            ),
            click.option(
                "--agent-channel", type=click.Choice(["left", "right"]), default=None, help="Stereo channel of the agent (default: the profile's, else left)."
            ),
            click.option(
                "--mono-role", type=click.Choice(["agent"]), default=None, help="Treat all speech in mono recordings as the agent's instead of inferring roles."
            ),
            click.option("--no-cache", is_flag=True, help="Transcribe again instead of using the transcript cache."),
        ]
    ):
        f = option(f)
    return f


def make_options(model: str, device: str, agent_channel: str | None, mono_role: str | None, profile_channel: str = "left", jobs: int = 1) -> TranscribeOptions:
    channel = agent_channel or profile_channel
    try:
        return TranscribeOptions(
            model=model,
            device=device,
            agent_channel=0 if channel == "left" else 1,
            mono_role=mono_role,
            cpu_threads=max(1, (os.cpu_count() or 1) // max(1, jobs)),
        )
    except ValueError as exc:
        _die(str(exc))
        raise


def default_jobs(device: str) -> int:
    """Workers when --jobs is not given. On the CPU one per core, at most 4: measured on 2 cores,
    two one-thread workers beat one two-thread process (samples/calls 12.3-12.6 s against
    13.5-14.6 s; 2-minute calls 33.0-33.5 s against 35.2-35.4 s) and use less CPU time. On a GPU
    1, since each worker holds its own copy of the model in GPU memory."""
    if TranscribeOptions(device=device).resolved_device() == "cuda":
        return 1
    return max(1, min(os.cpu_count() or 1, 4))


def read_manifest(path: Path | None) -> dict[str, dict]:
    """file name (and path relative to the manifest) -> {agent_id, call_time, conversation_id}."""
    if path is None:
        return {}
    try:
        rows = list(csv.DictReader(decode(path).splitlines()))
    except (OSError, InputError) as exc:
        _die(f"{path}: cannot read manifest: {exc}")
    if not rows or "file" not in rows[0]:
        _die(f"{path}:1: a manifest needs the columns file, agent_id, call_time (conversation_id optional)")
    out = {}
    for n, row in enumerate(rows, 2):
        meta = {"agent_id": (row.get("agent_id") or "").strip() or None, "conversation_id": (row.get("conversation_id") or "").strip() or None}
        try:
            meta["started_at"] = parse_time(row.get("call_time"), path, n)
        except InputError as exc:
            _die(str(exc))
        name = row["file"].strip()
        out[name] = meta
        out[str((path.parent / name).resolve())] = meta
    return out


def _transcribe_group(args: tuple[list[Job], TranscribeOptions, str | None]) -> list[Conversation | InputError] | ModelError:
    jobs, options, cache_path = args
    cache = TranscriptCache(cache_path) if cache_path else None
    try:
        return transcribe_batch(jobs, options, _worker_transcriber(options), cache)
    except ModelError as exc:
        return exc


def _groups(durations: list[float], budget_s: float) -> list[list[int]]:
    """Consecutive recordings whose audio adds up to about budget_s: decoded together, their
    windows fill the model's batches; a group is also what an interrupted scan may redo."""
    groups: list[list[int]] = []
    current: list[int] = []
    acc = 0.0
    for i, d in enumerate(durations):
        if current and acc + d > budget_s:
            groups.append(current)
            current, acc = [], 0.0
        current.append(i)
        acc += d
    return groups + [current] if current else groups


_TRANSCRIBERS: dict[str, WhisperTranscriber] = {}  # per worker process: the model loads once per process


def _worker_transcriber(options: TranscribeOptions) -> WhisperTranscriber:
    key = f"{options.model}|{options.device}|{options.cpu_threads}"
    if key not in _TRANSCRIBERS:
        _TRANSCRIBERS[key] = WhisperTranscriber(options)
    return _TRANSCRIBERS[key]


def transcribe_all(
    files: list[Path], options: TranscribeOptions, cache: TranscriptCache | None, manifest: dict[str, dict], jobs: int, progress: bool = True
) -> dict[Path, Conversation | InputError]:
    """Transcribe every recording once, in groups (in parallel with jobs > 1), with a progress bar;
    a model problem stops the run."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    def job(p: Path) -> Job:
        meta = manifest.get(str(p.resolve())) or manifest.get(p.name) or {}
        return Job(str(p), meta.get("conversation_id"), meta.get("agent_id") or "unknown", meta.get("started_at"))

    durations = [_duration(p) for p in files]
    total_s = sum(durations)
    budget_s = options.batch_size * 30.0  # about a batch of 30 s windows per group
    if jobs > 1:  # every worker gets a share
        budget_s = min(budget_s, max(total_s / jobs, 1.0))
    groups = _groups(durations, budget_s)
    work = [([job(files[i]) for i in g], options, str(cache.path) if cache else None) for g in groups]
    out: dict[Path, Conversation | InputError] = {}
    columns = [
        TextColumn("transcribing"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[hours]} h audio"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    ]
    with Progress(*columns, disable=not progress or not files, transient=True) as bar:
        task = bar.add_task("audio", total=len(files), hours=f"0.00/{total_s / 3600:.2f}")
        done_s = 0.0
        pool = ProcessPoolExecutor(jobs) if jobs > 1 and len(groups) > 1 else None
        results = pool.map(_transcribe_group, work) if pool else map(_transcribe_group, work)
        try:
            for group, result in zip(groups, results):
                if isinstance(result, ModelError):
                    _die(str(result))
                for i, conv in zip(group, result):
                    out[files[i]] = conv
                done_s += sum(durations[i] for i in group)
                bar.update(task, advance=len(group), hours=f"{done_s / 3600:.2f}/{total_s / 3600:.2f}")
        finally:
            if pool:
                pool.shutdown(cancel_futures=True)
    return out


def _duration(path: Path) -> float:
    try:
        import av

        with av.open(str(path)) as container:
            return float(container.duration or 0) / 1_000_000
    except Exception:  # noqa: BLE001 - a broken file is reported by the transcriber, not here
        return 0.0


def audio_reader(transcripts: dict[Path, Conversation | InputError]) -> Callable[[Path], Conversation]:
    def read(path: Path) -> Conversation:
        result = transcripts.get(path)
        if result is None:
            raise InputError(str(path), "was not transcribed")
        if isinstance(result, InputError):
            raise result
        return result

    return read


def prepare_audio(
    paths: list[Path], options: TranscribeOptions, no_cache: bool, manifest: dict[str, dict], jobs: int, path_pattern: PathPattern | None = None
) -> Callable[[Path], Conversation]:
    """Transcribe the recordings among paths.

    Agent, call id and time come from the manifest (given, or manifest.csv beside the recordings),
    else from the profile's recording_path pattern."""
    files, _, _ = discover(paths)
    audio = [f for f in files if f.suffix.lower() in AUDIO_SUFFIXES]
    if not manifest:  # a manifest.csv beside the recordings describes them
        for folder in sorted({f.parent for f in audio}):
            if (folder / "manifest.csv").is_file():
                manifest.update(read_manifest(folder / "manifest.csv"))
    if path_pattern is not None:
        for f in audio:
            if str(f.resolve()) not in manifest and f.name not in manifest:
                meta, problem = path_pattern.meta(f)
                if problem:
                    click.echo(f"phrasecheck: warning: {problem}", err=True)
                if meta:
                    manifest[str(f.resolve())] = meta
    cache = None if no_cache else TranscriptCache()
    return audio_reader(transcribe_all(audio, options, cache, manifest, jobs, progress=sys.stderr.isatty()))


@click.command()
@click.argument("folder", type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option(
    "--manifest",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="CSV: file, agent_id, call_time[, conversation_id]. Default: manifest.csv beside the recordings.",
)
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), help="Report folder (default: ./phrasecheck-report-YYYY-MM-DD).")
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(1, 64),
    default=None,
    help="Worker processes transcribing at once (default: one per CPU core, at most 4; 1 with --device cuda).",
)
@click.option("--config", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--lexicon", "lexicon_dir", type=click.Path(path_type=Path, file_okay=False))
@click.option("--redact/--no-redact", default=True, show_default=True, help="Mask phone, ID, bank card numbers and e-mail in the reports.")
@audio_options
def scan(folder, manifest, out_dir, jobs, config, lexicon_dir, redact, model, device, agent_channel, mono_role, no_cache) -> None:
    """Transcribe and check a day's recordings and chat exports under FOLDER; write the report folder.

    Exit status: 0 done, 2 when a file failed (listed in the report and the summary)."""
    from phrasecheck.cli.main import _setup
    from phrasecheck.engine.run import check_paths
    from phrasecheck.report.folder import write_report_folder
    from phrasecheck.report.text import emit_text

    profile, checker = _setup(config, lexicon_dir, None, None)
    jobs = jobs or default_jobs(device)
    options = make_options(model, device, agent_channel, mono_role, profile.agent_channel, jobs)
    reader = prepare_audio([folder], options, no_cache, read_manifest(manifest), jobs, path_pattern=profile.recording_path)
    run = check_paths([folder], checker, profile, audio=reader)
    out_dir = out_dir or Path(f"phrasecheck-report-{date.today().isoformat()}")
    try:
        written = write_report_folder(run, profile, out_dir, checker.fatal, redact=redact)
    except OSError as exc:
        _die(f"cannot write {out_dir}: {exc.strerror or exc}")
    emit_text(run, profile, sys.stdout, color=None)
    click.echo(f"report folder: {out_dir} ({', '.join(sorted(p.name for p in written.files))})")
    sys.exit(EXIT_ERROR if run.errors else 0)


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "srt"]), default="text", show_default=True)
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--config", type=click.Path(path_type=Path, dir_okay=False))
@audio_options
def transcribe(files, fmt, output, config, model, device, agent_channel, mono_role, no_cache) -> None:
    """Print or write the transcript of recordings (agent/customer turns with times)."""
    import json

    from phrasecheck.config.profile import find_profile

    try:
        profile = find_profile(config)
    except ConfigError as exc:
        _die(str(exc))
    options = make_options(model, device, agent_channel, mono_role, profile.agent_channel)
    transcripts = transcribe_all(list(files), options, None if no_cache else TranscriptCache(), {}, 1, progress=sys.stderr.isatty())
    convs, errors = [], []
    for path in files:
        result = transcripts[path]
        (errors if isinstance(result, InputError) else convs).append(result)
    if fmt == "json":
        text = json.dumps([transcript_json(c) for c in convs], ensure_ascii=False, indent=2) + "\n"
    elif fmt == "srt":
        text = "\n".join(transcript_srt(c) for c in convs)
    else:
        text = "\n".join(f"# {c.source} (roles: {c.roles})\n{transcript_text(c)}" for c in convs)
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)
    for e in errors:
        click.echo(f"error: {e}", err=True)
    sys.exit(EXIT_ERROR if errors else 0)


@click.group()
def cache() -> None:
    """The transcript cache (SQLite): a re-run after a lexicon change transcribes nothing again."""


@cache.command("info")
def cache_info() -> None:
    """The transcripts, and what else the cache folder holds (the joined model, jieba's table)."""
    info = TranscriptCache().info()
    click.echo(f"{info.path}: {info.entries} transcript(s), {info.size_bytes / 1e6:.2f} MB")
    transcripts = Path(info.path)
    for entry in sorted(transcripts.parent.iterdir()) if transcripts.parent.is_dir() else []:
        if not entry.name.startswith(transcripts.name):  # the database and its -wal/-shm files
            files = [entry] if entry.is_file() else [p for p in entry.rglob("*") if p.is_file()]
            click.echo(f"{entry}: {sum(p.stat().st_size for p in files) / 1e6:.2f} MB (rebuilt when missing; `cache clear` keeps it)")


@cache.command("clear")
def cache_clear() -> None:
    removed = TranscriptCache().clear()
    click.echo(f"removed {removed} transcript(s)")
