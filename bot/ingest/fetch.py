"""Fetch one URL politely and safely: http(s) only, public addresses, size, time and hops capped."""

from __future__ import annotations

import ipaddress
import re
import socket
import time
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx

from retrieval.errors import WartaError

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w.:-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([\w.:-]+)""", re.IGNORECASE)
_CHUNK = 64 * 1024
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


class FetchError(WartaError):
    """A URL could not be fetched; the message is the one-line reason."""


@dataclass(frozen=True)
class FetchPolicy:
    """Limits for every fetch (from settings)."""

    max_bytes: int = 5_000_000
    timeout_s: float = 20.0
    max_redirects: int = 5
    allow_private: bool = False
    user_agent: str = "Warta/0.1 (self-hosted news bot)"


@dataclass(frozen=True)
class Fetched:
    """A response: final URL, status, body (decompressed), and the caching validators."""

    url: str
    status: int
    content: bytes = b""
    content_type: str = ""
    etag: str | None = None
    last_modified: str | None = None
    redirects: tuple[str, ...] = field(default=())

    @property
    def not_modified(self) -> bool:
        """Tell whether the server answered 304 to a conditional GET."""
        return self.status == 304


def check_url(url: str, *, allow_private: bool) -> None:
    """Refuse non-http(s) URLs and hosts that resolve to private, loopback or link-local IPs."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise FetchError(f"not a valid URL: {exc}") from None
    if parts.scheme not in ("http", "https"):
        raise FetchError(f"only http and https URLs are fetched, not {parts.scheme or 'none'!r}")
    host = parts.hostname
    if not host:
        raise FetchError("the URL has no host")
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(host, port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"cannot resolve {host}: {exc}") from None
    for info in infos:
        ip = ipaddress.ip_address(info[4][0])
        if not ip.is_global or ip.is_multicast:
            raise FetchError(
                f"{host} resolves to a non-public address ({ip}); "
                "set WARTA_FETCH_ALLOW_PRIVATE=true to allow it"
            )


def _read_capped(response: httpx.Response, policy: FetchPolicy, deadline: float) -> bytes:
    """Read the decompressed body, stopping at the size limit or the overall deadline."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > policy.max_bytes:
        size = int(declared)
        raise FetchError(f"response is {size:,} bytes, over the {policy.max_bytes:,}-byte limit")
    chunks: list[bytes] = []
    total = 0
    for chunk in response.iter_bytes(_CHUNK):
        total += len(chunk)
        if total > policy.max_bytes:
            raise FetchError(
                f"response body passed the {policy.max_bytes:,}-byte limit "
                "(decompressed; a gzip bomb stops here)"
            )
        if time.monotonic() > deadline:
            raise FetchError(f"response took longer than {policy.timeout_s:g} s")
        chunks.append(chunk)
    return b"".join(chunks)


def _headers(policy: FetchPolicy, etag: str | None, last_modified: str | None) -> dict[str, str]:
    headers = {"User-Agent": policy.user_agent, "Accept-Encoding": "gzip, deflate"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers


def fetch(
    url: str,
    policy: FetchPolicy,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    client: httpx.Client | None = None,
) -> Fetched:
    """GET ``url`` following redirects by hand (each hop checked); raise ``FetchError``."""
    own = client is None
    # trust_env off: a proxy from the environment would fetch what check_url refused.
    http = client or httpx.Client(timeout=policy.timeout_s, follow_redirects=False, trust_env=False)
    deadline = time.monotonic() + policy.timeout_s
    hops: list[str] = []
    try:
        while True:
            check_url(url, allow_private=policy.allow_private)
            result = _one_request(http, url, policy, deadline, etag, last_modified)
            if isinstance(result, Fetched):
                return Fetched(**{**result.__dict__, "redirects": tuple(hops)})
            hops.append(url)
            if len(hops) > policy.max_redirects:
                raise FetchError(f"more than {policy.max_redirects} redirects")
            url = result
    finally:
        if own:
            http.close()


def _one_request(
    http: httpx.Client,
    url: str,
    policy: FetchPolicy,
    deadline: float,
    etag: str | None,
    last_modified: str | None,
) -> Fetched | str:
    """Do one GET: return the response, or the next URL when it redirects."""
    try:
        with http.stream("GET", url, headers=_headers(policy, etag, last_modified)) as response:
            if response.status_code == 304:
                return Fetched(url, 304, etag=etag, last_modified=last_modified)
            if response.status_code in _REDIRECTS:
                location = response.headers.get("location")
                if not location:
                    raise FetchError(f"HTTP {response.status_code} redirect without a Location")
                return str(urljoin(url, location))
            if response.status_code >= 400:
                raise FetchError(f"HTTP {response.status_code} from {url}")
            content = _read_capped(response, policy, deadline)
            return Fetched(
                url=url,
                status=response.status_code,
                content=content,
                content_type=response.headers.get("content-type", ""),
                etag=response.headers.get("etag"),
                last_modified=response.headers.get("last-modified"),
            )
    except httpx.TimeoutException:
        raise FetchError(f"no response within {policy.timeout_s:g} s from {url}") from None
    except httpx.DecodingError as exc:
        raise FetchError(f"response could not be decompressed: {exc}") from None
    except httpx.HTTPError as exc:
        raise FetchError(f"cannot fetch {url}: {exc}") from None


def _charset(content: bytes, content_type: str) -> str | None:
    m = re.search(r"charset=[\"']?([\w.:-]+)", content_type, re.IGNORECASE)
    if m:
        return m.group(1)
    head = content[:4096]
    found = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    return found.group(1).decode("ascii", "replace") if found else None


def decode_text(content: bytes, content_type: str = "") -> tuple[str, str | None]:
    """Decode a page; a charset that does not fit the bytes falls back, with a note.

    Valid UTF-8 wins over a declared single-byte charset: a page that says latin-1 but is
    UTF-8 is a common server mistake, while latin-1 text is almost never valid UTF-8.
    """
    declared = _charset(content, content_type)
    name = (declared or "utf-8").lower().replace("_", "-")
    try:
        text = content.decode("utf-8-sig")
        same = name in ("utf-8", "utf8", "us-ascii", "ascii") or text.isascii()
        return text, None if same else f"declared charset {declared!r} did not fit; read as UTF-8"
    except UnicodeDecodeError:
        pass
    if declared:
        try:
            return content.decode(declared), None
        except (LookupError, UnicodeDecodeError):
            pass
    note = f"charset {declared or 'undeclared'!r} did not fit; read as Windows-1252"
    return content.decode("cp1252", errors="replace"), note
