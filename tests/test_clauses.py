"""Issue 12: short phrases judged per clause (engine/clauses.py), severity review, openers as a block,
C12 with real slots, and the e-commerce lexicon pack."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from helpers import agent_says, conv
from phrasecheck.cli import main
from phrasecheck.config.lexicon import load_lexicon, load_words, resolve_lexicon, shipped_dir, shipped_packs
from phrasecheck.config.profile import Profile, load_profile
from phrasecheck.data import AGENT, CUSTOMER, Finding
from phrasecheck.engine.checker import Checker
from phrasecheck.errors import ConfigError
from phrasecheck.scoring.score import counts


def said(result, rule_id: str) -> str | None:
    """The severity of rule_id's finding in result, or None."""
    found = [f.severity for f in result.findings if f.id == rule_id]
    return found[0] if found else None


# --- F02 不知道 by meaning -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "这个我不知道。",
        "不知道",
        "这个调货不知道的",  # a topic, then the agent's own bare answer
        "我也不知道啊，自己翻记录去。",
        "不知道呢 您还有其他问题吗",  # bare, a filler, then a new question: two sentences
        "不知道呢您还有其他问题吗",
        "这个我不知道，你问别人吧。",
        "不知道你在说什么",
        "我不知道您在说什么",
        "不知道你问这个干什么",
        "妹子这边也不知道呢",  # e-commerce first person
        "小二不知道",
        "配送员不知道，我也不知道",  # the second one is the agent's
        "工厂那边的进度我拿清楚，我又不管印刷",  # 我哪清楚 as the recognizer writes it: 那边 is not who does not know
        "不知道车几点到站是调度说了算",  # 不知道。车几点… with its stop dropped: the next sentence's 几点
    ],
)
def test_agents_own_bare_dont_know_is_an_error(checker, text):
    assert said(checker.check(agent_says(text)), "F02") == "error"


@pytest.mark.parametrize(
    "text",
    [
        "我看到节点还不错，不知道能否远程协助呀，亲？",
        "不知道亲是否方便呢？",  # a term of address between 不知道 and the question
        "不知道亲亲，您看是否方便呢？",
        "可以的，不知道您想改到哪个地址。",
        "不知道您贵姓？",
        "目前我还不知道您的地址哈",  # what only the customer can tell
        "放心，配送员都不知道是啥哦",  # someone else does not know
        "师傅说他不知道",
        "快递小哥都不知道",
        "仓库那边也不知道呢",
        "如果您不知道订单号，可以报手机号",
        "您不知道的话也没关系",
        "很多业主还不知道这个规定",
        "不知道您说的是哪个订单呢？",  # a clarifying question
        "您刚才说不知道订单号是吧",
    ],
)
def test_dont_know_of_someone_else_or_in_a_polite_question_is_cleared(checker, text):
    assert said(checker.check(agent_says(text)), "F02") is None


@pytest.mark.parametrize(
    "text",
    [
        "暂时不知道，我帮您查询一下",
        "我不知道，我帮您问一下相关部门",
        "因为您这个商品还没有下单 妹子这边暂时不知道的哦",
        "现在是不知道预计送达时间哦",
        "我也不知道什么时候能修好",  # an embedded question: arguable
        "不知道为什么系统显示异常",
        "不知到女明天早上店里去点开门",  # 不知道您明天早上几点开门, 您 and 几点 garbled: asks when
        "手机上也能交，不知道这个月底。",  # 截止到这个月底 heard so: a deadline
    ],
)
def test_explained_dont_know_is_for_review(checker, text):
    result = checker.check(agent_says(text))
    assert said(result, "F02") == "review"
    assert "for review" in next(f.message for f in result.findings if f.id == "F02")
    assert result.attitude_score == checker.check(agent_says("好的")).attitude_score  # not counted


# --- the other short phrases -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,rule",
    [
        ("我们都要下班了，有事明天再来！", "F07"),
        ("要下班了，明天再打来吧", "F07"),
        ("下班了，你明天再来", "F07"),
        ("要下班了，你还是明天再来吧", "F07"),  # 还是 as "you had better", not a choice offered
        ("快点说", "F09"),
        ("你快点说，我还有事", "F09"),
    ],
)
def test_short_phrases_said_to_the_customer(checker, text, rule):
    assert said(checker.check(agent_says(text)), rule) == "error"


def test_a_bare_order_ended_by_the_recognizers_ma_still_hurries(checker):
    # holdout22: 你捡重点说嘛 as the recognizer writes it, 吗 and a question mark for 嘛
    assert said(checker.check(agent_says("你捡重点说吗?我这边还有几个电话排起的")), "F09") == "error"
    # a real question: of being done, of ability or wish
    assert said(checker.check(agent_says("您说完了吗？没有的话请继续")), "F09") is None
    assert said(checker.check(agent_says("您能捡重点说吗？我这边还有几个电话排着")), "F09") is None
    assert said(checker.check(agent_says("您是想长话短说吗？后面还有一串人排着的话我先登记")), "F09") is None


def test_off_work_then_talk_tomorrow_is_for_review(checker):
    assert said(checker.check(agent_says("我快下班了，我们明天再联系吧")), "F07") == "review"
    assert said(checker.check(agent_says("我们今天下班了，您明天再约个时间吧")), "F07") == "review"  # arranging a time
    assert said(checker.check(agent_says("我们六点就交班走人，今晚谁也派不出去，你明早再约吧")), "F07") == "error"


def test_off_work_is_someone_elses_only_where_every_closing_is(checker):
    # holdout27: the agent's own closing said first, the courier's after it
    assert said(checker.check(agent_says("都快六点了，我电脑都要关了，送药的师傅也收工了，您这个事挪到明天早上再讲。")), "F07") == "error"
    assert said(checker.check(agent_says("仓库已经下班了，快递明天再送过来。")), "F07") is None


