"""Load and validate the YAML lexicons a QA lead edits: the rules are data, never code."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from datetime import time
from functools import lru_cache
from importlib import resources
from pathlib import Path

import regex
import yaml

from phrasecheck.errors import ConfigError
from phrasecheck.inputs.surrogates import escape_line, parsed_problem
from phrasecheck.text.normalize import normalize

KINDS = ("forbidden", "opener", "courtesy", "greeting", "words", "behaviour")
ID_PREFIX = {"forbidden": "F", "opener": "O", "courtesy": "C", "greeting": "G"}
SEVERITIES = ("error", "review", "warning", "info")
PUNCT = set(",，。.?？!！、;；:：/ 《》<>\"'“”‘’()（）")
SLOT = "×"
DEFAULT_MAX_GAP = 8  # characters allowed between the parts of a compound phrase
SHORT_SLOT = (1, 3)  # ×: a surname
LONG_SLOT = (1, 12)  # ××: a company or department name
MAX_FORMS = 64
MAX_LIST_FORMS = 4096  # a form that pairs two of a phrase's word lists: every first half with every second
WORDS_REF = re.compile(r"\{@([a-z_][a-z0-9_]*)\}")  # {@hurry}: one of the phrase's `words` lists

PHRASE_KEYS = {"id", "text", "words", "forms", "exceptions", "threshold", "suggestion", "severity", "fatal", "max_gap", "grammar", "script"}
GRAMMARS = ("dont_know", "off_work", "hurry", "where_opener", "who_opener", "wei_call")  # judges in engine/clauses.py
FILE_KEYS = {"kind", "defaults", "phrases", "model"}
MODEL_KEYS = {"file", "error", "review", "min_chars"}
GREETING_KEYS = {"kind", "id", "text", "threshold", "parts", "time_of_day", "suggestion"}
GREETING_PARTS = ("greeting", "company", "surname", "offer")
OPTIONAL_PARTS = ("company", "surname")  # a pack may leave these out (an e-commerce chat greeting names neither)
REQUIRED_PARTS = ("greeting", "offer")

# The behaviour family (behaviour.yaml): each id is one fixed rule; the lists of phrases it reads.
BEHAVIOUR_RULES = {
    "B01": ("late_answer", ()),
    "B02": ("silent_hold", ("announce", "thanks")),
    "B03": ("talk_over", ()),
    "B04": ("speech_rate", ()),
    "B05": ("closing", ("closing",)),
}
BEHAVIOUR_KEYS = {"id", "text", "severity", "suggestion", "threshold", "announce", "thanks", "closing"}
BEHAVIOUR_FILE_KEYS = {"kind", "rules"}


@dataclass(frozen=True, slots=True)
class Part:
    """A run of characters matched as one piece; gap is the (min, max) distance from the previous part."""

    key: str  # normalised, as Normalized.key
    gap: tuple[int, int] = (0, 0)

    def __hash__(self) -> int:  # the matcher keys dicts on parts; the generated hash rebuilt a tuple per call
        return hash(self.key) ^ hash(self.gap)

    def __reduce__(self):  # unpickled through __init__: the generated __setstate__ reads fields() per object
        return Part, (self.key, self.gap)


@dataclass(frozen=True, slots=True)
class Form:
    text: str
    parts: tuple[Part, ...]
    said: bool = field(default=False, compare=False)  # a form words.yaml's synonyms made, not one written

    def __hash__(self) -> int:  # equal forms have equal text; __eq__ still compares the parts
        return hash(self.text)

    def __reduce__(self):  # as Part's: a cached checker holds 150,000 forms
        return Form, (self.text, self.parts, self.said)


@dataclass
class Phrase:
    id: str
    kind: str
    text: str
    forms: list[Form]
    exceptions: list[regex.Pattern] = field(default_factory=list)  # run with EXCEPTION_TIMEOUT_S
    threshold: float = 85.0
    suggestion: str = ""
    severity: str = "error"
    fatal: bool = False
    source: str = ""
    line: int | None = None
    grammar: str | None = None  # a clause judge of engine/clauses.py
    # a courtesy phrase that is the greeting's script opened with a time-of-day word (C02): also used
    # where the greeting check finds that whole script, however the recognizer garbled its words
    script: bool = False


@dataclass
class GreetingRule:
    id: str
    text: str
    parts: dict[str, list[Form]]
    threshold: float = 80.0
    time_of_day: dict[str, tuple[str, str]] = field(default_factory=dict)
    suggestion: str = ""
    source: str = ""


@dataclass
class BehaviourRule:
    """One of B01-B05 (see BEHAVIOUR_RULES): its wording, severity and phrase lists; the time
    limits are the profile's (`behaviour:`), since they are a centre's policy, not language."""

    id: str
    name: str  # late_answer | silent_hold | talk_over | speech_rate | closing
    text: str
    severity: str = "error"
    suggestion: str = ""
    threshold: float = 80.0  # for matching its phrases
    phrases: dict[str, list[Form]] = field(default_factory=dict)  # announce, thanks, closing
    source: str = ""
    line: int | None = None


@dataclass
class ModelSettings:
    """forbidden.yaml's `model:`: the model file (beside the YAML) and the calibration levels at which
    a rule it hears is an error or listed for review (0: above every calibration line; None: never)."""

    file: Path
    error: int | None
    review: int | None
    min_chars: int | None
    source: str = ""
    line: int | None = None


@dataclass
class Lexicon:
    phrases: list[Phrase]
    greeting: GreetingRule | None
    sources: list[str]
    words: dict[str, list[str]] = field(default_factory=dict)  # words.yaml: lists the clause grammar reads
    behaviour: list[BehaviourRule] = field(default_factory=list)
    model: ModelSettings | None = None  # forbidden.yaml's `model:`: the n-gram second opinion (engine/model.py)

    def ids(self) -> list[str]:
        """Ids of the text rules (phrases and greeting); the behaviour rules are `behaviour`."""
        return [p.id for p in self.phrases] + ([self.greeting.id] if self.greeting else [])


# --- YAML with line numbers -------------------------------------------------------------------


# Profiles and lexicons are a few KB; a bigger file is a mistake (or an attack), not a setting.
MAX_YAML_BYTES = 1 << 20


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that remembers the line of every mapping, for error messages, and refuses YAML
    aliases (*name): nothing a profile or lexicon needs, and the way a 300-byte file expands into
    gigabytes (the "billion laughs")."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.events.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(None, None, f"YAML aliases (*{event.anchor}) are not allowed here; write the value out", event.start_mark)
        return super().compose_node(parent, index)


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict:
    first: dict = {}  # a key given twice would silently keep its last value (company: twice, a phrase's text: twice)
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, (str, int, float, bool)) and key in first:
            raise yaml.constructor.ConstructorError(
                None, None, f"'{key}' is given twice in one mapping (first on line {first[key]}); keep one", key_node.start_mark
            )
        first.setdefault(key, key_node.start_mark.line + 1)
    mapping = yaml.SafeLoader.construct_mapping(loader, node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml(path: Path) -> dict:
    """Parse one YAML file; every mapping carries its line as '__line__'."""
    try:
        size = path.stat().st_size
        if size > MAX_YAML_BYTES:
            raise ConfigError(path, f"{size:,} bytes is too big for a settings file (at most {MAX_YAML_BYTES:,})")
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path, f"cannot read: {exc}") from None
    try:
        data = yaml.load(text, Loader=_LineLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(path, f"invalid YAML: {problem}", mark.line + 1 if mark else None) from None
    if data is None:
        return {"__line__": 1}
    if not isinstance(data, dict):
        raise ConfigError(path, "expected a mapping at the top of the file", 1)
    half = parsed_problem(text, data)  # "\ud800" in quotes: half a character, on which matching and every report fail
    if half:
        raise ConfigError(path, half, escape_line(text))
    return data


# --- forms ------------------------------------------------------------------------------------


def expand_alternatives(text: str, limit: int = MAX_FORMS) -> list[str]:
    """'{上午好|下午好}, ...' -> one string per combination."""
    pieces = re.split(r"(\{[^{}]*\})", text)
    choices = [p[1:-1].split("|") if p.startswith("{") and p.endswith("}") else [p] for p in pieces]
    combos = list(itertools.islice(itertools.product(*choices), limit + 1))
    if len(combos) > limit:
        raise ValueError(f"'{text}' expands to more than {limit} forms")
    return ["".join(c) for c in combos]


def with_word_lists(text: str, lists: dict[str, str]) -> str:
    """'{@hurry},{@nuisance}' -> each named list's words as alternatives: a rule's halves written once
    each, and every way of saying one half paired with every way of saying the other. Every name is
    one of lists: _word_lists checked the phrase's forms."""
    return WORDS_REF.sub(lambda m: lists[m.group(1)], text)


