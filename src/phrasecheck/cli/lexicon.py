"""`lexicon show` (the active rules) and `lexicon check` (validate lexicon or profile files)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import click

from phrasecheck.cli.common import EXIT_ERROR, EXIT_OK, build_rules, config_option, lexicon_option
from phrasecheck.config.lexicon import inherited_lists, load_behaviour, load_file, load_words, load_yaml, shipped_dir
from phrasecheck.config.profile import PROFILE_NAME, load_profile
from phrasecheck.errors import ConfigError


@click.group()
def lexicon() -> None:
    """Show or validate lexicons."""


SHOWN_FORMS = 8  # word lists and words.yaml's synonyms give a forbidden phrase thousands of forms: the first few, and the count


def _forms(forms) -> str:
    shown = " / ".join(f.text for f in forms[:SHOWN_FORMS])
    return shown if len(forms) <= SHOWN_FORMS else f"{shown} / … ({len(forms)} forms with its word lists and words.yaml's synonyms)"


@lexicon.command("show")
@config_option
@lexicon_option
def lexicon_show(config, lexicon_dir) -> None:
    """Print the active rules: id, kind, threshold, forms, exceptions, suggestion."""
    from rich.console import Console
    from rich.table import Table

    profile, checker = build_rules(config, lexicon_dir)
    lex = checker.lexicon
    table = Table(title=f"Active rules ({', '.join(lex.sources)})", title_justify="left", show_lines=False)
    for col in ("id", "kind", "phrase", "forms", "threshold", "exceptions", "fatal", "say instead"):
        table.add_column(col)
    for p in lex.phrases:
        if not profile.enabled(p.id):
            continue
        table.add_row(
            p.id,
            p.kind,
            p.text,
            _forms(p.forms),
            f"{checker.threshold(p):g}",
            str(len(p.exceptions)),
            "yes" if p.id in checker.fatal else "",
            p.suggestion,
        )
    if checker.greeting and profile.enabled(checker.greeting.id):
        g = checker.greeting
        forms = "; ".join(f"{k}: " + " / ".join(f.text for f in v) for k, v in g.parts.items())
        table.add_row(g.id, "greeting", g.text, forms, f"{g.threshold:g}", "", "", g.suggestion)
    for b in lex.behaviour:
        if profile.enabled(b.id):
            forms = "; ".join(f"{k}: " + " / ".join(f.text for f in v) for k, v in b.phrases.items())
            table.add_row(b.id, "behaviour", b.text, forms, f"{b.threshold:g}", "", "", b.suggestion)
    Console(highlight=False).print(table)


@lexicon.command("copy")
@click.argument("dest", type=click.Path(path_type=Path, file_okay=False))
@click.option("--pack", default="default", show_default=True, help="The shipped pack to copy (default, ecommerce).")
def lexicon_copy(dest, pack) -> None:
    """Copy a shipped lexicon pack into DEST to edit it; point the profile's `lexicon:` at DEST."""
    source = shipped_dir() / pack
    if "/" in pack or not source.is_dir():
        packs = ", ".join(sorted(p.name for p in shipped_dir().iterdir() if p.is_dir()))
        raise ConfigError(None, f"no shipped lexicon pack {pack!r} (shipped: {packs})")
    if dest.exists() and any(dest.glob("*.yaml")):
        raise ConfigError(dest, "already holds *.yaml files; choose an empty or new folder")
    dest.mkdir(parents=True, exist_ok=True)
    for f in sorted([*source.glob("*.yaml"), *source.glob("*.npz")]):  # the model file goes with forbidden.yaml
        shutil.copyfile(f, dest / f.name)
        click.echo(f"wrote {dest / f.name}")


def _pairs(name: str, dest: str, required: bool, text: str):
    """An option given as GOLD DATA pairs, repeated."""
    file = click.Path(path_type=Path, exists=True, dir_okay=False)
    return click.option(name, dest, nargs=2, multiple=True, required=required, type=file, metavar="GOLD DATA", help=text)


