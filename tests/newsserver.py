"""A real HTTP server on 127.0.0.1 for the ingest tests: feeds, pages, redirects, errors.

Routes map a path to a ``Route``; the server honours ETag / If-None-Match (304), sends
gzip when asked, sleeps before a slow answer (bounded), and counts the requests per path.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    """What the server answers at one path."""

    body: bytes = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    delay_s: float = 0.0  # sleep before answering (a slow server)
    gzip: bool = False  # ``body`` is already gzip-compressed: send Content-Encoding: gzip


class NewsServer:
    """Serve ``routes`` on 127.0.0.1 from a background thread."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: Counter[str] = Counter()
        self.user_agents: list[str] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        """Return the server's base URL."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def url(self, path: str) -> str:
        """Return the absolute URL of ``path``."""
        return self.base + path

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:  # quiet
                return

            def do_GET(self) -> None:
                server.hits[self.path] += 1
                server.user_agents.append(self.headers.get("User-Agent", ""))
                route = server.routes.get(self.path, Route(b"not found", 404))
                if route.delay_s:
                    time.sleep(min(route.delay_s, 5.0))
                if route.etag and self.headers.get("If-None-Match") == route.etag:
                    self.send_response(304)
                    self.send_header("ETag", route.etag)
                    self.end_headers()
                    return
                self.send_response(route.status)
                self.send_header("Content-Type", route.content_type)
                self.send_header("Content-Length", str(len(route.body)))
                if route.etag:
                    self.send_header("ETag", route.etag)
                if route.gzip:
                    self.send_header("Content-Encoding", "gzip")
                for key, value in route.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(route.body)

        return Handler

    def start(self) -> None:
        """Start serving."""
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def news_server() -> Iterator[NewsServer]:
    """Run a ``NewsServer`` for the duration of a ``with`` block."""
    server = NewsServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def rss(items: list[tuple[str, str, str, str]], *, title: str = "Kabar Kota") -> bytes:
    """Return an RSS 2.0 feed of (link, title, RFC 822 date, description) items."""
    entries = "".join(
        f"<item><title>{t}</title><link>{link}</link><pubDate>{d}</pubDate>"
        f"<description><![CDATA[{desc}]]></description></item>"
        for link, t, d, desc in items
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{title}</title><link>https://kabarkota.example/</link>{entries}</channel></rss>"
    ).encode()


def atom(items: list[tuple[str, str, str, str]], *, title: str = "Warta Atom") -> bytes:
    """Return an Atom feed of (link, title, ISO date, summary) items."""
    entries = "".join(
        f'<entry><title>{t}</title><link href="{link}"/><id>{link}</id>'
        f"<updated>{d}</updated><summary>{s}</summary></entry>"
        for link, t, d, s in items
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{title}</title><id>urn:warta:test</id><updated>2025-10-20T00:00:00Z</updated>"
        f"{entries}</feed>"
    ).encode()


def article_page(
    title: str, paragraphs: list[str], *, date: str, site: str = "Kabar Kota"
) -> bytes:
    """Return a news article page with metadata, navigation, related links and a footer."""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html><html lang="id"><head><meta charset="utf-8">
<title>{title} | {site}</title>
<meta property="og:site_name" content="{site}">
<meta property="article:published_time" content="{date}">
<script>var ads = "iklan";</script></head><body>
<header><nav><a href="/">Beranda</a> <a href="/ekonomi">Ekonomi</a></nav></header>
<article><h1>{title}</h1>{body}
<div class="related"><a href="/lain">Baca juga: Berita lain yang menarik</a></div></article>
<footer>Hak cipta {site}</footer></body></html>""".encode()
