"""One retrying, conditional GET over an httpx.AsyncClient, with errors that say what happened.

`get()` retries (exponential backoff with jitter) only what can succeed on a second try: 5xx answers,
429 answers that carry no rate-limit headers, connection failures and timeouts. Any other 4xx fails at
once. A rate-limit answer (403/429 with `x-ratelimit-remaining: 0`, or with `retry-after`) raises
`RateLimited` without retrying. Failures become `SourceError` whose message names the URL.

Two limits bound what one GET may cost: `deadline` (seconds for the whole GET, retries included: a
server that trickles a byte now and then never trips the per-read timeout) and `max_bytes` (the body is
streamed and reading stops past it: `TooLarge`). Each error names the URL and the config key to raise.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from http import HTTPStatus

import httpx

from .base import RateLimited, SourceError, TooLarge

log = logging.getLogger(__name__)

USER_AGENT = "Paperboy/0.1 (Discord bot for arXiv paper digests; python-httpx)"
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
_ERROR_BODY_BYTES = 64 * 1024  # of an error answer, enough for GitHub's JSON `message`

# What a bare status means to someone reading the log; callers add their own via `hints`.
_DEFAULT_HINTS: dict[int, str] = {
    400: "the server rejected the request",
    401: "the credentials were rejected",
    403: "access denied",
    404: "not found; check the URL",
    410: "gone; check the URL",
}


def make_client(
    timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
    *,
    user_agent: str = USER_AGENT,
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    """An AsyncClient with Paperboy's User-Agent, timeouts (30 s, 10 s to connect) and redirects
    followed. The caller owns it: `async with make_client() as client: ...`."""
    return httpx.AsyncClient(
        timeout=timeout,
        headers={"User-Agent": user_agent},
        follow_redirects=True,
        transport=transport,
    )


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """`attempts` tries in all; before try n+1 wait min(max_delay, base_delay * 2**(n-1)) scaled by a
    random factor in [0.5, 1] (jitter)."""

    attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 30.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed try number `attempt` (1-based)."""
        raw = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return raw * random.uniform(0.5, 1.0)


DEFAULT_RETRY = RetryPolicy()


@dataclass(slots=True)
class GetResult:
    url: str
    status: int
    content: bytes | None  # None on 304
    etag: str | None
    last_modified: str | None
    headers: httpx.Headers

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def _reason(response: httpx.Response) -> str:
    """"404 Not Found": the standard phrase (servers spell them differently, HTTP/2 sends none)."""
    try:
        phrase = HTTPStatus(response.status_code).phrase
    except ValueError:
        phrase = response.reason_phrase
    return f"{response.status_code} {phrase}".strip()


def _server_message(body: bytes) -> str:
    """GitHub explains errors in a JSON `message`; keep a short version of it."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return ""
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        message = " ".join(data["message"].split())
        return message[:200]
    return ""


def _retry_after(value: str | None, now: datetime) -> datetime | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return now + timedelta(seconds=int(value))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def rate_limit_reset(response: httpx.Response, now: datetime | None = None) -> tuple[bool, datetime | None]:
    """(is this a rate-limit answer?, when it resets if known)."""
    if response.status_code not in (403, 429):
        return False, None
    now = now or datetime.now(UTC)
    headers = response.headers
    retry_at = _retry_after(headers.get("retry-after"), now)
    if headers.get("x-ratelimit-remaining", "").strip() == "0":
        reset = headers.get("x-ratelimit-reset", "").strip()
        if reset.isdigit():
            return True, datetime.fromtimestamp(int(reset), UTC)
        return True, retry_at
    if retry_at is not None:
        return True, retry_at
    return False, None


def describe_reset(reset_at: datetime | None, now: datetime | None = None) -> str:
    if reset_at is None:
        return "the reset time is unknown"
    now = now or datetime.now(UTC)
    minutes = max(0, round((reset_at - now).total_seconds() / 60))
    return f"it resets at {reset_at:%Y-%m-%d %H:%M:%S} UTC (in {minutes} min)"


def _transport_problem(exc: Exception) -> str:
    detail = str(exc).strip()
    if isinstance(exc, httpx.TimeoutException):
        what = "timed out"
    elif isinstance(exc, httpx.ConnectError):
        what = "could not connect"
    else:
        what = "the connection broke"
    return f"{what} ({type(exc).__name__}{': ' + detail if detail else ''})"


_RETRYABLE_ERRORS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


def size_text(n: int) -> str:
    return f"{n / (1024 * 1024):.4g} MB"


async def _read_capped(response: httpx.Response, cap: int | None, url: str, limit_key: str) -> bytes:
    """The body, read in chunks; past `cap` bytes, TooLarge (`limit_key` names the config key)."""
    if cap is None:
        return await response.aread()
    declared = response.headers.get("content-length", "").strip()
    too_large = f"GET {url}: the answer is over the {size_text(cap)} limit ({limit_key})"
    if declared.isdigit() and int(declared) > cap:
        raise TooLarge(f"{too_large}: it declares {size_text(int(declared))}")
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > cap:
            raise TooLarge(f"{too_large}; stopped reading there")
        chunks.append(chunk)
    return b"".join(chunks)


async def _read_error_body(response: httpx.Response) -> bytes:
    """The start of an error answer (its explanation), never the whole of an endless one."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= _ERROR_BODY_BYTES:
            break
    return b"".join(chunks)[:_ERROR_BODY_BYTES]


