"""The fake Bot API, driven by a real python-telegram-bot Bot and Application."""

from __future__ import annotations

import asyncio
import datetime as dtm
import io
import socket
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, RetryAfter
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ExtBot,
)

from tests.fakebotapi import (
    DEFAULT_TOKEN,
    ApiError,
    CallbackAnswer,
    FakeBotAPI,
    Rejection,
    parse_html,
    running_application,
)

TOKEN = DEFAULT_TOKEN
LONG_POLL = dtm.timedelta(seconds=30)
KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("Ya", callback_data="yes")]])


@pytest.fixture
async def api() -> AsyncIterator[FakeBotAPI]:
    """Run a fake Bot API server for the test."""
    async with FakeBotAPI(TOKEN) as fake:
        yield fake


@pytest.fixture
async def bot(api: FakeBotAPI) -> AsyncIterator[Bot]:
    """Return an initialised real PTB Bot talking to the fake."""
    async with Bot(TOKEN, base_url=api.base_url, base_file_url=api.base_file_url) as client:
        yield client


App = Application[Any, Any, Any, Any, Any, Any]


async def set_commands(app: App) -> None:
    """Register the bot's commands, as a post_init hook does."""
    await app.bot.set_my_commands([BotCommand("start", "Mulai")])


def build_app(api: FakeBotAPI, errors: list[BaseException]) -> App:
    """Build a real Application against the fake that records handler errors."""
    builder = ApplicationBuilder().token(TOKEN).base_url(api.base_url)
    app = builder.base_file_url(api.base_file_url).post_init(set_commands).build()

    async def record_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert context.error is not None
        errors.append(context.error)

    app.add_error_handler(record_error)
    return app


async def test_get_me_describes_the_bot(bot: Bot, api: FakeBotAPI) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.first_name, me.is_bot) == (
        123456,
        "warta_test_bot",
        "Warta Test",
        True,
    )


async def test_wrong_token_is_unauthorized(api: FakeBotAPI) -> None:
    stranger = Bot("654321:WRONG-token", base_url=api.base_url)
    with pytest.raises(InvalidToken):
        await stranger.initialize()
    await stranger.shutdown()
    assert api.rejected == [Rejection("getMe", {}, 401, "Unauthorized")]
    assert api.calls == []


async def test_unknown_method_is_recorded(
    bot: Bot, api: FakeBotAPI, caplog: pytest.LogCaptureFixture
) -> None:
    chat = api.private_chat(1001)
    # PTB reports a 404 from a method the fake lacks as a bad token.
    with pytest.raises(InvalidToken):
        await bot.send_poll(chat.id, "Siapa?", ["Aku", "Kamu"])
    assert [(c.method, c.params["question"]) for c in api.unknown_calls] == [("sendPoll", "Siapa?")]
    assert "unknown method sendPoll" in caplog.text


async def test_command_reaches_command_handler(api: FakeBotAPI) -> None:
    errors: list[BaseException] = []
    app = build_app(api, errors)

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None and update.effective_user is not None
        await update.effective_message.reply_text(f"Halo, {update.effective_user.first_name}")

    app.add_handler(CommandHandler("start", start))
    alice = api.private_chat(1001, first_name="Alice")
    async with running_application(app, poll_timeout=LONG_POLL):
        api.send_text(alice, alice.user, "/start")
        replies = await api.wait_for(lambda: api.messages(alice))
    assert [reply.text for reply in replies] == ["Halo, Alice"]
    assert api.commands() == [{"command": "start", "description": "Mulai"}]
    assert api.rejected == []
    assert errors == []


async def test_group_command_for_another_bot_is_ignored(api: FakeBotAPI) -> None:
    errors: list[BaseException] = []
    app = build_app(api, errors)

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(f"args={context.args}")

    app.add_handler(CommandHandler("start", start))
    group = api.group_chat(-100, "Redaksi")
    bob = api.user(2002, first_name="Bob")
    async with running_application(app, poll_timeout=LONG_POLL):
        api.send_text(group, bob, "/start@other_bot first")
        api.send_text(group, bob, "/start@warta_test_bot second")
        replies = await api.wait_for(lambda: api.messages(group))
    # Updates are handled in order, so the first was already skipped when the reply came.
    assert [reply.text for reply in replies] == ["args=['second']"]
    assert errors == []


