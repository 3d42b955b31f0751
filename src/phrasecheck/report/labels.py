"""The Chinese words people read, shared by the workbench (web/) and the static report.html, so the
two say the same thing: roles, kinds, severities, review states, and rules shown as id + phrase."""

from __future__ import annotations

import re
from functools import lru_cache

ROLE_LABEL = {"agent": "客服", "customer": "客户"}
KIND_LABEL = {"forbidden": "忌语", "opener": "生硬开场", "greeting": "问候语", "courtesy": "礼貌用语", "behaviour": "通话行为"}
SEVERITY_LABEL = {"error": "违规", "review": "待确认", "warning": "提醒", "info": "提示"}  # review: listed for a QA lead, no points until confirmed
STATUS_LABEL = {"": "待复核", "confirmed": "成立", "false": "误报（已驳回）", "appeal": "申诉中"}
VERDICT_LABEL = {"confirmed": "确认成立", "false": "判为误报", "appeal": "提出申诉"}
MISSING_LABEL = {"greeting": "问候", "company": "单位名称", "surname": "姓氏", "offer": "服务用语"}
YES_NO = {True: "是", False: "否"}

RuleNames = dict[str, tuple[str, str]]  # rule id -> (phrase, suggestion)


def rule_names(lexicon) -> RuleNames:
    """id -> (phrase, suggestion) for every rule of a lexicon, greeting included."""
    names = {p.id: (p.text, p.suggestion) for p in lexicon.phrases}
    names.update({b.id: (b.text, b.suggestion) for b in getattr(lexicon, "behaviour", [])})  # B05 通话结束时礼貌道别
    if lexicon.greeting is not None:
        names[lexicon.greeting.id] = (lexicon.greeting.text, lexicon.greeting.suggestion)
    return names


@lru_cache(maxsize=1)
def default_rule_names() -> RuleNames:
    from phrasecheck.config.lexicon import default_lexicon_dir
    from phrasecheck.engine.compiled import cached_lexicon

    return rule_names(cached_lexicon(default_lexicon_dir()))


def rule_label(rule: str, names: RuleNames) -> str:
    """Shown as "F02 不知道": the id people quote and the phrase they recognise (a long greeting template cut short)."""
    phrase = names.get(rule, ("", ""))[0]
    if len(phrase) > 12:  # the greeting's template is a sentence
        phrase = phrase[:11] + "…"
    return f"{rule} {phrase}".strip()


_TIME_OF_DAY = re.compile(r"(?:^|; )(?P<said>\S+) at (?P<at>\d{1,2}:\d{2})(?: \(expected (?P<fit>\S+)\))?$")

# The behaviour checker's messages (engine/behaviour.py), each with its Chinese wording.
_N = r"(\d+(?:\.\d+)?)"
_BEHAVIOUR = [
    (re.compile(rf"^late answer: first speech {_N} s into the call \(limit {_N} s\)"), "接听过慢：通话开始 {0} 秒后才有人说话（上限 {1} 秒）"),
    (re.compile(rf"^late answer: the agent's first words {_N} s into the call \(limit {_N} s\)"), "接听过慢：客服在通话开始 {0} 秒后才开口（上限 {1} 秒）"),
    (
        re.compile(rf"^late first reply: {_N} s after the customer's first message \(limit {_N} s\)"),
        "首次回复过慢：客户第一条消息 {0} 秒后才回复（上限 {1} 秒）",
    ),
    (
        re.compile(rf"^silent hold of {_N} s not announced \(no 请稍等 before it\); the agent thanked"),
        "无声等待 {0} 秒，之前没有告知客户（没说“请稍等”），之后已致谢",
    ),
    (
        re.compile(rf"^silent hold of {_N} s not announced \(no 请稍等 before it\); and no thanks"),
        "无声等待 {0} 秒，之前没有告知客户（没说“请稍等”），之后也没有致谢（感谢您的耐心等待）",
    ),
    (re.compile(rf"^talked over the customer for {_N} s \(limit {_N} s\)"), "打断客户：和客户同时说话 {0} 秒（上限 {1} 秒）"),
    (re.compile(rf"^speech rate {_N} syllables/min, too fast \(range {_N}-{_N}\)"), "语速过快：每分钟 {0} 字（适中为 {1}-{2} 字）"),
    (re.compile(rf"^speech rate {_N} syllables/min, too slow \(range {_N}-{_N}\)"), "语速过慢：每分钟 {0} 字（适中为 {1}-{2} 字）"),
    (re.compile(r"^the call ends without a closing courtesy"), "通话结束时没有礼貌道别（再见 / 感谢您的来电）"),
]

