"""Near misses (engine/nearmiss.py) and what the checker makes of what verification heard.

The scoring against audio needs the model (tests/test_verify_audio.py, slow); these tests pin which
readings are proposed at all, and that a heard reading becomes a finding on the decoded words,
only where it was heard, and never more than the text and the audio together support."""

from __future__ import annotations

import pytest

from helpers import ids
from phrasecheck.config.profile import Profile, load_profile
from phrasecheck.data import AGENT, CUSTOMER, Conversation, Turn
from phrasecheck.engine.checker import Checker
from phrasecheck.engine.nearmiss import Proposer, similarity, slot_surnames, syllable_similarity
from phrasecheck.errors import ConfigError
from phrasecheck.text.normalize import normalize

GREETING = "您好，阳光物业客服中心，我姓王，请问有什么可以帮助您？"


def call(*agent_lines: str, agent_id: str = "A1", heard: dict[int, list] | None = None) -> Conversation:
    turns, t = [], 0.0
    for k, line in enumerate(agent_lines):
        turns.append(Turn(AGENT, line, t, t + 2.0, heard=(heard or {}).get(2 * k, [])))
        turns.append(Turn(CUSTOMER, "嗯，好的，我想问一下", t + 2.5, t + 4.0))
        t += 5.0
    return Conversation("c1", agent_id, "c1.wav", turns, roles="channels")


def proposed(checker, conv) -> list[tuple[str, str, str]]:
    return [(c.rule, conv.turns[c.turn].text[c.start : c.end], c.words) for c in Proposer(checker).propose(conv)]


def test_syllables_compare_by_initial_and_final():
    assert syllable_similarity("fan", "fan") == 1.0
    assert syllable_similarity("jing", "jin") == 0.95  # the same after the ASR folds
    assert syllable_similarity("si", "ci") == pytest.approx(0.8)  # close initials, same final
    assert syllable_similarity("shi", "xing") == 0.0
    assert similarity(normalize("反此言论"), 0, normalize("烦死人了")) > similarity(normalize("请您稍等"), 0, normalize("烦死人了"))


def test_a_garbled_forbidden_phrase_is_proposed_a_clean_turn_is_not(checker):
    got = proposed(checker, call(GREETING, "其什么，反此言论，我这就记下来。"))
    # the part where it stands: never a reading across the pause the decoder wrote (其什么，反此言论 as
    # one 急什么烦死人了), which would run two stretches of speech into one phrase
    assert ("F04", "反此言论", "烦死人了") in got
    assert not [p for p in got if "，" in p[1]]
    got = proposed(checker, call(GREETING, "还有事没，没有就挂了。"))
    assert not [p for p in got if "，" in p[1]]  # not 说完没有 across the pause
    assert [p for p in proposed(checker, call(GREETING, "请您稍等，我帮您登记一下。", "感谢您的来电，再见。")) if p[0].startswith("F")] == []
    # the polite 您 is no syllable of a rude reading without one (我帮您查一下 is not 我上哪查去)
    assert [p for p in proposed(checker, call(GREETING, "好的，我帮您查一下这个航班，请稍等。")) if p[0].startswith("F")] == []


def test_a_far_reading_is_not_proposed_over_words_the_recognizer_was_sure_of(checker):
    """反此言论 sounds 0.65 like 烦死人了: a garble worth scoring where the recognizer was unsure of it,
    not where it was sure (FAR_READING, SURE_WORDS); a closer reading is proposed either way."""
    from phrasecheck.engine.nearmiss import FAR_READING, SURE_WORDS

    def sure_of(conv: Conversation, p: float) -> Conversation:
        t = conv.turns[2]
        t.words = [(i, i + 2, t.start_s + 0.3 * i, t.start_s + 0.3 * i + 0.6, p) for i in range(0, len(t.text) - 1, 2)]
        return conv

    far = "好的，反此言论，我这就记下来。"
    assert similarity(normalize("反此言论"), 0, normalize("烦死人了")) < FAR_READING
    assert ("F04", "反此言论", "烦死人了") in proposed(checker, sure_of(call(GREETING, far), SURE_WORDS - 0.2))
    assert ("F04", "反此言论", "烦死人了") in proposed(checker, call(GREETING, far))  # no word probabilities kept
    assert "F04" not in {p[0] for p in proposed(checker, sure_of(call(GREETING, far), SURE_WORDS + 0.1))}
    close = "好的，烦死人类，我这就记下来。"  # 人类 / 人了: 0.875 alike
    assert ("F04", "烦死人类", "烦死人了") in proposed(checker, sure_of(call(GREETING, close), 0.99))


