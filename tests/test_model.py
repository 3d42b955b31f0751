"""The n-gram model: a second opinion on forbidden phrases said in words no form lists (engine/model.py)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from helpers import agent_says
from phrasecheck.cli import main
from phrasecheck.config.lexicon import default_lexicon_dir, load_lexicon
from phrasecheck.config.profile import Profile
from phrasecheck.engine.checker import Checker
from phrasecheck.engine.learn import agent_lines, labelled_turns, model_rules, train
from phrasecheck.engine.model import TurnModel
from phrasecheck.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
REWORD = ROOT / "samples" / "eval-reword"
REAL = ROOT.parent / "shared" / "realdata"
REAL_FILES = ["jddc_chats", "stc3_weibo_helpdesk", "jddc_baseline_windows", "mobilecs_calls"]


def paraphrase(n: int) -> tuple[Path, Path]:
    folder = ROOT / "samples" / f"eval-paraphrase{n}"
    return folder / f"eval-paraphrase{n}.gold.jsonl", folder / f"eval-paraphrase{n}.jsonl"


@pytest.fixture(scope="module")
def lexicon_only(lexicon):
    return Checker(replace(lexicon, model=None), Profile())


def forbidden(result) -> list[tuple[str, str, str]]:
    return [(f.id, f.severity, f.text) for f in result.findings if f.kind == "forbidden"]


RUDE_BY_LEXICON = "不知道，你自己去问吧。"  # F02, found by the lexicon
F11_REWORDED = "你有能耐就找媒体曝光去，我们不怕。"


@pytest.mark.parametrize(
    "text, rule",
    [
        ("同一句话我都讲了四遍了，你脑子里到底装没装进去？", "F13"),
        ("几点了都，我们这儿六点关门，我这都收拾东西了，有事儿后天再打吧。", "F07"),
        (F11_REWORDED, "F11"),
    ],
)
def test_a_rewording_no_form_lists_is_listed_for_review_with_its_clause(checker, lexicon_only, text, rule):
    assert forbidden(lexicon_only.check(agent_says(text))) == []
    found = [f for f in checker.check(agent_says(text)).findings if f.kind == "forbidden"]
    assert [(f.id, f.severity) for f in found] == [(rule, "review")]  # the model alone accuses no one
    (f,) = found
    assert f.text == text[f.start_char : f.end_char] and 4 <= len(f.text) <= len(text)
    assert "n-gram model" in f.message and "for review" in f.message


def test_the_shipped_pack_counts_the_model_at_level_1(lexicon):
    assert (lexicon.model.error, lexicon.model.review) == (1, 3)


def test_it_counts_where_the_lexicon_caught_the_same_agent(checker):
    found = [f for f in checker.check(agent_says(RUDE_BY_LEXICON, F11_REWORDED)).findings if f.kind == "forbidden"]
    assert [(f.id, f.severity, f.turn) for f in found] == [("F02", "error", 2), ("F11", "error", 4)]
    assert "for review" not in found[1].message


def test_another_agents_part_of_a_transfer_is_for_review(checker):
    conv = agent_says(RUDE_BY_LEXICON, F11_REWORDED)
    conv.turns[4].agent_id = "A2"
    found = [f for f in checker.check(conv).findings if f.kind == "forbidden" and f.turn == 4]
    assert [(f.id, f.severity) for f in found] == [("F11", "review")]


def test_a_turn_saying_nin_is_for_review_at_most(checker):
    text = F11_REWORDED.replace("你有能耐", "您有能耐")
    found = [f for f in checker.check(agent_says(RUDE_BY_LEXICON, text)).findings if f.turn == 4]
    assert found and all(f.severity == "review" for f in found)


def test_a_turn_the_lexicon_already_named_gets_no_second_rule_that_counts(checker, lexicon_only):
    """F04 and F05 both say 急什么: where the lexicon found one in a turn, the model reading the same
    words as the other is their overlap, not a second offence (holdout16 011, left out of training)."""
    text = "单子是系统排的，我也插不了队。你一个劲儿催我有啥用，从早上开门到现在净是这号催单的，我这耳朵都快起老茧了，脑仁儿疼。"
    assert [f[:2] for f in forbidden(lexicon_only.check(agent_says(RUDE_BY_LEXICON, text)))] == [("F02", "error"), ("F04", "error")]
    found = sorted((f.id, f.severity) for f in checker.check(agent_says(RUDE_BY_LEXICON, text)).findings if f.turn == 4)
    assert found == [("F04", "error"), ("F05", "review")]


def test_a_turn_where_the_model_hears_two_rules_is_for_review(checker):
    """嚷嚷什么 (F12's shouting) beside 我这不正要查吗 (F05's busy), as the recognizer wrote it on holdout13's
    clean copy: the model hears both, and which one the agent said it cannot tell."""
    text = "仰仰什么，我这不正要查吗，你先后知。"
    found = sorted((f.id, f.severity) for f in checker.check(agent_says(RUDE_BY_LEXICON, text)).findings if f.turn == 4)
    assert found == [("F05", "review"), ("F12", "review")]


def test_at_level_0_the_same_sentence_counts_the_same(lexicon):
    """A level below the pack's (`error: 0`) lets fewer through: a sentence above every calibration line counts there too."""
    strict = Checker(replace(lexicon, model=replace(lexicon.model, error=0)), Profile())
    found = [f for f in strict.check(agent_says(RUDE_BY_LEXICON, F11_REWORDED)).findings if f.kind == "forbidden"]
    assert [(f.id, f.severity) for f in found] == [("F02", "error"), ("F11", "error")]


