"""phrasecheck.yaml: one service centre's settings (company, roles, weights, thresholds, columns)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from phrasecheck.config.lexicon import load_yaml, resolve_lexicon
from phrasecheck.config.recording_path import PathPattern, compile_pattern
from phrasecheck.errors import ConfigError

PROFILE_NAME = "phrasecheck.yaml"
CSV_COLUMNS = ("conversation_id", "agent_id", "role", "text", "timestamp")

# Role labels as they appear in exports and transcripts.
AGENT_LABELS = ["agent", "客服", "坐席", "座席", "客服人员", "工作人员", "话务员"]
CUSTOMER_LABELS = ["customer", "客户", "顾客", "用户", "业主", "来电人", "访客"]


@dataclass
class Weights:
    """The attitude score (服务态度, 10 points): deductions from 10, see README."""

    greeting: float = 2.0  # G01 missing or incomplete
    opener: float = 2.0  # each blunt opening word
    forbidden: float = 3.0  # each forbidden phrase
    courtesy_target: int = 2  # distinct courtesy phrases expected per conversation
    courtesy_shortfall: float = 1.0  # per phrase short of the target
    max_score: float = 10.0
    # call behaviour (B01-B05), each finding that counts (errors; B04 is info and B05 a warning by default)
    late_answer: float = 1.0  # B01
    silent_hold: float = 1.0  # B02
    talk_over: float = 1.0  # B03
    speech_rate: float = 0.0  # B04: report only
    closing: float = 0.0  # B05

    def behaviour(self, rule_id: str) -> float:
        """What one finding of behaviour rule B01-B05 costs."""
        name = {"B01": "late_answer", "B02": "silent_hold", "B03": "talk_over", "B04": "speech_rate", "B05": "closing"}.get(rule_id)
        return getattr(self, name) if name else 0.0


@dataclass
class BehaviourSettings:
    """Time limits of the call behaviour rules (B01-B05, engine/behaviour.py)."""

    late_answer_s: float = 5.0  # B01: the agent's first words later than this into the recording
    hold_s: float = 20.0  # B02: both parties silent longer than this inside a call
    talk_over_s: float = 1.0  # B03: both talking longer than this after the agent started over the customer
    rate_min: float = 120.0  # B04: agent syllables per minute of speaking time, per turn
    rate_max: float = 360.0
    rate_min_syllables: int = 12  # B04: shorter turns are not judged


@dataclass
class KpiSettings:
    """Chat response KPI (plan 8: response time 5 points, reply rate 5 points); see docs/reports.md.

    Response points: full at or under skilled_s, normal_points at normal_s, 0 at limit_s,
    linear in between. Reply points: reply_points x reply rate."""

    skilled_s: float = 30.0  # the seed: a skilled agent answers within 20-30 s
    normal_s: float = 40.0  # the seed: 40 s is normal
    limit_s: float = 120.0  # no response points at or beyond this mean response time
    response_points: float = 5.0
    normal_points: float = 4.0
    reply_points: float = 5.0


@dataclass
class Limits:
    """The largest input phrasecheck takes (see docs/reliability.md): beyond these a file, a line or
    a recording is reported as too big instead of taking minutes and gigabytes."""

    max_line_chars: int = 200_000  # one line of a chat export or transcript, one turn's text (~600 KB of Chinese)
    max_file_mb: float = 512.0  # one input file (chat export, transcript, recording)
    max_recording_min: float = 240.0  # one recording's length


@dataclass
class Profile:
    company: list[str] = field(default_factory=list)  # pins the greeting's company slot
    # agent id -> surname: the greeting's 我姓× that acoustic verification listens for on their calls
    agents: dict[str, str] = field(default_factory=dict)
    # Calls: a forbidden or opener finding whose words the recognizer gave a probability below this
    # is listed for review (复核) and costs no points until confirmed. None: off.
    min_confidence: float | None = None
    lexicon: Path | None = None
    agent_channel: str = "left"
    # Recordings with more than two channels: which channel (counted from 1) is the agent's and which
    # the customer's, e.g. {"agent": 1, "customer": 3}. Without it such a recording is an error.
    channels: dict[str, int] | None = None
    agent_labels: list[str] = field(default_factory=lambda: list(AGENT_LABELS))
    customer_labels: list[str] = field(default_factory=lambda: list(CUSTOMER_LABELS))
    columns: dict[str, str] = field(default_factory=dict)  # canonical column -> header in the file
    weights: Weights = field(default_factory=Weights)
    kpi: KpiSettings = field(default_factory=KpiSettings)
    behaviour: BehaviourSettings = field(default_factory=BehaviourSettings)
    limits: Limits = field(default_factory=Limits)
    thresholds: dict[str, float] = field(default_factory=dict)  # rule id -> threshold
    fatal: list[str] | None = None  # None: as the lexicon says
    count_review: bool = False  # findings of severity review (arguable forms) cost points without a reviewer's confirmation
    select: list[str] = field(default_factory=list)  # rule ids or prefixes to run (empty: all)
    ignore: list[str] = field(default_factory=list)
    recording_path: PathPattern | None = None  # {agent_id}/{date}/{call_id}_{time}.wav
    source: str | None = None
    given: frozenset[str] = frozenset()  # the settings the file names (the others are the defaults)

    def enabled(self, rule_id: str) -> bool:
        if self.select and not any(rule_id.startswith(s) for s in self.select):
            return False
        return not any(rule_id.startswith(s) for s in self.ignore)

    def role_of(self, label: str) -> str | None:
        return _roles(tuple(self.agent_labels), tuple(self.customer_labels)).get(label.strip().lower())


@lru_cache(maxsize=16)
def _roles(agent_labels: tuple[str, ...], customer_labels: tuple[str, ...]) -> dict[str, str]:
    """Lower-cased label -> role, for Profile.role_of (asked once per message); an agent label wins."""
    table = {x.lower(): "customer" for x in customer_labels}
    table.update({x.lower(): "agent" for x in agent_labels})
    return table


_KEYS = {
    "company",
    "agents",
    "min_confidence",
    "lexicon",
    "agent_channel",
    "channels",
    "roles",
    "columns",
    "weights",
    "thresholds",
    "fatal",
    "select",
    "ignore",
    "kpi",
    "limits",
    "recording_path",
    "count_review",
    "behaviour",
}


def _list(value, path, line, what) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(path, f"{what} must be a string or a list of strings", line)
    return value


def load_profile(path: Path) -> Profile:
    data = load_yaml(path)
    line = data.get("__line__")
    unknown = sorted(k for k in data if k != "__line__" and k not in _KEYS)
    if unknown:
        raise ConfigError(path, f"unknown setting '{unknown[0]}' (known: {', '.join(sorted(_KEYS))})", line)
    prof = Profile(source=str(path), given=frozenset(k for k in data if k != "__line__"))
    prof.company = _list(data.get("company"), path, line, "company")
    agents, where = _mapping(data.get("agents") or {}, "agents", "map agent ids to surnames (A3001: 王)", path, line)
    for agent_id, surname in agents:
        if not isinstance(surname, str) or not 1 <= len(surname.strip()) <= 2:
            raise ConfigError(path, f"agents.{agent_id}: a surname of one or two characters, got {surname!r}", where)
        prof.agents[str(agent_id)] = surname.strip()
    confidence = data.get("min_confidence")
    if confidence is not None and (isinstance(confidence, bool) or not isinstance(confidence, (int, float)) or not 0 < confidence < 1):
        raise ConfigError(path, f"min_confidence must be a number between 0 and 1, got {confidence!r}", line)
    prof.min_confidence = float(confidence) if confidence is not None else None
    if data.get("lexicon"):
        prof.lexicon = resolve_lexicon(str(data["lexicon"]), path.parent)  # a folder, or a shipped pack's name
    channel = data.get("agent_channel", "left")
    if channel not in ("left", "right"):
        raise ConfigError(path, f"agent_channel must be left or right, got {channel!r}", line)
    prof.agent_channel = channel
    roles = data.get("roles") or {}
    if not isinstance(roles, dict):
        raise ConfigError(path, "roles must map agent/customer to lists of labels", line)
    unknown_roles = sorted(str(k) for k in roles if k not in ("agent", "customer", "__line__"))
    if unknown_roles:
        raise ConfigError(path, f"roles: unknown role '{unknown_roles[0]}' (known: agent, customer)", roles.get("__line__", line))
    prof.agent_labels += _list(roles.get("agent"), path, roles.get("__line__"), "roles.agent")
    prof.customer_labels += _list(roles.get("customer"), path, roles.get("__line__"), "roles.customer")
    columns, where = _mapping(data.get("columns") or {}, "columns", "map canonical names to your CSV headers", path, line)
    for key, header in columns:
        if key not in CSV_COLUMNS:
            raise ConfigError(path, f"columns: unknown column '{key}' (known: {', '.join(CSV_COLUMNS)})", where)
        prof.columns[key] = str(header)
    weights, where = _mapping(data.get("weights") or {}, "weights", "be a mapping", path, line)
    _set_numbers(prof.weights, weights, "weights", "weight", path, where, lambda v: v)
    if prof.weights.max_score <= 0:
        raise ConfigError(path, "weights.max_score must be above 0 (the attitude score is out of it)", where)
    thresholds, where = _mapping(data.get("thresholds") or {}, "thresholds", "map rule ids to numbers", path, line)
    for key, value in thresholds:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 100:
            raise ConfigError(path, f"thresholds.{key} must be a number in (0, 100]", where)
        prof.thresholds[str(key)] = float(value)
    _load_kpi(prof, data, path, line)
    _load_behaviour(prof, data, path, line)
    limits, where = _mapping(data.get("limits") or {}, "limits", "be a mapping", path, line)
    _set_numbers(prof.limits, limits, "limits", "limit", path, where, lambda v: v)
    if any(getattr(prof.limits, k) <= 0 for k in prof.limits.__dataclass_fields__):
        raise ConfigError(path, "limits must be above 0", where)
    prof.channels = _channels(data.get("channels"), path, line)
    if "fatal" in data:
        prof.fatal = _list(data.get("fatal"), path, line, "fatal")
    count_review = data.get("count_review", False)
    if not isinstance(count_review, bool):
        raise ConfigError(path, f"count_review must be true or false, got {count_review!r}", line)
    prof.count_review = count_review
    prof.select = _list(data.get("select"), path, line, "select")
    prof.ignore = _list(data.get("ignore"), path, line, "ignore")
    if data.get("recording_path") is not None:
        if not isinstance(data["recording_path"], str):
            raise ConfigError(
                path, f'recording_path must be one pattern in quotes ("{{agent_id}}/{{date}}/{{call_id}}_{{time}}.wav"), got {data["recording_path"]!r}', line
            )
        try:
            prof.recording_path = compile_pattern(str(data["recording_path"]))
        except ValueError as exc:
            raise ConfigError(path, f"recording_path: {exc}", line) from None
    return prof


def _mapping(value, name: str, shape: str, path: Path, line: int | None) -> tuple[list[tuple], int | None]:
    """The entries of the mapping setting `name` (without load_yaml's line marker) and its line."""
    if not isinstance(value, dict):
        raise ConfigError(path, f"{name} must {shape}", line)
    return [(k, v) for k, v in value.items() if k != "__line__"], value.get("__line__")


def _set_numbers(target, entries: list[tuple], section: str, noun: str, path: Path, where: int | None, convert) -> None:
    """Set the dataclass fields named in entries, each a number >= 0."""
    fields = type(target).__dataclass_fields__
    for key, value in entries:
        if key not in fields:
            raise ConfigError(path, f"{section}: unknown {noun} '{key}' (known: {', '.join(fields)})", where)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
            raise ConfigError(path, f"{section}.{key} must be a number >= 0, got {value!r}", where)
        setattr(target, key, convert(value))


def _channels(value, path: Path, line: int | None) -> dict[str, int] | None:
    if value is None:
        return None
    entries, where = _mapping(value, "channels", "map agent and customer to channel numbers (counted from 1)", path, line)
    out = dict(entries)
    if set(out) != {"agent", "customer"} or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in out.values()):
        raise ConfigError(path, "channels must give agent and customer a channel number each, counted from 1 (channels: {agent: 1, customer: 2})", where)
    if out["agent"] == out["customer"]:
        raise ConfigError(path, "channels: agent and customer need different channels", where)
    return out