def test_a_part_said_apart_from_the_rest_of_its_form_is_proposed_where_it_stands(checker):
    # 急什么 … 烦死人了 with words between: only the garbled part is read again, and the heard text
    # completes the form with the 及什么 decoded (a homophone of 急什么)
    got = proposed(checker, call(GREETING, "你及什么呀，一天打好几个电话来催，真是反死言论。"))
    assert [p for p in got if p[0] == "F04"] == [("F04", "反死言", "烦死人")]


def test_a_reading_the_checker_would_not_flag_in_its_turn_is_not_proposed(checker):
    # 急什么 alone is no F04 (it needs a 烦): reading 及什么 as 急什么 could find nothing
    got = proposed(checker, call(GREETING, "以及什么样，我帮您看看。"))
    assert ("F04", "及什么", "急什么") not in got
    assert all(checker.check(call(GREETING, "以" + w + "样，我帮您看看。")).findings for r, s, w in got if r == "F04" and s == "及什么")


def test_nothing_is_proposed_for_what_the_text_already_says_or_the_customer_says(checker):
    conv = call(GREETING, "急什么，烦死人了，我这就记下来。")
    assert "F04" in ids(checker.check(conv))
    assert [p for p in proposed(checker, conv) if p[0] == "F04"] == []
    customer = Conversation("c2", "A1", "c2.wav", [Turn(AGENT, GREETING, 0.0, 3.0), Turn(CUSTOMER, "反此言论", 3.5, 5.0)])
    assert proposed(checker, customer) == []


def test_a_request_ending_in_yixia_is_read_as_nothing_else(checker):
    """您查一下 sounds a little like 你是眼瞎 syllable by syllable; the decoder writes 一下 right, and
    the audio never favoured the reading there: not proposed. 等一下 readings still are."""
    for line in ("您查一下，订单号报一下。", "麻烦您联系一下物业。"):
        assert [p for p in proposed(checker, call(GREETING, line)) if p[2].startswith("你是眼瞎")] == []
    assert ("F12", "欢什么等一下", "喊什么等一下") in proposed(checker, call(GREETING, "欢什么等一下。"))


def test_greeting_parts_are_proposed_only_when_missing(checker):
    garbled = "您好，阳光，我敬礼，请问有什么可以帮助您？"
    assert not checker.check(call(garbled)).greeting.ok
    got = proposed(checker, call(garbled))
    assert ("G01", "我敬礼", "我姓李") in got  # 礼 is no surname: the commonest that sound like it
    assert ("G01", "我是小", "我姓小") not in proposed(checker, call("您好，阳光物业客服中心，我是小王，请问有什么可以帮助您？"))
    assert [p for p in proposed(checker, call(GREETING)) if p[0] == "G01"] == []
    assert slot_surnames("程", "cheng")[:2] == ["程", "陈"]


def test_words_read_as_a_blunt_opener_are_not_proposed_as_another_rule(checker):
    # 喂，哪里的？ decoded 位，那里的: the checker reads O01 and O03 there, so the same words are not
    # also scored as 我哪知道 (F02): the audio fitted that reading once, a false accusation
    conv = call("位，那里的", "好的，稍等。")
    assert {"O01", "O03"} <= set(ids(checker.check(conv)))
    assert [p for p in proposed(checker, conv) if p[0].startswith("F")] == []


def test_a_garbled_greeting_word_where_the_call_starts_is_proposed(checker):
    # 于好 for 您好 (μ-law): too unlike 您好 anywhere else, but its place says what it is meant to be,
    # and hearing it only credits the agent
    got = proposed(checker, call("于好，阳光物业客服中心，我姓王，请问有什么可以帮助您？"))
    assert [(r, s) for r, s, _ in got if r == "G01"] == [("G01", "于好")]
    assert [p for p in proposed(checker, call("很好，阳光物业客服中心，我姓王，请问有什么可以帮助您？")) if p[0] == "G01"] == []


def test_the_profile_names_the_agents_surname(lexicon):
    checker = Checker(lexicon, Profile(agents={"A7": "赵"}))
    got = proposed(checker, call("您好，阳光，我现照，请问有什么可以帮助您？", agent_id="A7"))
    assert [p for p in got if p[0] == "G01"] == [("G01", "我现照", "我姓赵")]