def test_one_of_two_not_in_and_the_call_put_through_is_no_f06(checker):
    assert said(checker.check(agent_says("我们有两个姓王的师傅，其中王明今天不在，王亮在的，我给您转过去")), "F06") is None
    assert said(checker.check(agent_says("哪个？他不在，我给你转也没用")), "F06") == "error"


@pytest.mark.parametrize(
    "text",
    [
        "库房已经下班了，明天再联系您",
        "仓库已经打烊了，快递明天再送过来",  # whoever closes, in any closing word
        "仓库已经收工了，快递明天再送过来",
        "快递员下班了，明天再来取",
        "您是想今天下班后来提车，还是明天上午再来",  # the customer's choice
        "您想交换什么商品，等一下我帮您查一下库存",  # 交换 sounds like F12's 叫唤 (test_homophones.py)
        "我们要下班了，明天再联系您",  # the agent's own promise
        "这边妹子现在联系库房也已经下班了呢",
        "好的，我们会快点处理",
        "我马上让保洁快点过去清理",
        "我会快点说明的",
        "让师傅快点说一下情况",
    ],
)
def test_short_phrases_used_innocently(checker, text):
    result = checker.check(agent_says(text))
    assert [f.id for f in result.findings if f.kind == "forbidden"] == []


def _copied_lexicon(tmp_path, edit):
    """The default pack copied into tmp_path, its words.yaml changed by edit(text) -> text."""
    for f in (shipped_dir() / "default").glob("*.yaml"):
        text = f.read_text(encoding="utf-8")
        (tmp_path / f.name).write_text(edit(text) if f.name == "words.yaml" else text, encoding="utf-8")
    for f in (shipped_dir() / "default").glob("*.npz"):  # the model file goes with forbidden.yaml
        (tmp_path / f.name).write_bytes(f.read_bytes())
    return tmp_path


def _without_list(name):
    """words.yaml without the list `name` (which may run over several lines, up to its closing bracket)."""
    return lambda text: re.sub(rf"^  {name}: \[[^\]]*\]\n", "", text, flags=re.M)


def test_a_lexicon_copied_before_a_list_existed_keeps_the_judge(tmp_path):
    """F07's closing words moved from the code into words.yaml; a lexicon copied before has no such
    list and takes the default pack's, so the warehouse closing still clears F07."""
    folder = _copied_lexicon(tmp_path, _without_list("closing_time"))
    assert "closing_time" not in load_words(folder / "words.yaml")
    lex = load_lexicon(folder)
    assert lex.words["closing_time"] == load_words(shipped_dir() / "default" / "words.yaml")["closing_time"]
    checker = Checker(lex, Profile())
    assert [f.id for f in checker.check(agent_says("仓库已经打烊了，快递明天再送过来")).findings if f.kind == "forbidden"] == []
    result = CliRunner().invoke(main, ["lexicon", "check", str(folder / "words.yaml")])
    assert result.exit_code == 0
    assert "the default pack's closing_time" in result.output


def test_the_closing_words_are_the_lexicons_own(tmp_path):
    """A centre that lists only 下班 as closing time: 仓库已经打烊了 is no longer someone else closing."""
    folder = _copied_lexicon(tmp_path, lambda text: text.replace("closing_time: [下班, 关门, 打烊,", "closing_time: [下班, 关门,"))
    checker = Checker(load_lexicon(folder), Profile())
    text = "仓库已经打烊了，明天再来吧"
    assert said(checker.check(agent_says("仓库已经下班了，明天再来吧")), "F07") is None
    assert said(checker.check(agent_says(text)), "F07") == "error"


def test_synonyms_are_never_taken_from_the_default_pack(tmp_path):
    folder = _copied_lexicon(tmp_path, _without_list("synonyms"))
    assert "synonyms" not in load_lexicon(folder).words


# --- openers as a block --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,expected",
    [
        ("喂，讲话", ["O01", "O02"]),
        ("嗯，喂，讲话。", ["O01", "O02"]),
        ("哪里？", ["O03"]),
        ("嗯，哪里打来的？", ["O03"]),
        ("哪里打来的，找谁？", ["O03", "O04"]),  # the call words are the opener's own: the block goes on after them
        ("哪里打来的电话？讲话。", ["O03", "O02"]),
        ("哪里打来的，我们这边是物业，您说。", ["O03"]),
        ("请问是哪里打来的电话？", []),
        ("哪里 说", ["O03"]),
        ("哪里呀这是？", ["O03"]),  # 这是哪里 turned round
        ("哪里呀这是我的订单", []),
        ("哪里的定位的亲", []),  # a question about a place
        ("哪里漏水了？", []),
        ("那里着。", ["O03"]),  # 哪里？ as the recognizer wrote it: the whole turn 那里 and one syllable
        ("那里水", ["O03"]),
        ("那里有，您稍等", []),  # one syllable more, but the turn goes on
        ("喂，哪位？", ["O01"]),  # 哪 and one syllable: 哪位 asks who, no 哪里
        ("喂，哪位？讲话。", ["O01", "O02"]),  # who is it, between two blunt openers, does not end the block
        ("喂，谁啊？说话！", ["O01", "O02"]),
        ("哪位？讲话。", []),  # no blunt opener before it: the block never began
        ("喂，哪位？我们这边是物业。", ["O01"]),
        ("喂，哪位？您好，我们这边是物业，您讲话。", ["O01"]),
        ("请问您找谁？", []),  # C09
        ("您找谁？", ["O04"]),
        ("喂，您好，请问有什么可以帮您", ["O01"]),
    ],
)
def test_openers_are_read_as_a_block(checker, text, expected):
    result = checker.check(conv((AGENT, text), (CUSTOMER, "你好")))
    assert [f.id for f in result.findings if f.kind == "opener"] == expected


# --- C12 ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "请您与保安部王先生联系",
        "请您和停车管理处的李小姐联系一下",
        "请你跟维修班张师傅联系",
        "请您与物业前台赵小姐联系",
        "请您与社区服务站的周主任联系",
        "请您联系维修班的刘师傅",
    ],
)
def test_c12_takes_any_department_and_titled_name(checker, text):
    assert "C12" in checker.check(agent_says(text)).courtesy_used


