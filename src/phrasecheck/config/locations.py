"""Where phrasecheck keeps files between runs (joined model, transcript cache)."""

from __future__ import annotations

import os
from pathlib import Path


def user_cache_dir() -> Path:
    """$PHRASECHECK_CACHE_DIR, else $XDG_CACHE_HOME/phrasecheck, else ~/.cache/phrasecheck."""
    explicit = os.environ.get("PHRASECHECK_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "phrasecheck"