def test_a_wei_spelling_opening_the_call_is_proposed_as_a_homophone(checker):
    (wei,) = [c for c in Proposer(checker).propose(call("为什么事")) if c.rule == "O01"]
    assert wei.homophone and wei.words == "喂"


def test_a_lone_syllable_opening_the_call_is_read_as_wei(checker):
    # 喂？ alone, decoded as another syllable on a degraded line: the audio tells which
    assert [(c.rule, c.words, c.homophone) for c in Proposer(checker).propose(call("对"))] == [("O01", "喂", False)]
    assert [c for c in Proposer(checker).propose(call("喂")) if c.rule == "O01"] == []  # already said


@pytest.mark.parametrize(("line", "found"), [("为，还在不在？单号报一下。", True), ("未？人呢？", True), ("为您查一下。", False), ("为什么，您说。", False)])
def test_a_spelling_of_wei_standing_alone_later_in_a_call_is_f01(checker, line, found):
    # 喂！还在不在？ after a hold, decoded 为,还在不在: 为 alone before a pause is no word of its own
    result = checker.check(call(GREETING, line))
    assert ("F01" in ids(result)) is found
    if found:
        (f01,) = [f for f in result.findings if f.id == "F01"]
        assert (f01.turn, f01.text) == (2, line[0])


def test_wei_and_a_blunt_word_garbled_together_are_read_together(checker):
    # 喂，讲话 decoded 为假话 (clean) and 我会讲话 (degraded): one reading, 喂， and the word
    assert ("O01", "为假话", "喂，讲话") in proposed(checker, call("为假话"))
    assert ("O01", "我会讲话", "喂，讲话") in proposed(checker, call("我会讲话"))
    assert [p for p in proposed(checker, call("您好，讲话")) if p[2].startswith("喂")] == []  # 您好 sounds nothing like 喂


def test_a_heard_forbidden_phrase_quotes_the_decoded_words(checker):
    line = "其什么，反此言论，我这就记下来。"
    plain = checker.check(call(GREETING, line))
    assert "F04" not in ids(plain)
    heard = checker.check(call(GREETING, line, heard={2: [(4, 8, "烦死人了", -0.5)]}))
    (f04,) = [f for f in heard.findings if f.id == "F04"]
    assert (f04.turn, f04.text, f04.heard, f04.verify_score) == (2, "反此言论", "烦死人了", -0.5)
    assert "heard 烦死人了" in f04.message
    assert heard.attitude_score < plain.attitude_score


def test_heard_words_that_do_not_make_the_rule_give_nothing(checker):
    # heard elsewhere in the turn than where the phrase would be
    conv = call(GREETING, "其什么，反此言论，我这就记下来。", heard={2: [(9, 11, "我们", -0.5)]})
    assert "F04" not in ids(checker.check(conv))
    # a heard reading the exceptions clear (不知道您… is the polite question)
    conv = call(GREETING, "步知道您方便吗？", heard={2: [(0, 3, "不知道", -0.5)]})
    assert "F02" not in ids(checker.check(conv))


def test_a_heard_reading_inside_a_longer_one_that_says_it_too_gives_way(checker):
    # 喂，找谁呢？ decoded 为少谁呢: both 找谁 and 喂，找谁 were heard; the shorter fits better, but the
    # longer says the same words and the 喂 before them
    conv = call("为少谁呢？", heard={0: [(0, 3, "喂，找谁", -0.98), (1, 3, "找谁", 2.71)]})
    assert {"O01", "O04"} <= set(ids(checker.check(conv)))
    # two readings that disagree: the better-fitting one stands alone
    conv = call("为少谁呢？", heard={0: [(0, 3, "喂，讲话", -0.98), (1, 3, "找谁", 2.71)]})
    assert "O04" in ids(checker.check(conv)) and "O02" not in ids(checker.check(conv))


def test_a_heard_surname_completes_the_greeting_and_says_so(checker):
    # the company garbled too (阳光 names no centre and no organisation), so the slot's place alone does not credit it
    garbled = "您好，阳光，我敬礼，请问有什么可以帮助您？"
    assert checker.check(call(garbled)).greeting.missing == ["company", "surname"]
    result = checker.check(call(garbled, heard={0: [(6, 9, "我姓李", -3.2)]}))
    assert result.greeting.missing == ["company"] and result.greeting.text == garbled
    assert any("surname heard by acoustic verification" in n for n in result.notes)