def test_c12_needs_a_person(checker):
    assert "C12" not in checker.check(agent_says("请您与我们联系")).courtesy_used


# --- severity review ------------------------------------------------------------------------------


def _finding(severity: str, review: str | None = None) -> Finding:
    return Finding("F02", "forbidden", 1, 0, 3, "不知道", 100.0, severity=severity, review=review)


def test_counts_review_only_when_confirmed_or_the_profile_says_so():
    assert counts(_finding("error"))
    assert not counts(_finding("error", "false"))
    assert not counts(_finding("review"))
    assert counts(_finding("review", "confirmed"))
    assert counts(_finding("review"), count_review=True)
    assert not counts(_finding("review", "false"), count_review=True)
    assert not counts(_finding("warning"), count_review=True)


def test_profile_count_review_makes_review_findings_cost_points(tmp_path, lexicon):
    (tmp_path / "phrasecheck.yaml").write_text("count_review: true\n", encoding="utf-8")
    profile = load_profile(tmp_path / "phrasecheck.yaml")
    assert profile.count_review
    text = "暂时不知道，我帮您查询一下"
    plain = Checker(lexicon, Profile()).check(agent_says(text)).attitude_score
    counted = Checker(lexicon, profile).check(agent_says(text)).attitude_score
    assert counted == plain - profile.weights.forbidden
    (tmp_path / "phrasecheck.yaml").write_text("count_review: maybe\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="count_review"):
        load_profile(tmp_path / "phrasecheck.yaml")


# --- lexicon packs ----------------------------------------------------------------------------------


def test_shipped_packs_resolve_by_name_and_paths_still_work(tmp_path):
    assert {"default", "ecommerce"} <= set(shipped_packs())
    assert resolve_lexicon("ecommerce") == shipped_dir() / "ecommerce"
    mine = tmp_path / "ecommerce"
    mine.mkdir()
    assert resolve_lexicon("ecommerce", tmp_path) == mine.resolve()  # a folder that exists wins
    assert resolve_lexicon(str(mine)) == mine.resolve()
    with pytest.raises(ConfigError, match="ecommerce"):
        load_lexicon(resolve_lexicon("no-such-pack"))


def test_profile_lexicon_names_a_pack(tmp_path):
    (tmp_path / "phrasecheck.yaml").write_text("lexicon: ecommerce\n", encoding="utf-8")
    assert load_profile(tmp_path / "phrasecheck.yaml").lexicon == shipped_dir() / "ecommerce"


@pytest.fixture(scope="module")
def shop():
    return Checker(load_lexicon(resolve_lexicon("ecommerce")), Profile())


@pytest.mark.parametrize(
    "text", ["您好，很高兴为您服务！", "亲，在的，请问有什么可以帮您？", "亲爱的，小妹在的哦，很高兴为您服务哟", "您好 在的亲亲，有什么可以帮到您的吗?"]
)
def test_ecommerce_greeting(shop, text):
    result = shop.check(conv((AGENT, text), (CUSTOMER, "发货了吗")))
    assert result.greeting.ok, result.greeting.missing


@pytest.mark.parametrize("text,missing", [("有什么问题我可以帮您处理或解决呢?", ["greeting"]), ("您好", ["offer"]), ("发货了", ["greeting", "offer"])])
def test_ecommerce_greeting_missing(shop, text, missing):
    assert shop.check(conv((AGENT, text), (CUSTOMER, "发货了吗"))).greeting.missing == missing


def test_ecommerce_courtesy_and_forbidden(shop):
    result = shop.check(conv((AGENT, "亲，在的"), (CUSTOMER, "到了吗"), (AGENT, "亲，请稍等，让您久等了"), (CUSTOMER, "?"), (AGENT, "没看到妹子在忙吗")))
    assert {"C03", "C04", "C05"} <= set(result.courtesy_used)
    assert [f.id for f in result.findings if f.kind == "forbidden"] == ["F05"]


def test_lexicon_option_takes_a_pack_name(tmp_path):
    chat = tmp_path / "chat.jsonl"
    rows = [("agent", "您好，很高兴为您服务！"), ("customer", "在吗"), ("agent", "不知道")]
    chat.write_text(
        "".join(json.dumps({"conversation_id": "s1", "agent_id": "A1", "role": r, "text": t}, ensure_ascii=False) + "\n" for r, t in rows), encoding="utf-8"
    )
    out = CliRunner().invoke(main, ["check", str(chat), "--lexicon", "ecommerce", "--format", "json", "--fail-on", "none"])
    assert out.exit_code == 0, out.output
    doc = json.loads(out.output)
    assert doc["conversations"][0]["greeting"]["ok"]
    assert [f["id"] for f in doc["conversations"][0]["findings"]] == ["F02"]


def test_words_file_and_grammar_are_validated(tmp_path):
    bad = tmp_path / "words.yaml"
    bad.write_text("kind: words\nlists: [a, b]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="lists"):
        load_words(bad)
    folder = tmp_path / "lex"
    folder.mkdir()
    (folder / "f.yaml").write_text("kind: forbidden\nphrases:\n  - id: F01\n    text: 不知道\n    grammar: mind_reading\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="grammar must be one of"):
        load_lexicon(folder)


def test_synonyms_expand_forbidden_forms_only_and_are_validated(tmp_path):
    folder = tmp_path / "lex"
    folder.mkdir()
    (folder / "f.yaml").write_text("kind: forbidden\nphrases:\n  - id: F13\n    text: 讲了半天\n", encoding="utf-8")
    (folder / "c.yaml").write_text("kind: courtesy\nphrases:\n  - id: C01\n    text: 讲清楚了\n", encoding="utf-8")
    (folder / "words.yaml").write_text("kind: words\nlists:\n  synonyms: ['讲|说']\n", encoding="utf-8")
    lexicon = load_lexicon(folder)
    forms = {p.id: sorted(f.text for f in p.forms) for p in lexicon.phrases}
    assert forms == {"F13": ["讲了半天", "说了半天"], "C01": ["讲清楚了"]}
    (folder / "words.yaml").write_text("kind: words\nlists:\n  synonyms: ['讲|讲']\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="synonyms"):
        load_lexicon(folder)
    # a word alone is kept whole: 讲究 is no 讲 to be said as 说
    (folder / "f.yaml").write_text("kind: forbidden\nphrases:\n  - id: F13\n    text: 讲究讲了半天\n", encoding="utf-8")
    (folder / "words.yaml").write_text("kind: words\nlists:\n  synonyms: ['讲究', '讲|说']\n", encoding="utf-8")
    f13 = next(p for p in load_lexicon(folder).phrases if p.id == "F13")
    assert sorted(f.text for f in f13.forms) == ["讲究讲了半天", "讲究说了半天"]
    # a group that multiplies one form past the limit is named as the cause, with the phrase's line
    (folder / "words.yaml").write_text("kind: words\nlists:\n  synonyms: ['讲|说|谈|聊|道|述|叙|话|言']\n", encoding="utf-8")
    (folder / "f.yaml").write_text("kind: forbidden\nphrases:\n  - id: F13\n    text: 讲了讲又讲\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="f.yaml:3: F13: .* synonyms expands to more than"):
        load_lexicon(folder)


def test_a_phrases_word_lists_pair_every_way_of_saying_each_half(tmp_path):
    folder = tmp_path / "lex"
    folder.mkdir()
    rule = "kind: forbidden\nphrases:\n  - id: F04\n    text: 急什么,烦死人了\n    words:\n      hurry: [急什么, '{催|慌}什么']\n      nuisance: [烦死了, 头都大了]\n"
    (folder / "f.yaml").write_text(rule + "    forms: ['{@hurry},{@nuisance}']\n", encoding="utf-8")
    checker = Checker(load_lexicon(folder), Profile())
    # a first half of one agent's and a second half of another's, a pair no form spelled out
    assert said(checker.check(agent_says("慌什么，一大早的，我头都大了")), "F04") == "error"
    assert said(checker.check(agent_says("您别慌，我头都大了也会帮您办好")), "F04") is None
    for forms, message in [
        ("['{@hurry},{@anger}']", r"f.yaml:3: F04: .*\{@anger\} names no list in this phrase's words \(hurry, nuisance\)"),
        ("['{@hurry},烦死了']", "f.yaml:3: F04: words: nuisance is used by no form"),
    ]:
        (folder / "f.yaml").write_text(rule + f"    forms: {forms}\n", encoding="utf-8")
        with pytest.raises(ConfigError, match=message):
            load_lexicon(folder)
    (folder / "f.yaml").write_text(rule.replace("hurry:", "Hurry:") + "    forms: ['{@nuisance}']\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="a list's name must be lower-case"):
        load_lexicon(folder)


def test_a_lexicon_without_words_file_borrows_the_default_lists(tmp_path):
    folder = tmp_path / "lex"
    folder.mkdir()
    (folder / "f.yaml").write_text("kind: forbidden\nphrases:\n  - id: F02\n    text: 不知道\n    grammar: dont_know\n", encoding="utf-8")
    checker = Checker(load_lexicon(folder), Profile())
    assert said(checker.check(agent_says("配送员都不知道")), "F02") is None
    assert said(checker.check(agent_says("不知道。")), "F02") == "error"


def test_every_grammar_a_lexicon_may_name_has_a_judge():
    from phrasecheck.config.lexicon import GRAMMARS
    from phrasecheck.engine.clauses import Grammar

    grammar = Grammar({})
    assert all(callable(getattr(grammar, name, None)) for name in GRAMMARS)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("我翻翻后面几个周末的营喂", False),  # 营位 as the recognizer writes it: 喂 glued to the word before it
        ("国庆的房车营喂室吧", False),
        ("我说喂！你那边到底还听不听了？", True),  # called out
        ("哎喂！电话挂了还是怎么了？", True),  # after a filler
        ("预计今天到的 喂? 你还在吗", True),  # a space is a pause
        ("喂，喂，还在吗？", True),
        ("那位人呢,出个生儿", True),  # holdout28's transcript: 哎，那位，人呢？出个声啊 with the pause after 那位 lost
        ("刚才接电话的那位人呢，说话挺客气的", False),  # how someone talks
        ("人呢？说话啊", True),  # the bare 人呢 opening the turn
    ],
)
def test_wei_is_a_call_only_where_it_opens_what_it_says(checker, text, found):
    result = checker.check(conv((AGENT, "您好，阳光物业客服中心，我姓王，请问有什么可以帮您？"), (CUSTOMER, "我问一下"), (AGENT, text)))
    assert ("F01" in [f.id for f in result.findings]) == found


# --- holdout28's wordings, learnt in general forms, and their polite look-alikes ---------------------


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("唔知道，那个，收费是柜机公司搞的，不归我们驿站管。", "F02"),  # 粤 唔 for 不
        ("什么时候到账这种事我这里哪会清楚，你问财务去。", "F02"),
        ("这种事我这边哪能知道，你自己问银行。", "F02"),
        ("我哪知道你的密码，自己去查。", "F02"),  # the shrug, not 我怎么会知道您的密码 (we cannot see it)
        ("我这边一上午排了二十几个号，电话一个接一个，手都没停过，你先等通知，别一直催我。", "F05"),
        ("急什么，我这手都没停过。", "F05"),
        ("他冇在啊，哪一个荀师傅？我们这里姓荀的有两个。", "F06"),
        ("人家不坐班的，你找他也白找。", "F06"),
        ("哪个？他不在，今天轮休。", "F06"),  # the bare 哪个 before the reason
        ("都快九点了，我们这边人都走光了，这些问题你留到明天白天去跟门店吵，我这里处理不了。", "F07"),
        ("状态这么差就别往诊所跑了，来了也看不了，排队都排不上。", "F08"),
        ("长话短说，要么四百卖，要么寄回去，运费你出，你选一个，我后面还有人排着。", "F09"),
        ("你还听不懂？我都讲了半天了，后盖换过，就是换过。", "F13"),
    ],
)
def test_holdout28_wordings_are_found(checker, text, rule):
    assert said(checker.check(agent_says(text)), rule) == "error"


def test_holdout28_which_one_then_not_in_across_turns(checker):
    # 哪个？ bare, the name asked for, then 'not here' with the reason in the agent's next turn
    result = checker.check(agent_says("哪个？我们这里十几个医生，你讲名字啊。", "扈医生啊，他不在，今天轮休。"))
    assert said(result, "F06") == "error"
    # a 您 between: the polite question
    assert said(checker.check(agent_says("您说哪个医生？", "扈医生啊，他今天不在，轮休，您可以明天再挂。")), "F06") is None


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("唔知道您几时方便呢？", "F02"),  # the polite question
        ("佢唔知道，我帮您问下师傅。", "F02"),  # 佢: someone else
        ("唔，知道了，我帮您登记。", "F02"),  # 唔 a filler, then 'got it'
        ("唔知道了，马上给您处理。", "F02"),
        ("这种事我这里哪会不清楚，您放心。", "F02"),  # of course the agent knows
        ("我哪能不知道您着急，我马上给您催。", "F02"),
        ("师傅一上午手都没停过，您别一直催他，他忙完马上过去。", "F05"),  # someone else's hands
        ("电话一个接一个，您不用一直催，我记着呢，今天一定给您回复。", "F05"),
        ("我们这边电话一个接一个，让您久等了，真不好意思。", "F05"),
        ("他不在哪个群里，我帮您拉他进来。", "F06"),  # one clause, asking where
        ("他冇在哪个群里，我帮您拉他进来。", "F06"),
        ("他不在，哪个同事能帮您我看一下。", "F06"),
        ("暨主任不坐班的，您找他也白找，我帮您转给业委会秘书。", "F06"),  # and the agent hands it on
        ("暨主任不坐班，您周三上午来就能找到他。", "F06"),
        ("请问您找哪位医生？扈医生今天轮休，不在，您可以挂其他医生的号。", "F06"),
        ("仓库那边人都走光了，明天再给您发货。", "F07"),  # someone else's, and the agent's promise
        ("我们这边人都走光了，您的问题我记下来，明天一早给您回电。", "F07"),
        ("我们这边人都走光了，您留到明天再来也可以。", "F07"),  # an option offered
        ("您状态这么差就别往诊所跑了，我们医生可以上门。", "F08"),  # care and another way
        ("您身体这么差就别往这边跑了，好好在家休息，药我们给您寄过去。", "F08"),
        ("车子状态这么差就别往店里开了，我们派人上门拖车。", "F08"),  # a thing's state
        ("网络状态这么差就别下单了，等信号好了再说。", "F08"),
        ("我给您长话短说，要么四百卖，要么寄回去，您选一个，我后面还有人排着的话我先登记。", "F09"),  # the agent's own telling
        ("您是想长话短说吗？我后面还有人排着，我先给您登记。", "F09"),  # a question
        ("如果您还听不懂，我都讲了半天了可能是我没讲清楚，我换个说法。", "F13"),  # a condition, and the blame taken
        ("您还听不懂的话，我再给您讲一遍。", "F13"),
        # found at HEAD before (an F02 and an F01 no one said): what the agent may not see, the people talked about
        ("我怎么会知道您的密码呢，我们系统是看不到密码的。", "F02"),
        ("困在里面的人我们一直陪着说话，您放心。", "F01"),
    ],
)
def test_holdout28_look_alikes_stay_clean(checker, text, rule):
    assert said(checker.check(agent_says(text)), rule) is None