@pytest.mark.parametrize(
    "text",
    [
        "您要是身体不舒服，我们可以安排师傅上门，您不用跑一趟。",
        "请您稍等一下，我这边马上帮您查询，感谢您的耐心等待。",
        "投诉的话您可以拨打我们的监督电话，我们会认真对待每一条意见。",
        "您说的那位师傅今天休息，我帮您留个言，让他明天给您回电话好吗？",
    ],
)
def test_polite_look_alikes_stay_clean(checker, text):
    assert forbidden(checker.check(agent_says(text))) == []


def test_the_lexicons_finding_is_not_repeated_by_the_model(checker, lexicon_only):
    text = "你在电话里嚷嚷啥呀，耳朵都给你震麻了，单子我正翻着呢，先给我候着别吭声。"
    assert [f[0] for f in forbidden(lexicon_only.check(agent_says(text)))] == ["F12"]
    assert [f[0] for f in forbidden(checker.check(agent_says(text)))] == ["F12"]


def test_a_short_turn_is_left_to_the_lexicon(checker):
    model = checker.model
    assert np.isneginf(model.scores(["没有。", "随便。", "等着"])).all()


def test_the_shipped_file_names_the_rules_the_lexicon_has(lexicon, checker):
    assert checker.model.rules == model_rules(lexicon) == [f"F{i:02d}" for i in range(2, 14)]
    assert np.isfinite(checker.model.levels[:4]).all()
    assert (np.diff(checker.model.levels[:4], axis=0) <= 0).all()  # a higher level lets more through


def test_save_and_load_give_the_same_scores(checker, tmp_path):
    texts = ["这话我都重复第四遍了，你脑子里到底装没装进去？", "请您稍等一下，我这边马上帮您查询。"]
    checker.model.save(tmp_path / "m.npz")
    again = TurnModel.load(tmp_path / "m.npz")
    assert np.allclose(again.scores(texts), checker.model.scores(texts), atol=1e-4)


