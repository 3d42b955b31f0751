"""`phrasecheck serve`: the QA workbench (总览, 会话, 复核/申诉, 自查) over the SQLite store.

Starlette + Jinja2 (autoescaped) templates; CSS and the small script ship in web/static, nothing
is fetched from elsewhere. Safety (issue 13):
- binds 127.0.0.1 by default; any other host needs an operator token (cli/serve.py refuses to start
  without one), then every request needs the token (login form -> cookie, or Authorization: Bearer);
- Host header checked (no DNS rebinding onto the local server);
- CSRF: every POST carries the pc_csrf cookie's value back (form field csrf, or X-CSRF-Token), and a
  cross-site Origin is refused;
- request bodies are size-limited, uploads type-checked;
- audio is served only by conversation number, from the path stored at import;
- a Content-Security-Policy with script-src 'self' and no inline script or style.
"""

from __future__ import annotations

import hmac
import json
import secrets
import tempfile
import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import quote, unquote, urlencode, urlsplit

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from phrasecheck import __version__
from phrasecheck.config.lexicon import BEHAVIOUR_RULES
from phrasecheck.config.profile import Profile
from phrasecheck.data import Finding
from phrasecheck.engine.checker import Checker
from phrasecheck.inputs.surrogates import problem as surrogate_problem
from phrasecheck.report.html import _segments
from phrasecheck.report.labels import KIND_LABEL, MISSING_LABEL, ROLE_LABEL, SEVERITY_LABEL, STATUS_LABEL, VERDICT_LABEL, note_label, reason, rule_label
from phrasecheck.store.db import Filters, Store, StoreError, StoreWriteError
from phrasecheck.web import charts

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self'; connect-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
LIST_STATUS = {"": "有问题的会话", "open": "待复核", "appeal": "申诉中", "false": "已判误报", "confirmed": "已确认", "clean": "无问题的会话", "all": "全部会话"}
SORTS = {"rank", "agent_id", "conversations", "points", "greeting_pct", "forbidden_per_100", "findings_per_100", "appeals"}
PER_PAGE = 50
TEXT_SUFFIXES = {".txt", ".jsonl", ".csv"}
AUDIO_MAGIC = (b"RIFF", b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2", b"fLaC", b"OggS")
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


@dataclass
class Settings:
    db: Path
    token: str | None = None  # required for every request when set
    allowed_hosts: set[str] = field(default_factory=lambda: set(LOOPBACK))  # "*" when a token guards a public bind
    max_body: int = 25 * 1024 * 1024  # bytes: recordings for 自查
    max_text: int = 2 * 1024 * 1024  # characters of a pasted transcript
    profile: Profile | None = None
    lexicon_dir: Path | None = None


class Workbench:
    """What the handlers share: the store, the checker for 自查 (built on first use), templates."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.store = Store(settings.db)
        self.profile = settings.profile or Profile()
        self._checker: Checker | None = None
        self.check_lock = threading.Lock()  # 自查 runs in worker threads (the server keeps answering); one check at a time
        self.env = Environment(
            loader=PackageLoader("phrasecheck.web", "templates"), autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True
        )
        self.env.globals.update(
            version=__version__,
            ROLE_LABEL=ROLE_LABEL,
            KIND_LABEL=KIND_LABEL,
            SEVERITY_LABEL=SEVERITY_LABEL,
            STATUS_LABEL=STATUS_LABEL,
            VERDICT_LABEL=VERDICT_LABEL,
            MISSING_LABEL=MISSING_LABEL,
            LIST_STATUS=LIST_STATUS,
        )
        self.env.filters["when"] = _when
        self.env.filters["clock"] = _clock
        known = self.store.rule_names()
        if not known or not known.keys() >= set(BEHAVIOUR_RULES):  # empty, or filled before B01-B05 had names
            from phrasecheck.report.labels import rule_names

            self.store.set_rules({k: v for k, v in rule_names(self.checker.lexicon).items() if k not in known})

    @property
    def checker(self) -> Checker:
        if self._checker is None:
            from phrasecheck.engine.compiled import cached_checker
            from phrasecheck.engine.run import rules_folder

            self._checker = cached_checker(self.profile, rules_folder(self.profile, self.settings.lexicon_dir))
        return self._checker

    def rule_label(self, rule: str) -> str:
        return rule_label(rule, self.store.rule_names())

    def page(self, request: Request, name: str, status: int = 200, **context) -> HTMLResponse:
        template = self.env.get_template(name)
        names = self.store.rule_names()
        html = template.render(
            request=request,
            csrf=request.state.csrf,
            rule_label=self.rule_label,
            rules=names,
            reason=lambda kind, rule, message, missing=None: reason(kind, rule, message, missing, names),
            **context,
        )
        return HTMLResponse(html, status_code=status)


def _me(request: Request) -> str:
    """The name last signed under a review, to fill the next review form (never 自查's 工号)."""
    return unquote(request.cookies.get("pc_name", ""))


def _my_agent(request: Request) -> str:
    """The 工号 last checked in 自查, to fill 自查's next form. Kept apart from the reviewer's name (pc_name):
    an agent's 自查 on a QA lead's machine must not be saved under the lead's name."""
    return unquote(request.cookies.get("pc_agent", ""))


def _when(value: str | None) -> str:
    if not value:
        return "无日期"
    try:
        return datetime.fromisoformat(value).strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        return value


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return ""
    m, s = divmod(int(seconds), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


# ---- middleware ------------------------------------------------------------------------------


class Guard(BaseHTTPMiddleware):
    """Host check, the operator token, the CSRF cookie, body size, security headers."""

    async def dispatch(self, request: Request, call_next) -> Response:
        wb: Workbench = request.app.state.wb
        settings = wb.settings
        raw = request.headers.get("host") or ""
        host = raw[: raw.find("]") + 1] if raw.startswith("[") else raw.rsplit(":", 1)[0]
        if "*" not in settings.allowed_hosts and host not in settings.allowed_hosts:
            return _secure(Response("unknown host", status_code=400, media_type="text/plain"))
        request.state.csrf = request.cookies.get("pc_csrf") or secrets.token_urlsafe(24)
        if settings.token and not request.url.path.startswith(("/login", "/static/")) and not _authorised(request, settings.token):
            if request.url.path.startswith("/api/"):
                return _secure(JSONResponse({"error": "token required"}, status_code=401))
            return _secure(RedirectResponse("/login?next=" + _quote_path(request), status_code=303))
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            length = request.headers.get("content-length")
            if length is None or not length.isdigit():
                return _secure(JSONResponse({"error": "Content-Length required"}, status_code=411))
            if int(length) > settings.max_body:
                return _secure(JSONResponse({"error": f"request larger than {settings.max_body // (1024 * 1024)} MB"}, status_code=413))
            origin = request.headers.get("origin")
            if origin and origin != "null" and urlsplit(origin).netloc != request.headers.get("host"):
                return _secure(JSONResponse({"error": "cross-site request refused"}, status_code=403))
        response = await call_next(request)
        if "pc_csrf" not in request.cookies:
            response.set_cookie("pc_csrf", request.state.csrf, httponly=False, samesite="strict", path="/")
        return _secure(response)


def _secure(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    return response


def _authorised(request: Request, token: str) -> bool:
    given = request.cookies.get("pc_auth") or ""
    header = request.headers.get("authorization") or ""
    if header.lower().startswith("bearer "):
        given = header[7:].strip()
    return bool(given) and hmac.compare_digest(given.encode(), token.encode())


def _quote_path(request: Request) -> str:
    return quote(request.url.path + (("?" + request.url.query) if request.url.query else ""), safe="")


def _check_csrf(request: Request, given: str | None) -> None:
    cookie = request.cookies.get("pc_csrf")
    if not cookie or not given or not hmac.compare_digest(cookie.encode(), given.encode()):
        raise HTTPException(403, "CSRF 校验失败：请刷新页面后再试")


def _text(form, name: str) -> str:
    """A form field as text. A file posted under a text field's name (multipart) is refused: its repr
    was stored as the reviewer's name or checked as the transcript, and as the CSRF token it was a 500."""
    value = form.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise HTTPException(400, f"表单项 {name} 应为文字，不是文件（form field {name} must be text, not a file）")
    return value


def _safe_next(value: str | None) -> str:
    """Only a local path: never redirect to another site."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


# ---- pages -----------------------------------------------------------------------------------


async def overview(request: Request) -> Response:
    wb: Workbench = request.app.state.wb
    q = request.query_params
    try:
        ov = wb.store.overview(q.get("from", ""), q.get("to", ""))
    except StoreError as exc:
        return wb.page(request, "error.html", 400, message=exc.message)
    sort, desc = q.get("sort", "rank"), q.get("dir", "") == "desc"
    if sort not in SORTS:
        sort = "rank"
    agents = sorted(ov.agents, key=lambda a: (a[sort], a["agent_id"]), reverse=desc)
    return wb.page(
        request,
        "overview.html",
        ov=ov,
        agents=agents,
        sort=sort,
        desc=desc,
        trend_svg=charts.trend(ov.days),
        histogram_svg=charts.histogram(ov.distribution),
        rules_svg=charts.top_rules(ov.top_rules, wb.store.rule_names()),
        counts=wb.store.counts(),
        range_q=urlencode({k: v for k, v in (("from", ov.date_from), ("to", ov.date_to)) if v}),
    )


def _filters(q) -> Filters:
    return Filters(
        agent=q.get("agent", "").strip(),
        rule=q.get("rule", "").strip(),
        severity=q.get("severity", "").strip(),
        status=q.get("status", "").strip(),
        date_from=q.get("from", "").strip(),
        date_to=q.get("to", "").strip(),
        q=q.get("q", "").strip()[:200],
    )


async def conversations(request: Request) -> Response:
    wb: Workbench = request.app.state.wb
    flt = _filters(request.query_params)
    try:
        page_no = max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        page_no = 1
    try:
        page = wb.store.conversations(flt, page_no, PER_PAGE)
    except StoreError as exc:
        return wb.page(request, "error.html", 400, message=exc.message)
    base = flt.as_query()
    return wb.page(
        request,
        "conversations.html",
        flt=flt,
        page=page,
        agents=wb.store.agent_ids(),
        rule_ids=wb.store.rule_ids(),
        page_url=lambda n: "/conversations?" + urlencode({**base, "page": n}),
    )


def _transcript(conv: dict, findings: list[tuple[int, str, Finding]]) -> list[dict]:
    spans: dict[int, list] = {}
    for fid, _key, f in findings:
        turns = conv["turns"]
        end = f.end_char if f.end_turn is None else len(turns[f.turn]["text"]) if f.turn < len(turns) else f.end_char
        if f.end_char > f.start_char or f.kind == "greeting":
            spans.setdefault(f.turn, []).append((f.start_char, max(end, f.start_char + 1) if f.kind != "greeting" else end, f, f"f{fid}"))
    for c in conv["courtesy"]:
        f = Finding(**{k: v for k, v in c.items() if k in Finding.__dataclass_fields__})
        spans.setdefault(f.turn, []).append((f.start_char, f.end_char, f, ""))
    out = []
    for i, t in enumerate(conv["turns"]):
        when = _clock(t.get("start_s")) if t.get("start_s") is not None else (_when(t["timestamp"])[11:] if t.get("timestamp") else "")
        out.append({"n": i + 1, "role": t["role"], "label": ROLE_LABEL.get(t["role"], t["role"]), "when": when, "start_s": t.get("start_s"),
                    "segments": _segments(t.get("text", ""), spans.get(i, []))})  # fmt: skip
    return out


def _agents_named(conv: dict, transcript: list[dict]) -> list[dict]:
    """In a transfer, each agent line says which agent spoke it (客服 A2002)."""
    if len(conv["parts"]) > 1:
        for item, t in zip(transcript, conv["turns"], strict=True):
            if t["role"] == "agent":
                item["label"] = f"{item['label']} {t.get('agent_id') or conv['agent_id']}"
    return transcript


async def conversation(request: Request) -> Response:
    wb: Workbench = request.app.state.wb
    pk = request.path_params["pk"]
    conv = wb.store.conversation(pk)
    if conv is None:
        return wb.page(request, "error.html", 404, message=f"没有编号为 {pk} 的会话")
    findings = wb.store.finding_objects(pk)
    return wb.page(
        request,
        "conversation.html",
        c=conv,
        # the checker's notes (mono call, B03/B04 not checked, ...) in Chinese; a transfer is shown from the parts above them
        notes=[note_label(n) for n in conv["notes"] if not (len(conv["parts"]) > 1 and n.startswith("transfer: "))],
        transcript=_agents_named(conv, _transcript(conv, findings)),
        has_audio=wb.store.audio_path(pk) is not None,
        me=_me(request),
        back=_safe_next(request.query_params.get("back")),
    )


async def review_form(request: Request) -> Response:
    wb: Workbench = request.app.state.wb
    pk = request.path_params["pk"]
    form = await request.form()
    _check_csrf(request, _text(form, "csrf"))
    try:
        fid = int(_text(form, "finding"))
        if not any(f_id == fid for f_id, _, _ in wb.store.finding_objects(pk)):
            raise StoreError("review", "这条问题不属于这个会话")
        wb.store.review(fid, _text(form, "verdict"), _text(form, "note")[:2000], _text(form, "by")[:100])
    except (ValueError, StoreError) as exc:
        status = 503 if isinstance(exc, StoreWriteError) else 400  # the database cannot be written: the server's problem, not the form's
        return wb.page(request, "error.html", status, message=getattr(exc, "message", str(exc)))
    response = RedirectResponse(f"/c/{pk}#f{fid}", status_code=303)
    response.set_cookie("pc_name", quote(_text(form, "by")[:100]), samesite="strict", httponly=True)  # cookies are latin-1: 李 travels encoded
    return response


async def export_reviews(request: Request) -> Response:
    """review.csv (UTF-8 with BOM, for Excel) of the conversations the 会话 filters select, with the verdicts made here."""
    import io

    from phrasecheck.scoring.review import write_review_rows

    wb: Workbench = request.app.state.wb
    try:
        entries = wb.store.review_entries(_filters(request.query_params))
    except StoreError as exc:
        return wb.page(request, "error.html", 400, message=exc.message)
    out = io.StringIO()
    write_review_rows(out, entries)
    return Response("\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8", headers={"Content-Disposition": 'attachment; filename="review.csv"'})


# ---- 自查 --------------------------------------------------------------------------------------


def _sniff_text(text: str) -> str:
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return ".jsonl" if first.startswith("{") else ".txt"


def check_text(wb: Workbench, text: str, agent: str = "", suffix: str | None = None):
    """Check a pasted transcript (客服:/客户: lines, or JSONL). Returns the Run."""
    from phrasecheck.data import Run
    from phrasecheck.inputs.readers import read_file

    suffix = suffix or _sniff_text(text)
    with tempfile.TemporaryDirectory(prefix="pc-selfcheck-") as tmp:
        path = Path(tmp) / f"自查{suffix}"
        path.write_text(text, encoding="utf-8")
        loaded = read_file(path, wb.profile, agent or None)
    for e in loaded.errors:  # name 自查's input, never the server's temporary file
        e.source = "自查" if e.source is not None else None
        e.message = e.message.replace(str(path), "自查").replace(tmp, "自查")
    run = Run(errors=loaded.errors, files=1)
    with wb.check_lock:
        for conv in loaded.conversations:
            conv.source = "自查"
            run.results.append(wb.checker.check(conv))
    return run


def check_audio(wb: Workbench, data: bytes, suffix: str, agent: str = ""):
    """Transcribe one uploaded recording with the local model (nothing leaves the machine) and check it."""
    from phrasecheck.calls.transcribe import transcribe_file
    from phrasecheck.calls.verify import Verification
    from phrasecheck.data import Run
    from phrasecheck.errors import InputError, ModelError

    run = Run(files=1)
    with tempfile.TemporaryDirectory(prefix="pc-selfcheck-") as tmp:
        path = Path(tmp) / f"recording{suffix}"
        path.write_bytes(data)
        try:
            with wb.check_lock:
                conv = transcribe_file(path, agent_id=agent or "unknown", verification=Verification.of(wb.checker))
        except (InputError, ModelError) as exc:
            run.errors.append(InputError("录音", exc.message))
            return run
    conv.source = "自查"
    with wb.check_lock:
        run.results.append(wb.checker.check(conv))
    return run


async def selfcheck(request: Request) -> Response:
    wb: Workbench = request.app.state.wb
    if request.method == "GET":
        return wb.page(request, "selfcheck.html", text="", agent=_my_agent(request), run=None, saved=None)
    form = await request.form(max_files=1, max_fields=10)
    _check_csrf(request, _text(form, "csrf"))
    text = _text(form, "text")
    agent = _text(form, "agent").strip()[:100]
    upload = form.get("file")
    run = None
    if upload is not None and getattr(upload, "filename", ""):
        suffix = Path(upload.filename).suffix.lower()
        data = await upload.read()
        if suffix in TEXT_SUFFIXES:
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                try:
                    text = data.decode("gb18030")
                except UnicodeDecodeError:
                    return wb.page(request, "error.html", 400, message="文件编码无法识别（应为 UTF-8 或 GBK）")
            run = await run_in_threadpool(check_text, wb, text, agent, suffix if suffix != ".txt" else None)
        elif suffix in {".wav", ".mp3", ".flac", ".ogg", ".opus", ".m4a"} and (
            data[:4] in AUDIO_MAGIC or data[:3] in AUDIO_MAGIC or data[:2] in AUDIO_MAGIC or data[4:8] == b"ftyp"
        ):
            run = await run_in_threadpool(check_audio, wb, data, suffix, agent)
        else:
            return wb.page(request, "error.html", 415, message="只接受文字记录（.txt .jsonl .csv）或录音（.wav .mp3 .flac .ogg .opus .m4a）")
    elif text.strip():
        if len(text) > wb.settings.max_text:
            return wb.page(request, "error.html", 413, message="文字太长")
        run = await run_in_threadpool(check_text, wb, text, agent)
    saved = None
    if run is not None and form.get("save") and run.results:
        try:
            saved = _save_selfcheck(wb, run)
        except StoreWriteError as exc:
            return wb.page(request, "error.html", 503, message=f"未能保存（数据库无法写入）：{exc.message}")
    response = wb.page(
        request, "selfcheck.html", text=text, agent=agent, run=run, results=[_self_result(wb, r) for r in (run.results if run else [])], saved=saved
    )
    if agent != _my_agent(request):
        response.set_cookie("pc_agent", quote(agent), samesite="strict", httponly=True)  # 自查's own: never the reviewer's pc_name
    return response


def _self_result(wb: Workbench, r) -> dict:
    conv = {"turns": [{"role": t.role, "text": t.text, "start_s": t.start_s, "timestamp": t.timestamp.isoformat() if t.timestamp else None} for t in r.conversation.turns],
            "courtesy": []}  # fmt: skip
    findings = [(i, "", f) for i, f in enumerate(r.findings)]
    return {"r": r, "transcript": _transcript(conv, findings), "findings": findings}


def _save_selfcheck(wb: Workbench, run) -> int:
    from phrasecheck.report.jsonfmt import document

    stamp = datetime.now().astimezone().isoformat(timespec="seconds")
    for r in run.results:  # before the document is made: each finding's key starts with its source
        r.conversation.source = f"自查 {stamp}"
    doc = document(run, wb.profile)
    for c in doc["conversations"]:
        c["started_at"] = c["started_at"] or stamp
    doc["scoring"] = {"fatal": sorted(wb.checker.fatal)}
    wb.store.import_document(doc, "自查", default_fatal=wb.checker.fatal)
    return len(doc["conversations"])


# ---- audio, login --------------------------------------------------------------------------


async def audio(request: Request) -> Response:
    wb: Workbench = request.app.state.wb
    path = wb.store.audio_path(request.path_params["pk"])
    if path is None:
        return Response("no recording", status_code=404, media_type="text/plain")
    return FileResponse(path)


async def login(request: Request) -> Response:
    wb: Workbench = request.app.state.wb
    nxt = _safe_next(request.query_params.get("next"))
    if request.method == "GET":
        return wb.page(request, "login.html", next=nxt, failed=False)
    form = await request.form()
    _check_csrf(request, _text(form, "csrf"))
    token = _text(form, "token")
    if not wb.settings.token or not hmac.compare_digest(token.encode(), wb.settings.token.encode()):
        return wb.page(request, "login.html", 401, next=nxt, failed=True)
    response = RedirectResponse(_safe_next(_text(form, "next") or "/"), status_code=303)
    response.set_cookie("pc_auth", token, httponly=True, samesite="strict")
    return response


# ---- JSON API --------------------------------------------------------------------------------


async def api_check(request: Request) -> Response:
    """POST a transcript (客服:/客户: lines) or JSONL as the body; the `check --format json` document back.
    With Content-Type application/json the body is {"text": ..., "agent": ...}. Nothing is stored."""
    from phrasecheck.report.jsonfmt import document
    from phrasecheck.report.redact import redact_run

    wb: Workbench = request.app.state.wb
    raw = await request.body()
    agent = request.query_params.get("agent", "")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("gb18030")
        except UnicodeDecodeError:
            return JSONResponse({"error": "body is not UTF-8 or GBK text"}, status_code=415)
    if (request.headers.get("content-type") or "").startswith("application/json"):
        try:
            body = json.loads(text)
            text, agent = body["text"], body.get("agent") or agent
        except (ValueError, KeyError, TypeError):
            return JSONResponse({"error": 'expected {"text": "客服:…"}'}, status_code=400)
        if not isinstance(text, str) or not isinstance(agent, (str, int)) or isinstance(agent, bool):
            return JSONResponse({"error": 'expected {"text": "客服:…", "agent": "A1"}: text and agent are strings'}, status_code=400)
        agent = str(agent)
        half = surrogate_problem([text, agent])  # "\ud800" in the JSON: half a character, which no text can hold
        if half:
            return JSONResponse({"error": f"text {half}"}, status_code=400)
    if not text.strip():
        return JSONResponse({"error": "empty transcript"}, status_code=400)
    run = await run_in_threadpool(check_text, wb, text, agent)
    doc = document(redact_run(run), wb.profile)
    return JSONResponse(doc, status_code=200 if run.results else 400)


async def api_agents(request: Request) -> Response:
    wb: Workbench = request.app.state.wb
    try:
        return JSONResponse({"agents": wb.store.agents(request.query_params.get("from", ""), request.query_params.get("to", ""))})
    except StoreError as exc:
        return JSONResponse({"error": exc.message}, status_code=400)


async def api_conversations(request: Request) -> Response:
    wb: Workbench = request.app.state.wb
    try:
        page = wb.store.conversations(_filters(request.query_params), max(1, int(request.query_params.get("page", "1") or 1)), PER_PAGE)
    except (StoreError, ValueError) as exc:
        return JSONResponse({"error": getattr(exc, "message", str(exc))}, status_code=400)
    return JSONResponse({"total": page.total, "page": page.page, "pages": page.pages, "conversations": page.rows})


async def api_reviews(request: Request) -> Response:
    """{"finding": id, "verdict": "confirmed|false|appeal" (or 确认/误报/申诉), "note": "...", "by": "..."}; X-CSRF-Token header."""
    wb: Workbench = request.app.state.wb
    _check_csrf(request, request.headers.get("x-csrf-token"))
    try:
        body = json.loads(await request.body())
        finding, fields = body["finding"], [body.get(k, "") for k in ("verdict", "note", "by")]
        if isinstance(finding, str) and finding.strip().isdigit():
            finding = int(finding)
        if not isinstance(finding, int) or isinstance(finding, bool):  # true was finding 1, 1.9 was 1: a verdict on a finding nobody named
            raise ValueError(f"finding must be a finding's number, got {json.dumps(finding, ensure_ascii=False)[:40]}")
        if not all(isinstance(v, str) for v in fields) or surrogate_problem(fields):  # a list as note was stored as its Python repr
            raise ValueError("verdict, note and by must be text")
        verdict, note, by = fields
        out = wb.store.review(finding, verdict, note[:2000], by[:100])
    except (ValueError, KeyError, TypeError, OverflowError) as exc:
        return JSONResponse({"error": f"bad request: {exc}"}, status_code=400)
    except StoreError as exc:
        return JSONResponse({"error": exc.message}, status_code=503 if isinstance(exc, StoreWriteError) else 400)
    agent = next((a for a in wb.store.agents() if a["agent_id"] == out["agent_id"]), None)
    return JSONResponse({**out, "agent": agent})


async def http_error(request: Request, exc: HTTPException) -> Response:
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code)
    wb: Workbench = request.app.state.wb
    if not hasattr(request.state, "csrf"):
        request.state.csrf = ""
    return wb.page(request, "error.html", exc.status_code, message=str(exc.detail))


def create_app(settings: Settings) -> Starlette:
    static = Path(__file__).with_name("static")
    routes = [
        Route("/", overview),
        Route("/conversations", conversations),
        Route("/c/{pk:int}", conversation),
        Route("/export/review.csv", export_reviews),
        Route("/c/{pk:int}/review", review_form, methods=["POST"]),
        Route("/selfcheck", selfcheck, methods=["GET", "POST"]),
        Route("/audio/{pk:int}", audio),
        Route("/login", login, methods=["GET", "POST"]),
        Route("/api/check", api_check, methods=["POST"]),
        Route("/api/agents", api_agents),
        Route("/api/conversations", api_conversations),
        Route("/api/reviews", api_reviews, methods=["POST"]),
        Mount("/static", StaticFiles(directory=str(static)), name="static"),
    ]
    app = Starlette(routes=routes, middleware=[Middleware(Guard)], exception_handlers={HTTPException: http_error})
    app.state.wb = Workbench(settings)
    return app