@lru_cache(maxsize=8192)
def _part_key(text: str) -> str:
    """A part's matching key: the synonyms make a thousand forms out of a few hundred distinct parts."""
    return normalize(text).key


# a form's pieces: a run of slots, one punctuation mark, or a run of words between them
_PUNCT_CHARS = re.escape("".join(sorted(PUNCT)))
_PIECES = re.compile(f"({SLOT}+)|([{_PUNCT_CHARS}])|([^{SLOT}{_PUNCT_CHARS}]+)")


def parse_form(text: str, max_gap: int = DEFAULT_MAX_GAP) -> Form:
    """Split one expanded form into parts at punctuation and slots (a piece at a time, not a
    character: a lexicon expands to some 300,000 forms, and loading it is mostly this)."""
    parts: list[Part] = []
    pending: tuple[int, int] = (0, 0)
    words = ""  # the run of words not yet made a part
    after_slot = False  # the piece before was a run of slots
    for slots, _punct, run in _PIECES.findall(text):
        if run:
            words, after_slot = run, False
            continue
        key = _part_key(words) if words else ""
        words = ""
        if key:
            parts.append(Part(key, pending if parts else (0, 0)))
            pending = (0, 0)
        if slots:
            pending, after_slot = (LONG_SLOT if len(slots) > 1 else SHORT_SLOT), True
        elif pending == (0, 0):
            pending, after_slot = (0, max_gap), False
        else:
            # 是大×还是小×，… : the pause after a slot is a gap of its own, not the slot's 1-3 characters alone
            if after_slot and pending in (SHORT_SLOT, LONG_SLOT):
                pending = (pending[0], pending[1] + max_gap)
            after_slot = False
    key = _part_key(words) if words else ""
    if key:
        parts.append(Part(key, pending if parts else (0, 0)))
    if not parts:
        raise ValueError(f"'{text}' has nothing to match")
    return Form(text, tuple(parts))


