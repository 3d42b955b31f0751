"""`phrasecheck serve` (the QA workbench) and `phrasecheck import` (findings.json -> the database)."""

from __future__ import annotations

import ipaddress
import os
import sys
from pathlib import Path

import click

from phrasecheck.cli.common import EXIT_ERROR, EXIT_OK, config_option, die, lexicon_option, report_review_matching
from phrasecheck.errors import PhrasecheckError

DB_HELP = "Database file (default: $PHRASECHECK_DB, else phrasecheck.db in the user data folder, ~/.local/share/phrasecheck)."


def _db(path: Path | None) -> Path:
    from phrasecheck.store.db import default_db_path

    return path or default_db_path()


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def db_options(f):
    """--db / --no-db for the commands that write a report folder (report, scan)."""
    f = click.option("--no-db", is_flag=True, help="Do not add this run to the database.")(f)
    return click.option("--db", type=click.Path(path_type=Path, dir_okay=False), help="Add the run to this database. " + DB_HELP)(f)


def record_run(findings_json: Path, db: Path | None, lexicon) -> None:
    """What `report` and `scan` call after writing their folder: add the run to the database, named
    by the rules the run was checked with (the lexicon already loaded: not read a second time, and
    not the default one where the profile names another). A problem with the database is a
    warning: the report folder is already written."""
    from phrasecheck.store.db import Store
    from phrasecheck.store.importer import import_findings_file

    path = _db(db)
    try:
        store = Store(path)
        try:
            stats = import_findings_file(store, findings_json, lexicon=lexicon)
        finally:
            store.close()
    except PhrasecheckError as exc:
        click.echo(f"phrasecheck: warning: run not added to the database: {exc}", err=True)
        return
    click.echo(f"database {path}: {stats.added} conversation(s) added, {stats.updated} updated")


@click.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=True, exists=True))
@click.option("--db", type=click.Path(path_type=Path, dir_okay=False), help=DB_HELP)
@click.option("--review", type=click.Path(path_type=Path, dir_okay=False, exists=True), help="Review file (default: review.csv beside each findings.json).")
@click.option(
    "--lexicon", "lexicon_dir", type=click.Path(path_type=Path, file_okay=False), help="Lexicon the runs were checked with (rule names, fatal rules)."
)
def import_cmd(files, db, review, lexicon_dir) -> None:
    """Load findings.json files (report folders, or `check --format json` output) into the database.

    A conversation already there (same source file and conversation id) is updated, not counted twice;
    verdicts in review.csv start each finding's review history."""
    from phrasecheck.store.db import Store
    from phrasecheck.store.importer import import_findings_file

    path = _db(db)
    lexicon = None
    if lexicon_dir is not None:
        from phrasecheck.config.lexicon import resolve_lexicon
        from phrasecheck.engine.compiled import cached_lexicon

        lexicon = cached_lexicon(resolve_lexicon(lexicon_dir))
    store = Store(path)
    bad = 0
    for f in files:
        f = f / "findings.json" if f.is_dir() else f
        try:
            stats = import_findings_file(store, f, review=review, lexicon=lexicon)
        except PhrasecheckError as exc:
            click.echo(f"error: {exc}", err=True)
            bad += 1
            continue
        report_review_matching(stats.migrated, stats.unmatched, of=str(f))
        click.echo(f"{f}: {stats.added} conversation(s) added, {stats.updated} updated, {stats.findings} finding(s), {stats.reviews} verdict(s) taken over")
    counts = store.counts()
    click.echo(f"database {path}: {counts['conversations']} conversation(s), {counts['findings']} finding(s), {counts['review_events']} review step(s)")
    sys.exit(EXIT_ERROR if bad else EXIT_OK)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on. Anything but loopback needs --token.")
@click.option("--port", default=8750, show_default=True, type=click.IntRange(1, 65535))
@click.option("--db", type=click.Path(path_type=Path, dir_okay=False), help=DB_HELP)
@click.option("--token", envvar="PHRASECHECK_TOKEN", help="Access token every visitor must give (env PHRASECHECK_TOKEN); required off loopback.")
@config_option
@lexicon_option
@click.option("--max-upload-mb", default=25, show_default=True, type=click.IntRange(1, 1024), help="Largest request body (recordings in 自查).")
def serve(host, port, db, token, config, lexicon_dir, max_upload_mb) -> None:
    """The QA workbench in the browser: 总览 (agents, trends), 会话 (filters, transcripts, audio),
    复核 and 申诉 with their history, and 自查 for agents. Local by default (http://127.0.0.1:8750)."""
    from phrasecheck.config.profile import find_profile
    from phrasecheck.store.db import Store
    from phrasecheck.web.app import LOOPBACK, Settings, create_app

    if not is_loopback(host) and not token:
        die(f"--host {host} makes the workbench reachable from other machines: set an access token with --token or PHRASECHECK_TOKEN")
    if token is not None and len(token) < 12:
        die("the access token must be at least 12 characters")
    try:
        import uvicorn
    except ImportError:
        die("serve needs uvicorn and starlette: pip install 'phrasecheck'")
    path = _db(db)
    profile = find_profile(config)
    Store(path).close()
    allowed = set(LOOPBACK) if is_loopback(host) else {"*"}
    settings = Settings(db=path, token=token, allowed_hosts=allowed, max_body=max_upload_mb * 1024 * 1024, profile=profile, lexicon_dir=lexicon_dir)
    app = create_app(settings)
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"phrasecheck workbench: http://{shown}:{port}/  (database {path}; Ctrl+C stops)")
    uvicorn.run(app, host=host, port=port, log_level=os.environ.get("PHRASECHECK_LOG", "warning"), server_header=False)
