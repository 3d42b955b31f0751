"""The command line: the only part of phrasecheck that prints errors and exits (see common.py)."""

from __future__ import annotations

import click

from phrasecheck import __version__
from phrasecheck.cli.calls import cache, scan, transcribe
from phrasecheck.cli.check import check, eval_cmd
from phrasecheck.cli.common import Group
from phrasecheck.cli.lexicon import lexicon
from phrasecheck.cli.reports import kpi, report, review_mark
from phrasecheck.cli.serve import import_cmd, serve


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="phrasecheck")
def main() -> None:
    """Check customer-service agents' speech against the centre's phrase rules."""


for command in (check, scan, report, kpi, review_mark, serve, import_cmd, transcribe, cache, lexicon, eval_cmd):
    main.add_command(command)
