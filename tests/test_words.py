"""jieba over the SQLite dictionary cuts exactly as jieba with its own dictionary."""

from __future__ import annotations

import json
from pathlib import Path

import jieba
import pytest

from phrasecheck.text import segment as words

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def sample_texts() -> list[str]:
    texts = ["喂养宠物要有耐心", "我们明天再见面", "谢谢您的批评指正", "南京市长江大桥", "请您稍等，我帮您查询一下"]
    for path in (SAMPLES / "eval" / "dev.jsonl", SAMPLES / "eval-calls" / "calls.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                texts.append(json.loads(line)["text"])
    return texts


@pytest.fixture(scope="module")
def stock() -> jieba.Tokenizer:
    tk = jieba.Tokenizer()
    tk.initialize()
    return tk


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="module")
def lazy(cache_dir) -> jieba.Tokenizer:
    return words.tokenizer(cache_dir)


def test_the_sqlite_dictionary_gives_jiebas_own_words(stock, lazy):
    assert isinstance(lazy.FREQ, words.LazyFreq)
    texts = sample_texts()
    assert len(texts) > 500
    for text in texts:
        assert list(lazy.cut(text, HMM=False)) == list(stock.cut(text, HMM=False)), text
    assert lazy.total == stock.total


def test_added_words_change_the_cut_as_they_do_in_jieba(stock, lazy, cache_dir):
    fresh_stock = jieba.Tokenizer()
    fresh_stock.FREQ, fresh_stock.total, fresh_stock.initialized = dict(stock.FREQ), stock.total, True
    fresh = words.tokenizer(cache_dir)
    text = "有本事你去告"
    before = list(fresh.cut(text, HMM=False))
    for tk in (fresh_stock, fresh):
        tk.add_word("你去", freq=2000)
    after = list(fresh.cut(text, HMM=False))
    assert after == list(fresh_stock.cut(text, HMM=False))
    assert "你去" not in before and "你去" in after


def test_the_database_is_built_once_and_reused(lazy, cache_dir):
    (db,) = cache_dir.glob("jieba-*.sqlite")
    stamp = db.stat().st_mtime_ns
    again = words.tokenizer(cache_dir)
    assert isinstance(again.FREQ, words.LazyFreq) and db.stat().st_mtime_ns == stamp
    assert not list(cache_dir.glob("*.tmp"))


def test_an_unwritable_cache_falls_back_to_jiebas_own_loading(tmp_path, stock):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder should be")
    tk = words.tokenizer(blocked / "cache")
    assert isinstance(tk.FREQ, dict) and tk.initialized
    assert list(tk.cut("喂养宠物", HMM=False)) == list(stock.cut("喂养宠物", HMM=False))


def test_a_failed_build_leaves_no_file_behind(tmp_path, monkeypatch, stock):
    monkeypatch.setattr(words, "_prefix_dict", lambda: ({"喂": None}, 1))
    tk = words.tokenizer(tmp_path)  # the NULL count fails the insert: jieba loads its own way
    assert isinstance(tk.FREQ, dict) and list(tk.cut("喂养", HMM=False)) == list(stock.cut("喂养", HMM=False))
    assert list(tmp_path.iterdir()) == []


@pytest.fixture(scope="module")
def stock_pos(stock):
    import jieba.posseg

    return jieba.posseg.POSTokenizer(stock)


def test_the_sqlite_tag_table_gives_jiebas_own_parts_of_speech(stock_pos, tmp_path_factory):
    cache = tmp_path_factory.mktemp("tags")
    pos = words.pos_tokenizer(words.tokenizer(cache), cache)
    assert isinstance(pos.word_tag_tab, words.LazyTags)
    assert len(list(cache.glob("jieba-*-tags.sqlite"))) == 1
    texts = sample_texts()
    for text in texts:
        assert [(p.word, p.flag) for p in pos.cut(text)] == [(p.word, p.flag) for p in stock_pos.cut(text)], text
    # words added as the clause grammar adds them, and a word added with a tag, tag as in jieba
    fresh_stock = jieba.posseg.POSTokenizer(jieba.Tokenizer())
    fresh_stock.tokenizer.FREQ, fresh_stock.tokenizer.total, fresh_stock.tokenizer.initialized = dict(stock_pos.tokenizer.FREQ), stock_pos.tokenizer.total, True
    fresh = words.pos_tokenizer(words.tokenizer(cache), cache)
    for p in (fresh_stock, fresh):
        p.tokenizer.add_word("配送员", freq=20000)
        p.tokenizer.add_word("小王哥", freq=20000, tag="nr")
    text = "配送员小王哥说他也不知道"
    got = [(p.word, p.flag) for p in fresh.cut(text)]
    assert got == [(p.word, p.flag) for p in fresh_stock.cut(text)]
    assert ("配送员", "x") in got and ("小王哥", "nr") in got


def test_an_unwritable_cache_gives_the_tagger_jiebas_own_table(tmp_path, stock_pos):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder should be")
    pos = words.pos_tokenizer(words.tokenizer(blocked / "cache"), blocked / "cache")
    assert isinstance(pos.word_tag_tab, dict)
    assert [(p.word, p.flag) for p in pos.cut("我也不知道呢")] == [(p.word, p.flag) for p in stock_pos.cut("我也不知道呢")]


def test_jieba_posseg_imported_without_its_tag_table_still_tags_as_jieba(stock_pos, tmp_path):
    """import_posseg() skips the 350k-tag read that importing jieba.posseg does; jieba.posseg.cut (its
    module-level tokenizer) and our tagger still give jieba's own tags. In a fresh process, since
    this one may have imported jieba.posseg already."""
    import subprocess
    import sys

    texts = sample_texts()[:200]
    code = (
        "import json, sys\n"
        "from phrasecheck.text import segment\n"
        "posseg = segment.import_posseg()\n"
        "texts = json.loads(sys.stdin.read())\n"
        "print(type(posseg.dt.word_tag_tab).__name__)\n"
        "print(json.dumps([[(p.word, p.flag) for p in posseg.cut(t)] for t in texts], ensure_ascii=False))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], input=json.dumps(texts), capture_output=True, text=True, check=True).stdout.splitlines()
    assert out[0] == "LazyTags"
    assert json.loads(out[1]) == [[[p.word, p.flag] for p in stock_pos.cut(t)] for t in texts]
