"""The QA database (SQLite, standard library): runs, conversations, findings, and the review and
appeal history behind `phrasecheck serve`. See store/db.py."""

from phrasecheck.store.db import SCHEMA_VERSION, Store, default_db_path

__all__ = ["SCHEMA_VERSION", "Store", "default_db_path"]
