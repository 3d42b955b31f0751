"""One rule for every spreadsheet cell phrasecheck writes (review.csv, calls.csv, `check --format csv`,
kpi.csv, kpi.xlsx): text that Excel or LibreOffice would read as a formula is kept as text.

Quotes, agent ids and conversation ids come from files a user (or a customer typing in a chat) wrote:
`=HYPERLINK(...)` or `=cmd|' /C calc'!A0` must never become a live formula in the QA lead's sheet.
The usual guard (OWASP "CSV injection") is a leading apostrophe, which Excel shows as nothing and
which `unescape_cell` takes off again when phrasecheck reads its own file back (review.csv)."""

from __future__ import annotations

# What a spreadsheet may start a formula (or DDE call) with: the ASCII signs, their full-width forms
# (a Chinese input method types those), and control characters that some importers strip first.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def is_formula_like(text: str) -> bool:
    """True when text, as a spreadsheet cell, could be read as a formula (leading blanks ignored)."""
    return text.lstrip(" \u3000").startswith(FORMULA_START) or text.startswith(FORMULA_START)


def safe_cell(value):
    """The value to write: numbers and None unchanged, formula-like text prefixed with an apostrophe."""
    if isinstance(value, str) and is_formula_like(value):
        return "'" + value
    return value


def unescape_cell(value: str) -> str:
    """The text safe_cell was given (for reading phrasecheck's own CSV files back)."""
    if value.startswith("'") and is_formula_like(value[1:]):
        return value[1:]
    return value


def is_safe_cell(value) -> bool:
    """What the tests hold every written cell to."""
    return not (isinstance(value, str) and is_formula_like(value))