# --- holdout29's wordings, learnt in general forms, and their polite look-alikes ---------------------


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("告示栏上白纸黑字贴了一个月了，你是不识字还是咋的？", "F03"),  # unable to read, or what, asked back
        ("你是眼瞎还是怎么着？门口那么大的牌子。", "F03"),
        ("你眼睛长哪搭了？售票厅门口那么大一块牌子挂着呢。", "F03"),  # 西北 哪搭 for 哪儿
        ("催催催，一遍一遍地催，我这耳朵都让你吵得嗡嗡的。", "F04"),  # the ears buzzing
        ("急什么，耳朵都被你催得嗡嗡的。", "F04"),
        ("十几张单子堆着没理呢，你那六箱往后排排，我一张一张翻，翻到了再说。", "F05"),  # the pile, then the back of it
        ("好几个工单压着，轮到了再说。", "F05"),
        ("那人你甭找了，一天到晚在外头跑，我们也逮不着他，他的事我不管。", "F06"),  # don't look for him, none of mine
        ("你别找他了，他的事我们管不着。", "F06"),
        ("明天再来，我这儿马上就下班了，你来了也是白跑。", "F07"),  # tomorrow, then the agent's closing
        ("改天再来吧，我这都到点了。", "F07"),
        ("都快十二点了，我这儿十二点准时关系统，饭总得吃吧，补材料的事下午两点半以后再打。", "F07"),  # the lunch break
        ("我们要午休了，你下午再来。", "F07"),
        ("嫑来了，你要是不舒服。", "F08"),  # the halves the other way round
        ("别来了，你要是不满意。", "F08"),
        ("挑要紧的说，你是来看病的还是给我讲故事的？", "F09"),  # the account mocked as stories
        ("你是来办事的还是给我拉家常的？", "F09"),
        ("话我就撂这儿了，你爱听不爱听，还能把我咋的？", "F10"),  # 爱×不爱× and the dare without 你
        ("规定就这样，还能把我怎么着。", "F10"),
        ("你去投诉么，有本事的话。", "F11"),  # the dare after the going
        ("你尽管打，打到省上我也是这一句话。", "F11"),  # however high it goes, the same answer
        ("随便告，告到市里也还是这句话。", "F11"),
        ("同一句话我嘴皮子都磨薄了，你那耳朵是摆设？", "F13"),  # the ears for show
        ("我都讲了三遍了，你这耳朵是干嘛用的？", "F13"),
    ],
)
def test_holdout29_wordings_are_found(checker, text, rule):
    assert said(checker.check(agent_says(text)), rule) == "error"


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("您是不识字还是看不清？我给您念一遍。", "F03"),  # a real question, then help
        ("您是看不见还是咋的，我给您念一遍。", "F03"),
        ("我们这边十几张单子压着，您的单子往后排一下，下午一定给您处理好。", "F05"),  # a promise after it
        ("十几张工单压着，您的往后排，我尽快给您办。", "F05"),
        ("那人您别找了，他一天到晚在外头跑，我帮您联系他回电。", "F06"),  # the agent helps
        ("那人您不用找了，他的事我来跟。", "F06"),
        ("王师傅一天到晚在外头跑，您别找他了，我给您换一位。", "F06"),
        ("明天再来取就行，我们要下班了。", "F07"),  # the errand said
        ("师傅明天再过来，今天下班了。", "F07"),  # someone else comes
        ("您明天再来复查，时间到了我提醒您。", "F07"),
        ("好的，那您明天再来，我们早上八点上班，下午五点半下班。", "F07"),  # the hours told
        ("您明天再来也可以，我们六点下班。", "F07"),  # an option
        ("我们十二点准时关系统，您下午两点半以后再打过来，我先帮您登记。", "F07"),  # an offer after it
        ("师傅午休了，您下午两点以后再打。", "F07"),  # someone else's break
        ("系统十二点准时关，您抓紧时间上传。", "F07"),
        ("今天别来了，您要是不舒服，我们派医生上门。", "F08"),  # care and another way
        ("先别来了，您要是不舒服就在家好好休息，复查改到下周。", "F08"),
        ("您是来看病的还是来陪家人的？我帮您指一下路。", "F09"),  # a polite question
        ("周末有给孩子讲故事的活动，您是来报名的吗？", "F09"),
        ("你爱听不爱听相声？我们周末有专场。", "F10"),  # a question of taste
        ("您爱吃不爱吃辣？我给您备注。", "F10"),
        ("这点小雨还能把我们怎么样，师傅照常上门。", "F10"),  # the weather dared
        ("这点小雨还能把我们咋的，师傅照常上门。", "F10"),
        ("您可以去投诉，有需要的话我帮您转。", "F11"),
        ("您打到总部，客服也是这句话。", "F11"),  # what another desk will say, no go-ahead
        ("您尽管打，打到总部也是这句话，不过我可以帮您申请复核。", "F11"),  # an offer after it
        ("我讲了半天，您要是觉得这个耳朵是摆设的助听器不好用，我给您换一个。", "F13"),  # a hearing aid
    ],
)
def test_holdout29_look_alikes_stay_clean(checker, text, rule):
    assert said(checker.check(agent_says(text)), rule) is None


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("套餐是公司统一调的，谁调的，喂啥调，我一个坐柜台的哪能说得清楚", False),  # 为啥 as the recognizer writes it
        ("喂什么都要先问医生", False),  # feeding what
        ("喂？什么？听不清", True),  # a pause between: the call
        ("喂，啥？大点声", True),
    ],
)
def test_wei_glued_to_what_is_no_call(checker, text, found):
    result = checker.check(conv((AGENT, "您好，阳光物业客服中心，我姓王，请问有什么可以帮您？"), (CUSTOMER, "我问一下"), (AGENT, text)))
    assert ("F01" in [f.id for f in result.findings]) == found


