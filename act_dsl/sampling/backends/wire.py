"""The HTTP exchange under the `openai` backend: one try of one request, bounded and with the API key kept to
its origin. A watchdog (`Flight`) shuts a try's sockets down when its deadline passes or the run stops, which
wakes a thread blocked on a silent or trickling server; every http.client and socket failure becomes a Retry
(worth another try) or a one-line BackendError naming the server. Standard library only."""
from __future__ import annotations

import datetime as dt
import email.utils
import http.client
import json
import math
import socket
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from act_dsl.sampling.backends.base import BackendError

MAX_WAIT = 8.0          # the longest single wait between tries, Retry-After included
MAX_REPLY = 64 << 20    # bytes of one answer at most: n responses of max_new_tokens fit many times over
MAX_REDIRECTS = 5
RETRY_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}


class Retry(Exception):
    """A failure worth another try; `wait` is the server's Retry-After when it gave one."""

    def __init__(self, message: str, wait: float | None = None) -> None:
        super().__init__(message)
        self.wait = wait


class Cut(Exception):
    """A try whose connection the watchdog shut down: its deadline passed, or the backend was closed."""


class Flight:
    """The sockets of one try: shut down together when its deadline passes or the backend closes, which
    wakes a thread blocked reading from a silent or trickling server."""

    def __init__(self) -> None:
        self.why: str | None = None          # "deadline" or "closed" once cut
        self._socks: list[socket.socket] = []
        self._lock = threading.Lock()

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._socks.append(sock)
            if self.why is not None:
                _shut(sock)

    def cut(self, why: str) -> None:
        with self._lock:
            if self.why is None:
                self.why = why
            for sock in self._socks:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    try:  # the plain socket's shutdown, also for a TLS socket: wakes a blocked read without touching TLS state
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except (OSError, ValueError):
        pass   # already closed


class _Watched:
    """Opens the connection's socket under the flight's watch (for HTTPS the TLS handshake is watched too)."""
    _flight: Flight

    def _open(self, *args: Any, **kwargs: Any) -> socket.socket:
        sock = socket.create_connection(*args, **kwargs)
        self._flight.watch(sock)
        return sock