async def test_user_text_gets_command_and_mention_entities(bot: Bot, api: FakeBotAPI) -> None:
    chat = api.private_chat(1001)
    api.send_text(chat, chat.user, "/start@warta_test_bot hai @someone_else 😀 /help")
    (update,) = await bot.get_updates()
    assert update.message is not None
    entities = [(e.type, e.offset, e.length) for e in update.message.entities]
    # Offsets count UTF-16 code units: the emoji takes two.
    assert entities == [("bot_command", 0, 21), ("mention", 26, 13), ("bot_command", 43, 5)]


async def test_get_updates_confirms_offsets_and_filters_types(bot: Bot, api: FakeBotAPI) -> None:
    chat = api.private_chat(1001)
    first = api.send_text(chat, chat.user, "satu")
    second = api.send_text(chat, chat.user, "dua")
    assert [u.update_id for u in await bot.get_updates()] == [first, second]
    assert [u.update_id for u in await bot.get_updates(offset=second)] == [second]
    assert await bot.get_updates(offset=second + 1) == ()
    api.send_text(chat, chat.user, "tiga")
    assert await bot.get_updates(allowed_updates=["callback_query"]) == ()
    assert api.pending_updates == []


async def test_user_edit_arrives_as_edited_message(bot: Bot, api: FakeBotAPI) -> None:
    chat = api.private_chat(1001)
    first = api.send_text(chat, chat.user, "halo")
    api.edit_text(chat, chat.user, 1, "/help")
    (update,) = await bot.get_updates(offset=first + 1)
    assert update.edited_message is not None
    assert (update.edited_message.text, update.edited_message.message_id) == ("/help", 1)
    assert [e.type for e in update.edited_message.entities] == ["bot_command"]
    assert update.edited_message.edit_date is not None


async def test_long_poll_wakes_on_new_update(bot: Bot, api: FakeBotAPI) -> None:
    chat = api.private_chat(1001)
    poll = asyncio.create_task(bot.get_updates(timeout=LONG_POLL))
    await api.wait_for_call("getUpdates")
    update_id = api.send_text(chat, chat.user, "halo")
    updates = await asyncio.wait_for(poll, 5)
    assert [u.update_id for u in updates] == [update_id]


async def test_close_wakes_a_pending_long_poll(bot: Bot, api: FakeBotAPI) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=LONG_POLL))
    await api.wait_for_call("getUpdates")
    await asyncio.wait_for(api.close(), 5)
    assert await asyncio.wait_for(poll, 5) == ()


async def test_polling_application_stops_while_long_polling(api: FakeBotAPI) -> None:
    app = build_app(api, [])
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(timeout=LONG_POLL, poll_interval=0)
        await api.wait_for_call("getUpdates")
        async with asyncio.timeout(5):
            await app.updater.stop()
            await app.stop()
    # PTB confirms the offset with one last short poll on the way out.
    assert api.calls_to("getUpdates")[-1].params["timeout"] == 0
    assert api.rejected == []


async def test_html_becomes_text_and_entities(bot: Bot, api: FakeBotAPI) -> None:
    chat = api.private_chat(1001)
    sent = await bot.send_message(
        chat.id,
        '<b>Halo</b> &lt;dunia&gt; 😀 <a href="https://example.com/?a=1&amp;b=2">tautan</a>',
        parse_mode="HTML",
    )
    assert sent.text == "Halo <dunia> 😀 tautan"
    assert [(e.type, e.offset, e.length, e.url) for e in sent.entities] == [
        ("bold", 0, 4, None),
        ("text_link", 16, 6, "https://example.com/?a=1&b=2"),
    ]
    (stored,) = api.messages(chat)
    assert (stored.text, stored.parse_mode) == ("Halo <dunia> 😀 tautan", "HTML")


