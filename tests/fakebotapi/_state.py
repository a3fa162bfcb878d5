"""What the fake Telegram holds: chats, messages, files, commands and pending updates."""

from __future__ import annotations

import asyncio
import copy
import itertools
import time
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, Literal

from tests.fakebotapi._types import (
    JSON,
    BotMessage,
    CallbackAnswer,
    Draft,
    FakeChat,
    FakeUser,
    InlineAnswer,
    StoredFile,
    Webhook,
    bad_request,
)

# Telegram's default when allowed_updates was never given or given as [].
DEFAULT_ALLOWED_UPDATES = frozenset(
    {"message", "edited_message", "channel_post", "edited_channel_post", "inline_query",
     "chosen_inline_result", "callback_query", "shipping_query", "pre_checkout_query", "poll",
     "poll_answer", "my_chat_member", "chat_join_request", "business_connection",
     "business_message", "edited_business_message", "deleted_business_messages",
     "purchased_paid_media"}
)  # fmt: skip


class Signal:
    """Wake every waiter on each change.

    A lock-free condition variable for one event loop: unlike ``asyncio.Condition`` it can be
    notified from synchronous code (the push helpers), and checking a predicate then waiting
    cannot miss a notification because nothing awaits in between.
    """

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        """Wake all current waiters."""
        self._event.set()
        self._event = asyncio.Event()

    def wait(self) -> Coroutine[Any, Any, Literal[True]]:
        """Return an awaitable of the next notification.

        The event is picked now, not when the awaitable first runs: ``asyncio.wait_for`` starts
        it in a new task one loop turn later, and a notification in between would be missed.
        """
        return self._event.wait()


@dataclass
class Record:
    """A stored message: its Bot API payload and what tests want to know about it."""

    payload: JSON
    from_bot: bool
    parse_mode: str | None = None
    edit_count: int = 0
    deleted: bool = False
    document: StoredFile | None = None

    def snapshot(self) -> BotMessage:
        """Return an immutable view of the message as it is now."""
        replied = self.payload.get("reply_to_message")
        entities: list[JSON] = (
            self.payload.get("entities") or self.payload.get("caption_entities") or []
        )
        return BotMessage(
            chat_id=self.payload["chat"]["id"],
            message_id=self.payload["message_id"],
            text=self.payload.get("text", self.payload.get("caption")),
            parse_mode=self.parse_mode,
            entities=tuple(copy.deepcopy(entities)),
            reply_markup=copy.deepcopy(self.payload.get("reply_markup")),
            edit_count=self.edit_count,
            reply_to_message_id=replied["message_id"] if replied else None,
            deleted=self.deleted,
            document=self.document,
            message_thread_id=self.payload.get("message_thread_id"),
        )


