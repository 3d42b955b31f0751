"""A forbidden phrase's word (a word-list entry, or a word of a form's own text) that sounds like a
frequent everyday word is a false accusation waiting to happen: matching reads pinyin too, so F08's 不适
matched 不是 (如果不是本人就别来了), F02's dialect 不道 matched 不到 (这个我查不到，你自己去问快递吧) and
F12's 叫唤什么 matched 交换什么 (您想交换什么商品，等一下我帮您查). Each such word must be read and accepted
below, with why it is safe, before it ships."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import jieba
import yaml
from pypinyin import lazy_pinyin

from helpers import REPO
from phrasecheck.config.lexicon import expand_alternatives

FORBIDDEN = REPO / "src" / "phrasecheck" / "lexicons" / "default" / "forbidden.yaml"
COMMON = 1500  # jieba's dictionary count above which a word is everyday speech

# entry -> the everyday word it sounds like, and why the entry may stay
ACCEPTED = {
    "哪个": "那个: the recognizer writes 那个 as 哪个; F06's exceptions and the 不在 half guard it",
    "哪位": "那位: as 哪个",
    "唔知": "物质: not said in service talk beside a brush-off",
    "嫌挤": "县级: not said beside 别来",
    "候着": "后者: not said beside a shouted 嚷/喊",
    "边个": "变革: not said beside 不在",
    "啥人": "杀人: not said beside 不在",
    "烦人": "犯人: not said beside a hurry",
    "眼瞎": "眼下: only in forms with 你, and a phrase across two turns needs a word on each side",
    # words of the forms' own text
    "叫唤": "交换: F12's exception 交换什么 (您想交换什么商品，等一下)",
    "不长": "部长: only in 不长眼的吗",
    "人理": "人力: only in 看谁理你 / 没人理你 after a dare to complain",
    "咳成": "课程: only in 咳成那样 before 别来",
    "喂喂": "微微: a two-character part matches on toned pinyin (wèiwèi / wēiwēi)",
    "有事": "有时: only in 有事明天再来 and 下班，有事明天…",
    "着急": "召集: not said to a customer beside 忙",
    "点行": "典型: only inside F09's 利索点行不行 / 痛快点行不行, a part of six characters aligned whole",
    "几遍": "即便: F13's exception 即便 opening a clause (这话说即便是会员…); the recognizer writes 几遍 so at a question's end",
    "提告": "提高: F11's exception 提高 (您提高一下音量，我在这儿等着)",
    "通知": "统治: only after 发了 / 贴了 in F03's notice published (发了通知…你自己不看, holdout22)",
    "大佛": "大夫 / 大幅: only in F08's 供不起你这尊大佛, one part of eight characters aligned whole (holdout32)",
}


def _counts() -> dict[str, int]:
    with open(Path(jieba.__file__).parent / "dict.txt", encoding="utf-8") as f:
        return {word: int(count) for word, count, *_ in (line.split() for line in f)}


def _frequent_by_sound(counts: dict[str, int]) -> dict[str, list[str]]:
    by_sound: dict[str, list[str]] = defaultdict(list)
    for word, count in counts.items():
        if 2 <= len(word) <= 3 and count >= COMMON:
            by_sound["".join(lazy_pinyin(word))].append(word)
    return by_sound


def _list_entries() -> set[str]:
    data = yaml.safe_load(FORBIDDEN.read_text(encoding="utf-8"))
    out = set()
    for phrase in data["phrases"]:
        for words in (phrase.get("words") or {}).values():
            for word in words:
                out.update(x for x in expand_alternatives(str(word)) if 2 <= len(x) <= 3 and all("\u4e00" <= c <= "\u9fff" for c in x))
    return out


def _form_words() -> set[str]:
    """The words (jieba's, of two or three characters) of every form's own text, outside its {…} slots."""
    data = yaml.safe_load(FORBIDDEN.read_text(encoding="utf-8"))
    out = set()
    for phrase in data["phrases"]:
        for form in [phrase["text"], *(phrase.get("forms") or [])]:
            ways = [str(form)] if "@" in str(form) else expand_alternatives(str(form))
            for way in ways:
                for chunk in re.split(r"\{[^}]*\}|[^\u4e00-\u9fff]+", way):
                    out.update(w for w in jieba.lcut(chunk) if 2 <= len(w) <= 3)
    return out


def test_no_word_list_entry_or_form_word_sounds_like_a_frequent_word_unread():
    counts = _counts()
    by_sound = _frequent_by_sound(counts)
    clashes = {}
    audited = _list_entries() | _form_words()
    for entry in sorted(audited):
        # an everyday word that sounds the same and is said far more often (不在 / 不再 are both everyday)
        others = [w for w in by_sound.get("".join(lazy_pinyin(entry)), []) if w != entry and counts[w] > 3 * counts.get(entry, 0)]
        if others and entry not in ACCEPTED:
            clashes[entry] = others
    assert clashes == {}, f"words that sound like everyday words (read each, then accept it here or remove it): {clashes}"
    stale = sorted(e for e in ACCEPTED if e not in audited)
    assert stale == [], f"accepted words no list or form holds any more: {stale}"


def test_the_audit_finds_the_homophones_it_was_written_for():
    """不是 and 不到 are everyday words: an entry 不适 or 不道 would be reported."""
    counts = _counts()
    by_sound = _frequent_by_sound(counts)
    assert "不是" in by_sound["".join(lazy_pinyin("不适"))] and counts["不是"] > 3 * counts.get("不适", 0)
    assert "不到" in by_sound["".join(lazy_pinyin("不道"))] and counts["不到"] > 3 * counts.get("不道", 0)