@pytest.mark.parametrize(
    "html",
    [
        "<b>tebal</b> <strong>x</strong> <i>y</i> <em>z</em> <u>u</u> <ins>i</ins>",
        "<s>a</s> <strike>b</strike> <del>c</del> <tg-spoiler>d</tg-spoiler>",
        '<span class="tg-spoiler">rahasia</span> <code>kode</code>',
        '<pre><code class="language-python">print(1)</code></pre>',
        "<blockquote expandable>kutipan</blockquote> &quot;&#8364;&#x20AC;&quot;",
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji> a > b',
        "<B>huruf besar</B>",
    ],
)
async def test_allowed_html_is_accepted(bot: Bot, api: FakeBotAPI, html: str) -> None:
    chat = api.private_chat(1001)
    await bot.send_message(chat.id, html, parse_mode="HTML")
    assert len(api.messages(chat)) == 1


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("Tom & Jerry", 'Unescaped "&" at byte offset 4'),
        ("&nbsp;", 'Unsupported character entity "&nbsp;"'),
        ("<b>tebal", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", 'expected "</i>", found "</b>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("baris<br>baru", 'Unsupported start tag "br" at byte offset 5'),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler"'),
        ('<a href="https://x.y/?a=1&b=2">x</a>', 'Unescaped "&"'),
        ("<b", "Unclosed start tag at byte offset 0"),
    ],
)
async def test_bad_html_is_rejected(bot: Bot, api: FakeBotAPI, html: str, reason: str) -> None:
    chat = api.private_chat(1001)
    with pytest.raises(BadRequest, match="Can't parse entities") as raised:
        await bot.send_message(chat.id, html, parse_mode="HTML")
    # PTB drops "Bad Request: " and lower-cases the rest of the description.
    assert reason.casefold() in raised.value.message.casefold()
    assert api.messages(chat) == []
    assert api.rejected[-1].status == 400


def test_parse_html_error_is_telegram_worded() -> None:
    with pytest.raises(ApiError) as raised:
        parse_html("é <x>")
    assert raised.value.description == (
        'Bad Request: can\'t parse entities: Unsupported start tag "x" at byte offset 3'
    )


@pytest.mark.parametrize(
    ("text", "parse_mode", "error"),
    [
        ("x" * 4096, None, None),
        ("x" * 4097, None, "Message is too long"),
        ("<b>" + "x" * 4096 + "</b>", "HTML", None),
        ("😀" * 2048, None, None),
        ("😀" * 2049, None, "Message is too long"),
        ("  \n ", None, "Message text is empty"),
        ("<b> </b>", "HTML", "Message text is empty"),
    ],
)
async def test_text_length_counts_visible_utf16(
    bot: Bot, api: FakeBotAPI, text: str, parse_mode: str | None, error: str | None
) -> None:
    chat = api.private_chat(1001)
    if error is None:
        await bot.send_message(chat.id, text, parse_mode=parse_mode)
        assert len(api.messages(chat)) == 1
    else:
        with pytest.raises(BadRequest, match=error):
            await bot.send_message(chat.id, text, parse_mode=parse_mode)
        assert api.messages(chat) == []


async def test_identical_edit_is_not_modified(bot: Bot, api: FakeBotAPI) -> None:
    chat = api.private_chat(1001)
    sent = await bot.send_message(
        chat.id, "<b>Jawaban</b>", parse_mode="HTML", reply_markup=KEYBOARD
    )
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text(
            "<b>Jawaban</b>", chat.id, sent.message_id, parse_mode="HTML", reply_markup=KEYBOARD
        )
    other = InlineKeyboardMarkup([[InlineKeyboardButton("Tidak", callback_data="no")]])
    await bot.edit_message_text(
        "<b>Jawaban</b>", chat.id, sent.message_id, parse_mode="HTML", reply_markup=other
    )
    await bot.edit_message_text("<b>Jawaban</b>", chat.id, sent.message_id, parse_mode="HTML")
    (stored,) = api.messages(chat)
    assert (stored.text, stored.edit_count, stored.reply_markup) == ("Jawaban", 2, None)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", chat.id, 999)


async def test_callback_data_is_limited_to_64_bytes(bot: Bot, api: FakeBotAPI) -> None:
    chat = api.private_chat(1001)
    fits = InlineKeyboardMarkup([[InlineKeyboardButton("ok", callback_data="a" * 64)]])
    await bot.send_message(chat.id, "muat", reply_markup=fits)
    # 33 characters but 66 bytes: the limit is in bytes.
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("ok", callback_data="é" * 33)]])
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(chat.id, "terlalu panjang", reply_markup=too_long)
    assert [m.text for m in api.messages(chat)] == ["muat"]


@pytest.mark.parametrize(
    ("button", "error"),
    [
        (InlineKeyboardButton("teks saja"), "(?i)text buttons are unallowed"),
        (InlineKeyboardButton("tautan", url="bukan-url"), "(?i)wrong http url"),
    ],
)
async def test_malformed_inline_keyboard_is_rejected(
    bot: Bot, api: FakeBotAPI, button: InlineKeyboardButton, error: str
) -> None:
    chat = api.private_chat(1001)
    with pytest.raises(BadRequest, match=error):
        await bot.send_message(chat.id, "x", reply_markup=InlineKeyboardMarkup([[button]]))


