"""Checkers kept between runs (engine/compiled.py): loaded back, they judge as a fresh build does;
any change to what they are built from builds anew; a broken or unwritable cache only costs time."""

from __future__ import annotations

import gc
import shutil
import weakref
from datetime import datetime, timedelta

import pytest

from helpers import REPO, agent_says, ids
from phrasecheck.config.lexicon import default_lexicon_dir
from phrasecheck.config.profile import KpiSettings, Profile, Weights, load_profile
from phrasecheck.data import AGENT, CUSTOMER, Conversation, Turn
from phrasecheck.engine import compiled
from phrasecheck.engine.checker import Checker
from phrasecheck.engine.compiled import cached_checker

LINES = ["急什么急，烦死人了", "不知道，你问别人去", "您好，请问还有什么可以帮您？", "喂喂，说话啊", "要下班了，有事明天再来"]


@pytest.fixture()
def lexicon(tmp_path):
    folder = tmp_path / "lexicon"
    shutil.copytree(default_lexicon_dir(), folder)
    return folder


@pytest.fixture()
def small_lexicon(tmp_path):
    """The e-commerce pack (a thousand forms, not the default's 300,000): for what the cache does
    with a checker, not how the checker judges; each build of the default takes 10 s or more."""
    folder = tmp_path / "small"
    shutil.copytree(default_lexicon_dir().parent / "ecommerce", folder)
    return folder


def findings(checker: Checker) -> list[list[str]]:
    return [ids(checker.check(agent_says(line))) for line in LINES]


def test_a_cached_checker_judges_as_a_built_one_and_is_not_built_again(lexicon, tmp_path, monkeypatch):
    cache, profile = tmp_path / "cache", Profile()
    built = cached_checker(profile, lexicon, cache)
    assert len(list(cache.glob("*.pickle"))) == 1
    expected = findings(built)
    assert expected[0] == ["F04"] and expected[2] == []

    def no_build(*_):
        raise AssertionError("built again")

    monkeypatch.setattr(compiled, "load_lexicon", no_build)
    again = Profile()
    loaded = cached_checker(again, lexicon, cache)
    assert loaded is not built and findings(loaded) == expected
    # the caller's own profile, everywhere the checker holds one: a later setting reaches it
    assert loaded.profile is again and loaded.behaviour.profile is again and loaded.behaviour.settings is again.behaviour


def test_a_dropped_checker_is_freed_at_once_not_by_the_collector():
    """A server that reloads its lexicon drops the old checker, about 100 MB: it must go when its
    last reference does. A bound method in the matcher's per-text caches made a cycle, so it stayed
    until the collector's next full pass, and every object in it was walked by each pass before."""
    checker = cached_checker(Profile(), default_lexicon_dir())
    findings(checker)  # its per-text caches filled
    parts = [weakref.ref(p) for p in (checker, checker.matcher, checker.behaviour, checker.model)]
    gc.disable()
    try:
        del checker
        assert [p() for p in parts] == [None] * len(parts)
    finally:
        gc.enable()


def test_a_changed_lexicon_or_profile_is_built_anew(small_lexicon, tmp_path):
    lexicon, cache = small_lexicon, tmp_path / "cache"
    before = cached_checker(Profile(), lexicon, cache)
    assert ids(before.check(agent_says("这事归隔壁管，找他们去"))) == []
    path = lexicon / "forbidden.yaml"
    text = path.read_text(encoding="utf-8")
    added = text.replace("说完了没有, 说完没有,", "归隔壁管, 说完了没有, 说完没有,", 1)  # one more F09 form
    assert added != text, "F09's forms moved: anchor the edit elsewhere"
    path.write_text(added, encoding="utf-8")
    after = cached_checker(Profile(), lexicon, cache)
    assert ids(after.check(agent_says("这事归隔壁管，找他们去"))) == ["F09"]
    ignoring = cached_checker(Profile(ignore=["F09"]), lexicon, cache)
    assert ids(ignoring.check(agent_says("这事归隔壁管，找他们去"))) == []
    assert len(list(cache.glob("*.pickle"))) == 2  # select/ignore only narrow what is reported: the checker is reused
    cached_checker(Profile(thresholds={"F04": 90.0}), lexicon, cache)
    assert len(list(cache.glob("*.pickle"))) == 3


