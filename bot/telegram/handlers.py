"""Route Telegram updates: who is addressed, what to answer, source buttons, errors."""

from __future__ import annotations

import logging

from telegram import Message, MessageEntity, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.telegram import feedback, texts
from bot.telegram.admin import Admin
from bot.telegram.ask import answer_question, reply
from bot.telegram.feeds import register as register_feeds
from bot.telegram.inline import Inline
from bot.telegram.render import render_passage
from bot.telegram.sources import PATTERN
from bot.telegram.state import BotState
from bot.telegram.streaming import LiveMessage

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE


def _split_utf16(text: str, offset: int, length: int) -> tuple[str, str]:
    """Return the text before and after an entity whose place is given in UTF-16 units."""
    data = text.encode("utf-16-le")
    before = data[: 2 * offset].decode("utf-16-le")
    after = data[2 * (offset + length) :].decode("utf-16-le")
    return before, after


def addressed_text(message: Message, *, bot_id: int, bot_username: str) -> str | None:
    """Return the question in a message meant for the bot, or None for group chatter."""
    text = message.text or ""
    if message.chat.type == ChatType.PRIVATE:
        return text
    handle = f"@{bot_username}".lower()
    for entity in message.entities:
        mentioned = (
            entity.type == MessageEntity.MENTION and message.parse_entity(entity).lower() == handle
        ) or (
            entity.type == MessageEntity.TEXT_MENTION
            and entity.user is not None
            and entity.user.id == bot_id
        )
        if mentioned:
            before, after = _split_utf16(text, entity.offset, entity.length)
            return f"{before.strip()} {after.strip()}".strip(" ,:")
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == bot_id:
        return text
    return None


def command_argument(message: Message) -> str:
    """Return the text after the command that starts a message (``/ask …`` → ``…``)."""
    text = message.text or ""
    for entity in message.entities:
        if entity.type == MessageEntity.BOT_COMMAND and entity.offset == 0:
            return _split_utf16(text, 0, entity.length)[1].strip()
    return text


async def _tell(update: Update, context: Context, key: str) -> None:
    """Reply to the update's message with the short text ``key`` in the sender's language."""
    message = update.effective_message
    if message is not None:
        lang = texts.user_lang(message.from_user.language_code if message.from_user else None)
        await reply(context.bot, message, texts.text(key, lang))