def test_word_probabilities_travel_and_a_floor_sends_unsure_findings_to_review(lexicon):
    turn = Turn(AGENT, "不知道，你问别人吧", 0.0, 2.0, words=[(0, 3, 0.0, 0.6, 0.31), (4, 9, 0.7, 2.0, 0.9)])
    conv = Conversation("c", "A1", "c.wav", [turn], roles="channels")
    plain = Checker(lexicon, Profile()).check(conv)
    (f02,) = [f for f in plain.findings if f.id == "F02"]
    assert f02.word_probs == [0.31] and f02.severity == "error"
    strict = Checker(lexicon, Profile(min_confidence=0.5)).check(conv)
    (f02,) = [f for f in strict.findings if f.id == "F02"]
    assert f02.severity == "review" and "recognizer unsure" in f02.message
    assert strict.attitude_score > plain.attitude_score  # review costs nothing until confirmed


def test_profile_agents_and_min_confidence_are_checked(tmp_path):
    p = tmp_path / "phrasecheck.yaml"
    p.write_text("agents:\n  A3001: 王\nmin_confidence: 0.4\n", encoding="utf-8")
    prof = load_profile(p)
    assert prof.agents == {"A3001": "王"} and prof.min_confidence == 0.4
    for bad in ("agents: [王]\n", "agents:\n  A1: 欧阳先生\n", "min_confidence: 2\n", "min_confidence: yes\n"):
        p.write_text(bad, encoding="utf-8")
        with pytest.raises(ConfigError):
            load_profile(p)


def test_an_exception_reads_on_into_the_agents_next_turn(checker):
    """不知道 / (customer: 嗯) / 您明天上午方便吗: one polite question, cut in two by a backchannel."""
    turns = [
        Turn(AGENT, GREETING, 0.0, 3.0),
        Turn(CUSTOMER, "我家的灯坏了", 3.5, 5.0),
        Turn(AGENT, "好的，不知道", 5.5, 6.5),
        Turn(CUSTOMER, "嗯", 6.6, 6.8),
        Turn(AGENT, "您明天上午方便在家吗？", 6.9, 8.5),
    ]
    conv = Conversation("c", "A1", "c.wav", turns, roles="channels")
    assert "F02" not in ids(checker.check(conv))
    turns[4] = Turn(AGENT, "你自己去问物业吧", 6.9, 8.5)
    assert "F02" in ids(checker.check(conv))


def opening(checker, text: str) -> list[tuple[str, str]]:
    conv = Conversation("c", "A1", "c.wav", [Turn(AGENT, text, 0.0, 1.0), Turn(CUSTOMER, "你好", 1.5, 2.0)], roles="channels")
    return [(f.id, f.text) for f in checker.check(conv).findings if f.kind in ("opener", "forbidden")]


def test_a_wei_spelling_before_another_opener_is_o01_by_its_position(checker):
    assert opening(checker, "为讲话") == [("O01", "为"), ("O02", "讲话")]
    assert opening(checker, "为你找谁") == [("O01", "为"), ("O04", "你找谁")]
    assert opening(checker, "魏魏，哪里") == [("O01", "魏魏"), ("O03", "哪里")]  # not also F01 喂喂
    assert opening(checker, "为哪位讲话") == [("O01", "为"), ("O02", "讲话")]  # 喂，哪位？讲话 run together
    assert opening(checker, "为哪位") == [("O01", "为")]
    assert opening(checker, "为您服务") == [] and opening(checker, "为什么事") == [] and opening(checker, "未接通") == []
    chat = Conversation("c", "A1", "c.jsonl", [Turn(AGENT, "为讲话")])  # a typed 为 is a typed 为
    assert [f.id for f in checker.check(chat).findings if f.id == "O01"] == []


def test_a_stray_sound_before_the_first_opener_is_scored_as_a_filler(checker):
    got = [(c.rule, c.words, c.start, c.end) for c in Proposer(checker).propose(call("红，讲话"))]
    assert ("O02", "嗯", 0, 1) in got
    assert [c for c in Proposer(checker).propose(call(GREETING)) if c.words == "嗯"] == []
    result = checker.check(call("红，讲话", heard={0: [(0, 1, "嗯", -1.0)]}))
    (o02,) = [f for f in result.findings if f.id == "O02"]
    assert (o02.text, o02.heard) == ("讲话", "嗯，讲话") and "decoded 红，讲话" in o02.message
    assert "O02" not in ids(checker.check(call("红，讲话")))


