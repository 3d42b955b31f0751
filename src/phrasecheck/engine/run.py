"""One pass over inputs: discover -> ingest (-> transcribe) -> check, collecting a Run."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from phrasecheck.config.lexicon import Lexicon, default_lexicon_dir, load_lexicon, resolve_lexicon
from phrasecheck.config.profile import Profile, find_profile
from phrasecheck.data import Conversation, Run
from phrasecheck.engine.checker import Checker
from phrasecheck.inputs.discover import discover
from phrasecheck.inputs.readers import read_file


def load_rules(profile: Profile, lexicon_dir: Path | None = None) -> Lexicon:
    """--lexicon (a folder, or a shipped pack's name: ecommerce), else the profile's, else lexicons/default."""
    return load_lexicon(resolve_lexicon(lexicon_dir) if lexicon_dir else profile.lexicon or default_lexicon_dir())


def split_ids(value: str | None) -> list[str]:
    return [s.strip() for s in (value or "").split(",") if s.strip()]


def build_checker(config: Path | None, lexicon_dir: Path | None = None, select: str | None = None, ignore: str | None = None) -> tuple[Profile, Checker]:
    """The profile (--config, else ./phrasecheck.yaml, else defaults) narrowed by --select/--ignore,
    and a Checker over its lexicon. Raises ConfigError for a bad profile or lexicon."""
    profile = find_profile(config)
    if select:
        profile.select = split_ids(select)
    profile.ignore += split_ids(ignore)
    return profile, Checker(load_rules(profile, lexicon_dir), profile)


def check_paths(
    paths: Iterable[Path],
    checker: Checker,
    profile: Profile,
    agent: str | None = None,
    audio: Callable[[Path], Conversation] | None = None,
) -> Run:
    files, ignored, errors = discover(paths, with_audio=audio is not None)
    run = Run(errors=list(errors), ignored=[str(p) for p in ignored], files=len(files))
    for path in files:
        loaded = read_file(path, profile, agent, audio)
        run.errors.extend(loaded.errors)
        run.results.extend(checker.check(conv) for conv in loaded.conversations)
    return run
