"""HTTP for harvesters: retries with capped exponential backoff and jitter, Retry-After.

What is worth retrying is decided here once for every protocol: timeouts, dropped
connections, truncated bodies, responses slower than a deadline, 5xx, 429 and 503.  A
Retry-After header is honoured in both of its forms (seconds, or an HTTP date), up to a
ceiling so that one server cannot park a nightly run for a day.  Everything else is the
caller's to judge.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import requests
import urllib3

from unioncat.errors import SourceError, TransientError
from unioncat.redact import redact_url

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})

# Set when the run is stopping (Ctrl-C, a crash of the committing thread): a harvest
# thread asleep in a backoff or a Retry-After wakes up and gives up at once instead of
# holding the process for minutes.
STOPPING = threading.Event()


@dataclass(slots=True)
class RetryPolicy:
    max_retries: int = 5
    timeout: float = 60.0
    # The whole response must arrive within this many seconds.  ``timeout`` bounds each
    # wait for bytes, so a server that trickles a few bytes at a time would otherwise hold
    # a nightly harvest for ever.
    deadline: float = 900.0
    backoff_base: float = 1.0
    backoff_max: float = 60.0
    retry_after_max: float = 300.0
    # One response is held in memory whole (an OAI-PMH page, an API answer): past this
    # it is refused, naming the URL, instead of growing the run by its size (and the
    # records cut from it, and the next page asked for ahead) until the machine swaps.
    max_response_bytes: int = 64 << 20


@dataclass(slots=True)
class Fetched:
    url: str
    status: int
    body: bytes
    attempts: int
    headers: Mapping[str, str] = field(default_factory=dict)


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: ``120`` or ``Wed, 21 Oct 2026 07:28:00 GMT``."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def backoff(attempt: int, policy: RetryPolicy, rng: random.Random) -> float:
    """Capped exponential backoff with full jitter (no herd of harvesters in lock step)."""
    cap = min(policy.backoff_max, policy.backoff_base * (2**attempt))
    return rng.uniform(cap / 2, cap)


def fetch(
    session: requests.Session,
    url: str,
    params: Mapping[str, str],
    policy: RetryPolicy,
    *,
    headers: Mapping[str, str] | None = None,
    sleep: Callable[[float], None] | None = None,
    rng: random.Random | None = None,
    on_retry: Callable[[str, float], None] | None = None,
) -> Fetched:
    """GET with retries; returns the last response whatever its status, unless every try
    failed transiently, which raises :class:`TransientError` naming the URL and cause."""
    rng = rng or random.Random()
    last = "no attempt made"
    for attempt in range(policy.max_retries + 1):
        wait: float | None = None
        try:
            resp, body = _get(session, url, params, policy, headers)
        except _TooSlow as exc:
            last = str(exc)
        except (requests.Timeout, requests.ConnectionError) as exc:
            last = f"{type(exc).__name__}: {exc}"
        except requests.exceptions.ChunkedEncodingError as exc:
            last = f"truncated response: {exc}"
        except requests.exceptions.ContentDecodingError as exc:
            last = f"undecodable response: {exc}"
        else:
            if resp.status_code not in RETRY_STATUS:
                return Fetched(resp.url, resp.status_code, body, attempt + 1, resp.headers)
            last = f"HTTP {resp.status_code}"
            after = retry_after_seconds(resp.headers.get("Retry-After"))
            if after is not None:
                wait = min(after, policy.retry_after_max)
                last += f" (Retry-After {resp.headers.get('Retry-After')})"
        if attempt == policy.max_retries:
            break
        if wait is None:
            wait = backoff(attempt, policy, rng)
        if on_retry is not None:
            on_retry(last, wait)
        if sleep is not None:
            sleep(wait)
        elif STOPPING.wait(wait):
            raise TransientError(f"{url}: stopped while waiting to retry ({last})", stage="harvest")
    raise TransientError(
        f"{url} failed {policy.max_retries + 1} times; last: {last}",
        stage="harvest",
        hint="the server may be down or overloaded; the next run resumes where this stopped",
    )


class _TooSlow(Exception):
    pass


def _too_large(url: str, limit: int, seen: str) -> SourceError:
    """Not worth retrying: the server would send the same page again."""
    return SourceError(
        f"the response from {redact_url(url)} is larger than max_response_bytes "
        f"({limit} bytes; {seen}); it was refused before it could fill the memory",
        stage="harvest",
        hint="raise max_response_bytes on the source if its pages really are this large, "
        "or ask the repository for smaller pages",
    )


def _get(
    session: requests.Session,
    url: str,
    params: Mapping[str, str],
    policy: RetryPolicy,
    headers: Mapping[str, str] | None = None,
) -> tuple[requests.Response, bytes]:
    """One GET, its body read as it arrives and checked against the deadline.

    ``read1`` returns whatever bytes have come (``iter_content`` would block until a
    whole chunk had trickled in); urllib3's errors are raised as the requests errors
    the caller already tells apart, so a truncated body is still a truncated body.
    """
    start = time.monotonic()
    resp = session.get(
        url, params=dict(params), headers=dict(headers or {}), timeout=policy.timeout, stream=True
    )
    chunks = []
    read = 0
    limit = policy.max_response_bytes
    with resp:
        announced = resp.headers.get("Content-Length", "")
        if announced.isdigit() and int(announced) > limit:
            raise _too_large(url, limit, f"its Content-Length is {int(announced)} bytes")
        try:
            while chunk := resp.raw.read1(1 << 16):
                if STOPPING.is_set():
                    raise TransientError(f"{url}: stopped while reading the response")
                chunks.append(chunk)
                read += len(chunk)
                if read > limit:
                    raise _too_large(url, limit, f"{read} bytes had arrived")
                if time.monotonic() - start > policy.deadline:
                    raise _TooSlow(
                        f"the response took longer than the {policy.deadline:g} s deadline "
                        f"({read} bytes had arrived; raise the source's deadline if the "
                        "server is only slow)"
                    )
        except urllib3.exceptions.ReadTimeoutError as exc:
            raise requests.exceptions.ReadTimeout(str(exc)) from exc
        except urllib3.exceptions.ProtocolError as exc:
            raise requests.exceptions.ChunkedEncodingError(str(exc)) from exc
        except urllib3.exceptions.DecodeError as exc:
            raise requests.exceptions.ContentDecodingError(str(exc)) from exc
    return resp, b"".join(chunks)