def test_reworded_dismissals(checker):
    assert "F13" in ids(checker.check(call(GREETING, "我都讲了半天了，你怎么还没听懂？")))
    assert "F08" in ids(checker.check(call(GREETING, "身体不舒服就别来了")))
    assert "F08" not in ids(checker.check(call(GREETING, "您身体不舒服的话就别来了，我们派人上门")))
    assert "F13" not in ids(checker.check(call(GREETING, "如果您还没听懂，我再说一遍")))
    assert "F12" in ids(checker.check(call(GREETING, "你嚷什么嚷，等一下"))) and "F12" in ids(checker.check(call(GREETING, "你吼什么")))
    assert "F12" not in ids(checker.check(call(GREETING, "请问您叫什么名字？")))
    assert "F10" in ids(checker.check(call(GREETING, "就这样，你还想怎么样")))
    assert "F10" not in ids(checker.check(call(GREETING, "就这样处理，您看怎么样？")))
    assert "F06" in ids(checker.check(call(GREETING, "哪个王师傅啊？我们这儿有三个。他不在，都出去了")))
    assert "F06" not in ids(checker.check(call(GREETING, "请问您找哪个部门？他不在的话我帮您转告")))
    assert "F07" in ids(checker.check(call(GREETING, "马上要下班了，你明天再打过来吧")))
    assert "F07" not in ids(checker.check(call(GREETING, "我们要下班了，您明天再打过来也可以")))


def test_a_jsonl_export_with_offsets_is_checked_as_a_call(tmp_path, checker):
    import json

    from phrasecheck.inputs.readers import read_file

    rows = [
        {"conversation_id": "c", "agent_id": "A", "role": "agent", "text": "为讲话", "start_s": 0.2, "end_s": 1.0},
        {"conversation_id": "c", "agent_id": "A", "role": "customer", "text": "你好", "start_s": 1.5, "end_s": 2.0},
        {"conversation_id": "d", "agent_id": "A", "role": "agent", "text": "你好", "start_s": "soon"},
        {"conversation_id": "e", "agent_id": "A", "role": "agent", "text": "你好", "start_s": 3, "end_s": 1},
    ]
    path = tmp_path / "timed.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    loaded = read_file(path, Profile())
    (conv,) = loaded.conversations
    assert conv.is_call and (conv.turns[0].start_s, conv.turns[0].end_s) == (0.2, 1.0)
    assert ids(checker.check(conv), "opener") == ["O01", "O02"]
    assert [e.line for e in loaded.errors] == [3, 4] and "start_s must be seconds" in str(loaded.errors[0])


def test_a_character_whose_lower_case_is_two_characters_is_kept_as_it_is(checker):
    """İ lowers to i + U+0307: normalize keeps one character for one, so the map back to the text holds."""
    from phrasecheck.text.normalize import normalize

    nt = normalize("İstanbul 不知道")
    assert len(nt.key) == len(nt.index) and nt.key.startswith("İ")
    assert "F02" in ids(checker.check(Conversation("c", "A", "c.jsonl", [Turn(AGENT, "İ 不知道")])))


def test_sound_table_scores_every_window_as_similarity_does():
    from phrasecheck.engine.nearmiss import _best_window, syllable_similarity
    from phrasecheck.engine.sounds import SoundTable

    table = SoundTable(syllable_similarity)
    turns = ["其什么，反此言论，我这就记下来", "就这么折扰，你还想怎么样", "好的请稍等", "急"]
    readings = ["急什么烦死人了", "就这么着了你还想怎么样", "请稍等", "烦死人了", "好的请稍等"]
    for text in turns:
        nt = normalize(text)
        got = table.best_windows(nt, [normalize(r, context=True) for r in readings])
        for words, window in zip(readings, got):
            slow = _best_window(nt, words)  # the same, unless below its threshold
            if slow is not None:
                assert window is not None and window[0] == slow[0] and window[1] == pytest.approx(slow[1])
            if window is not None:
                w = normalize(words, context=True)
                assert window[1] == pytest.approx(similarity(nt, window[0], w))
                assert nt.key[window[0] : window[0] + len(w.key)] != w.key  # never the reading itself
    assert table.best_windows(normalize("好的请稍等"), [normalize("好的请稍等", context=True)]) == [None]