def with_synonyms(text: str, groups: list[list[str]]) -> str:
    """Each word of a synonym group in an expanded form (longest first, left to right) as the
    group's alternatives: '讲了半天' with [讲, 说] -> '{讲|说}了半天'."""
    pattern, alternatives = _synonym_pattern(tuple(map(tuple, groups)))
    return pattern.sub(lambda m: alternatives[m.group()], text) if pattern else text


@lru_cache(maxsize=8)
def _synonym_pattern(groups: tuple[tuple[str, ...], ...]) -> tuple[re.Pattern | None, dict[str, str]]:
    """One regex of every group's words, longest first (an alternation takes the first that fits),
    and each word's replacement: compiled once per lexicon, not scanned word by word per form."""
    members = sorted(((w, g) for g in groups for w in g if w), key=lambda wg: -len(wg[0]))
    alternatives: dict[str, str] = {}
    for w, g in members:
        alternatives.setdefault(w, "{" + "|".join(g) + "}")
    if not members:
        return None, alternatives
    return re.compile("|".join(re.escape(w) for w, _ in members)), alternatives


def _expand_written(text: str, lists: dict[str, str]) -> list[str]:
    if not WORDS_REF.search(text):
        return expand_alternatives(text)
    return expand_alternatives(with_word_lists(text, lists), MAX_LIST_FORMS)


def compile_forms(texts: list[str], max_gap: int = DEFAULT_MAX_GAP, synonyms: list[list[str]] | None = None, lists: dict[str, str] | None = None) -> list[Form]:
    forms: list[Form] = []
    seen = set()
    written = [e for text in texts for e in _expand_written(text, lists or {})]
    # each way of saying it, also in other words (after the forms as written: `lexicon show` lists those first)
    said: list[str] = []
    for x in written if synonyms else []:
        try:
            said += expand_alternatives(with_synonyms(x, synonyms))
        except ValueError:
            raise ValueError(f"'{x}' with words.yaml's synonyms expands to more than {MAX_FORMS} forms (fewer or smaller groups)") from None
    shared: dict[Part, Part] = {}  # one object per distinct part: the forms of a phrase share most of theirs
    parsed: set[str] = set()  # a third of the expansions repeat one already parsed
    for i, expanded in enumerate(written + said):
        if expanded in parsed:
            continue
        parsed.add(expanded)
        form = parse_form(expanded, max_gap)
        if form.parts not in seen:
            seen.add(form.parts)
            forms.append(Form(form.text, tuple(shared.setdefault(p, p) for p in form.parts), said=i >= len(written)))
    return forms


# --- exception patterns -----------------------------------------------------------------------

