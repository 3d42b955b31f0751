"""The command line: the only part of phrasecheck that prints errors and exits (see common.py)."""

from __future__ import annotations

from phrasecheck.calls.numerics import pin

pin()  # before anything loads numpy or CTranslate2: the same transcript on any machine

import click  # noqa: E402

from phrasecheck import __version__  # noqa: E402
from phrasecheck.cli.calls import cache, scan, transcribe  # noqa: E402
from phrasecheck.cli.check import check, eval_cmd  # noqa: E402
from phrasecheck.cli.common import Group  # noqa: E402
from phrasecheck.cli.lexicon import lexicon  # noqa: E402
from phrasecheck.cli.reports import kpi, report, review_mark  # noqa: E402
from phrasecheck.cli.serve import import_cmd, serve  # noqa: E402


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="phrasecheck")
def main() -> None:
    """Check customer-service agents' speech against the centre's phrase rules."""


for command in (check, scan, report, kpi, review_mark, serve, import_cmd, transcribe, cache, lexicon, eval_cmd):
    main.add_command(command)
