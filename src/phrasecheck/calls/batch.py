"""Transcribe a batch of recordings: through the cache, in groups that share the model's batches,
in worker processes when asked. Raises ModelError when the model is unavailable; a bad file is
an InputError in the result, and the rest of the batch goes on."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from phrasecheck.calls.cache import TranscriptCache
from phrasecheck.calls.transcribe import Job, TranscribeOptions, WhisperTranscriber, transcribe_batch
from phrasecheck.calls.verify import Verification
from phrasecheck.config.profile import Limits
from phrasecheck.config.recording_path import PathPattern
from phrasecheck.data import Conversation
from phrasecheck.errors import ConfigError, InputError, ModelError
from phrasecheck.inputs.manifest import MANIFEST_NAME, match_manifest, read_manifest

Progress = Callable[[int, float], None]  # (recordings done, seconds of audio done) after each group


def make_options(
    model: str,
    device: str,
    agent_channel: str | None,
    mono_role: str | None,
    profile_channel: str = "left",
    jobs: int = 1,
    channels: dict[str, int] | None = None,
) -> TranscribeOptions:
    """channels: the profile's agent/customer channel numbers (from 1) for recordings with more than two."""
    channel = agent_channel or profile_channel
    try:
        return TranscribeOptions(
            model=model,
            device=device,
            agent_channel=0 if channel == "left" else 1,
            mono_role=mono_role,
            channel_map=(channels["agent"] - 1, channels["customer"] - 1) if channels else None,
            cpu_threads=max(1, (os.cpu_count() or 1) // max(1, jobs)),
        )
    except ValueError as exc:
        raise ConfigError(None, str(exc)) from None


def default_jobs(device: str) -> int:
    """Workers when --jobs is not given. On the CPU one per core, at most 4: measured on 2 cores,
    two one-thread workers beat one two-thread process (samples/calls 12.3-12.6 s against
    13.5-14.6 s; 2-minute calls 33.0-33.5 s against 35.2-35.4 s) and use less CPU time. On a GPU
    1, since each worker holds its own copy of the model in GPU memory."""
    if TranscribeOptions(device=device).resolved_device() == "cuda":
        return 1
    return max(1, min(os.cpu_count() or 1, 4))


def groups_of(durations: list[float], budget_s: float) -> list[list[int]]:
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


class _Worker:
    """One model per worker process, loaded by the pool's initializer (or once for a serial run),
    and the run's verification, given once: a forked worker inherits it. Sent with every group, it
    was pickled each time, the lexicon's forms and all (6.5 MB, about 2.5 s of CPU a group, and each
    worker then built its own checker: a cached scan of samples/calls took 9 s of CPU with two workers)."""

    transcriber: WhisperTranscriber | None = None
    verification: Verification | None = None

    @classmethod
    def start(cls, options: TranscribeOptions, verification: Verification | None = None) -> None:
        cls.transcriber = WhisperTranscriber(options)
        cls.verification = verification

    @classmethod
    def run(cls, args: tuple[list[Job], TranscribeOptions, str | None]) -> list[Conversation | InputError] | ModelError:
        jobs, options, cache_path = args
        cache = TranscriptCache(cache_path) if cache_path else None
        try:
            return transcribe_batch(jobs, options, cls.transcriber or WhisperTranscriber(options), cache, cls.verification)
        except ModelError as exc:  # returned, not raised: it crosses the process boundary as a value
            return exc


def die_with_parent() -> None:
    """In a worker process: end when the process that started it ends, even by kill -9, instead of
    running on with its model in memory (Linux; elsewhere the pool's own shutdown must do)."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import signal

    parent = os.getppid()
    try:
        # PR_SET_PDEATHSIG with SIGKILL: a SIGTERM can arrive ignored or blocked, as both are inherited
        # from whatever started phrasecheck (the test suite's process, after Ray and servers ran in it)
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _start_worker(options: TranscribeOptions, verification: Verification | None) -> None:
    die_with_parent()
    _Worker.start(options, verification)


def duration_s(path: Path) -> float:
    try:
        import av

        with av.open(str(path)) as container:
            return float(container.duration or 0) / 1_000_000
    except Exception:  # noqa: BLE001 - a broken file is reported by the transcriber, not here
        return 0.0


def transcribe_all(
    files: list[Path],
    options: TranscribeOptions,
    cache: TranscriptCache | None,
    meta: dict[str, dict],
    jobs: int,
    progress: Progress | None = None,
    executor: str = "local",
    address: str | None = None,
    verification: Verification | None = None,
) -> dict[Path, Conversation | InputError]:
    """Transcribe every recording once, in groups (in parallel with jobs > 1; as Ray tasks with
    executor "ray", on the cluster at address), each checked against its audio where it comes near
    a rule when a verification is given. meta maps a file's resolved path or name to its
    agent_id, conversation_id and started_at."""

    durations, groups, group_jobs = plan(files, options, meta, jobs)
    if executor == "ray":
        from phrasecheck.calls.ray_exec import transcribe_groups

        results = transcribe_groups(group_jobs, options, cache, address, verification)
        return _gather(files, durations, groups, results, progress)
    work = [(js, options, str(cache.path) if cache else None) for js in group_jobs]
    parallel = jobs > 1 and len(groups) > 1
    pool = ProcessPoolExecutor(jobs, initializer=_start_worker, initargs=(options, verification)) if parallel else None
    if pool is None and work:
        _Worker.start(options, verification)
    try:
        return _gather(files, durations, groups, pool.map(_Worker.run, work) if pool else map(_Worker.run, work), progress)
    finally:
        _Worker.transcriber = _Worker.verification = None
        if pool:
            pool.shutdown(cancel_futures=True)


def plan(files: list[Path], options: TranscribeOptions, meta: dict[str, dict], jobs: int) -> tuple[list[float], list[list[int]], list[list[Job]]]:
    """Durations, groups (indices into files) and each group's Jobs, as every executor uses them."""

    def job(p: Path) -> Job:
        m = meta.get(str(p.resolve())) or {}
        return Job(str(p), m.get("conversation_id"), m.get("agent_id") or "unknown", m.get("started_at"))

    durations = [duration_s(p) for p in files]
    budget_s = options.batch_size * 30.0  # about a batch of 30 s windows per group
    if jobs > 1:  # every worker gets a share
        budget_s = min(budget_s, max(sum(durations) / jobs, 1.0))
    groups = groups_of(durations, budget_s)
    return durations, groups, [[job(files[i]) for i in g] for g in groups]


def _gather(files, durations, groups, results, progress: Progress | None) -> dict[Path, Conversation | InputError]:
    """Each group's results, in order, under its files; a ModelError stops everything."""
    out: dict[Path, Conversation | InputError] = {}
    done_files, done_s = 0, 0.0
    for group, result in zip(groups, results):
        if isinstance(result, ModelError):
            raise result
        for i, conv in zip(group, result):
            out[files[i]] = conv
        done_files += len(group)
        done_s += sum(durations[i] for i in group)
        if progress:
            progress(done_files, done_s)
    return out


class UnknownCallTime(InputError):
    """A recording whose path names no real day and time, or does not fit recording_path at all:
    checked, its time (and agent) unknown. A warning of that recording in every report."""

    warning = True


def recordings_meta(
    audio: Iterable[Path], manifest: Path | None, path_pattern: PathPattern | None
) -> tuple[dict[str, dict], list[UnknownCallTime], list[InputError]]:
    """Agent, call id and time per recording (by resolved path): the manifest given, else each
    manifest.csv beside the recordings, else the profile's recording_path pattern. Returns the
    mapping, the recordings placed without their time (warnings), and the manifests' problems
    (rows that could not be used)."""
    audio = list(audio)
    meta: dict[str, dict] = {}
    warnings: list[UnknownCallTime] = []
    problems: list[InputError] = []
    manifests = [manifest] if manifest else sorted({f.parent / MANIFEST_NAME for f in audio if (f.parent / MANIFEST_NAME).is_file()})
    for path in manifests:
        try:
            rows, bad = read_manifest(path)
        except InputError as exc:
            problems.append(exc)
            continue
        found, unmatched = match_manifest(path, rows, audio)
        meta.update(found)
        problems += bad + unmatched
    if path_pattern is not None:
        for f in audio:
            if str(f.resolve()) not in meta:
                found, problem = path_pattern.meta(f)
                if problem:
                    warnings.append(UnknownCallTime(str(f), problem.removeprefix(f"{f}: ")))
                if found:
                    meta[str(f.resolve())] = found
    return meta, warnings, problems


def over_limits(files: list[Path], limits: Limits) -> dict[Path, InputError]:
    """Recordings larger or (by their header) longer than the profile's limits, each with why; not transcribed."""
    out: dict[Path, InputError] = {}
    for f in files:
        try:
            size = f.stat().st_size
        except OSError:
            continue  # reported by the transcriber
        if size > limits.max_file_mb * 1e6:
            out[f] = InputError(f, f"the file is {size / 1e6:,.1f} MB, over the limit of {limits.max_file_mb:g} MB (limits.max_file_mb in phrasecheck.yaml)")
            continue
        minutes = duration_s(f) / 60
        if minutes > limits.max_recording_min:
            out[f] = InputError(
                f,
                f"the recording is {minutes:,.1f} minutes long, over the limit of {limits.max_recording_min:g} (limits.max_recording_min in phrasecheck.yaml)",
            )
    return out