# An exception pattern runs over every agent turn it could excuse: a pattern that backtracks
# exponentially ((a+)+$ doubles its time with each character) would hang a scan. Nested
# quantifiers are refused when the lexicon is loaded; the `regex` engine's timeout is the backstop.
EXCEPTION_TIMEOUT_S = 0.25


def _parse_regex(pattern: str):
    try:
        import re._parser as sre_parse  # Python 3.11+
    except ImportError:  # pragma: no cover - Python 3.10
        import sre_parse  # type: ignore[no-redef]
    return sre_parse, sre_parse.parse(pattern)


def nested_quantifier(pattern: str) -> str | None:
    """The part of pattern that repeats a variable-length repeat ((a+)+, (\\w*x)*), or None."""
    sre, tree = _parse_regex(pattern)
    repeats = {sre.MAX_REPEAT, sre.MIN_REPEAT} | ({sre.POSSESSIVE_REPEAT} if hasattr(sre, "POSSESSIVE_REPEAT") else set())

    def inner_variable(node) -> bool:
        for op, av in _children(node):
            if op in repeats and av[1] > 1 and av[0] != av[1]:
                return True
            if any(inner_variable(sub) for sub in _subpatterns(av, sre)):
                return True
        return False

    def walk(node) -> bool:
        for op, av in _children(node):
            if op in repeats and av[1] > 1 and any(inner_variable(sub) for sub in _subpatterns(av, sre)):
                return True
            if any(walk(sub) for sub in _subpatterns(av, sre)):
                return True
        return False

    return pattern if walk(tree) else None


def _children(node):
    return list(node) if not isinstance(node, tuple) else [node]


def _subpatterns(av, sre) -> list:
    out = []
    for item in av if isinstance(av, (tuple, list)) else [av]:
        if isinstance(item, sre.SubPattern):
            out.append(item)
        elif isinstance(item, (tuple, list)):
            out += _subpatterns(item, sre)
    return out


def compile_exception(pattern: str) -> regex.Pattern:
    """Compile one exception pattern; ValueError says why it cannot be used."""
    try:
        re.compile(pattern)
        compiled = regex.compile(pattern)
    except (re.error, regex.error) as exc:
        raise ValueError(str(exc)) from None
    if nested_quantifier(pattern):
        raise ValueError("a repeated group holds a repeat of varying length (like (a+)+), which can take exponential time; rewrite it without nesting")
    return compiled


# --- validation -------------------------------------------------------------------------------


def _check_keys(entry: dict, allowed: set[str], path: Path, what: str) -> None:
    unknown = sorted(k for k in entry if k != "__line__" and k not in allowed)
    if unknown:
        raise ConfigError(path, f"unknown key '{unknown[0]}' in {what} (allowed: {', '.join(sorted(allowed))})", entry.get("__line__"))


def _str_list(value, path: Path, line: int | None, what: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (str, int)):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
        raise ConfigError(path, f"{what} must be a list of strings", line)
    return [str(v) for v in value]


def _word_lists(value, forms: list[str], path: Path, line: int | None, rule_id: str) -> dict[str, str]:
    """A phrase's `words`: named lists of the ways one half of it is said, each list as '{a|b|…}';
    every list used by one of forms (the text and forms), and every {@name} in them a list."""
    if value is None:
        value = {}
    if not isinstance(value, dict):
        raise ConfigError(path, f"{rule_id}: words must map a name to a list of words (hurry: [急什么, 催什么催])", line)
    lists: dict[str, str] = {}
    for name, words in value.items():
        if name == "__line__":
            continue
        if not isinstance(name, str) or not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
            raise ConfigError(path, f"{rule_id}: words: a list's name must be lower-case letters, digits and _, got {name!r}", line)
        given = _str_list(words, path, line, f"{rule_id}: words: {name}")
        nested = next((m.group(0) for word in given for m in [WORDS_REF.search(word)] if m), None)
        if nested:  # expanded, {@brushoff} became the word @brushoff: a list that matched nothing, with no word
            raise ConfigError(path, f"{rule_id}: words: {name} holds {nested}: a list cannot name another list; write its words out", line)
        expanded = [w for word in given for w in expand_alternatives(word)]
        if not expanded or any(not w.strip() or "|" in w or "{" in w or "}" in w for w in expanded):
            raise ConfigError(path, f"{rule_id}: words: {name} must be a non-empty list of words", line)
        lists[name] = "{" + "|".join(dict.fromkeys(expanded)) + "}"
    used = {m for f in forms for m in WORDS_REF.findall(f)}
    unknown = sorted(used - set(lists))
    if unknown:
        raise ConfigError(path, f"{rule_id}: forms: {{@{unknown[0]}}} names no list in this phrase's words ({', '.join(sorted(lists)) or 'it has none'})", line)
    unused = sorted(set(lists) - used)
    if unused:
        raise ConfigError(path, f"{rule_id}: words: {unused[0]} is used by no form (write {{@{unused[0]}}} in one)", line)
    return lists


