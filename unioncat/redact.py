"""Secrets never reach a log, a table, an export or a terminal.

A source's URL may carry credentials (``https://user:pass@host/``, ``?apikey=...``),
written in the pipeline file or read from ``${NAME}``.  The URL is used as is only to
fetch; everywhere it names something (a file drop's batch, an envelope id, a checkpoint
key) it is :func:`redact_url`-ed, and every text that leaves the process (log lines,
command output, messages stored in the catalog) goes through :func:`scrub`, which
removes the credentials the configuration holds wherever they appear (an exception's
text, say) and any credentials a URL in the text still carries.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from urllib.parse import (
    parse_qsl,
    quote,
    quote_plus,
    unquote,
    urlencode,
    urlsplit,
    urlunsplit,
)

MASK = "***"
# query parameters that carry credentials, by the names APIs give them
SECRET_PARAMS = frozenset(
    {
        "apikey", "api_key", "api-key", "key", "token", "access_token", "auth", "auth_token",
        "password", "passwd", "pass", "pwd", "secret", "client_secret", "signature", "sig",
        "sessionid", "session", "x-api-key", "private_token", "wskey", "code",
    }
)  # fmt: skip
# option and environment variable names whose values are secrets themselves
_SECRET_NAME = re.compile(r"key|token|secret|pass|pwd|auth|cred", re.IGNORECASE)
_URL_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@\"'<>]+@")
_URL_PARAM = re.compile(
    r"(?i)([?&;](?:" + "|".join(re.escape(p) for p in sorted(SECRET_PARAMS)) + r")=)"
    r"[^&;#\s\"'<>]*"
)
_SHORTEST = 4  # a registered secret shorter than this would mask ordinary words

_secrets: set[str] = set()
_pattern: re.Pattern[str] | None = None
_lock = threading.Lock()


def is_secret_name(name: str) -> bool:
    return bool(_SECRET_NAME.search(name))


def register(value: str) -> None:
    """Mask ``value`` (and its URL-encoded forms) wherever it appears from now on."""
    if len(value) < _SHORTEST:
        return
    global _pattern
    with _lock:
        forms = {value, quote(value, safe=""), quote_plus(value)}
        if forms <= _secrets:
            return
        _secrets.update(forms)
        ordered = sorted(_secrets, key=len, reverse=True)
        _pattern = re.compile("|".join(re.escape(s) for s in ordered))


def register_url(url: str) -> None:
    """Remember the credentials a URL carries, so that they are masked anywhere."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return
    if parts.password:
        register(parts.password)
        register(unquote(parts.password))
    if parts.username and parts.password is None:
        register(parts.username)  # a token given as the user name alone
        register(unquote(parts.username))
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        if name.lower() in SECRET_PARAMS and value:
            register(value)


def register_values(values: Iterable[object]) -> None:
    for value in values:
        if isinstance(value, str) and "://" in value:
            register_url(value)


def redact_url(url: str) -> str:
    """The URL with its credentials masked: how it is named anywhere but in a request."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return scrub(url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{MASK}@{netloc.rsplit('@', 1)[1]}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(n.lower() in SECRET_PARAMS for n, _ in pairs):
            query = urlencode(
                [(n, MASK if n.lower() in SECRET_PARAMS else v) for n, v in pairs], safe="*"
            )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def scrub(text: str) -> str:
    """``text`` without any registered secret and without credentials in its URLs."""
    if not text:
        return text
    pattern = _pattern
    if pattern is not None:
        text = pattern.sub(MASK, text)
    if "@" in text:
        text = _URL_USERINFO.sub(lambda m: m.group(1) + MASK + "@", text)
    if "=" in text:
        text = _URL_PARAM.sub(lambda m: m.group(1) + MASK, text)
    return text


def forget_all() -> None:
    """For tests: start again with no registered secret."""
    global _pattern
    with _lock:
        _secrets.clear()
        _pattern = None