# --- holdout30's wordings, learnt in general forms, and their polite look-alikes ---------------------


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("哎，那头儿的，吱个声儿，睡着啦？还问不问了？", "F01"),  # told to speak, then asked if asleep
        ("哎,那头二灯,只个生儿,睡着了,还问不问了", "F01"),  # the degraded transcript: 吱 / 声 by their sounds
        ("吭一声，睡着了？", "F01"),
        ("为还在美,要登记就报单好", "F01"),  # 喂！还在没？ as the recognizer spells it
        ("你说老邝啊，早回家睡觉了，俺又不是他秘书，他上哪儿俺管得着吗。", "F06"),  # gone home, not his keeper
        ("你说老矿啊,早回家睡觉了,按又不是他秘书,他上哪按管得着吗?", "F06"),
        ("他不在，我又不是他保姆，他上哪儿我管得着吗", "F06"),
        ("都几点了还打这电话，你等天亮了再打吧，这会儿谁给你弄去", "F07"),  # wait for daylight
        ("都起点了还打这电话，一等天亮了再打吧", "F07"),  # the degraded transcript
        ("明儿个再说吧，俺这就交班了，白班来了再给你派。", "F07"),  # 这就 for 要; the day shift
        ("你拿个盆接着,赢完个再说吧,按这就交班轮,白班来了再给你派", "F07"),
        ("明天再说吧，我这马上就下班了", "F07"),
        ("觉得俺们这儿住着不好，你换一家呗，门口出去一条街都是宾馆，又没人拦着你。", "F08"),
        ("绝对按门这儿住这部好,你换一家被门口抽起一条街都是兵馆", "F08"),  # 住着不好 / 呗 by their sounds
        ("睡得不舒服你换别家去", "F08"),
        ("俺就这么说，咋着？", "F10"),  # 咋着 for 怎么着, 了 left out
        ("我就这么说的，怎么着", "F10"),
        ("规定就是规定,以爱听不听", "F10"),  # the rule said twice, the recognizer's 以 for 你
    ],
)
def test_holdout30_wordings_are_found(checker, text, rule):
    assert said(checker.check(agent_says(text)), rule) == "error"


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("它今天最后一次喂食是几点？喂的是猫粮还是家里的剩饭菜？", "F01"),  # feeding
        ("您平时喂的什么牌子？喂得多不多？", "F01"),
        ("您别急，它喂了几次了？一天喂几回？", "F01"),
        ("宝宝吭一声就睡着了，您别担心。", "F01"),  # someone described
        ("孩子半天不吱声，是不是睡着了？", "F01"),
        ("车位还在没？我帮您看一下。", "F01"),  # 位 glued to a word
        ("退房时间在大堂墙上贴着的入住须知里写着，是中午十二点。您要是想多睡会儿，我给您延到下午两点，不另收费。", "F03"),
        ("退房时间在大堂墙上贴着的入主席之里写真。事终五十二点,您要是想多睡会儿,我给您演到下午两点,不令收费。", "F03"),
        ("您的会员可以顺延一个月，到期时间延长到下个月底，您看可以吗？", "F03"),
        ("王师傅早回家了，我帮您留言，明早他给您回电。", "F06"),  # the agent helps
        ("他已经回家休息了，他去哪儿我们不太清楚，我帮您转告。", "F06"),
        ("大哥，真是不好意思，我们分拨中心大门口贴着告示，写着“夜间不对外取件，有事明天再来”，夜里大门是锁着的，您过来了门卫也进不去。我给您备注加急。", "F07"),
        (
            "大哥,真是不好意思,我们分剥中新大门口贴这告示,写真夜间不对外起见,有市民天再来,夜里大门是所折腾,您过来了门位也进不去",
            "F07",
        ),  # a notice read out, the quotes lost
        ("门口牌子上写着营业到晚上八点，有事明天再来也行，我先给您登记上。", "F07"),
        ("都几点了还打这电话，您别急，等天亮了再打给物业也行，我先帮您登记。", "F07"),
        ("我这就交班了，白班来了再给您派单，我已经登记好了，您放心。", "F07"),
        ("您要是觉得住着不好，我给您换一间安静的房。", "F08"),  # another room offered
        ("住得不舒服您可以换一家，房费我给您全额退。", "F08"),  # the way out offered
        ("您跟窗口就这么说，咋着都行，他们会给您办的。", "F10"),  # coaching the words
        ("就这么说定了，您看咋着方便，我让师傅上门。", "F10"),
        ("规定就是规定，我们也没办法，不过我可以帮您申请特批。", "F10"),
    ],
)
def test_holdout30_look_alikes_stay_clean(checker, text, rule):
    assert said(checker.check(agent_says(text)), rule) is None