def recorded_settings(kind: type, values, section: str, path: Path):
    """Weights or KpiSettings as a findings.json records what it was scored with (scoring.weights,
    scoring.kpi): the names this version knows (a newer one may record more), each checked as the
    profile's own, so a hand-edited value is one line, never a crash in the arithmetic."""
    prof = Profile()
    entries, _ = _mapping(values, section, "be a mapping", path, None)
    known = [(k, v) for k, v in entries if k in kind.__dataclass_fields__]
    if kind is Weights:
        _set_numbers(prof.weights, known, section, "weight", path, None, lambda v: v)
        if prof.weights.max_score <= 0:
            raise ConfigError(path, f"{section}.max_score must be above 0")
        return prof.weights
    _load_kpi(prof, {"kpi": dict(known)}, path, None)
    return prof.kpi


def _load_kpi(prof: Profile, data: dict, path: Path, line: int | None) -> None:
    if data.get("kpi") is None:
        return
    entries, where = _mapping(data["kpi"], "kpi", "be a mapping", path, line)
    where = line if where is None else where
    _set_numbers(prof.kpi, entries, "kpi", "setting", path, where, float)
    k = prof.kpi
    if not k.skilled_s <= k.normal_s < k.limit_s:
        raise ConfigError(path, f"kpi: need skilled_s <= normal_s < limit_s (got {k.skilled_s:g}, {k.normal_s:g}, {k.limit_s:g})", where)
    if k.normal_points > k.response_points:
        raise ConfigError(path, "kpi.normal_points cannot exceed kpi.response_points", where)


