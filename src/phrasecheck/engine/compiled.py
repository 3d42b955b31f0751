"""Checkers kept between runs, so a run loads its rules in about a second, not the ten and more a build takes.

Building a checker expands the lexicon's hundreds of thousands of forms and reads the pinyin of its
thousands of parts. The built checker is pickled to the cache folder (config/locations.py) under
a key of everything it is built from: the lexicon's files, the default pack's (its words.yaml
stands in for a pack without one), the profile, phrasecheck's own source and the versions of the
libraries that read the text. Loading it back gives the checker a build would give; any change
is a new key. A cache file that cannot be read is rebuilt, one that cannot be written is skipped:
the cache only saves time.
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
import sys
import tempfile
from dataclasses import is_dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import phrasecheck
from phrasecheck.config.lexicon import Lexicon, default_lexicon_dir, lexicon_files, load_lexicon
from phrasecheck.config.locations import user_cache_dir
from phrasecheck.config.profile import Profile
from phrasecheck.engine.checker import Checker

if TYPE_CHECKING:
    from collections.abc import Callable

    from phrasecheck.engine.nearmiss import Proposer

KEPT = 8  # cached checkers kept (newest used first): a lexicon being edited makes one per save
PROPOSER = ".proposer"  # beside a checker's file: its verification proposer's tables (cached_proposer)
TEXT_LIBRARIES = ("jieba", "pypinyin", "rapidfuzz", "regex", "opencc", "yaml")
PROFILE_ID = "<profile>"  # not a field name
# what loading a cut-short, corrupted or foreign pickle raises
UNREADABLE = (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, IndexError, KeyError, TypeError, ValueError)


def cached_checker(profile: Profile, folder: Path, cache: Path | None = None) -> Checker:
    """Checker(load_lexicon(folder), profile), from the cache when it was built before. Raises
    ConfigError as load_lexicon and Checker do (a lexicon or profile with an error is never cached)."""
    path = (cache or user_cache_dir() / "rules") / f"{fingerprint(profile, folder)}.pickle"
    checker = _load(path, profile)
    if checker is None:
        checker = Checker(load_lexicon(folder), profile)
        _store(checker, path)
    checker.cached_as = path
    return checker


def cached_lexicon(folder: Path, cache: Path | None = None) -> Lexicon:
    """load_lexicon(folder), as the cached default-profile checker holds it: about a second of
    unpickling where expanding every form again takes nine (import, and report's rule names)."""
    return cached_checker(Profile(), folder, cache).lexicon


def cached_proposer(checker: Checker) -> Proposer:
    """Verification's Proposer(checker), its tables from beside the cached checker when they were
    built before (building them reads every forbidden form again: 0.16 s of every scan). A checker
    not from the cache gets a proposer built afresh."""
    from phrasecheck.engine.nearmiss import Proposer

    path = checker.cached_as.with_suffix(PROPOSER) if checker.cached_as is not None else None
    if path is not None:
        try:
            with open(path, "rb") as f:
                tables = pickle.load(f)
            if isinstance(tables, dict):
                return Proposer.from_tables(checker, tables)
        except UNREADABLE:
            pass
    proposer = Proposer(checker)
    if path is not None:
        _write(path, lambda f: pickle.dump(proposer.tables(), f, protocol=pickle.HIGHEST_PROTOCOL))
    return proposer


# Profile settings a checker only reads when it checks or scores, never while it is built: the
# loaded checker holds the caller's profile (_shared), so they reach it without a build of their
# own. select/ignore: every rule is built and judged, and Checker._reported narrows the output.
# given (the settings a profile file names) is read by the CLI alone: a phrasecheck.yaml of weights
# only, the usual one, built a checker of its own (12 s) where the default's was already cached.
CHECK_TIME = ("select", "ignore", "weights", "kpi", "count_review", "min_confidence", "source", "given")


def fingerprint(profile: Profile, folder: Path) -> str:
    """A key that changes with anything the checker is built from (not the CHECK_TIME settings)."""
    h = hashlib.sha256()
    built = repr(replace(profile, **{name: getattr(Profile(), name) for name in CHECK_TIME}))
    for text in (sys.version, built, str(folder), *(getattr(sys.modules.get(m), "__version__", "") for m in TEXT_LIBRARIES)):
        h.update(text.encode() + b"\0")
    code = Path(phrasecheck.__file__).parent
    files = [*_rule_files(folder), *_rule_files(default_lexicon_dir()), *sorted(code.rglob("*.py"))]
    for f in files:
        h.update(str(f).encode() + b"\0")
        try:
            h.update(f.read_bytes())
        except OSError:
            h.update(b"\1unreadable")  # load_lexicon will say why
    return h.hexdigest()[:32]


def _rule_files(folder: Path) -> list[Path]:
    return [*lexicon_files(folder), *sorted(folder.glob("*.npz"))] if folder.is_dir() else []  # the model file too


def _shared(profile: Profile) -> dict[int, str]:
    """The profile and its mutable settings, by identity: they stay out of the file, and the
    caller's own objects are put back in their place, so a setting changed on the profile later
    reaches the checker as it would have reached a built one."""
    refs = {id(value): name for name, value in vars(profile).items() if isinstance(value, (list, dict)) or is_dataclass(value)}
    return refs | {id(profile): PROFILE_ID}


class _Pickler(pickle.Pickler):
    def __init__(self, file, profile: Profile):
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.refs = _shared(profile)

    def persistent_id(self, obj):
        return self.refs.get(id(obj))


class _Unpickler(pickle.Unpickler):
    def __init__(self, file, profile: Profile):
        super().__init__(file)
        self.profile = profile

    def persistent_load(self, pid):
        if pid == PROFILE_ID:
            return self.profile
        if isinstance(pid, str) and pid in vars(self.profile):
            return getattr(self.profile, pid)
        raise pickle.UnpicklingError(f"unknown reference {pid!r}")


def _load(path: Path, profile: Profile) -> Checker | None:
    try:
        with open(path, "rb") as f:
            collecting = gc.isenabled()
            gc.disable()  # a graph of a few hundred thousand objects: collecting while it is built triples the time
            try:
                checker = _Unpickler(f, profile).load()
            finally:
                if collecting:  # the command line keeps it off until it has frozen the rules (cli/common.py)
                    gc.enable()
        os.utime(path)  # newest used: the last to be pruned
    except UNREADABLE:  # none yet, or a truncated or foreign file: build it (and write it anew)
        return None
    return checker if isinstance(checker, Checker) else None


def _store(checker: Checker, path: Path) -> None:
    if _write(path, lambda f: _Pickler(f, checker.profile).dump(checker)):
        _prune(path.parent)


def _write(path: Path, dump: Callable) -> bool:
    """dump(file) into path, whole or not at all: a concurrent run reads the old file or the new.
    False where it cannot be written (the cache only saves time)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".part")
        try:
            with os.fdopen(fd, "wb") as f:
                dump(f)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    except (OSError, pickle.PicklingError):
        return False
    return True


def _prune(folder: Path) -> None:
    files = sorted(folder.glob("*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in files[KEPT:]:
        old.unlink(missing_ok=True)
    for tables in folder.glob(f"*{PROPOSER}"):  # a pruned checker's proposer tables go with it
        if not tables.with_suffix(".pickle").exists():
            tables.unlink(missing_ok=True)