class World:
    """The state behind the fake Bot API, shared by its methods and the test-facing helpers."""

    def __init__(self, bot_user: FakeUser) -> None:
        self.bot_user = bot_user
        self.chats: dict[int, FakeChat] = {}
        self.blocked: set[int] = set()
        self.records: dict[tuple[int, int], Record] = {}
        self.pending: list[JSON] = []
        self.files: dict[str, StoredFile] = {}
        self.files_by_path: dict[str, StoredFile] = {}
        self.open_queries: set[str] = set()
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        self.callback_answers: list[CallbackAnswer] = []
        self.open_inline_queries: set[str] = set()
        self.inline_answers: list[InlineAnswer] = []
        self.drafts: list[Draft] = []
        self.drafts_supported = True  # False: an older Bot API server without sendMessageDraft
        self.reactions: dict[tuple[int, int], list[JSON]] = {}
        self.descriptions: dict[str, str] = {}
        self.short_descriptions: dict[str, str] = {}
        self.webhook: Webhook | None = None
        self.allowed_updates = DEFAULT_ALLOWED_UPDATES
        self.signal = Signal()
        self.closing = False
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._update_ids = itertools.count(1001)
        self._file_numbers = itertools.count(1)

    def chat(self, chat_id: object) -> FakeChat:
        """Return the chat a chat_id parameter names, or raise Telegram's error."""
        if chat_id is None or chat_id == "":
            raise bad_request("chat_id is empty")
        if isinstance(chat_id, str):
            named = [c for c in self.chats.values() if c.username and f"@{c.username}" == chat_id]
            if named:
                return named[0]
        elif isinstance(chat_id, int) and chat_id in self.chats:
            return self.chats[chat_id]
        raise bad_request("chat not found")

    def new_message(
        self,
        chat: FakeChat,
        sender: FakeUser,
        *,
        reply_to: Record | None,
        thread_id: int | None = None,
    ) -> JSON:
        """Return a new Message payload with the next message_id of the chat."""
        counter = self._message_ids.setdefault(chat.id, itertools.count(1))
        payload: JSON = {
            "message_id": next(counter),
            "from": sender.to_dict(),
            "chat": chat.to_dict(),
            "date": int(time.time()),
        }
        if reply_to is not None:
            replied = copy.deepcopy(reply_to.payload)
            replied.pop("reply_to_message", None)  # Telegram nests replies one level only
            payload["reply_to_message"] = replied
        # In a forum, a message goes to its topic, or to the topic of the message it answers.
        if thread_id is None and reply_to is not None:
            thread_id = reply_to.payload.get("message_thread_id")
        if chat.is_forum and thread_id is not None:
            payload["message_thread_id"] = thread_id
            payload["is_topic_message"] = True
        return payload

    def store(self, payload: JSON, *, from_bot: bool, parse_mode: str | None = None) -> Record:
        """Remember a message so it can be replied to, edited, deleted and observed."""
        record = Record(payload, from_bot=from_bot, parse_mode=parse_mode)
        self.records[(payload["chat"]["id"], payload["message_id"])] = record
        return record

    def live_record(self, chat_id: int, message_id: object) -> Record | None:
        """Return the stored message unless it is unknown or deleted."""
        record = self.records.get((chat_id, message_id)) if isinstance(message_id, int) else None
        return None if record is None or record.deleted else record

    def enqueue(self, kind: str, obj: JSON, *, update_id: int | None = None) -> int:
        """Queue an update of ``kind`` (e.g. "message") and wake long polls; return its id."""
        update_id = next(self._update_ids) if update_id is None else update_id
        self.pending.append({"update_id": update_id, kind: copy.deepcopy(obj)})
        self.signal.notify()
        return update_id

    def next_update_id(self) -> int:
        """Reserve an update id (for objects that embed it, like callback query ids)."""
        return next(self._update_ids)

    def take_updates(self, offset: int, limit: int) -> list[JSON]:
        """Confirm updates before ``offset`` and return up to ``limit`` deliverable ones."""
        if offset > 0:
            self.pending = [u for u in self.pending if u["update_id"] >= offset]
        elif offset < 0:
            self.pending = self.pending[offset:]
        # Telegram never delivers updates of types the bot did not ask for; drop them.
        self.pending = [u for u in self.pending if _update_kind(u) in self.allowed_updates]
        return copy.deepcopy(self.pending[:limit])

    def store_file(
        self,
        content: bytes,
        *,
        folder: str,
        extension: str,
        mime_type: str | None = None,
        file_name: str | None = None,
    ) -> StoredFile:
        """Keep a file for getFile and the download URL; return its description."""
        number = next(self._file_numbers)
        stored = StoredFile(
            file_id=f"BQACAgIAAxkBAAI{number:06d}",
            file_unique_id=f"AgAD{number:06d}",
            file_path=f"{folder}/file_{number}{extension}",
            content=content,
            mime_type=mime_type,
            file_name=file_name,
        )
        self.files[stored.file_id] = stored
        self.files_by_path[stored.file_path] = stored
        return stored


def _update_kind(update: JSON) -> str:
    """Return the kind of an update, e.g. "message"."""
    return next(key for key in update if key != "update_id")
