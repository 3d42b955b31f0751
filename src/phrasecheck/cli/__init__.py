"""The command line: the only part of phrasecheck that prints to the terminal and exits."""

from phrasecheck.cli.main import main

__all__ = ["main"]