def _threshold(value, path: Path, line: int | None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 100:
        raise ConfigError(path, f"threshold must be a number in (0, 100], got {value!r}", line)
    return float(value)


def _phrase(entry, kind: str, defaults: dict, path: Path, synonyms: list[list[str]] | None = None) -> Phrase:
    if not isinstance(entry, dict):
        raise ConfigError(path, "each phrase must be a mapping with at least id and text")
    line = entry.get("__line__")
    _check_keys(entry, PHRASE_KEYS, path, "phrase")
    rule_id = entry.get("id")
    if not isinstance(rule_id, str) or not re.fullmatch(rf"{ID_PREFIX[kind]}\d\d", rule_id):
        raise ConfigError(path, f"id must look like {ID_PREFIX[kind]}01 for kind {kind}, got {rule_id!r}", line)
    text = entry.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ConfigError(path, f"{rule_id}: text is missing", line)
    merged = {**defaults, **{k: v for k, v in entry.items() if k != "__line__"}}
    severity = merged.get("severity", "error")
    if severity not in SEVERITIES:
        raise ConfigError(path, f"{rule_id}: severity must be one of {', '.join(SEVERITIES)}", line)
    max_gap = merged.get("max_gap", DEFAULT_MAX_GAP)
    if not isinstance(max_gap, int) or isinstance(max_gap, bool) or max_gap < 0:
        raise ConfigError(path, f"{rule_id}: max_gap must be a whole number of characters", line)
    extra = _str_list(entry.get("forms"), path, line, f"{rule_id}: forms")
    lists = _word_lists(entry.get("words"), [text, *extra], path, line, rule_id)
    # '上午好/下午好' in a display text is ambiguous to match: such a phrase lists its forms instead.
    if "/" in text and not extra:
        raise ConfigError(path, f"{rule_id}: text with '/' alternatives needs forms ({{a|b}} syntax)", line)
    try:
        # forbidden phrases are said in other words too (words.yaml's synonyms): 说了半天 for 讲了半天
        forms = compile_forms(([] if "/" in text else [text]) + extra, max_gap, synonyms if kind == "forbidden" else None, lists)
    except ValueError as exc:
        raise ConfigError(path, f"{rule_id}: {exc}", line) from None
    exceptions = []
    for pattern in _str_list(entry.get("exceptions"), path, line, f"{rule_id}: exceptions"):
        try:
            exceptions.append(compile_exception(pattern))
        except ValueError as exc:
            raise ConfigError(path, f"{rule_id}: bad exception pattern {pattern!r}: {exc}", line) from None
    fatal = merged.get("fatal", False)
    if not isinstance(fatal, bool):
        raise ConfigError(path, f"{rule_id}: fatal must be true or false", line)
    grammar = entry.get("grammar")
    if grammar is not None and grammar not in GRAMMARS:
        raise ConfigError(path, f"{rule_id}: grammar must be one of {', '.join(GRAMMARS)}, got {grammar!r}", line)
    script = entry.get("script", False)
    if not isinstance(script, bool) or (script and kind != "courtesy"):
        raise ConfigError(path, f"{rule_id}: script must be true or false, and only a courtesy phrase's", line)
    return Phrase(
        id=rule_id,
        kind=kind,
        text=text,
        forms=forms,
        exceptions=exceptions,
        threshold=_threshold(merged.get("threshold", 85), path, line),
        suggestion=str(merged.get("suggestion") or ""),
        severity=severity,
        fatal=fatal,
        source=str(path),
        line=line,
        grammar=grammar,
        script=script,
    )


def _greeting(data: dict, path: Path) -> GreetingRule:
    line = data.get("__line__")
    _check_keys(data, GREETING_KEYS, path, "greeting")
    rule_id = data.get("id", "G01")
    if not isinstance(rule_id, str) or not re.fullmatch(r"G\d\d", rule_id):
        raise ConfigError(path, f"greeting id must look like G01, got {rule_id!r}", line)
    raw = data.get("parts")
    if not isinstance(raw, dict):
        raise ConfigError(path, f"parts must map each of {', '.join(GREETING_PARTS)} to a list of forms", line)
    parts = {}
    unknown = sorted(k for k in raw if k != "__line__" and k not in GREETING_PARTS)
    if unknown:
        raise ConfigError(path, f"parts: unknown part '{unknown[0]}' (known: {', '.join(GREETING_PARTS)})", raw.get("__line__"))
    for name in GREETING_PARTS:
        texts = _str_list(raw.get(name), path, raw.get("__line__"), f"parts.{name}")
        if not texts and name in OPTIONAL_PARTS:
            continue  # a chat centre's greeting names no company or surname: not checked
        if not texts:
            raise ConfigError(path, f"parts.{name} is missing: the greeting needs {', '.join(REQUIRED_PARTS)}", raw.get("__line__"))
        try:
            parts[name] = compile_forms(texts)
        except ValueError as exc:
            raise ConfigError(path, f"parts.{name}: {exc}", raw.get("__line__")) from None
        if any(len(f.parts) > 1 for f in parts[name]):
            raise ConfigError(path, f"parts.{name}: each form must be one piece (no commas inside)", raw.get("__line__"))
    times = {}
    words = {normalize(f.text).key for f in parts.get("greeting", [])}
    for word, span in (data.get("time_of_day") or {}).items():
        if word == "__line__":
            continue
        where = data["time_of_day"].get("__line__")
        # 25:00 passed the pattern and stopped every check of a call with a start time (exit 3)
        if not (isinstance(span, list) and len(span) == 2 and all(re.fullmatch(r"\d\d:\d\d", str(s)) and _clock(str(s)) for s in span)):
            raise ConfigError(path, f"time_of_day.{word} must be ['HH:MM', 'HH:MM'] with times of day from 00:00 to 23:59, got {span!r}", where)
        if normalize(str(word)).key not in words:  # never said as the greeting word: its hours would be checked nowhere
            raise ConfigError(path, f"time_of_day.{word}: not one of parts.greeting's words, so its hours would never be checked", where)
        times[normalize(word).key] = (str(span[0]), str(span[1]))
    return GreetingRule(
        id=rule_id,
        text=str(data.get("text") or ""),
        parts=parts,
        threshold=_threshold(data.get("threshold", 80), path, line),
        time_of_day=times,
        suggestion=str(data.get("suggestion") or ""),
        source=str(path),
    )


def _clock(value: str) -> bool:
    """Whether HH:MM is a time of day (the greeting check reads it with time.fromisoformat)."""
    try:
        time.fromisoformat(value)
    except ValueError:
        return False
    return True


def _words(data: dict, path: Path) -> dict[str, list[str]]:
    _check_keys(data, {"kind", "lists"}, path, "words file")
    lists = data.get("lists")
    if not isinstance(lists, dict):
        raise ConfigError(path, "lists must map list names to lists of words", data.get("__line__"))
    out = {str(k): _str_list(v, path, lists.get("__line__"), f"lists.{k}") for k, v in lists.items() if k != "__line__"}
    for entry in out.get("synonyms", []):
        group = entry.split("|")  # one word alone is kept whole: '别人' is not 别 (a synonym of 莫) + 人
        if not all(group) or len(set(group)) < len(group) or any(c in entry for c in "{},×"):
            raise ConfigError(path, f"lists.synonyms: {entry!r} must be words separated by |, each once (one word alone: kept whole)", lists.get("__line__"))
    return out


# Lists a lexicon's words.yaml may leave out and still have: the default pack's. Not the synonyms,
# which multiply the forms of every forbidden phrase: a lexicon without them means none.
OWN_LISTS = ("synonyms",)


def inherited_lists(words: dict[str, list[str]], folder: Path) -> dict[str, list[str]]:
    """The default pack's word lists that a lexicon in `folder` does not name. A lexicon copied before a
    list was added (F07's closing_time) keeps that judge's words: the grammar reads a missing list as
    no words, which would quietly turn the judge off."""
    default = default_lexicon_dir()
    path = default / "words.yaml"
    if Path(folder).resolve() == default.resolve() or not path.is_file():
        return {}
    return {k: v for k, v in load_words(path).items() if k not in words and k not in OWN_LISTS}


def synonym_groups(words: dict[str, list[str]]) -> list[list[str]]:
    """words.yaml's `synonyms` list (checked by _words): each entry a group of words said for each other."""
    return [entry.split("|") for entry in words.get("synonyms", [])]


def load_words(path: Path) -> dict[str, list[str]]:
    """A words.yaml file (kind: words): the lists the clause grammar reads."""
    data = load_yaml(path)
    if data.get("kind") != "words":
        raise ConfigError(path, f"kind must be words, got {data.get('kind')!r}", data.get("__line__"))
    return _words(data, path)


def _behaviour_rule(entry, path: Path) -> BehaviourRule:
    if not isinstance(entry, dict):
        raise ConfigError(path, "each behaviour rule must be a mapping with at least id and text")
    line = entry.get("__line__")
    _check_keys(entry, BEHAVIOUR_KEYS, path, "behaviour rule")
    rule_id = entry.get("id")
    if rule_id not in BEHAVIOUR_RULES:
        raise ConfigError(path, f"behaviour id must be one of {', '.join(BEHAVIOUR_RULES)}, got {rule_id!r}", line)
    name, lists = BEHAVIOUR_RULES[rule_id]
    text = entry.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ConfigError(path, f"{rule_id}: text is missing", line)
    severity = entry.get("severity", "error")
    if severity not in SEVERITIES:
        raise ConfigError(path, f"{rule_id}: severity must be one of {', '.join(SEVERITIES)}", line)
    phrases = {}
    for key in ("announce", "thanks", "closing"):
        if key in entry and key not in lists:
            raise ConfigError(path, f"{rule_id} ({name}) takes no '{key}' list", line)
    for key in lists:
        texts = _str_list(entry.get(key), path, line, f"{rule_id}: {key}")
        if not texts:
            raise ConfigError(path, f"{rule_id}: '{key}' must list at least one phrase", line)
        try:
            phrases[key] = compile_forms(texts)
        except ValueError as exc:
            raise ConfigError(path, f"{rule_id}: {key}: {exc}", line) from None
    return BehaviourRule(
        id=rule_id,
        name=name,
        text=text,
        severity=severity,
        suggestion=str(entry.get("suggestion") or ""),
        threshold=_threshold(entry.get("threshold", 80), path, line),
        phrases=phrases,
        source=str(path),
        line=line,
    )


def load_behaviour(path: Path, data: dict | None = None) -> list[BehaviourRule]:
    """The rules of a `kind: behaviour` file, validated."""
    data = load_yaml(path) if data is None else data
    _check_keys(data, BEHAVIOUR_FILE_KEYS, path, "behaviour file")
    entries = data.get("rules")
    if not isinstance(entries, list) or not entries:
        raise ConfigError(path, "rules must be a non-empty list", data.get("__line__"))
    rules = [_behaviour_rule(e, path) for e in entries]
    seen: set[str] = set()
    for r in rules:
        if r.id in seen:
            raise ConfigError(path, f"{r.id} is defined twice", r.line)
        seen.add(r.id)
    return rules


def load_file(path: Path) -> tuple[list[Phrase], GreetingRule | None]:
    """Phrases and greeting of one lexicon file; a behaviour file is validated and gives neither
    (load_behaviour reads its rules)."""
    return _load_data(path, load_yaml(path))


def _load_data(path: Path, data: dict, synonyms: list[list[str]] | None = None) -> tuple[list[Phrase], GreetingRule | None]:
    kind = data.get("kind")
    if kind not in KINDS:
        raise ConfigError(path, f"kind must be one of {', '.join(KINDS)}, got {kind!r}", data.get("__line__"))
    if kind == "greeting":
        return [], _greeting(data, path)
    if kind == "behaviour":
        load_behaviour(path, data)
        return [], None
    if kind == "words":
        _words(data, path)
        return [], None
    _check_keys(data, FILE_KEYS, path, "lexicon file")
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict):
        raise ConfigError(path, "defaults must be a mapping", data.get("__line__"))
    _check_keys(defaults, PHRASE_KEYS - {"id", "text", "forms", "exceptions"}, path, "defaults")
    entries = data.get("phrases")
    if not isinstance(entries, list) or not entries:
        raise ConfigError(path, "phrases must be a non-empty list", data.get("__line__"))
    return [_phrase(e, kind, defaults, path, synonyms) for e in entries], None