def test_scoring_settings_reuse_the_checker_and_reach_it(small_lexicon, tmp_path):
    """Weights, the KPI and review settings are read when a result is scored, not when the checker
    is built: a profile that only rescores loads the checker it shares and scores by its own."""
    lexicon, cache = small_lexicon, tmp_path / "cache"
    plain = cached_checker(Profile(), lexicon, cache).check(agent_says(LINES[0]))
    strict = Profile(weights=Weights(forbidden=5.0), kpi=KpiSettings(limit_s=30), count_review=True, min_confidence=0.5)
    harsh = cached_checker(strict, lexicon, cache)
    assert len(list(cache.glob("*.pickle"))) == 1 and harsh.profile is strict
    assert ids(harsh.check(agent_says(LINES[0]))) == ["F04"]
    assert plain.attitude_score - harsh.check(agent_says(LINES[0])).attitude_score == 5.0 - 3.0  # one F04, weighed by each profile
    # the same from a profile file, which also records the settings it names (profile.given)
    mine = tmp_path / "mine.yaml"
    mine.write_text("weights: {forbidden: 10}\nkpi: {skilled_s: 10, normal_s: 20}\n", encoding="utf-8")
    filed = cached_checker(load_profile(mine), lexicon, cache)
    assert len(list(cache.glob("*.pickle"))) == 1 and filed.profile.given == {"weights", "kpi"}


def test_a_rule_ignored_when_the_checker_was_cached_is_judged_on_the_next_run(small_lexicon, tmp_path):
    """The first run ignored the behaviour rules; a later run that selects everything gets them from
    the same cached checker (it had dropped them for good, and later runs never saw a late reply)."""
    shutil.copy(default_lexicon_dir() / "behaviour.yaml", small_lexicon)
    t0 = datetime(2026, 11, 26, 9, 0, 0)
    turns = [Turn(CUSTOMER, "在吗，我家停水了", timestamp=t0), Turn(AGENT, "您好，请问有什么可以帮您？", timestamp=t0 + timedelta(seconds=400))]
    late = Conversation("c1", "A1", "day.jsonl", turns)
    cache = tmp_path / "cache"
    assert [f.id for f in cached_checker(Profile(ignore=["B"]), small_lexicon, cache).check(late).findings] == []
    assert [f.id for f in cached_checker(Profile(), small_lexicon, cache).check(late).findings] == ["B01"]
    assert len(list(cache.glob("*.pickle"))) == 1


def test_a_broken_cache_file_is_rebuilt_and_an_unwritable_cache_skipped(small_lexicon, tmp_path):
    lexicon, cache = small_lexicon, tmp_path / "cache"
    cached_checker(Profile(), lexicon, cache)
    (stored,) = cache.glob("*.pickle")
    stored.write_bytes(stored.read_bytes()[:1000])  # cut short, as by a full disk
    assert ids(cached_checker(Profile(), lexicon, cache).check(agent_says(LINES[0]))) == ["F04"]
    assert stored.stat().st_size > 100_000  # written whole again

    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    assert ids(cached_checker(Profile(), lexicon, blocked / "cache").check(agent_says(LINES[0]))) == ["F04"]


def test_only_the_newest_checkers_are_kept(small_lexicon, tmp_path, monkeypatch):
    lexicon = small_lexicon
    monkeypatch.setattr(compiled, "KEPT", 2)
    cache = tmp_path / "cache"
    for i in range(3):
        cached_checker(Profile(thresholds={"F04": 80.0 + i}), lexicon, cache)
    assert len(list(cache.glob("*.pickle"))) == 2


def test_verifications_proposer_tables_are_kept_beside_the_checker_and_propose_the_same(lexicon, tmp_path, monkeypatch):
    """Proposer tables (every forbidden reading's sounds: 0.16 s a scan) built once per rules: a
    loaded proposer proposes exactly what a built one does, on the degraded sample calls."""
    from phrasecheck.engine.nearmiss import Proposer
    from phrasecheck.inputs.readers import read_file

    calls = read_file(REPO / "samples" / "eval-calls-hard" / "calls.jsonl", Profile()).conversations
    cache = tmp_path / "cache"
    checker = cached_checker(Profile(), lexicon, cache)
    fresh = Proposer(checker)
    expected = [fresh.propose(c) for c in calls]
    assert sum(map(len, expected)) >= 10  # the set has garbles to propose readings for
    assert [compiled.cached_proposer(checker).propose(c) for c in calls] == expected  # built, and written
    (tables,) = cache.glob(f"*{compiled.PROPOSER}")

    def no_build(*_):
        raise AssertionError("built again")

    monkeypatch.setattr(Proposer, "__init__", no_build)
    loaded = compiled.cached_proposer(cached_checker(Profile(), lexicon, cache))
    assert [loaded.propose(c) for c in calls] == expected
    tables.write_bytes(tables.read_bytes()[:500])  # cut short: built again (here, the stub says so)
    with pytest.raises(AssertionError, match="built again"):
        compiled.cached_proposer(checker)
    monkeypatch.undo()
    assert compiled.cached_proposer(Checker(checker.lexicon, Profile())).tables().keys() == fresh.tables().keys()  # not cached: built
    monkeypatch.setattr(compiled, "KEPT", 0)
    compiled._prune(cache)
    assert list(cache.iterdir()) == []  # pruned with its checker