@lexicon.command("train")
@_pairs("--set", "sets", True, "A gold file and the conversations it labels (repeat).")
@_pairs(
    "--lookalikes",
    "lookalikes",
    False,
    "A bank of polite look-alikes (a rule's words, no rule said): learnt from, and the levels are set above its lines as a model that did not learn them scores them (repeat).",
)
@click.option(
    "--calibrate",
    "calibration",
    multiple=True,
    required=True,
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    help="Conversations whose agent lines are taken as compliant: each rule's thresholds (levels) are their highest scores (repeat).",
)
@click.option("--out", required=True, type=click.Path(path_type=Path, dir_okay=False), help="The model file to write (forbidden.yaml's model: file).")
@click.option("-C", "c", default=4.0, show_default=True, help="Inverse regularisation strength.")
@config_option
@lexicon_option
def lexicon_train(sets, lookalikes, calibration, out, c, config, lexicon_dir) -> None:
    """Train the n-gram model that hears forbidden phrases said in other words (engine/model.py)."""
    from phrasecheck.engine.learn import agent_lines, labelled_turns, model_rules, train

    profile, checker = build_rules(config, lexicon_dir)
    training = labelled_turns([(Path(g), Path(d)) for g, d in sets], checker)
    banks = [labelled_turns([(Path(g), Path(d))], checker) for g, d in lookalikes]
    lines, errors = agent_lines(list(calibration), profile)
    problems = training.errors + [e for b in banks for e in b.errors] + errors
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        sys.exit(EXIT_ERROR)
    rules = model_rules(checker.lexicon)
    counts = {r: sum(r in labels for labels in training.labels) for r in rules}
    click.echo(
        f"{len(training.texts)} agent turns ({training.left_out} conversations left out: a label the lexicon could not place); turns per rule: "
        + ", ".join(f"{r} {n}" for r, n in counts.items())
    )
    model = train(training, rules, lines, c, banks)
    out.parent.mkdir(parents=True, exist_ok=True)
    model.save(out)
    bank_lines = sum(len(b.texts) for b in banks)
    click.echo(f"wrote {out}: {len(model.vocab)} n-grams, {len(rules)} rules, calibrated on {len(lines)} agent lines and {bank_lines} look-alike lines")


@lexicon.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
def lexicon_check(files) -> None:
    """Validate lexicon (or profile) FILES; report each problem as FILE:LINE: message."""
    bad = 0
    seen: dict[tuple[Path, str], Path] = {}  # (lexicon folder, rule id) -> the file defining it: unique within a folder, as loading it requires
    for path in files:
        try:
            if path.name == PROFILE_NAME:
                load_profile(path)
                click.echo(f"{path}: ok (profile)")
                continue
            kind = load_yaml(path).get("kind")
            if kind == "words":
                words = load_words(path)
                missing = inherited_lists(words, path.parent)
                note = f"; the default pack's {', '.join(missing)} where this file has none" if missing else ""
                click.echo(f"{path}: ok ({len(words)} word lists{note})")
                continue
            if kind == "behaviour":
                rules = [(r.id, r.line) for r in load_behaviour(path)]
            else:
                phrases, greeting = load_file(path)
                rules = [(p.id, p.line) for p in phrases] + ([(greeting.id, None)] if greeting else [])
            folder = path.resolve().parent
            for rule_id, line in rules:
                if (folder, rule_id) in seen:
                    raise ConfigError(path, f"{rule_id} is defined twice (also in {seen[folder, rule_id]})", line)
                seen[folder, rule_id] = path
            click.echo(f"{path}: ok ({len(rules)} rules)")
        except ConfigError as exc:
            click.echo(f"{exc}", err=True)
            bad += 1
    sys.exit(EXIT_ERROR if bad else EXIT_OK)
