"""findings.json (+ its review.csv) -> the database: what `phrasecheck import` and the
`--db` of `report` and `scan` do."""

from __future__ import annotations

import json
from pathlib import Path

from phrasecheck.config.lexicon import Lexicon
from phrasecheck.errors import ReviewError
from phrasecheck.inputs.surrogates import parsed_problem
from phrasecheck.report.findings_file import document_problem, run_from_document
from phrasecheck.report.labels import rule_names
from phrasecheck.scoring.review import REVIEW_NAME, Migration, ReviewEntry, known_keys, migrate, read_reviews
from phrasecheck.store.db import ImportStats, Store, StoreError


def import_findings_file(store: Store, path: Path, review: Path | None = None, lexicon: Lexicon | None = None) -> ImportStats:
    """Load one findings file; verdicts come from `review`, else review.csv beside it (UTF-8, UTF-8-SIG or GBK)."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
        doc = json.loads(text)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise StoreError(str(path), f"not a readable findings file: {exc}") from None
    half = parsed_problem(text, doc)
    if half:
        raise StoreError(str(path), f"broken findings file: {half}")
    review = review if review is not None else path.parent / REVIEW_NAME
    entries: dict[str, ReviewEntry] = {}
    if review.is_file():
        try:
            entries = read_reviews(review)
        except ReviewError:
            raise
    moved, unmatched = _match_reviews(doc, entries)
    if lexicon is None:
        from phrasecheck.config.lexicon import default_lexicon_dir
        from phrasecheck.engine.compiled import cached_lexicon

        lexicon = cached_lexicon(default_lexicon_dir())
    fatal = {p.id for p in lexicon.phrases if p.fatal}
    stats = store.import_document(doc, str(path), base=path.parent, reviews=entries, default_fatal=fatal)
    stats.migrated, stats.unmatched = moved, unmatched
    known = store.rule_names()
    missing = {k: v for k, v in rule_names(lexicon).items() if k not in known}
    if missing:
        store.set_rules(missing)
    return stats


def _match_reviews(doc, entries: dict[str, ReviewEntry]) -> tuple[list[Migration], list[str]]:
    """Re-key, in place, the review rows of an older key form (no source, a 0-based turn) where one
    finding of the document fits, as `report` does; and the keys of rows with a verdict that match no
    finding. `import` took neither: such verdicts were dropped in silence, where `report` applied
    the first and warned of the second, so the workbench scored the day unlike report.html."""
    if not entries or not isinstance(doc, dict) or doc.get("schema_version") != 1 or not isinstance(doc.get("conversations"), list):
        return [], []
    if document_problem(doc):
        return [], []  # import_document refuses the file, naming the problem
    run = run_from_document(doc)
    moved = migrate(run, entries)
    known = known_keys(run)
    return moved, [k for k, e in entries.items() if e.verdict and k not in known]
