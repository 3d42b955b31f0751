"""Where an internal error's traceback goes: a file in the user cache folder (else the temp folder),
never the terminal, so a crash is one line a user can paste into a bug report with the file."""

from __future__ import annotations

import os
import sys
import tempfile
import time
import traceback
from pathlib import Path

from phrasecheck import __version__
from phrasecheck.config.locations import user_cache_dir


def save_traceback(exc: BaseException) -> Path | str:
    """Write exc's traceback (with the version and the command line); return the file's path."""
    text = (
        f"phrasecheck {__version__}, Python {sys.version.split()[0]}\n"
        f"command: {' '.join(sys.argv)}\n"
        f"time: {time.strftime('%Y-%m-%dT%H:%M:%S%z')}\n\n" + "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    )
    name = f"crash-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.txt"
    for folder in (user_cache_dir() / "crashes", Path(tempfile.gettempdir())):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / name
            path.write_text(text, encoding="utf-8")
            return path
        except OSError:
            continue
    return "nowhere (the cache and temp folders are not writable)"