@pytest.fixture
def ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """Opt in to PTB's timedelta retry_after (silences its deprecation warning)."""
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


@pytest.mark.usefixtures("ptb_timedelta")
async def test_injected_429_raises_retry_after(bot: Bot, api: FakeBotAPI) -> None:
    chat = api.private_chat(1001)
    api.inject_429("sendMessage", retry_after=1)
    with pytest.raises(RetryAfter) as raised:
        await bot.send_message(chat.id, "pertama")
    assert raised.value.retry_after == dtm.timedelta(seconds=1)
    await bot.send_message(chat.id, "kedua")
    assert api.rejected == [
        Rejection(
            "sendMessage",
            {"chat_id": chat.id, "text": "pertama"},
            429,
            "Too Many Requests: retry after 1",
        )
    ]
    assert [m.text for m in api.messages(chat)] == ["kedua"]


@pytest.mark.usefixtures("ptb_timedelta")
async def test_rate_limiter_retries_after_429(api: FakeBotAPI) -> None:
    chat = api.private_chat(1001)
    limited = ExtBot(
        TOKEN,
        base_url=api.base_url,
        base_file_url=api.base_file_url,
        rate_limiter=AIORateLimiter(max_retries=1),
    )
    async with limited:
        api.inject_429("sendMessage", retry_after=1)
        await limited.send_message(chat.id, "sabar")
    assert [r.status for r in api.rejected] == [429]
    assert len(api.calls_to("sendMessage")) == 2
    assert [m.text for m in api.messages(chat)] == ["sabar"]


async def test_user_document_downloads_through_get_file(bot: Bot, api: FakeBotAPI) -> None:
    chat = api.private_chat(1001)
    api.send_document(chat, chat.user, "laporan.txt", b"isi laporan\n", "text/plain")
    (update,) = await bot.get_updates()
    assert update.message is not None and update.message.document is not None
    document = update.message.document
    assert (document.file_name, document.mime_type, document.file_size) == (
        "laporan.txt",
        "text/plain",
        12,
    )
    file = await bot.get_file(document.file_id)
    buffer = io.BytesIO()
    await file.download_to_memory(buffer)
    assert buffer.getvalue() == b"isi laporan\n"
    assert api.downloads == ["documents/file_1.txt"]
    with pytest.raises(BadRequest, match="Invalid file_id"):
        await bot.get_file("tidak-ada")


async def test_bot_document_upload_round_trips(bot: Bot, api: FakeBotAPI) -> None:
    chat = api.private_chat(1001)
    sent = await bot.send_document(
        chat.id,
        document=b"%PDF-1.4 palsu",
        filename="ringkasan.pdf",
        caption="<b>Ringkasan</b>",
        parse_mode="HTML",
    )
    assert sent.document is not None and sent.caption == "Ringkasan"
    (stored,) = api.messages(chat)
    assert stored.document is not None
    assert (stored.document.file_name, stored.document.content) == (
        "ringkasan.pdf",
        b"%PDF-1.4 palsu",
    )
    file = await bot.get_file(sent.document.file_id)
    assert await file.download_as_bytearray() == bytearray(b"%PDF-1.4 palsu")