def test_a_dropped_wei_is_proposed_before_the_blunt_words_that_open_the_call(checker):
    def inserted(text):
        return [(c.start, c.end, c.words) for c in Proposer(checker).propose(call(text)) if c.inserted]

    assert inserted("那里讲话") == [(0, 4, "喂，那里，讲话")]  # the opener words kept apart, as said
    assert inserted("讲话。") == [(0, 2, "喂，讲话")]
    assert inserted("找谁？") == [(0, 2, "喂，找谁")]  # found by the checker
    # not before a greeting, a question about a place, or where 喂 (or its spelling) is already there
    assert inserted(GREETING) == [] and inserted("那里的订单？") == [] and inserted("喂，讲话") == [] and inserted("为讲话") == []
    (c,) = [c for c in Proposer(checker).propose(call("那里讲话")) if c.inserted]
    assert c.rule == "O01" and not c.credit and not c.homophone


def test_a_heard_dropped_wei_makes_the_opening_block_and_quotes_the_decoded_words(checker):
    assert "O01" not in ids(checker.check(call("那里讲话")))
    result = checker.check(call("那里讲话", heard={0: [(0, 4, "喂，那里，讲话", -5.9)]}))
    found = {f.id: f for f in result.findings if f.kind == "opener"}
    assert set(found) == {"O01", "O02", "O03"}
    assert (found["O01"].text, found["O01"].heard) == ("那里讲话", "喂")
    assert "F01" not in ids(result)  # the opening 喂 is the opener, not also the forbidden mid-call 喂


def test_a_surname_garbled_past_xing_is_read_with_the_decoded_sound_in_the_greetings_slot(checker):
    # no company said (a name in its place, 美团外卖, would take the garbled 我认为 as said: checker._garbled_surname)
    got = proposed(checker, call("您好，我认为请问有什么可以帮您？"))
    assert [w for r, s, w in got if r == "G01"] == ["我姓为", "我姓魏", "我姓韦"]  # the sound first, then surnames like it
    got = proposed(checker, call("您好，我示范，请问有什么可以帮您？"))  # 示 sounds nothing like 姓
    assert ("G01", "我示范", "我姓范") in got and len([g for g in got if g[0] == "G01"]) <= 3
    # not away from the offer, not 我请问 (the offer itself), not 我是 / 我叫 (a name, not 我姓×)
    assert [g for g in proposed(checker, call("您好，我示范一下，那个请问有什么可以帮您？")) if g[0] == "G01"] == []
    assert [g for g in proposed(checker, call("您好，我请问有什么可以帮您？")) if g[0] == "G01"] == []
    assert [g for g in proposed(checker, call("您好，我叫小丽，请问有什么可以帮您？")) if g[0] == "G01"] == []
    result = checker.check(call("您好，我认为请问有什么可以帮您？", heard={0: [(3, 6, "我姓为", -6.3)]}))
    assert result.greeting.missing == ["company"]


def test_a_garbled_centre_is_read_as_each_kind_of_centre_and_heard_completes_the_greeting(checker):
    # 花匠婚纱摄影客服部 decoded 花架婚纱税影客服务: with no company in the profile, a name in the slot whose
    # end sounds like a centre is taken as said (checker._garbled_company), so nothing is proposed
    garbled = "下午好，花架婚纱税影客服务，我姓公，请问有什么可以帮您？"
    taken = checker.check(call(garbled)).greeting
    assert taken.ok and taken.garbled_company == "花架婚纱税影客服务"
    assert not [w for r, s, w in proposed(checker, call(garbled)) if r == "G01"]
    # the profile's centre must be said: it is read as each kind of centre, and heard completes the greeting
    pinned = Checker(checker.lexicon, Profile(company=["花匠婚纱摄影"]))
    assert pinned.check(call(garbled)).greeting.missing == ["company"]
    got = [(s, w) for r, s, w in proposed(pinned, call(garbled)) if r == "G01"]
    assert ("花架婚纱税影客服务", "花匠婚纱摄影客服部") in got
    start = garbled.index("花架")
    assert pinned.check(call(garbled, heard={0: [(start, start + 9, "花匠婚纱摄影客服部", 0.98)]})).greeting.ok
    # a centre with no name before it names no company, heard or not
    bare = "下午好，客服务，我姓公，请问有什么可以帮您？"
    assert not checker.check(call(bare, heard={0: [(4, 7, "客服部", 0.98)]})).greeting.ok
