"""Several model servers behind one URL: a least-busy streaming proxy on 127.0.0.1.

llama-cpp-python's server runs one generation at a time, so two "slots" are two server
processes; Warta sees one ``WARTA_LLM_URL``, as it would a vLLM or llama.cpp cluster behind a
load balancer. Run: ``python -m benchmarks.llm_proxy --port P --backend URL --backend URL``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from aiohttp import ClientSession, ClientTimeout, web

_HOP = {"host", "content-length", "transfer-encoding", "connection"}


class Proxy:
    """Forward each request to the backend with the fewest requests in flight."""

    def __init__(self, backends: list[str]) -> None:
        self.backends = [b.rstrip("/") for b in backends]
        self.busy = dict.fromkeys(self.backends, 0)
        self.session: ClientSession | None = None

    async def start(self, app: web.Application) -> None:
        self.session = ClientSession(timeout=ClientTimeout(total=None))

    async def stop(self, app: web.Application) -> None:
        if self.session is not None:
            await self.session.close()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        assert self.session is not None
        backend = min(self.backends, key=lambda b: self.busy[b])
        self.busy[backend] += 1
        try:
            headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP}
            async with self.session.request(
                request.method,
                backend + request.path_qs,
                headers=headers,
                data=await request.read(),
            ) as upstream:
                response = web.StreamResponse(status=upstream.status)
                for name, value in upstream.headers.items():
                    if name.lower() not in _HOP:
                        response.headers[name] = value
                await response.prepare(request)
                try:
                    async for chunk in upstream.content.iter_any():
                        await response.write(chunk)
                    await response.write_eof()
                except ConnectionResetError:
                    pass  # the client stopped reading (a stop sequence): drop the upstream too
                return response
        finally:
            self.busy[backend] -= 1


def main(argv: list[str] | None = None) -> int:
    """Serve the proxy until killed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--backend", action="append", required=True, help="a server root URL")
    args = parser.parse_args(argv)
    proxy = Proxy(args.backend)
    app = web.Application()
    app.on_startup.append(proxy.start)
    app.on_cleanup.append(proxy.stop)
    app.router.add_route("*", "/{tail:.*}", proxy.handle)
    web.run_app(app, host="127.0.0.1", port=args.port, print=None, loop=asyncio.new_event_loop())
    return 0


if __name__ == "__main__":
    sys.exit(main())
