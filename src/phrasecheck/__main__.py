"""`python -m phrasecheck` runs the command line, for environments without the console script."""

from phrasecheck.cli import main

main()
