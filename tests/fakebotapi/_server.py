"""The aiohttp server: routing, token check, fault injection, observation, webhook delivery."""

from __future__ import annotations

import asyncio
import copy
import logging
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, TypeVar

import aiohttp
from aiohttp import web

from tests.fakebotapi._methods import BotApiMethods, commands_key
from tests.fakebotapi._rules import read_params
from tests.fakebotapi._state import World
from tests.fakebotapi._types import (
    JSON,
    ApiError,
    BotMessage,
    Call,
    CallbackAnswer,
    Draft,
    FakeChat,
    FakeUser,
    InlineAnswer,
    Rejection,
    Webhook,
)
from tests.fakebotapi._users import UserActions

logger = logging.getLogger("tests.fakebotapi")

T = TypeVar("T")

DEFAULT_TOKEN = "123456:TEST-fake-bot-api-token"
_TOKEN_RE = re.compile(r"(\d+):[A-Za-z0-9_-]{1,64}")
_UPLOAD_LIMIT = 50 * 1024 * 1024
_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@dataclass
class _Fault:
    """An injected error and how many more calls it answers."""

    status: int
    description: str
    retry_after: int | None
    remaining: int


@dataclass
class _Raw:
    """An injected raw answer (None: drop the connection) and how many more calls it answers."""

    body: bytes | None
    status: int
    remaining: int


