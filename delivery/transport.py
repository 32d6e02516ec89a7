"""Send one HTTP request and describe what happened. Imports no models; never raises for HTTP.

One `requests.Session` per worker process keeps connections alive between deliveries.
Redirects are not followed and at most `max_bytes` of the response body are read.
requests' timeouts bound each socket operation, not the attempt, so a receiver that
drips one byte a second would hold a worker forever; a watchdog shuts the attempt's
socket down at the wall-clock deadline instead.
"""

import contextlib
import re
import socket
import threading
import time
from dataclasses import dataclass, field

import requests
from requests.adapters import HTTPAdapter
from urllib3 import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.util import connection as urllib3_connection

KEPT_RESPONSE_HEADERS = (
    "content-type",
    "content-length",
    "retry-after",
    "location",
    "server",
    "date",
)
ERRNO_TEXT = re.compile(r"\[Errno -?\d+\] [A-Za-z ,']+")
_session: requests.Session | None = None
_in_flight: dict[int, HTTPConnection] = {}  # thread id → the connection it is using
_pinned: dict[int, str] = {}  # thread id → the checked address to connect to


class WatchedConnection:
    """Connects to the address that was checked, and can be cut by the watchdog."""

    def request(self, *args, **kwargs):
        _in_flight[threading.get_ident()] = self
        return super().request(*args, **kwargs)

    def _new_conn(self):
        # Connect to the address the SSRF guard checked, not to whatever a second DNS
        # lookup says (rebinding); Host and TLS SNI still name the URL's host.
        address = _pinned.get(threading.get_ident())
        if address is None:
            return super()._new_conn()
        try:
            return urllib3_connection.create_connection(
                (address, self.port),
                self.timeout,
                source_address=self.source_address,
                socket_options=self.socket_options,
            )
        except TimeoutError as exc:
            raise ConnectTimeoutError(self, "connect timed out") from exc
        except OSError as exc:
            raise NewConnectionError(self, f"Failed to establish a new connection: {exc}") from exc


class WatchedHTTPConnection(WatchedConnection, HTTPConnection):
    pass


class WatchedHTTPSConnection(WatchedConnection, HTTPSConnection):
    pass


class WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = WatchedHTTPConnection


class WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = WatchedHTTPSConnection


def cut(connection) -> None:
    """Shut a connection's socket down; blocked reads in the sending thread return."""
    sock = getattr(connection, "sock", None)
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


@dataclass(frozen=True)
class Result:
    duration_ms: int
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""
    error_class: str = ""  # empty on success
    error_detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def session() -> requests.Session:
    global _session
    if _session is None:
        _session = requests.Session()
        _session.trust_env = False  # no proxies or .netrc credentials from the environment
        adapter = HTTPAdapter(pool_connections=32, pool_maxsize=8, max_retries=0)
        adapter.poolmanager.pool_classes_by_scheme = {
            "http": WatchedHTTPPool,
            "https": WatchedHTTPSPool,
        }
        _session.mount("http://", adapter)
        _session.mount("https://", adapter)
    return _session


def status_error(status: int, headers: dict[str, str]) -> tuple[str, str]:
    """Classify a non-2xx response."""
    if 300 <= status < 400:
        return "redirect", f"HTTP {status}: redirects are not followed"
    if status == 410:
        return "gone", "HTTP 410: the receiver asked to stop"
    if status == 429:
        return "throttled", "HTTP 429: too many requests"
    if 400 <= status < 500:
        return "http_4xx", f"HTTP {status}"
    if status >= 500:
        return "http_5xx", f"HTTP {status}"
    return "http_other", f"HTTP {status}"


def cause_names(exc: BaseException) -> list[str]:
    """Class names down the exception's causes, e.g. ConnectionError, ProtocolError, ..."""
    names, seen = [], set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        names.append(type(exc).__name__)
        nested = [a for a in exc.args if isinstance(a, BaseException)]
        exc = nested[0] if nested else exc.__cause__ or exc.__context__
    return names


def exception_error(exc: requests.RequestException) -> tuple[str, str]:
    """Classify a transport failure without quoting the URL (it may hold secret parameters)."""
    text = str(exc)
    errno = ERRNO_TEXT.search(text)
    detail = errno.group(0).strip() if errno else " ← ".join(cause_names(exc))
    if isinstance(exc, requests.Timeout):
        return "timeout", f"no complete answer in time ({type(exc).__name__})"
    if isinstance(exc, requests.exceptions.SSLError):
        return "tls", "TLS handshake or certificate failure"
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return "connection", "the answer was cut off before its end"
    if isinstance(exc, requests.ConnectionError):
        if "NameResolution" in text or "getaddrinfo" in text:
            return "dns", "the host name could not be resolved"
        return "connection", detail
    return "request", type(exc).__name__


def read_capped(response: requests.Response, max_bytes: int, deadline: float) -> bytes:
    """Read at most `max_bytes` of the body; a body still arriving at the deadline is a timeout."""
    chunks, size = [], 0
    for chunk in response.iter_content(chunk_size=4096):
        chunks.append(chunk)
        size += len(chunk)
        if size >= max_bytes:
            break
        if time.monotonic() >= deadline:
            raise requests.exceptions.ReadTimeout("the body was still arriving at the deadline")
    return b"".join(chunks)[:max_bytes]


def post(
    url: str,
    *,
    headers: dict[str, str],
    body: bytes,
    connect_timeout: float,
    total_timeout: float,
    max_bytes: int,
    address: str | None = None,
) -> Result:
    """POST `body` to `url` (at `address` if given) and say what happened, in `total_timeout` s."""
    started, me = time.monotonic(), threading.get_ident()
    if address is not None:
        _pinned[me] = address
    watchdog = threading.Timer(total_timeout, lambda: cut(_in_flight.get(me)))
    watchdog.start()
    error = None
    try:
        with session().post(
            url,
            data=body,
            headers=headers,
            timeout=(connect_timeout, total_timeout),
            allow_redirects=False,
            stream=True,
        ) as response:
            content = read_capped(response, max_bytes, started + total_timeout)
    except requests.RequestException as exc:
        error = exception_error(exc)
    except Exception as exc:  # e.g. a value the client cannot encode; never quote it
        error = ("request", " ← ".join(cause_names(exc)))
    finally:
        watchdog.cancel()
        _in_flight.pop(me, None)
        _pinned.pop(me, None)
    if time.monotonic() - started >= total_timeout:
        # Cut by the watchdog, whatever urllib3 made of the half-read answer.
        detail = f"no complete answer within {total_timeout:g} s"
        return Result(elapsed_ms(started), error_class="timeout", error_detail=detail)
    if error:
        return Result(elapsed_ms(started), error_class=error[0], error_detail=error[1])
    kept = {k.lower(): v for k, v in response.headers.items() if k.lower() in KEPT_RESPONSE_HEADERS}
    result = Result(
        elapsed_ms(started),
        status=response.status_code,
        headers=kept,
        body=content.decode("utf-8", errors="replace"),
    )
    if result.ok:
        return result
    error_class, detail = status_error(response.status_code, kept)
    return Result(**{**result.__dict__, "error_class": error_class, "error_detail": detail})


def elapsed_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