async def get(
    client: httpx.AsyncClient,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
    retry: RetryPolicy = DEFAULT_RETRY,
    hints: Mapping[int, str] | None = None,
    rate_limit_hint: str = "",
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    deadline: float | None = None,
    max_bytes: int | None = None,
    limit_key: str = "limits.max_response_mb",
) -> GetResult:
    """GET `url`; send If-None-Match / If-Modified-Since when `etag` / `last_modified` are given.

    Returns a GetResult (status 304 -> `not_modified`, content None). Raises RateLimited for a
    rate-limit answer, TooLarge for a body over `max_bytes`, and SourceError for anything else that is
    not a 2xx/304, or when the whole GET (retries included) takes longer than `deadline` seconds.
    """
    try:
        async with asyncio.timeout(deadline):
            return await _get(
                client, url, headers=headers, etag=etag, last_modified=last_modified, retry=retry, hints=hints,
                rate_limit_hint=rate_limit_hint, sleep=sleep, max_bytes=max_bytes, limit_key=limit_key,
            )
    except TimeoutError:
        raise SourceError(
            f"GET {url}: no complete answer within the {deadline:g} s limit (limits.request_timeout_s) — "
            "the server is stalled or too slow; try again later"
        ) from None


async def _get(
    client: httpx.AsyncClient,
    url: str,
    *,
    headers: Mapping[str, str] | None,
    etag: str | None,
    last_modified: str | None,
    retry: RetryPolicy,
    hints: Mapping[int, str] | None,
    rate_limit_hint: str,
    sleep: Callable[[float], Awaitable[object]],
    max_bytes: int | None,
    limit_key: str,
) -> GetResult:
    request_headers = dict(headers or {})
    if etag:
        request_headers["If-None-Match"] = etag
    if last_modified:
        request_headers["If-Modified-Since"] = last_modified
    all_hints = {**_DEFAULT_HINTS, **(hints or {})}
    attempts = max(1, retry.attempts)

    for attempt in range(1, attempts + 1):
        last = attempt == attempts
        try:
            async with client.stream("GET", url, headers=request_headers) as response:
                if 200 <= response.status_code < 300:
                    body = await _read_capped(response, max_bytes, url, limit_key)
                else:
                    body = await _read_error_body(response)
        except _RETRYABLE_ERRORS as exc:
            problem = _transport_problem(exc)
            if last:
                tries = f" after {attempts} attempts" if attempts > 1 else ""
                raise SourceError(
                    f"GET {url}: {problem}{tries} — check the network and the URL, or try again later"
                ) from exc
            log.warning("GET %s: %s; retrying (%d/%d)", url, problem, attempt, attempts)
            await sleep(retry.delay(attempt))
            continue
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise SourceError(f"GET {url}: {type(exc).__name__}: {exc}") from exc

        status = response.status_code
        if status == 304:
            return GetResult(
                url, status, None, response.headers.get("etag") or etag,
                response.headers.get("last-modified") or last_modified, response.headers,
            )
        if 200 <= status < 300:
            return GetResult(
                url, status, body, response.headers.get("etag"),
                response.headers.get("last-modified"), response.headers,
            )

        limited, reset_at = rate_limit_reset(response)
        if limited:
            message = f"GET {url}: rate limited ({_reason(response)}); {describe_reset(reset_at)}"
            if rate_limit_hint:
                message += f" — {rate_limit_hint}"
            raise RateLimited(message, reset_at)

        if status >= 500 or status == 429:
            if last:
                tries = f" after {attempts} attempts" if attempts > 1 else ""
                raise SourceError(
                    f"GET {url}: {_reason(response)}{tries} — the server is failing; try again later"
                )
            log.warning("GET %s: %s; retrying (%d/%d)", url, _reason(response), attempt, attempts)
            await sleep(retry.delay(attempt))
            continue

        server = _server_message(body)
        hint = all_hints.get(status, "unexpected answer")
        message = f"GET {url}: {_reason(response)}"
        if server:
            message += f" ({server})"
        raise SourceError(f"{message} — {hint}")

    raise AssertionError("unreachable")  # pragma: no cover