def test_holdout30_a_notice_read_out_does_not_hide_the_agents_own_closing(checker):
    assert said(checker.check(agent_says("门口牌子上写着呢，要下班了，有事明天再来")), "F07") == "error"


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("诶，有人没有？不说话我怎么帮你办？", "F01"),  # whether anyone is there, then the silence thrown back
        ("人还在不在？不吭声我就挂了。", "F01"),
        ("俺也知不道。", "F02"),  # 知不道 and its recognizer spelling stay found
        ("这事我知不到，你问别人去。", "F02"),
        ("额知不道，你自己问去。", "F02"),  # 额 (西北 for 我) is no word with 知
        ("你是收货的时候闭着眼睛验的吧？", "F03"),  # the customer's own job done with eyes shut
        ("你一直催，我头都被你念疼了。", "F04"),  # 念: to nag
        ("我这儿正忙着呢，你慌什么？", "F05"),  # busy, then the hurry thrown back
        ("要下班了，有事明天再来柜台办。", "F07"),  # the customer sent to a counter tomorrow
        ("我这边电脑马上要关了，你这个事今天不办了，另找时间吧。", "F07"),
        ("嫌贵你去别家买呗。", "F08"),
        ("那你去别家订吧，又没人拦着你。", "F08"),
        ("会晕车就别来坐了。", "F08"),
        ("长话短说，我后面好几个客户在等。", "F09"),
        ("就这么定了，你想按怎？", "F10"),  # 闽南 按怎 for 怎么样
        ("我说话一直就是这样，你听不习惯也没办法。", "F10"),
        ("你爱上哪儿告就上哪儿告。", "F11"),
    ],
)
def test_holdout31_wordings_are_found(checker, text, rule):
    assert said(checker.check(agent_says(text)), rule) == "error"


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("老人一直不出声，可能睡着了。", "F01"),  # someone silent
        ("孩子还在不在家？他不说话我怎么知道他想要什么。", "F01"),  # where someone else is
        ("对不起，是我们通知不到位。", "F02"),  # 知不到 inside 通知不到位
        ("告知不到的地方请您见谅。", "F02"),
        ("货一直不到，我帮您催一下仓库。", "F02"),  # 一直不到 sounds as 知不道
        ("这个支架很简单，闭着眼睛都能装的。", "F03"),  # how easy it is
        ("我们老师傅闭着眼睛装的都比新手好。", "F03"),
        ("哈哈，我头都被你逗笑了。", "F04"),
        ("我这边正忙着给您查，您急什么时候要？", "F05"),  # asks when
        ("系统马上要关，我先帮您登记，另外找时间给您回电。", "F07"),  # the agent's promise
        ("我们要下班了，您今天不方便的话另外找时间也可以。", "F07"),  # an option
        ("明天再来窗口办理也可以，我们五点下班。", "F07"),
        ("要下班了，我们明天再来窗口办。", "F07"),  # the agent's side comes
        ("晕船的话别坐船头，坐中间稳一点。", "F08"),  # where to sit
        ("晕车的话就别来坐了，我们给您全额退票。", "F08"),  # care and another way
        ("嫌远的话您可以去别家进，我帮您推荐几家。", "F08"),
        ("您去别家买也可以，没人拦着您，我们支持无理由退货。", "F08"),
        ("我给您长话短说，我后面好几个客户在等，我先把您的登记好。", "F09"),  # the agent's own telling
        ("您想按怎样的标准来赔，您说，我记下。", "F10"),  # 按 as 'according to'
        ("我说话就是这样，不是针对您，您听不惯也多包涵。", "F10"),
        ("您爱去哪里说就去哪里说，这是您的权利，我把投诉电话给您。", "F11"),
        ("孩子爱去哪里玩就去哪里玩。", "F11"),
    ],
)
def test_holdout31_look_alikes_stay_clean(checker, text, rule):
    assert said(checker.check(agent_says(text)), rule) is None


