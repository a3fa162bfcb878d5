"""The Bot API methods the fake implements, with Telegram's checks and error texts."""

from __future__ import annotations

import asyncio
import copy
import json
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from tests.fakebotapi._features import FeatureMethods
from tests.fakebotapi._rules import (
    CAPTION_LIMIT,
    TEXT_LIMIT,
    check_reply_markup,
    format_text,
)
from tests.fakebotapi._state import DEFAULT_ALLOWED_UPDATES, Record, World
from tests.fakebotapi._types import (
    JSON,
    ApiError,
    CallbackAnswer,
    FakeChat,
    Upload,
    Webhook,
    bad_request,
)

Handler = Callable[[JSON], Awaitable[Any]]

_DOWNLOAD_LIMIT = 20 * 1024 * 1024  # getFile refuses bigger files, as Telegram does
_BOT_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
_WEBHOOK_PORTS = (80, 88, 443, 8443)
_LOOPBACK = ("127.0.0.1", "localhost", "::1")
_CHAT_ACTIONS = frozenset(
    {"typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
     "upload_document", "choose_sticker", "find_location", "record_video_note",
     "upload_video_note"}
)  # fmt: skip
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
_QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"


class BotApiMethods:
    """Handlers for Bot API methods, keyed by their canonical names in ``table``."""

    def __init__(self, world: World) -> None:
        self.world = world
        self._poll_generation = 0
        self.table: dict[str, Handler] = {
            "getMe": self.get_me,
            "getUpdates": self.get_updates,
            "setWebhook": self.set_webhook,
            "deleteWebhook": self.delete_webhook,
            "getWebhookInfo": self.get_webhook_info,
            "sendMessage": self.send_message,
            "editMessageText": self.edit_message_text,
            "editMessageReplyMarkup": self.edit_message_reply_markup,
            "deleteMessage": self.delete_message,
            "sendChatAction": self.send_chat_action,
            "answerCallbackQuery": self.answer_callback_query,
            "setMyCommands": self.set_my_commands,
            "getMyCommands": self.get_my_commands,
            "deleteMyCommands": self.delete_my_commands,
            "getFile": self.get_file,
            "sendDocument": self.send_document,
        }
        self.table.update(FeatureMethods(world).table)

    async def get_me(self, params: JSON) -> JSON:
        """Describe the bot."""
        me = self.world.bot_user.to_dict()
        me.update(
            can_join_groups=True,
            can_read_all_group_messages=False,
            supports_inline_queries=False,
            can_connect_to_business=False,
            has_main_web_app=False,
        )
        return me

    async def get_updates(self, params: JSON) -> list[JSON]:
        """Long-poll for updates; wake on a new update, a newer poll or shutdown."""
        world = self.world
        if world.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            world.allowed_updates = frozenset(allowed) or DEFAULT_ALLOWED_UPDATES
        offset = int(params.get("offset", 0))
        limit = min(max(int(params.get("limit", 100)), 1), 100)
        deadline = asyncio.get_running_loop().time() + float(params.get("timeout", 0))
        # Telegram ends an older poll when a newer one arrives; wake it so it can see that.
        self._poll_generation += 1
        generation = self._poll_generation
        world.signal.notify()
        while True:
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
            updates = world.take_updates(offset, limit)
            remaining = deadline - asyncio.get_running_loop().time()
            if updates or world.closing or remaining <= 0:
                return updates
            try:
                await asyncio.wait_for(world.signal.wait(), remaining)
            except TimeoutError:
                return world.take_updates(offset, limit)

    async def set_webhook(self, params: JSON) -> bool:
        """Register (or, with an empty url, remove) the webhook."""
        url = params.get("url", "")
        if not url:
            return await self.delete_webhook(params)
        parts = urlsplit(url)
        loopback = parts.hostname in _LOOPBACK
        # Real Telegram wants https on a few ports; loopback http is allowed so tests can run.
        if parts.scheme != "https" and not (loopback and parts.scheme == "http"):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        if not loopback and (parts.port or 443) not in _WEBHOOK_PORTS:
            raise bad_request(
                "bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
            )
        secret = params.get("secret_token")
        if secret is not None and not _SECRET_RE.fullmatch(secret):
            raise bad_request("secret token contains unallowed characters")
        max_connections = int(params.get("max_connections", 40))
        if not 1 <= max_connections <= 100:
            raise bad_request("bad webhook: max_connections must be between 1 and 100")
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self.world.allowed_updates = frozenset(allowed) or DEFAULT_ALLOWED_UPDATES
        if params.get("drop_pending_updates"):
            self.world.pending.clear()
        self.world.webhook = Webhook(
            url=url,
            secret_token=secret,
            allowed_updates=tuple(allowed) if isinstance(allowed, list) else None,
            max_connections=max_connections,
        )
        return True

    async def delete_webhook(self, params: JSON) -> bool:
        """Remove the webhook, optionally dropping pending updates."""
        self.world.webhook = None
        if params.get("drop_pending_updates"):
            self.world.pending.clear()
        return True

    async def get_webhook_info(self, params: JSON) -> JSON:
        """Describe the webhook and the pending updates."""
        webhook = self.world.webhook
        info: JSON = {
            "url": webhook.url if webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self.world.pending),
        }
        if webhook is not None:
            info["max_connections"] = webhook.max_connections
            if webhook.allowed_updates is not None:
                info["allowed_updates"] = list(webhook.allowed_updates)
        return info

    async def send_message(self, params: JSON) -> JSON:
        """Send a text message, validating text, HTML, keyboard and reply target."""
        chat = self._target_chat(params)
        text, entities = format_text(
            params.get("text"), params.get("parse_mode"), params.get("entities"), limit=TEXT_LIMIT
        )
        markup = check_reply_markup(params.get("reply_markup"))
        payload = self.world.new_message(
            chat,
            self.world.bot_user,
            reply_to=self._reply_target(chat, params),
            thread_id=params.get("message_thread_id"),
        )
        payload["text"] = text
        if entities:
            payload["entities"] = entities
        if markup is not None and "inline_keyboard" in markup:
            payload["reply_markup"] = markup
        if isinstance(params.get("link_preview_options"), dict):
            payload["link_preview_options"] = params["link_preview_options"]
        self.world.store(payload, from_bot=True, parse_mode=params.get("parse_mode"))
        return copy.deepcopy(payload)

    async def edit_message_text(self, params: JSON) -> JSON:
        """Edit a bot message's text (and keyboard); refuse a no-op edit like Telegram."""
        record = self._editable(params)
        if "text" not in record.payload:
            raise bad_request("there is no text in the message to edit")
        text, entities = format_text(
            params.get("text"), params.get("parse_mode"), params.get("entities"), limit=TEXT_LIMIT
        )
        markup = check_reply_markup(params.get("reply_markup"), inline_only=True)
        return self._apply_edit(record, {"text": text, "entities": entities}, markup, params)

    async def edit_message_reply_markup(self, params: JSON) -> JSON:
        """Replace (or remove) a bot message's inline keyboard."""
        record = self._editable(params)
        markup = check_reply_markup(params.get("reply_markup"), inline_only=True)
        return self._apply_edit(record, {}, markup, params)

    async def delete_message(self, params: JSON) -> bool:
        """Delete a message of the chat."""
        chat = self.world.chat(params.get("chat_id"))
        record = self.world.live_record(chat.id, params.get("message_id"))
        if record is None:
            raise bad_request("message to delete not found")
        record.deleted = True
        return True

    async def send_chat_action(self, params: JSON) -> bool:
        """Accept a chat action such as "typing" (in a forum topic with message_thread_id)."""
        self._target_chat(params)
        if params.get("action") not in _CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    async def answer_callback_query(self, params: JSON) -> bool:
        """Answer a pending callback query once."""
        query_id = params.get("callback_query_id")
        if query_id not in self.world.open_queries:
            raise bad_request(_QUERY_INVALID)
        text = params.get("text")
        if text is not None and len(text) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        self.world.open_queries.discard(query_id)
        self.world.callback_answers.append(
            CallbackAnswer(
                callback_query_id=query_id,
                text=text,
                show_alert=bool(params.get("show_alert", False)),
                url=params.get("url"),
                cache_time=params.get("cache_time"),
            )
        )
        return True

    async def set_my_commands(self, params: JSON) -> bool:
        """Store the command list for a scope and language."""
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("can't parse commands JSON object")
        for command in commands:
            if not isinstance(command, dict) or not _BOT_COMMAND_RE.fullmatch(
                str(command.get("command", ""))
            ):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", "")).strip()) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        key = commands_key(params.get("scope"), params.get("language_code"))
        self.world.commands[key] = copy.deepcopy(commands)
        return True

    async def get_my_commands(self, params: JSON) -> list[JSON]:
        """Return the command list for a scope and language."""
        key = commands_key(params.get("scope"), params.get("language_code"))
        return copy.deepcopy(self.world.commands.get(key, []))

    async def delete_my_commands(self, params: JSON) -> bool:
        """Forget the command list for a scope and language."""
        self.world.commands.pop(
            commands_key(params.get("scope"), params.get("language_code")), None
        )
        return True

    async def get_file(self, params: JSON) -> JSON:
        """Describe a stored file with the path to download it from."""
        stored = self.world.files.get(params.get("file_id", ""))
        if stored is None:
            raise bad_request("invalid file_id")
        if len(stored.content) > _DOWNLOAD_LIMIT:
            raise bad_request("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
            "file_path": stored.file_path,
        }

    async def send_document(self, params: JSON) -> JSON:
        """Send an uploaded (or already stored) document with an optional caption."""
        chat = self._target_chat(params)
        document = params.get("document")
        if isinstance(document, Upload):
            if not document.content:
                raise bad_request("file must be non-empty")
            name = document.filename or "document"
            stored = self.world.store_file(
                document.content,
                folder="documents",
                extension=("." + name.rsplit(".", 1)[-1]) if "." in name else "",
                mime_type=document.mime_type,
                file_name=name,
            )
        elif isinstance(document, str) and document in self.world.files:
            stored = self.world.files[document]
        else:
            raise bad_request("wrong file identifier/HTTP URL specified")
        caption, entities = format_text(
            params.get("caption"),
            params.get("parse_mode"),
            params.get("caption_entities"),
            limit=CAPTION_LIMIT,
            allow_empty=True,
            too_long="message caption is too long",
        )
        markup = check_reply_markup(params.get("reply_markup"))
        payload = self.world.new_message(
            chat,
            self.world.bot_user,
            reply_to=self._reply_target(chat, params),
            thread_id=params.get("message_thread_id"),
        )
        payload["document"] = stored.to_dict()
        if caption:
            payload["caption"] = caption
        if entities:
            payload["caption_entities"] = entities
        if markup is not None and "inline_keyboard" in markup:
            payload["reply_markup"] = markup
        record = self.world.store(payload, from_bot=True, parse_mode=params.get("parse_mode"))
        record.document = stored
        return copy.deepcopy(payload)

    def _target_chat(self, params: JSON) -> FakeChat:
        """Return the chat to send to, refusing chats that blocked the bot."""
        chat = self.world.chat(params.get("chat_id"))
        if chat.id in self.world.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    def _reply_target(self, chat: FakeChat, params: JSON) -> Record | None:
        """Return the message being replied to (reply_parameters or reply_to_message_id)."""
        reply = params.get("reply_parameters")
        if reply is None and "reply_to_message_id" in params:
            reply = {
                "message_id": params["reply_to_message_id"],
                "allow_sending_without_reply": params.get("allow_sending_without_reply", False),
            }
        if reply is None:
            return None
        if not isinstance(reply, dict) or not isinstance(reply.get("message_id"), int):
            raise bad_request("can't parse reply parameters JSON object")
        record = self.world.live_record(chat.id, reply["message_id"])
        if record is None and not reply.get("allow_sending_without_reply"):
            raise bad_request("message to be replied not found")
        return record

    def _editable(self, params: JSON) -> Record:
        """Return the bot message an edit names, or raise Telegram's error."""
        if "inline_message_id" in params:
            raise bad_request("the fake Bot API does not support inline_message_id")
        chat = self.world.chat(params.get("chat_id"))
        record = self.world.live_record(chat.id, params.get("message_id"))
        if record is None:
            raise bad_request("message to edit not found")
        if not record.from_bot:
            raise bad_request("message can't be edited")
        return record

    def _apply_edit(self, record: Record, content: JSON, markup: JSON | None, params: JSON) -> JSON:
        """Apply new text/entities and keyboard unless nothing changes."""
        payload = record.payload
        unchanged = (
            all(payload.get(key, []) == value for key, value in content.items())
            and payload.get("reply_markup") == markup
        )
        if unchanged:
            raise bad_request(_NOT_MODIFIED)
        for key, value in content.items():
            if value:
                payload[key] = value
            else:
                payload.pop(key, None)
        # Telegram drops the keyboard when an edit does not repeat it.
        if markup is None:
            payload.pop("reply_markup", None)
        else:
            payload["reply_markup"] = markup
        payload["edit_date"] = int(time.time())
        record.edit_count += 1
        if "text" in content:
            record.parse_mode = params.get("parse_mode")
        return copy.deepcopy(payload)


def commands_key(scope: object, language_code: object) -> tuple[str, str]:
    """Return the key commands are stored under for a scope and language."""
    return json.dumps(scope or {"type": "default"}, sort_keys=True), str(language_code or "")