def lexicon_files(folder: Path) -> list[Path]:
    """The files a lexicon folder is read from, in the order they are read."""
    return sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml"))


def load_lexicon(folder: Path) -> Lexicon:
    """Every *.yaml in the folder, validated; ids must be unique across files."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ConfigError(folder, f"lexicon folder not found (a path, or a shipped pack: {', '.join(shipped_packs())})")
    files = lexicon_files(folder)
    if not files:
        raise ConfigError(folder, "no *.yaml lexicon files in this folder")
    phrases: list[Phrase] = []
    greeting = None
    words: dict[str, list[str]] = {}
    behaviour: list[BehaviourRule] = []
    model: ModelSettings | None = None
    seen: dict[str, str] = {}
    loaded = [(path, load_yaml(path)) for path in files]
    for path, data in loaded:  # first: the forbidden phrases read its synonyms
        if data.get("kind") == "words":
            words.update(_words(data, path))
    words.update(inherited_lists(words, folder))
    synonyms = synonym_groups(words)
    for path, data in loaded:
        if data.get("kind") == "words":
            continue
        if data.get("kind") == "behaviour":
            for rule in load_behaviour(path, data):
                if rule.id in seen:
                    raise ConfigError(path, f"{rule.id} is defined twice (also in {seen[rule.id]})", rule.line)
                seen[rule.id] = str(path)
                behaviour.append(rule)
            continue
        found, greet = _load_data(path, data, synonyms)
        if data.get("model") is not None:
            if data.get("kind") != "forbidden" or model is not None:
                raise ConfigError(path, "model: belongs in the forbidden phrases' file, once", _line(data["model"], data))
            model = _model_settings(data["model"], path)
        for p in found:
            if p.id in seen:
                raise ConfigError(path, f"{p.id} is defined twice (also in {seen[p.id]})", p.line)
            seen[p.id] = str(path)
        phrases.extend(found)
        if greet:
            if greeting:
                raise ConfigError(path, f"a second greeting rule (the first is in {greeting.source})")
            greeting = greet
    order = {k: i for i, k in enumerate(KINDS)}
    phrases.sort(key=lambda p: (order[p.kind], p.id))
    behaviour.sort(key=lambda r: r.id)
    return Lexicon(phrases=phrases, greeting=greeting, sources=[str(f) for f in files], words=words, behaviour=behaviour, model=model)


def _line(value, data: dict) -> int | None:
    return value.get("__line__") if isinstance(value, dict) else data.get("__line__")


def _model_settings(entry, path: Path) -> ModelSettings:
    """`model: {file: forbidden-model.npz, error: 0, review: 3, min_chars: 8}`; the file must be there."""
    if not isinstance(entry, dict):
        raise ConfigError(path, "model must be a mapping (file, error, review, min_chars)", None)
    line = entry.get("__line__")
    _check_keys(entry, MODEL_KEYS, path, "model")
    name = entry.get("file")
    if not isinstance(name, str) or not name:
        raise ConfigError(path, "model: file must name the model file beside this YAML", line)
    levels = {}
    for key, top in (("error", 8), ("review", 8), ("min_chars", 200)):  # 8: engine/model.py's MAX_LEVEL
        value = entry.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= top):
            raise ConfigError(path, f"model: {key} must be a whole number 0-{top} or left out", line)
        levels[key] = value
    if levels["error"] is not None and levels["review"] is not None and levels["review"] < levels["error"]:
        raise ConfigError(path, "model: review must be a level at or above error (a higher level lets more through)", line)
    file = (path.parent / name).resolve()
    if not file.is_file():
        raise ConfigError(path, f"model: file {name} is not beside the YAML ({file})", line)
    return ModelSettings(file, levels["error"], levels["review"], levels["min_chars"], str(path), line)


def default_lexicon_dir() -> Path:
    """The lexicons shipped inside the package (package data), wherever it is installed."""
    return shipped_dir() / "default"


def shipped_dir() -> Path:
    """The folder of the lexicon packs shipped in the package: default (物业 hotline), ecommerce ..."""
    return Path(str(resources.files("phrasecheck") / "lexicons"))


def shipped_packs() -> list[str]:
    return sorted(p.name for p in shipped_dir().iterdir() if p.is_dir() and any(p.glob("*.yaml")))


def resolve_lexicon(value: str | Path, base: Path | None = None) -> Path:
    """A lexicon folder named by --lexicon or the profile: a path (relative to `base`, the profile's
    folder) where one exists, else a bare name of a shipped pack (ecommerce), else the path as given
    (load_lexicon then says it is not there)."""
    path = Path(value)
    if not path.is_absolute() and base is not None:
        path = base / path
    if path.is_dir():
        return path.resolve()
    name = str(value)
    if name and "/" not in name and "\\" not in name and (shipped_dir() / name).is_dir():
        return shipped_dir() / name
    return path