class _WatchedHTTP(_Watched, http.client.HTTPConnection):
    def __init__(self, *args: Any, flight: Flight, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._flight = flight
        self._create_connection = self._open


class _WatchedHTTPS(_Watched, http.client.HTTPSConnection):
    def __init__(self, *args: Any, flight: Flight, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._flight = flight
        self._create_connection = self._open

    def connect(self) -> None:
        super().connect()
        self._flight.watch(self.sock)


class _Plain(urllib.request.HTTPHandler):
    def __init__(self, flight: Flight) -> None:
        super().__init__()
        self.flight = flight

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_WatchedHTTP, req, flight=self.flight)  # type: ignore[arg-type]


class _Secure(urllib.request.HTTPSHandler):
    def __init__(self, flight: Flight) -> None:
        super().__init__()
        self.flight = flight

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_WatchedHTTPS, req, context=getattr(self, "_context", None),  # type: ignore[arg-type]
                            flight=self.flight)


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urllib.parse.urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), port


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect with its method and body (303: a GET); the API key goes only to --base-url's origin,
    and a redirect elsewhere while a key is set is refused with a message, never followed with the key."""

    max_redirections = MAX_REDIRECTS

    def __init__(self, home: str, auth: str | None) -> None:
        super().__init__()
        self.home, self.auth = _origin(home), auth

    def redirect_request(self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: Any,
                         newurl: str) -> urllib.request.Request:
        newurl = urllib.parse.urljoin(req.full_url, newurl)
        if urllib.parse.urlsplit(newurl).scheme not in ("http", "https"):
            raise BackendError(f"{req.full_url} redirects to {newurl[:200]}, which is not an http(s) address")
        same = _origin(newurl) == self.home
        if self.auth and not same:
            raise BackendError(f"{req.full_url} redirects to another server ({newurl[:200]}); the API key was "
                               "not sent there: pass that server as --base-url if you trust it")
        method = "GET" if code == 303 else req.get_method()
        new = urllib.request.Request(newurl, data=None if method == "GET" else req.data, headers=dict(req.headers),
                                     origin_req_host=req.origin_req_host, unverifiable=True, method=method)
        if self.auth and same:
            new.add_unredirected_header("Authorization", self.auth)
        return new


def exchange(flight: Flight, method: str, url: str, body: dict[str, Any] | None, deadline: float, *, home: str,
             api_key: str | None) -> Any:
    """One try: the parsed JSON answer; Retry for what another try may fix, BackendError for the rest."""
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    auth = f"Bearer {api_key}" if api_key else None
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, headers=headers, method=method)
    if auth:
        req.add_unredirected_header("Authorization", auth)  # urllib copies no unredirected header
    opener = urllib.request.build_opener(_Plain(flight), _Secure(flight), _Redirects(home, auth))
    host = urllib.parse.urlsplit(url).netloc
    try:
        with opener.open(req, timeout=max(0.01, deadline - time.monotonic())) as resp:
            raw = resp.read(MAX_REPLY + 1)
            promised = resp.headers.get("Content-Length", "")
            if promised.strip().isdigit() and len(raw) < int(promised) <= MAX_REPLY:  # read(n) does not say
                raise http.client.IncompleteRead(raw, int(promised) - len(raw))
    except urllib.error.HTTPError as exc:
        detail = _detail(exc)
        if exc.code in RETRY_STATUS:
            raise Retry(f"HTTP {exc.code}{detail}", retry_after(exc.headers.get("Retry-After"))) from None
        hint = " (--base-url should be the API root, usually ending in /v1)" if exc.code == 404 else ""
        hint = " (check the key in --api-key-env)" if exc.code in (401, 403) else hint
        raise BackendError(f"{url}: HTTP {exc.code}{detail}{hint}") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, ssl.SSLCertVerificationError):
            raise BackendError(f"{url}: the server's TLS certificate does not verify ({reason.verify_message})"
                               ) from None
        raise Retry(f"cannot connect: {getattr(reason, 'strerror', None) or reason}") from None
    except http.client.IncompleteRead as exc:
        raise Retry(f"the answer was cut off after {len(exc.partial)} bytes") from None
    except (ConnectionError, TimeoutError, socket.timeout) as exc:   # RemoteDisconnected is one of these
        raise Retry(f"the connection failed: {clip(str(exc) or type(exc).__name__)}") from None
    except http.client.HTTPException as exc:  # a status line or headers that are not HTTP, > 100 headers
        raise BackendError(f"{url}: {host} answered something that is not HTTP ({type(exc).__name__}: "
                           f"{clip(str(exc))})") from None
    except (OSError, ValueError) as exc:
        raise Retry(f"the connection failed: {clip(str(exc) or type(exc).__name__)}") from None
    if len(raw) > MAX_REPLY:
        raise BackendError(f"{url} answered more than {MAX_REPLY >> 20} MiB")
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        text = raw[:80].decode("utf-8", "replace").replace("\n", " ")
        raise BackendError(f"{url} answered something that is not JSON: {text!r}") from None


def checked_url(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() or ord(c) < 32 for c in url):
        raise BackendError(f"--base-url {url[:200]!r} is not an http:// or https:// address "
                           "(e.g. http://localhost:8000/v1)")
    try:
        parts.port
    except ValueError:
        raise BackendError(f"--base-url {url[:200]!r} has a port that is not a number from 0 to 65535") from None
    return url


def checked_key(key: str | None) -> str | None:
    """The key without the white space a file or a shell leaves around it; a character no HTTP header can
    carry is refused here (by its position, never showing the key)."""
    if key is None:
        return None
    key = key.strip()
    if not key:
        raise BackendError("the API key (--api-key-env) is empty")
    for i, ch in enumerate(key):
        if not "\x21" <= ch <= "\x7e":
            raise BackendError(f"the API key (--api-key-env) holds character U+{ord(ch):04X} at position {i + 1}, "
                               "which an HTTP header cannot carry; check the variable's value")
    return key


def clip(x: Any, n: int = 120) -> str:
    """A value as at most n characters of one line, for a message."""
    if not isinstance(x, str):
        try:
            x = json.dumps(x)[:n + 1]
        except (TypeError, ValueError, RecursionError):
            x = repr(x)[:n + 1]
    text = x.replace("\n", " ")
    return text if len(text) <= n else text[:n] + "..."


def _detail(exc: urllib.error.HTTPError) -> str:
    try:
        body = exc.read(200).decode("utf-8", "replace").strip().replace("\n", " ")
    except (OSError, ValueError, http.client.HTTPException):
        body = ""
    finally:
        exc.close()
    return f": {body}" if body else ""


def retry_after(value: str | None) -> float | None:
    """The server's Retry-After in seconds, clamped to [0, MAX_WAIT]; None when absent, negative or garbage
    (our own backoff applies then). Both forms: seconds, or an HTTP date."""
    if not value:
        return None
    try:
        secs = float(value.strip())
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value.strip())
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.timezone.utc)
        secs = (when - dt.datetime.now(dt.timezone.utc)).total_seconds()
    if math.isnan(secs) or secs < 0:
        return None
    return min(secs, MAX_WAIT)