def _load_behaviour(prof: Profile, data: dict, path: Path, line: int | None) -> None:
    if data.get("behaviour") is None:
        return
    entries, where = _mapping(data["behaviour"], "behaviour", "be a mapping", path, line)
    where = line if where is None else where
    b = prof.behaviour
    _set_numbers(b, entries, "behaviour", "setting", path, where, lambda v: v)
    if b.rate_min_syllables != int(b.rate_min_syllables):
        raise ConfigError(path, f"behaviour.rate_min_syllables must be a whole number, got {b.rate_min_syllables!r}", where)
    b.rate_min_syllables = int(b.rate_min_syllables)
    if b.rate_min >= b.rate_max:
        raise ConfigError(path, f"behaviour: need rate_min < rate_max (got {b.rate_min:g}, {b.rate_max:g})", where)
    if b.hold_s <= 0 or b.talk_over_s <= 0:
        raise ConfigError(path, "behaviour: hold_s and talk_over_s must be above 0", where)


def find_profile(explicit: Path | None, cwd: Path | None = None) -> Profile:
    """--config FILE, else phrasecheck.yaml in the working directory, else the defaults."""
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(explicit, "profile not found")
        return load_profile(explicit)
    here = (cwd or Path.cwd()) / PROFILE_NAME
    return load_profile(here) if here.is_file() else Profile()