async def test_callback_query_round_trip(api: FakeBotAPI) -> None:
    errors: list[BaseException] = []
    app = build_app(api, errors)

    async def menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("Pilih:", reply_markup=KEYBOARD)

    async def choose(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer(f"Dipilih {query.data}")
        await query.edit_message_text(f"Pilihan: {query.data}")

    app.add_handler(CommandHandler("menu", menu))
    app.add_handler(CallbackQueryHandler(choose))
    chat = api.private_chat(1001)
    async with running_application(app, poll_timeout=LONG_POLL):
        api.send_text(chat, chat.user, "/menu")
        (menu_message,) = await api.wait_for(lambda: api.messages(chat))
        with pytest.raises(ValueError, match="no button 'maybe'"):
            api.press_button(chat, chat.user, menu_message.message_id, "maybe")
        update_id = api.press_button(chat, chat.user, menu_message.message_id, "yes")
        await api.wait_for(lambda: api.messages(chat)[0].edit_count == 1)
    assert api.callback_answers == [
        CallbackAnswer(str(update_id), "Dipilih yes", False, None, None)
    ]
    (edited,) = api.messages(chat)
    assert (edited.text, edited.reply_markup) == ("Pilihan: yes", None)
    assert errors == []
    async with Bot(TOKEN, base_url=api.base_url) as bot:
        with pytest.raises(BadRequest, match="Query is too old"):
            await bot.answer_callback_query(str(update_id))


def free_port() -> int:
    """Return a TCP port that was free a moment ago."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_webhook_delivery_checks_the_secret(api: FakeBotAPI) -> None:
    errors: list[BaseException] = []
    app = build_app(api, errors)

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("Halo dari webhook")

    app.add_handler(CommandHandler("start", start))
    chat = api.private_chat(1001)
    port = free_port()
    url = f"http://127.0.0.1:{port}/hook"
    webhook = {
        "listen": "127.0.0.1",
        "port": port,
        "url_path": "hook",
        "webhook_url": url,
        "secret_token": "s3cret",
    }
    async with running_application(app, webhook=webhook):
        assert api.webhook is not None
        assert (api.webhook.url, api.webhook.secret_token) == (url, "s3cret")
        update_id = api.send_text(chat, chat.user, "/start")
        assert await api.deliver_webhook(update_id, secret="wrong") == 403
        assert await api.deliver_webhook(update_id, omit_secret=True) == 403
        assert [u["update_id"] for u in api.pending_updates] == [update_id]
        assert await api.deliver_webhook(update_id) == 200
        replies = await api.wait_for(lambda: api.messages(chat))
    assert [reply.text for reply in replies] == ["Halo dari webhook"]
    assert api.pending_updates == []
    assert errors == []
    async with Bot(TOKEN, base_url=api.base_url) as bot:
        with pytest.raises(Conflict, match="webhook is active"):
            await bot.get_updates()


async def test_commands_are_stored_per_language(bot: Bot, api: FakeBotAPI) -> None:
    await bot.set_my_commands([BotCommand("tanya", "Ajukan pertanyaan")], language_code="id")
    await bot.set_my_commands([BotCommand("ask", "Ask a question")])
    assert [c.command for c in await bot.get_my_commands(language_code="id")] == ["tanya"]
    assert api.commands() == [{"command": "ask", "description": "Ask a question"}]
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Ask!", "bad")])
    await bot.delete_my_commands()
    assert api.commands() == []


async def test_replies_deletes_and_chats_follow_telegram_rules(bot: Bot, api: FakeBotAPI) -> None:
    chat = api.private_chat(1001)
    api.send_text(chat, chat.user, "pertanyaan")
    reply = await bot.send_message(chat.id, "jawaban", reply_to_message_id=1)
    assert reply.reply_to_message is not None and reply.reply_to_message.text == "pertanyaan"
    with pytest.raises(BadRequest, match="Message to be replied not found"):
        await bot.send_message(chat.id, "x", reply_to_message_id=99)
    assert await bot.delete_message(chat.id, reply.message_id)
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(chat.id, reply.message_id)
    assert api.messages(chat) == []
    assert [m.deleted for m in api.messages(chat, include_deleted=True)] == [True]
    assert await bot.send_chat_action(chat.id, "typing")
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(424242, "x")
    api.set_blocked(chat)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(chat.id, "x")


async def test_json_bodies_are_accepted(api: FakeBotAPI) -> None:
    chat = api.private_chat(1001)
    body = {"chat_id": chat.id, "text": "json", "reply_markup": KEYBOARD.to_dict()}
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{api.base_url}{TOKEN}/sendMessage", json=body) as response:
            assert (response.status, (await response.json())["ok"]) == (200, True)
        async with session.post(f"{api.base_url}{TOKEN}/sendMessage", json={}) as response:
            assert response.status == 400
    (stored,) = api.messages(chat)
    assert stored.buttons == [{"text": "Ya", "callback_data": "yes"}]


async def test_wait_for_timeout_lists_recent_calls(bot: Bot, api: FakeBotAPI) -> None:
    chat = api.private_chat(1001)
    await bot.send_message(chat.id, "halo")
    with pytest.raises(TimeoutError, match="sendMessage"):
        await api.wait_for(lambda: False, timeout=0.05)
