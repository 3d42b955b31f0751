"""Terminal report: findings grouped per conversation with the offending words marked, then the agents."""

from __future__ import annotations

from typing import TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from phrasecheck.config.profile import Profile
from phrasecheck.data import Finding, Result, Run
from phrasecheck.report.options import DEFAULT_OPTIONS, EmitOptions
from phrasecheck.scoring.kpi import AgentKpi, compute_kpi
from phrasecheck.scoring.score import standing

KIND_STYLE = {"forbidden": "bold red", "opener": "bold red", "greeting": "yellow"}
ROLE_LABEL = {"agent": "客服", "customer": "客户"}


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return ""
    m, s = divmod(int(seconds), 60)
    return f"{m:02d}:{s:02d}"


def _when(result: Result, f: Finding) -> str:
    if f.start_s is not None:
        return _clock(f.start_s)
    turn = result.conversation.turns[f.turn] if result.conversation.turns else None
    return turn.timestamp.strftime("%H:%M:%S") if turn is not None and turn.timestamp else ""


def _finding(console: Console, result: Result, f: Finding) -> None:
    style = "yellow" if f.severity == "warning" else KIND_STYLE.get(f.kind, "")
    head = Text("  ")
    head.append(f"turn {f.turn_no}", "dim")
    when = _when(result, f)
    if when:
        head.append(f" [{when}]", "dim")
    head.append(f"  {f.id} ", style)
    head.append(f.message)
    if f.kind not in ("greeting", "behaviour"):  # a match score; behaviour findings are measured, not matched
        head.append(f"  ({f.score:.0f})", "dim")
    if f.review:
        head.append(f"  reviewed: {f.review}", "cyan")
    console.print(head)
    turns = result.conversation.turns
    if turns:
        turn = turns[f.turn]
        line = Text(f"      {ROLE_LABEL.get(turn.role, turn.role)}: ", "dim")
        said = Text(turn.text.replace("\n", " "))
        if f.end_char > f.start_char:
            said.stylize("bold underline " + (style or "red"), f.start_char, f.end_char)
        line.append_text(said)
        console.print(line)
        if f.end_turn is not None:
            nxt = turns[f.end_turn]
            console.print(Text(f"      … {ROLE_LABEL.get(nxt.role, nxt.role)}: {nxt.text}", "dim"))
    if f.heard is not None:
        console.print(Text(f"      heard: {f.heard} (acoustic verification, log-probability {f.verify_score:+.1f} over the decoded text)", "magenta"))
    if f.word_probs and f.kind in ("forbidden", "opener"):
        console.print(Text(f"      recognizer's confidence in these words: {min(f.word_probs):.2f} (lowest word)", "dim"))
    if f.suggestion and f.severity != "info":
        console.print(Text("      say instead: ", "green") + Text(f.suggestion))


def console_for(out: TextIO, options: EmitOptions) -> Console:
    color = options.color
    return Console(file=out, force_terminal=color, no_color=color is False, highlight=False, soft_wrap=True, width=120)


def print_conversation(console: Console, r: Result) -> bool:
    """A conversation's block (nothing when it has no findings); whether it printed one."""
    c = r.conversation
    if not r.findings:
        return False
    title = Text(f"{c.source}", "bold")
    title.append(f"  {c.conversation_id}", "bold cyan")
    title.append(f"  agent {c.agent_id}")
    if c.roles == "inferred":
        title.append("  roles inferred from text", "magenta")
    title.append(f"  attitude {r.attitude_score:g}/10", "dim")
    console.print(title)
    for note in [*c.notes, *r.notes]:
        console.print(Text(f"  note: {note}", "magenta"))
    for f in r.findings:
        _finding(console, r, f)
    used = " ".join(r.courtesy_used) or "none"
    console.print(Text(f"  courtesy used: {used}", "dim"))
    console.print()
    return True


def print_tail(console: Console, run: Run, agents: list[AgentKpi], conversations: int, failing: int, shown: int) -> None:
    """Errors, the agents' table and the summary line, after the conversations. A grade means
    nothing for one conversation: the table needs more than one."""
    for e in run.errors:
        console.print(Text("warning: ", "bold yellow") + Text(str(e)) if e.warning else Text("error: ", "bold red") + Text(str(e)))
    agents = sorted(agents, key=lambda a: a.agent_id) if conversations > 1 else []
    if agents:
        table = Table(title="Agents", title_justify="left")
        for col in ("agent", "conversations", "greeting ok", "forbidden", "openers", "courtesy/conv", "attitude", "points", "grade"):
            table.add_column(col, justify="left" if col in ("agent", "grade") else "right")
        for a in agents:
            table.add_row(
                a.agent_id,
                str(a.conversations),
                f"{a.greeting_pct:.0f}%",
                str(a.forbidden),
                str(a.openers),
                f"{a.courtesy_per_conversation:g}",
                f"{a.attitude:g}",
                f"{a.points:g}",
                a.grade,
            )
        console.print(table)
    summary = f"{conversations} conversation(s) in {run.files} file(s): {failing} finding(s) in {shown} conversation(s)"
    if run.errors:
        summary += ", " + run.input_tally().removeprefix("0 input error(s), ")
    if run.ignored:
        summary += f"; {len(run.ignored)} file(s) under the folders are not inputs and were not read"
    console.print(Text(summary, "bold"))


def emit_text(run: Run, profile: Profile, out: TextIO, options: EmitOptions = DEFAULT_OPTIONS) -> None:
    console = console_for(out, options)
    shown = sum(print_conversation(console, r) for r in run.results)
    failing = sum(len(standing(r, profile.count_review)) for r in run.results)
    print_tail(console, run, compute_kpi(run.results, profile), len(run.results), failing, shown)