# --- holdout32: its missed wordings in general forms, and their polite look-alikes ---------------


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("电话那头的，还喘着气没有？", "F01"),
        ("我又不是你师傅肚子里的蛔虫，你问他去。", "F02"),
        ("通知在公众号上挂了好几个月了，您是看不见还是压根不打算？", "F03"),
        ("我手头十几个工单压着，你以为我就伺候你一个？", "F05"),
        ("我这边正忙着，一大堆客户等着，又不是只有你一个。", "F05"),
        ("姓王的我都数不过来，反正压根没见着人。", "F06"),
        ("我电脑都关了，你这个事今天不弄了，明天再来吧。", "F07"),
        ("这也不行那也不行，你下回就另请高明吧。", "F08"),
        ("我们这儿庙小，供不起你这尊大佛。", "F08"),
        ("捡重点说，一句话，你想要什么？", "F09"),
        ("规定就是这个规定，你有意见也没用。", "F10"),
        ("意见簿你随便写，写满了我们拿去卖废纸。", "F11"),
        ("吼啥子吼，等会儿。", "F12"),
    ],
)
def test_holdout32_wordings_are_found(checker, text, rule):
    assert said(checker.check(agent_says(text)), rule) == "error"


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("我问问仓库那头的，有没有人能帮您取一下。", "F01"),
        ("您是看不见还是根本没打算看这么小的字？我给您念一遍。", "F03"),
        ("别担心，又不是只有您一个人遇到这个问题，我手上好几个单子排着，马上给您处理。", "F05"),
        ("我们这儿姓王的师傅我都数不清有几个，您记得他工号吗？", "F06"),
        ("哪位师傅？这会儿没看到人，我帮您联系他回电。", "F06"),
        ("营业厅的公告上写的是，周末下午五点下班，有事明天再来办理。", "F07"),
        ("门口牌子上写着五点关门，您有事明天再来办就行。", "F07"),
        ("我电脑都关了一半了，明天再打给您确认。", "F07"),
        ("您要是嫌我们这儿远，以后可以去别的网点，我帮您推荐。", "F08"),
        ("我们庙小，但服务一点不打折。", "F08"),
        ("我给您长话短说，一句话，您要什么我们都能配。", "F09"),
        ("规矩就是这个规矩，您有意见也没用，不过我可以帮您申请复核。", "F10"),
        ("投诉信您随便写，我们绝不会当废纸处理。", "F11"),
        ("意见箱您随便投，我们每周一都有专人开箱。", "F11"),
        ("我又不是你肚子里的蛔虫，您得告诉我想要什么，我帮您挑。", "F02"),
    ],
)
def test_holdout32_look_alikes_stay_clean(checker, text, rule):
    assert said(checker.check(agent_says(text)), rule) is None