class FakeBotAPI(UserActions):
    """A fake Telegram Bot API server for one bot token on 127.0.0.1 (ephemeral port).

    ``calls`` lists every request that reached a method, in order, including the ones then
    rejected; ``rejected`` lists every error answer (validation errors, injected faults,
    wrong token); ``unknown_calls`` lists requests for methods the fake lacks (PTB reports
    their 404 as ``InvalidToken``, so look here first when you see that).
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = "warta_test_bot",
        bot_first_name: str = "Warta Test",
    ) -> None:
        match = _TOKEN_RE.fullmatch(token)
        if match is None:
            raise ValueError(f"token must look like '123456:ABC-def', got {token!r}")
        self.token = token
        self.world = World(
            FakeUser(int(match.group(1)), bot_first_name, username=bot_username, is_bot=True)
        )
        self.calls: list[Call] = []
        self.rejected: list[Rejection] = []
        self.unknown_calls: list[Call] = []
        self.downloads: list[str] = []
        self._methods = BotApiMethods(self.world)
        self._canonical = {name.lower(): name for name in self._methods.table}
        self._faults: dict[str, list[_Fault]] = {}
        self._raw: dict[str, list[_Raw]] = {}
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._port: int | None = None

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Start serving on 127.0.0.1 at an ephemeral port."""
        if self._runner is not None:
            raise RuntimeError("FakeBotAPI is already started")
        _exempt_loopback_from_proxies()
        app = web.Application(client_max_size=_UPLOAD_LIMIT)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_route("*", "/{tail:.*}", self._handle_not_found)
        # A short shutdown timeout: long polls are woken on close, nothing else lingers.
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self._runner = runner
        self._port = runner.addresses[0][1]

    async def close(self) -> None:
        """Wake pending long polls with no updates and stop the server."""
        self.world.closing = True
        self.world.signal.notify()
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeBotAPI:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def base_url(self) -> str:
        """Return the URL to pass as PTB's ``base_url`` (the token is appended by PTB)."""
        return f"http://127.0.0.1:{self._started_port()}/bot"

    @property
    def base_file_url(self) -> str:
        """Return the URL to pass as PTB's ``base_file_url``."""
        return f"http://127.0.0.1:{self._started_port()}/file/bot"

    def _started_port(self) -> int:
        """Return the port, or explain that the server is not started."""
        if self._port is None:
            raise RuntimeError("FakeBotAPI is not started; use 'async with FakeBotAPI()'")
        return self._port

    # ------------------------------------------------------------------ observation

    @property
    def bot_user(self) -> FakeUser:
        """Return the bot's own user."""
        return self.world.bot_user

    @property
    def callback_answers(self) -> list[CallbackAnswer]:
        """Return the answerCallbackQuery calls that succeeded, in order."""
        return list(self.world.callback_answers)

    @property
    def inline_answers(self) -> list[InlineAnswer]:
        """Return the answerInlineQuery calls that succeeded, in order."""
        return list(self.world.inline_answers)

    @property
    def drafts(self) -> list[Draft]:
        """Return the sendMessageDraft calls that succeeded, in order."""
        return list(self.world.drafts)

    def reaction(self, chat: FakeChat | int, message_id: int) -> list[str]:
        """Return the emoji the bot has set on a message now."""
        chat_id = chat.id if isinstance(chat, FakeChat) else chat
        return [r["emoji"] for r in self.world.reactions.get((chat_id, message_id), [])]

    def description(self, language_code: str = "", *, short: bool = False) -> str:
        """Return the (short) description set for a language ("" for all languages)."""
        store = self.world.short_descriptions if short else self.world.descriptions
        return store.get(language_code, "")

    def drop_drafts(self) -> None:
        """Act as an older Bot API server: sendMessageDraft becomes an unknown method."""
        self.world.drafts_supported = False

    @property
    def webhook(self) -> Webhook | None:
        """Return the webhook set with setWebhook, or None."""
        return self.world.webhook

    @property
    def pending_updates(self) -> list[JSON]:
        """Return the updates not yet confirmed by getUpdates or delivered to the webhook."""
        return copy.deepcopy(self.world.pending)

    def calls_to(self, method: str) -> list[Call]:
        """Return the calls of one method, in order."""
        return [call for call in self.calls if call.method == method]

    def messages(self, chat: FakeChat | int, *, include_deleted: bool = False) -> list[BotMessage]:
        """Return the bot's messages in a chat as they are now, oldest first."""
        chat_id = chat.id if isinstance(chat, FakeChat) else chat
        found = [
            record.snapshot()
            for (record_chat, _), record in self.world.records.items()
            if record_chat == chat_id
            and record.from_bot
            and (include_deleted or not record.deleted)
        ]
        return sorted(found, key=lambda message: message.message_id)

    def commands(self, *, scope: JSON | None = None, language_code: str = "") -> list[JSON]:
        """Return the commands set with setMyCommands for a scope and language."""
        key = commands_key(scope, language_code)
        return copy.deepcopy(self.world.commands.get(key, []))

    async def wait_for(self, predicate: Callable[[], T], *, timeout: float = 5.0) -> T:
        """Wait until ``predicate()`` is truthy (checked after every call and push); return it."""
        try:
            async with asyncio.timeout(timeout):
                while True:
                    result = predicate()
                    if result:
                        return result
                    await self.world.signal.wait()
        except TimeoutError:
            raise TimeoutError(
                f"condition not met within {timeout}s; {self._recent_activity()}"
            ) from None

    async def wait_for_call(self, method: str, *, count: int = 1, timeout: float = 5.0) -> Call:
        """Wait until ``method`` was called ``count`` times; return that call."""
        if count < 1:
            raise ValueError(f"count must be at least 1, got {count}")

        def nth_call() -> Call | None:
            """Return the count-th call of the method once it exists."""
            calls = self.calls_to(method)
            return calls[count - 1] if len(calls) >= count else None

        call = await self.wait_for(nth_call, timeout=timeout)
        assert call is not None  # wait_for returns only truthy results
        return call

    def _recent_activity(self) -> str:
        """Describe recent calls and rejections for a timeout message."""
        calls = [c for c in self.calls if c.method != "getUpdates"][-10:]
        lines = [f"  {c.method} {_brief(c.params)}" for c in calls] or ["  (none)"]
        errors = [f"  {r.method}: {r.status} {r.description}" for r in self.rejected[-5:]]
        text = "recent calls (without getUpdates):\n" + "\n".join(lines)
        if errors:
            text += "\nrecent rejections:\n" + "\n".join(errors)
        if self.unknown_calls:
            text += f"\nunknown methods called: {[c.method for c in self.unknown_calls]}"
        return text

    # ------------------------------------------------------------------ fault injection

    def inject_error(
        self,
        method: str,
        *,
        status: int = 400,
        description: str = "Bad Request: injected error",
        count: int = 1,
        retry_after: int | None = None,
    ) -> None:
        """Answer the next ``count`` calls of ``method`` with an error instead."""
        if method not in self._methods.table:
            raise ValueError(f"method {method!r} is not implemented by the fake")
        if count < 1:
            raise ValueError(f"count must be at least 1, got {count}")
        if not 400 <= status <= 599:
            raise ValueError(f"status must be an HTTP error status, got {status}")
        fault = _Fault(status, description, retry_after, count)
        self._faults.setdefault(method, []).append(fault)

    def inject_429(self, method: str, *, count: int = 1, retry_after: int = 1) -> None:
        """Answer the next ``count`` calls of ``method`` with Telegram's flood-control 429."""
        if retry_after < 1:
            raise ValueError(f"retry_after must be at least 1 (PTB ignores 0), got {retry_after}")
        self.inject_error(
            method,
            status=429,
            description=f"Too Many Requests: retry after {retry_after}",
            count=count,
            retry_after=retry_after,
        )

    def inject_response(
        self, method: str, body: bytes, *, status: int = 200, count: int = 1
    ) -> None:
        """Answer the next ``count`` calls of ``method`` with ``body`` as is (garbage, a
        malformed result) instead of running the method."""
        self._add_raw(method, _Raw(body, status, count))

    def inject_disconnect(self, method: str, *, count: int = 1) -> None:
        """Drop the connection of the next ``count`` calls of ``method`` without an answer (a
        network failure, as a timeout or a crashed proxy looks to the client)."""
        self._add_raw(method, _Raw(None, 0, count))

    def _add_raw(self, method: str, raw: _Raw) -> None:
        if method not in self._methods.table:
            raise ValueError(f"method {method!r} is not implemented by the fake")
        if raw.remaining < 1:
            raise ValueError(f"count must be at least 1, got {raw.remaining}")
        self._raw.setdefault(method, []).append(raw)

    def _take_raw(self, method: str) -> _Raw | None:
        """Consume one injected raw answer for ``method``, if any is queued."""
        queue = self._raw.get(method)
        if not queue:
            return None
        raw = queue[0]
        raw.remaining -= 1
        if raw.remaining == 0:
            queue.pop(0)
        return raw

    def _take_fault(self, method: str) -> ApiError | None:
        """Consume one injected error for ``method``, if any is queued."""
        queue = self._faults.get(method)
        if not queue:
            return None
        fault = queue[0]
        fault.remaining -= 1
        if fault.remaining == 0:
            queue.pop(0)
        return ApiError(fault.status, fault.description, retry_after=fault.retry_after)

    # ------------------------------------------------------------------ webhook delivery

    async def deliver_webhook(
        self,
        update: int | Mapping[str, Any] | None = None,
        *,
        secret: str | None = None,
        omit_secret: bool = False,
        url: str | None = None,
    ) -> int:
        """POST an update to the webhook as Telegram would; return the HTTP status.

        ``update`` is a pending update's id, a raw update dict, or None for the oldest pending
        one. The secret header carries ``secret`` or else the registered secret_token
        (``omit_secret`` leaves it out). A pending update is removed once answered with 2xx.
        """
        webhook = self.world.webhook
        target = url or (webhook.url if webhook else None)
        if target is None:
            raise RuntimeError("no webhook is set (setWebhook was not called) and no url given")
        pending = self.world.take_updates(0, len(self.world.pending) + 1)
        if update is None:
            if not pending:
                raise ValueError("there is no pending update to deliver")
            body = pending[0]
        elif isinstance(update, int):
            matches = [u for u in pending if u["update_id"] == update]
            if not matches:
                raise ValueError(
                    f"update {update} is not pending: {[u['update_id'] for u in pending]}"
                )
            body = matches[0]
        else:
            body = dict(update)
        headers = {}
        token = secret if secret is not None else (webhook.secret_token if webhook else None)
        if token is not None and not omit_secret:
            headers[_SECRET_HEADER] = token
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        async with self._session.post(target, json=body, headers=headers) as response:
            await response.read()
            status = response.status
        if 200 <= status < 300:
            update_id = body.get("update_id")
            self.world.pending = [u for u in self.world.pending if u["update_id"] != update_id]
        self.world.signal.notify()
        return status

    # ------------------------------------------------------------------ HTTP handlers

    async def _handle_method(self, request: web.Request) -> web.Response:
        """Answer ``/bot<token>/<method>``."""
        name = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return self._reject(name, {}, ApiError(401, "Unauthorized"))
        method = self._canonical.get(name.lower())
        try:
            params = await read_params(request)
        except ApiError as exc:
            return self._reject(method or name, {}, exc)
        if method is None:
            logger.error("fake Bot API: unknown method %s called with %s", name, params)
            self.unknown_calls.append(Call(name, params))
            return self._reject(name, params, ApiError(404, "Not Found"))
        self.calls.append(Call(method, params))
        raw = self._take_raw(method)
        if raw is not None:
            return self._raw_answer(request, method, params, raw)
        try:
            fault = self._take_fault(method)
            if fault is not None:
                raise fault
            result = await self._methods.table[method](params)
        except ApiError as exc:
            if _client_gone(request):
                # e.g. a long poll PTB cancelled on stop, superseded by its final short poll:
                # nobody reads this answer, so it is no rejection a test should see.
                logger.debug("fake Bot API: %s answered %s after its client left", method, exc)
                return _error_body(exc)
            return self._reject(method, params, exc)
        except Exception as exc:  # a bug in the fake: answer 500 rather than hang the client
            logger.exception("fake Bot API: %s failed", method)
            return self._reject(method, params, ApiError(500, f"Internal Server Error: {exc!r}"))
        self.world.signal.notify()
        return web.json_response({"ok": True, "result": result})

    def _raw_answer(
        self, request: web.Request, method: str, params: JSON, raw: _Raw
    ) -> web.Response:
        """Answer with an injected raw body, or drop the connection."""
        self.rejected.append(Rejection(method, params, raw.status, "injected raw answer"))
        self.world.signal.notify()
        if raw.body is None:
            if request.transport is not None:
                request.transport.abort()
            raise ConnectionResetError("fake Bot API: injected disconnect")
        return web.Response(body=raw.body, status=raw.status, content_type="application/json")

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        """Serve ``/file/bot<token>/<file_path>``."""
        if request.match_info["token"] != self.token:
            return self._reject("<download>", {}, ApiError(401, "Unauthorized"))
        path = request.match_info["path"]
        stored = self.world.files_by_path.get(path)
        if stored is None:
            return self._reject("<download>", {"file_path": path}, ApiError(404, "Not Found"))
        self.downloads.append(path)
        self.world.signal.notify()
        return web.Response(
            body=stored.content, content_type=stored.mime_type or "application/octet-stream"
        )

    async def _handle_not_found(self, request: web.Request) -> web.Response:
        """Answer any other path with Telegram's 404."""
        logger.error("fake Bot API: no route for %s %s", request.method, request.path)
        return self._reject(request.path, {}, ApiError(404, "Not Found"))

    def _reject(self, method: str, params: JSON, error: ApiError) -> web.Response:
        """Record an error answer and build its response."""
        self.rejected.append(Rejection(method, params, error.status, error.description))
        self.world.signal.notify()
        return _error_body(error)


def _error_body(error: ApiError) -> web.Response:
    """Build Telegram's error answer with a real non-2xx status."""
    body: JSON = {"ok": False, "error_code": error.status, "description": error.description}
    if error.retry_after is not None:
        body["parameters"] = {"retry_after": error.retry_after}
    return web.json_response(body, status=error.status)


def _client_gone(request: web.Request) -> bool:
    """Tell whether the client closed the connection before its answer was ready."""
    return request.transport is None or request.transport.is_closing()


def _brief(params: JSON) -> str:
    """Return the parameters shortened for an error message."""
    text = repr(params)
    return text if len(text) <= 200 else text[:197] + "..."


def _exempt_loopback_from_proxies() -> None:
    """Add 127.0.0.1 and localhost to NO_PROXY so httpx never routes test traffic via a proxy."""
    for key in ("NO_PROXY", "no_proxy"):
        hosts = [host for host in os.environ.get(key, "").split(",") if host]
        missing = [host for host in ("127.0.0.1", "localhost") if host not in hosts]
        if missing:
            os.environ[key] = ",".join(hosts + missing)