# What the checker adds to a forbidden phrase's or opener's message when it lists it for review.
_FOR_REVIEW = [
    (re.compile(rf"recognizer unsure: word probability {_N} < {_N}"), "识别器对这几个词把握不大（{0} < {1}），请听录音确认，确认前不扣分"),
    (re.compile(r"in quotation marks, reported speech\?"), "在引号里，可能是转述别人的话，请确认，确认前不扣分"),
    (re.compile(r"after 您说, the customer's words said back\?"), "在“您说……”之后，可能是复述客户的话，请确认，确认前不扣分"),
    (re.compile(r"perhaps heard (.+?): the audio fits it less well"), "录音可能是“{0}”，但不如识别出的文字贴合，请听录音确认，确认前不扣分"),
    (re.compile(r"\(arguable: for review"), "看上下文可能并无不妥，请复核确认，确认前不扣分"),
    (re.compile(r"for review, not counted until confirmed"), "请复核确认，确认前不扣分"),
]

# The notes the checker and the transcriber put on a conversation (engine/behaviour.py, engine/checker.py,
# calls/voices.py, calls/audio.py, scoring/attribution.py), in Chinese; a note of another kind stays as written.
_PARTS = {"greeting word": "问候", "company": "单位名称", "surname": "姓氏", "offer of help": "服务用语"}
_NOTES = [
    (re.compile(r"^(B02) silent hold not checked: the transcript has no speech times$"), "{0} 无声等待未检查：这份记录没有说话时间"),
    (
        re.compile(r"^(B03) talk over not checked: a mono recording mixes both parties"),
        "{0} 打断客户未检查：单声道录音里双方的声音混在一起（客服/客户是推断的）",
    ),
    (re.compile(r"^(B04) speech rate not checked: a mono recording mixes both parties"), "{0} 语速未检查：单声道录音里双方的声音混在一起（客服/客户是推断的）"),
    (re.compile(r"^(B03) talk-over not checked: the transcript has no speech times per party$"), "{0} 打断客户未检查：这份记录没有双方各自的说话时间"),
    (
        re.compile(rf"^(B05) closing not checked: {_N} s of the agent's speech after their last transcribed words$"),
        "{0} 礼貌道别未检查：客服最后一句识别出的话之后，还有 {1} 秒说话没有识别出文字（道别可能就在里面）",
    ),
    (re.compile(r"^(\w+): surname taken as said: the recognizer wrote (.+) where the script has 我姓×$"), "{0}：识别出的是“{1}”，按已说“我姓×”计"),
    (re.compile(r"^single-channel call: agent and customer told apart by their voices"), "单声道录音：客服和客户按声音（音高）、用词和说话轮次区分，是推断的"),
    (re.compile(r"^both channels carry the same signal \(dual mono\)"), "两个声道是同一路声音：按单声道处理，客服和客户由文字推断"),
]
_HEARD_NOTE = re.compile(r"^(\w+): (.+) heard by acoustic verification \((.*)\)$")
_TRANSFER_STEP = re.compile(r"^(.+) → (.+) at turn (\d+)$")


def note_label(note: str) -> str:
    """A conversation's note as QA leads read it (the notes are English, for the CLI)."""
    for pattern, fmt in _NOTES:
        if m := pattern.match(note):
            return fmt.format(*m.groups())
    if m := _HEARD_NOTE.match(note):
        parts = "、".join(_PARTS.get(p, p) for p in m[2].split(", "))
        return f"{m[1]}：{parts}经听音核对确认（{m[3]}）"
    if note.startswith("transfer: "):
        steps = [_TRANSFER_STEP.match(step) for step in note[len("transfer: ") :].split("; ")]
        if all(steps):
            return "转接：" + "；".join(f"{m[1]} → {m[2]}（第 {m[3]} 句起）" for m in steps)
    return note


def reason(kind: str, rule: str, message: str, missing: list[str] | None, names: RuleNames) -> str:
    """Why a finding was raised, in Chinese (the checker's own messages are English, for the CLI)."""
    phrase = names.get(rule, ("", ""))[0]
    if kind in ("forbidden", "opener"):
        if kind == "forbidden":
            why = f"服务忌语：不应对客户说「{phrase}」" if phrase else "服务忌语"
        else:
            why = f"开场生硬：接起电话不应以「{phrase}」开口" if phrase else "开场生硬"
        doubt = next((fmt.format(*m.groups()) for pattern, fmt in _FOR_REVIEW if (m := pattern.search(message or ""))), "")
        return f"{why}（{doubt}）" if doubt else why
    if kind == "behaviour":
        for pattern, fmt in _BEHAVIOUR:
            if m := pattern.match(message or ""):
                return fmt.format(*m.groups())
        return f"通话行为：{phrase}" if phrase else message
    if kind == "greeting":
        m = _TIME_OF_DAY.search(message or "")
        when = f"{m['at']} 说了「{m['said']}」" + (f"，这个时段应说「{m['fit']}」" if m["fit"] else "") if m else ""
        if missing:  # incomplete, and perhaps the greeting word said at the wrong time too
            return "开场问候不完整：缺" + "、".join(MISSING_LABEL.get(x, x) for x in missing) + (f"；{when}" if when else "")
        return when or "开场问候不完整"
    return message