class Handlers:
    """The update handlers for questions, help and source buttons, sharing one state."""

    def __init__(self, state: BotState) -> None:
        """Keep the application state."""
        self.state = state

    async def gate(self, update: object, context: Context) -> None:
        """Stop updates from users and chats outside the allow-list (if one is set)."""
        if not isinstance(update, Update):
            return
        user, chat = update.effective_user, update.effective_chat
        if self.state.is_allowed(user.id if user else None, chat.id if chat else None):
            return
        log.info(
            "ignored an update from user %s in chat %s: not in the allow-list",
            user.id if user else None,
            chat.id if chat else None,
        )
        lang = texts.user_lang(user.language_code if user else None)
        if update.callback_query is not None:
            await update.callback_query.answer(texts.text("not_allowed", lang))
        elif chat is not None and chat.type == ChatType.PRIVATE and update.message is not None:
            await reply(context.bot, update.message, texts.text("not_allowed", lang))
        elif update.inline_query is not None:
            await update.inline_query.answer([], is_personal=True)
        raise ApplicationHandlerStop

    async def help(self, update: Update, context: Context) -> None:
        """Explain what the bot knows and how to ask (/start, /help)."""
        message = update.effective_message
        if message is None:
            return
        user = message.from_user
        lang = texts.user_lang(user.language_code if user else None, message.text or "")
        snap = self.state.index.snapshot
        first, last = snap.dates()
        span = texts.text("span", lang, first=first, last=last) if first and last else ""
        mention = f"@{context.bot.username}"
        html = texts.text("help", lang, articles=len(snap.articles), span=span, mention=mention)
        await reply(context.bot, message, html)

    async def ask_command(self, update: Update, context: Context) -> None:
        """Answer ``/ask question`` (in groups as well as in private chats)."""
        message = update.effective_message
        if message is not None:
            await answer_question(self.state, context.bot, message, command_argument(message))

    async def text(self, update: Update, context: Context) -> None:
        """Answer a text message in a private chat, or one addressed to the bot in a group."""
        message = update.effective_message
        if message is None:
            return
        if await self.state.feedback.take_comment(message, context):
            return
        bot = context.bot
        question = addressed_text(message, bot_id=bot.id, bot_username=bot.username)
        if question is not None:
            await answer_question(self.state, bot, message, question)

    async def poll(self, update: Update, context: Context) -> None:
        """Answer a poll forwarded in a private chat: its question, with its options."""
        message = update.effective_message
        if message is None or message.poll is None:
            return
        options = [option.text for option in message.poll.options]
        await answer_question(
            self.state, context.bot, message, message.poll.question, choices=options
        )

    async def new_topic(self, update: Update, context: Context) -> None:
        """Forget the conversation so far in this chat (/new)."""
        chat = update.effective_chat
        if chat is not None:
            self.state.memory.forget(chat.id)
        await _tell(update, context, "new_topic")

    async def unknown_command(self, update: Update, context: Context) -> None:
        """Point to /help after a command the bot does not know (private chats only)."""
        await _tell(update, context, "unknown_command")

    async def edited(self, update: Update, context: Context) -> None:
        """Ask for a new message instead of an edit (private chats; groups stay quiet)."""
        message = update.edited_message
        if message is None or message.chat.type != ChatType.PRIVATE:
            return
        user = message.from_user
        lang = texts.user_lang(user.language_code if user else None, message.text or "")
        await reply(context.bot, message, texts.text("edited", lang))

    async def not_text(self, update: Update, context: Context) -> None:
        """Ask for text after a sticker, photo, voice message, ... (private chats only)."""
        await _tell(update, context, "not_text")

    async def source(self, update: Update, context: Context) -> None:
        """Show the exact passage behind a source button, from the current snapshot."""
        query = update.callback_query
        if query is None:
            return
        lang = texts.user_lang(query.from_user.language_code)
        ref = self.state.sources.decode(query.data or "")
        article = self.state.index.snapshot.article(ref.article_id) if ref else None
        if ref is None or article is None:
            await query.answer(texts.text("source_gone", lang), show_alert=True)
            return
        quote = ref.quote_in(article.text)
        if quote is None:
            await query.answer(texts.text("source_changed", lang), show_alert=True)
            return
        await query.answer()
        pages = render_passage(
            title=article.title,
            date=article.date,
            url=article.url,
            quote=quote,
            lang=lang,
            source=article.source,
        )
        origin = query.message
        if not isinstance(origin, Message):  # too old for the bot to see: nothing to reply to
            return
        await LiveMessage.answering(context.bot, origin).finish(pages)

    async def stale_button(self, update: Update, context: Context) -> None:
        """Answer a button this bot version does not know, so the client stops spinning."""
        query = update.callback_query
        if query is not None:
            lang = texts.user_lang(query.from_user.language_code)
            await query.answer(texts.text("source_gone", lang), show_alert=True)

    async def joined(self, update: Update, context: Context) -> None:
        """Say how to ask, once, when someone adds the bot to a group."""
        change = update.my_chat_member
        if change is None or change.chat.type == ChatType.PRIVATE:
            return
        gone = (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED)
        present = (ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR)
        if (
            change.old_chat_member.status not in gone
            or change.new_chat_member.status not in present
        ):
            return
        lang = texts.user_lang(change.from_user.language_code)
        html = texts.text("welcome", lang, mention=f"@{context.bot.username}")
        try:
            await context.bot.send_message(change.chat.id, html)
        except TelegramError as exc:  # e.g. the group does not let the bot write yet
            log.warning("could not greet group %s: %s", change.chat.id, exc)

    async def error(self, update: object, context: Context) -> None:
        """Log any handler failure with its traceback and apologise to the user."""
        update_id = update.update_id if isinstance(update, Update) else None
        log.error("failed to handle update %s", update_id, exc_info=context.error)
        if not isinstance(update, Update):
            return
        user = update.effective_user
        lang = texts.user_lang(user.language_code if user else None)
        apology = texts.text("apology", lang)
        try:
            if update.callback_query is not None:
                await update.callback_query.answer(apology, show_alert=True)
            elif update.effective_message is not None:
                await reply(context.bot, update.effective_message, apology)
        except TelegramError as exc:
            log.warning("could not send the apology for update %s: %s", update_id, exc)


def register(application: Application, state: BotState) -> None:  # type: ignore[type-arg]
    """Add Warta's handlers and its one error handler to ``application``."""
    h = Handlers(state)
    admin = Admin(state)
    new = filters.UpdateType.MESSAGE  # commands must not re-run when a message is edited
    private = filters.ChatType.PRIVATE
    application.add_handler(TypeHandler(Update, h.gate), group=-1)
    register_feeds(application, state, text=h.text)  # before the text handler: admins' links
    application.add_handlers(
        [
            CommandHandler(["start", "help"], h.help, filters=new),
            CommandHandler("ask", h.ask_command, filters=new),
            CommandHandler("new", h.new_topic, filters=new),
            CommandHandler("reload", admin.reload, filters=new),
            CommandHandler("stats", admin.stats, filters=new),
            MessageHandler(new & filters.Document.ALL, admin.document),
            MessageHandler(new & filters.TEXT & ~filters.COMMAND, h.text),
            MessageHandler(new & filters.COMMAND & private, h.unknown_command),
            MessageHandler(filters.UpdateType.EDITED_MESSAGE, h.edited),
            MessageHandler(new & filters.POLL & private, h.poll),
            MessageHandler(new & private, h.not_text),
            CallbackQueryHandler(h.source, pattern=PATTERN),
            CallbackQueryHandler(state.feedback.vote, pattern=feedback.PATTERN),
            CallbackQueryHandler(h.stale_button),
            InlineQueryHandler(Inline(state).query),
            ChatMemberHandler(h.joined, ChatMemberHandler.MY_CHAT_MEMBER),
        ]
    )
    application.add_error_handler(h.error)