def test_training_on_three_banks_ranks_another_writers_rewordings(lexicon, lexicon_only):
    """Trained on banks a, b and c (F02-F13, thirty rewordings each), the model ranks paraphrase set
    5's labelled turns (a writer it never read) above the same set's compliant agent turns, for their rule."""
    training = labelled_turns([(REWORD / f"{x}.gold.jsonl", REWORD / f"{x}.jsonl") for x in "abc"], lexicon_only)
    assert len(training.texts) > 500 and not training.errors
    rules = model_rules(lexicon)
    model = train(training, rules, training.texts[:50])
    held = labelled_turns([paraphrase(5)], lexicon_only)
    scores = model.scores(held.texts)
    aucs = []
    for j, rule in enumerate(rules):
        pos = [s for s, labels in zip(scores[:, j], held.labels) if rule in labels and np.isfinite(s)]
        neg = [s for s, labels in zip(scores[:, j], held.labels) if not labels and np.isfinite(s)]
        if pos and neg:
            aucs.append(np.mean([p > n for p in pos for n in neg]))
    assert len(aucs) == len(rules) and np.mean(aucs) > 0.85, aucs


def small_lexicon(folder: Path, model: str) -> Path:
    """One forbidden phrase and a model: block (loading the whole pack costs seconds)."""
    folder.mkdir(parents=True, exist_ok=True)
    text = f"kind: forbidden\n{model}phrases:\n  - id: F13\n    text: 讲了半天,你还没听懂?\n"
    (folder / "forbidden.yaml").write_text(text, encoding="utf-8")
    return folder


def test_lexicon_train_writes_a_model_the_lexicon_reads(tmp_path):
    lex = tmp_path / "lex"
    assert CliRunner().invoke(main, ["lexicon", "copy", str(lex)]).exit_code == 0
    assert (lex / "forbidden-model.npz").is_file()  # the model travels with the copy
    out = tmp_path / "mine" / "forbidden-model.npz"
    args = ["lexicon", "train", "--out", str(out), "--calibrate", str(ROOT / "samples" / "eval" / "dev.jsonl")]
    args += ["--set", str(REWORD / "a.gold.jsonl"), str(REWORD / "a.jsonl")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output and "turns per rule: F02" in result.output
    model = TurnModel.load(out)
    assert model.rules == [f"F{i:02d}" for i in range(2, 14)] and 1000 < len(model.vocab) < 20000
    assert np.isfinite(model.levels[0]).all()
    settings = load_lexicon(small_lexicon(tmp_path / "mine", "model:\n  file: forbidden-model.npz\n  review: 2\n")).model
    assert settings.file == out.resolve() and (settings.error, settings.review) == (None, 2)


def test_a_missing_model_file_is_a_config_error_naming_the_line(tmp_path):
    lex = small_lexicon(tmp_path / "lex", "model:\n  file: gone.npz\n  review: 3\n")
    with pytest.raises(ConfigError) as e:
        load_lexicon(lex)
    assert "forbidden.yaml" in str(e.value) and "gone.npz" in str(e.value) and e.value.line == 3  # file: gone.npz


def test_a_bad_level_is_a_config_error(tmp_path):
    lex = small_lexicon(tmp_path / "lex", "model:\n  file: forbidden-model.npz\n  review: 9\n")
    (lex / "forbidden-model.npz").write_bytes((default_lexicon_dir() / "forbidden-model.npz").read_bytes())
    with pytest.raises(ConfigError, match="review must be a whole number 0-8"):
        load_lexicon(lex)


def test_without_model_key_the_lexicon_alone_judges(tmp_path, lexicon_only):
    assert load_lexicon(small_lexicon(tmp_path / "lex", "")).model is None
    assert lexicon_only.model is None
    assert forbidden(lexicon_only.check(agent_says("这话我都重复第四遍了，你脑子里到底装没装进去？"))) == []


@pytest.mark.skipif(not all((REAL / f"{f}.jsonl").is_file() for f in REAL_FILES), reason="needs ../shared/realdata")
def test_no_real_agent_line_reaches_level_0(checker):
    """The shipped levels were calibrated on these lines: none is above level 0, at most three per rule above level 3."""
    lines, errors = agent_lines([REAL / f"{f}.jsonl" for f in REAL_FILES], Profile())
    assert not errors and len(lines) > 30000
    scores = checker.model.scores(lines)
    assert not (scores > checker.model.levels[0]).any()
    assert ((scores > checker.model.levels[3]).sum(axis=0) <= 3).all()
    assert json.dumps(checker.model.rules)