def test_holdout32_the_agents_own_closing_after_a_notice_stays_found(checker):
    assert said(checker.check(agent_says("公告上写着呢，我们要下班了，有事明天再来")), "F07") == "error"


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("对不对得上我说不上来，你自个儿拆下来拿过来比。", "F02"),
        ("缴费方式群里早发了，自个儿不会翻？", "F03"),
        ("调走了，甭找了。", "F06"),
        ("他早就离职了，别找他了。", "F06"),
        ("嫌我们这儿不好，你上别处停去。", "F08"),
        ("住着不舒服，你到别家住去。", "F08"),
        ("投诉？随你，号码就在网上挂着，看谁怕谁。", "F11"),
        ("嗓门小点儿，候着。", "F12"),
        ("声音小一点，一边等着去。", "F12"),
    ],
)
def test_holdout33_wordings_are_found(checker, text, rule):
    assert said(checker.check(agent_says(text)), rule) == "error"


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("缴费方式群里早发了，老人自己不会翻的话您帮他看看。", "F03"),
        ("通知群里早发了，您自己不会翻的话我再发您一遍。", "F03"),
        ("物业大厅墙上贴着新的公示，我现在给您念一遍：每平米二十二块四，跟去年一样，没涨。", "F03"),
        ("他调走了，您别找他了，现在李师傅负责，我给您转过去。", "F06"),
        ("车站公告上写着：售票窗口晚上六点就下班了，有事明天再来办理；您要是来不及，手机上点退票也一样。", "F07"),
        ("快到点了，您看是今天还是改天？", "F07"),
        ("到点了，改天给您送过去。", "F07"),
        ("仓库到点了，改天。", "F07"),
        ("您嫌贵的话可以上别处看看，我帮您推荐。", "F08"),
        ("嫌这儿停车贵，您上别处停去吧，旁边商场便宜。", "F08"),
        ("这儿信号不好，您上别处去试试吧。", "F08"),
        ("投诉随您，号码在网上，我帮您转过去。", "F11"),
        ("您声音小点也没关系，等着我给您查。", "F12"),
        ("一个劲儿催，我脑仁儿都叫你吵疼了。", "F12"),
    ],
)
def test_holdout33_look_alikes_stay_clean(checker, text, rule):
    assert said(checker.check(agent_says(text)), rule) is None


def test_holdout33_not_knowing_with_an_offer_after_is_for_review_only(checker):
    assert said(checker.check(agent_says("型号我说不上来，您自个儿量一下告诉我，我帮您查。")), "F02") == "review"


def test_holdout33_the_agents_own_counter_closing_stays_found(checker):
    assert said(checker.check(agent_says("我们窗口六点就下班了，有事明天再来办理。")), "F07") == "error"
    assert said(checker.check(agent_says("要下班了，有事明天再来。")), "F07") == "error"
