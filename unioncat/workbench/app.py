"""The workbench's pages: search, record, cluster, review queue, quarantine, report.

Every page is made from the read commands (``find``, ``show``, ``review``,
``quarantine``, ``report``), the same functions that answer the CLI, so a page shows what
``unioncat show`` would, and works while a run writes (the run answers them).  The only
write is a review decision, made by the function behind ``unioncat review accept|reject``
under the writer's lock.

Nothing a record holds is rendered as markup: the templates escape every value, the
pages carry no script at all and say so in their Content-Security-Policy, and only an
http(s) URL becomes a link.  Forms that change something carry a token of this server
(CSRF), and a server opened to the network asks for the token of
``UNIONCAT_WORKBENCH_TOKEN`` once per browser.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import threading
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from unioncat.catalog_access import CatalogAccess
from unioncat.dedupe.review import decide
from unioncat.errors import ConfigError, LockHeld, UnioncatError
from unioncat.log import event
from unioncat.overview import PAGE
from unioncat.reads import EXIT_OK, RAW_FILE, Answer
from unioncat.workbench.fields import Shown, labelled, link

TOKEN_VARIABLE = "UNIONCAT_WORKBENCH_TOKEN"
SESSION_COOKIE = "unioncat_workbench"
SEARCH_LIMIT = 50
REVIEW_SHOWN = 20
MEMBERS_SIDE_BY_SIDE = 12  # members of a cluster in columns; the rest are listed below
RAW_SHOWN = 200_000  # characters of a raw record shown on its page; the download has all
NO_SCRIPT = (
    "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
# MARC's record, field and subfield separators, then every other control character, as
# the Unicode symbols for them: a page can show them, and none of them is lost from view
_VISIBLE = str.maketrans(
    {chr(c): chr(0x2400 + c) for c in range(0x20) if chr(c) not in "\n\t"}
    | {"\x7f": "␡", "\x1d": "␝\n", "\x1e": "␞\n", "\x1f": "␟"}
)


def _session_value(token: str) -> str:
    """What the browser keeps once it gave the token: a keyed digest, never the token."""
    return hmac.new(token.encode(), b"unioncat workbench session", hashlib.sha256).hexdigest()


def _lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def raw_text(payload: bytes) -> str:
    """Raw bytes as text a person can read: UTF-8 where it is, control bytes shown."""
    text = payload.decode("utf-8", errors="replace")
    return text.translate(_VISIBLE)


def make_app(access: CatalogAccess, token: str | None = None) -> Flask:
    """The workbench over ``access``; with ``token``, every request must have given it."""
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = 1 << 16
    csrf = secrets.token_urlsafe(32)
    session = _session_value(token) if token else None

    def ask(command: str, **args: Any) -> Answer:
        return access.answer(command, args)

    @app.context_processor
    def _globals() -> dict[str, Any]:
        return {"csrf": csrf, "link": link, "catalog_name": access.config.catalog.name}

    @app.before_request
    def _guard() -> BaseResponse | None:
        if session is not None and request.endpoint not in ("login", "static"):
            given = request.cookies.get(SESSION_COOKIE, "")
            if not hmac.compare_digest(given, session):
                return redirect(url_for("login", next=request.path))
        if request.method == "POST":
            origin = request.headers.get("Origin")
            if origin and urlsplit(origin).netloc != request.host:
                abort(403, "a form of another site cannot change this catalog")
            if request.endpoint != "login" and not hmac.compare_digest(
                request.form.get("csrf", ""), csrf
            ):
                abort(403, "this form is from an earlier start of the workbench; reload the page")
        return None

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = NO_SCRIPT
        response.headers["X-Content-Type-Options"] = "nosniff"
        # same-origin, not no-referrer: with no-referrer, Chromium sends "Origin: null" on
        # the workbench's own form posts, which the origin check must refuse
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.errorhandler(LockHeld)
    def _locked(exc: LockHeld) -> tuple[str, int]:
        return render_template("message.html", title="The catalog is busy", message=exc.message,
                               hint=exc.hint), 503  # fmt: skip

    @app.errorhandler(UnioncatError)
    def _failed(exc: UnioncatError) -> tuple[str, int]:
        event("workbench.failed", f"workbench: {exc}", level=logging.ERROR)
        return render_template("message.html", title="The catalog cannot be read",
                               message=exc.message, hint=exc.hint), 503  # fmt: skip

    @app.route("/login", methods=["GET", "POST"])
    def login() -> str | BaseResponse:
        target = request.values.get("next", "/")
        if not target.startswith("/") or target.startswith("//"):
            target = "/"
        if request.method == "POST" and token is not None:
            if hmac.compare_digest(request.form.get("token", ""), token):
                response = redirect(target)
                response.set_cookie(SESSION_COOKIE, session or "", httponly=True,
                                    samesite="Strict")  # fmt: skip
                return response
            return render_template("login.html", next=target, wrong=True)
        return render_template("login.html", next=target, wrong=False)

    @app.route("/")
    def search() -> str:
        query = request.args.get("q", "").strip()
        found: list[dict[str, Any]] = []
        message = None
        if query:
            answer = ask("find", query=query, limit=SEARCH_LIMIT)
            found = _lines(answer.out) if answer.code == EXIT_OK else []
            message = None if found else (answer.err or f"nothing found for {query!r}")
        return render_template("search.html", query=query, found=found, message=message)

    def _show(key: str, raw: bool = False) -> tuple[dict[str, Any], Answer]:
        answer = ask("show", id=key, raw=raw)
        if answer.code != EXIT_OK:
            abort(404, answer.err)
        return json.loads(answer.out), answer

    @app.route("/record/<path:key>")
    def record(key: str) -> str | BaseResponse:
        shown, _ = _show(key)
        if "record" not in shown:
            return redirect(url_for("cluster", key=shown["cluster_id"]))
        return render_template(
            "record.html", record=shown["record"], fields=labelled(shown["record"]),
            history=shown["history"], holdings=shown["holdings"], access=shown.get("access"),
        )  # fmt: skip

    @app.route("/record/<path:key>/raw")
    def record_raw(key: str) -> str:
        shown, answer = _show(key, raw=True)
        if "record" not in shown or RAW_FILE not in answer.files:
            abort(404, f"no archived record for {key!r}")
        text = raw_text(answer.files[RAW_FILE])
        return render_template(
            "raw.html", title=f"Raw record: {shown['record']['title'] or key}",
            about=shown["raw"], text=text[:RAW_SHOWN], cut=len(text) > RAW_SHOWN,
            download=url_for("record_raw_bytes", key=key), back=url_for("record", key=key),
        )  # fmt: skip

    @app.route("/record/<path:key>/raw.bin")
    def record_raw_bytes(key: str) -> Response:
        _, answer = _show(key, raw=True)
        if RAW_FILE not in answer.files:
            abort(404, f"no archived record for {key!r}")
        return _download(answer.files[RAW_FILE], "record.raw")

    @app.route("/cluster/<path:key>")
    def cluster(key: str) -> str | BaseResponse:
        shown, _ = _show(key)
        if "record" in shown:
            return redirect(url_for("record", key=key))
        merged = [
            (name, value, shown["provenance"].get(name)) for name, value in shown["merged"].items()
        ]
        members = shown["members"][:MEMBERS_SIDE_BY_SIDE]
        _, rows = side_by_side([m["id"] for m in members])
        return render_template("cluster.html", cluster=shown, merged=merged, members=members,
                               rows=rows, more=shown["members"][MEMBERS_SIDE_BY_SIDE:])  # fmt: skip

    def side_by_side(ids: list[str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Records in columns: each labelled field a row, marked where they differ."""
        sides: list[dict[str, Any]] = []
        fields: list[dict[str, Shown]] = []
        for rid in ids:
            side = ask("show", id=rid)
            record = json.loads(side.out).get("record") if side.code == EXIT_OK else None
            sides.append({"id": rid, "record": record})
            fields.append({f.label: f for f in labelled(record or {})})
        rows = []
        for label in dict.fromkeys(label for f in fields for label in f):
            texts = [[t for t, _ in f[label].values] if label in f else [] for f in fields]
            rows.append({"label": label, "texts": texts,
                         "differs": any(t != texts[0] for t in texts)})  # fmt: skip
        return sides, rows

    @app.route("/review")
    def review() -> str:
        answer = ask("review", limit=REVIEW_SHOWN)
        pairs = []
        for pair in _lines(answer.out):
            sides, rows = side_by_side([pair["record_a"], pair["record_b"]])
            pairs.append({**pair, "sides": sides, "rows": rows})
        decided = {k: request.args.get(k) for k in ("decided", "status") if request.args.get(k)}
        return render_template("review.html", pairs=pairs, decided=decided)

    @app.post("/review/decide")
    def review_decide() -> str | BaseResponse | tuple[str, int]:
        form = request.form
        a, b, decision = form.get("record_a", ""), form.get("record_b", ""), form.get("decision")
        note = form.get("note", "").strip() or None
        try:
            summary = access.write("review", lambda c: decide(c, a, b, str(decision), note))
        except LockHeld as exc:
            return render_template(
                "message.html", title="The decision was not recorded", message=exc.message,
                hint="a run is writing the catalog; decide again when it has finished",
            ), 409  # fmt: skip
        except ConfigError as exc:
            return render_template("message.html", title="The decision was not recorded",
                                   message=exc.message, hint=exc.hint), 400  # fmt: skip
        event("workbench.review", f"workbench: {summary}", decision=decision)
        status = "accepted" if decision == "accept" else "rejected"
        return redirect(url_for("review", decided=f"{a} and {b}", status=status))

    @app.route("/quarantine")
    def quarantine() -> str:
        source = request.args.get("source") or None
        answer = ask("quarantine", source=source, json=True)
        if answer.code != EXIT_OK:
            abort(400, answer.err)
        return render_template("quarantine.html", entries=_lines(answer.out), source=source)

    def _quarantined(source: str, envelope: str) -> tuple[dict[str, Any], bytes]:
        answer = ask("quarantine", source=source, envelope=envelope, json=True, dump=True)
        entries = _lines(answer.out) if answer.code == EXIT_OK else []
        if not entries or not answer.files:
            abort(404, f"nothing quarantined as {envelope!r} from {source!r}")
        return entries[0], next(iter(answer.files.values()))

    @app.route("/quarantine/raw")
    def quarantine_raw() -> str:
        source, envelope = request.args.get("source", ""), request.args.get("envelope", "")
        entry, payload = _quarantined(source, envelope)
        text = raw_text(payload)
        return render_template(
            "raw.html", title=f"Quarantined: {envelope}", about=entry, text=text[:RAW_SHOWN],
            cut=len(text) > RAW_SHOWN, back=url_for("quarantine", source=source),
            download=url_for("quarantine_raw_bytes", source=source, envelope=envelope),
        )  # fmt: skip

    @app.route("/quarantine/raw.bin")
    def quarantine_raw_bytes() -> Response:
        source, envelope = request.args.get("source", ""), request.args.get("envelope", "")
        _, payload = _quarantined(source, envelope)
        return _download(payload, "quarantined.raw")

    shown_report: dict[str, bytes] = {}  # the last page made, by the catalog state it shows
    report_lock = threading.Lock()

    @app.route("/report")
    def report() -> Response:
        """The report, made again only when the catalog has changed since it was made
        (a large catalog takes seconds)."""
        with report_lock:
            known = next(iter(shown_report), None)
            answer = ask("report", page_only=True, unless_state=known)
            page = answer.files.get(PAGE) or shown_report.get(answer.out)
            if page is None:  # not the state asked about after all: make it
                answer = ask("report", page_only=True)
                page = answer.files[PAGE]
            shown_report.clear()
            shown_report[answer.out] = page
        return Response(page, mimetype="text/html")

    @app.errorhandler(404)
    @app.errorhandler(400)
    @app.errorhandler(403)
    def _http_error(exc: Any) -> tuple[str, int]:
        return render_template("message.html", title=exc.name, message=exc.description,
                               hint=None), exc.code  # fmt: skip

    return app


def _download(payload: bytes, name: str) -> Response:
    response = Response(payload, mimetype="application/octet-stream")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
