"""The user side of the fake: open chats, write, edit, press buttons, send files."""

from __future__ import annotations

import copy
import time
from collections.abc import Mapping
from typing import Any

from tests.fakebotapi._rules import detect_entities
from tests.fakebotapi._state import World
from tests.fakebotapi._types import JSON, FakeChat, FakeUser

# Small stand-ins with the right magic bytes; the bot under test never decodes them.
_JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00fake-jpeg\xff\xd9"
_OGG = b"OggS\x00\x02fake-opus-voice"
_WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8 fake-sticker"


class UserActions:
    """Push what users do as pending updates; every method returns the new update_id."""

    world: World

    def user(
        self,
        user_id: int,
        *,
        first_name: str = "Test",
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
    ) -> FakeUser:
        """Return a user, e.g. a member of a group chat."""
        if user_id <= 0:
            raise ValueError(f"user_id must be positive, got {user_id}")
        return FakeUser(user_id, first_name, last_name, username, language_code)

    def private_chat(
        self,
        user_id: int,
        *,
        first_name: str = "Test",
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
    ) -> FakeChat:
        """Open a private chat with a new user; the user is ``chat.user``."""
        user = self.user(
            user_id,
            first_name=first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
        )
        chat = FakeChat(user_id, "private", peer=user)
        self.world.chats[chat.id] = chat
        return chat

    def group_chat(
        self,
        chat_id: int,
        title: str,
        *,
        supergroup: bool = False,
        username: str | None = None,
        forum: bool = False,
    ) -> FakeChat:
        """Create a group (or supergroup, or forum: a supergroup with topics) with the bot."""
        if chat_id >= 0:
            raise ValueError(f"chat_id of a group must be negative, got {chat_id}")
        kind = "supergroup" if supergroup or forum else "group"
        chat = FakeChat(chat_id, kind, title, username, is_forum=forum)
        self.world.chats[chat.id] = chat
        return chat

    def set_blocked(self, chat: FakeChat, *, blocked: bool = True) -> None:
        """Make sends to ``chat`` fail with 403 "bot was blocked by the user" (or stop that)."""
        if blocked:
            self.world.blocked.add(chat.id)
        else:
            self.world.blocked.discard(chat.id)

    def send_text(
        self,
        chat: FakeChat,
        user: FakeUser,
        text: str,
        *,
        reply_to_message_id: int | None = None,
        entities: list[JSON] | None = None,
        thread_id: int | None = None,
    ) -> int:
        """Push a text message (in forum topic ``thread_id``); commands and @mentions get
        their entities unless given."""
        payload = self._user_message(chat, user, reply_to_message_id, thread_id=thread_id)
        payload["text"] = text
        found = detect_entities(text) if entities is None else copy.deepcopy(entities)
        if found:
            payload["entities"] = found
        return self._push(payload)

    def send_poll(
        self,
        chat: FakeChat,
        user: FakeUser,
        question: str,
        options: list[str],
        *,
        quiz: bool = True,
    ) -> int:
        """Push a poll message (as when a user forwards a quiz to the bot)."""
        payload = self._user_message(chat, user, None)
        payload["poll"] = {
            "id": f"poll-{payload['message_id']}",
            "question": question,
            "options": [
                {"text": o, "voter_count": 0, "persistent_id": str(i)}
                for i, o in enumerate(options)
            ],
            "total_voter_count": 0,
            "is_closed": False,
            "is_anonymous": True,
            "type": "quiz" if quiz else "regular",
            "allows_multiple_answers": False,
            "allows_revoting": False,  # required since Bot API 9.6
            "members_only": False,  # required since Bot API 10.0
        }
        return self._push(payload)

    def send_document(
        self,
        chat: FakeChat,
        user: FakeUser,
        filename: str,
        content: bytes,
        mime_type: str = "application/octet-stream",
        *,
        caption: str | None = None,
    ) -> int:
        """Push a document message; the file is served by getFile and the download URL."""
        extension = ("." + filename.rsplit(".", 1)[-1]) if "." in filename else ""
        stored = self.world.store_file(
            content, folder="documents", extension=extension, mime_type=mime_type,
            file_name=filename,
        )  # fmt: skip
        payload = self._user_message(chat, user, None)
        payload["document"] = stored.to_dict()
        return self._push_with_caption(payload, caption)

    def send_photo(
        self,
        chat: FakeChat,
        user: FakeUser,
        *,
        content: bytes = _JPEG,
        caption: str | None = None,
        width: int = 640,
        height: int = 480,
    ) -> int:
        """Push a photo message (one size)."""
        stored = self.world.store_file(content, folder="photos", extension=".jpg")
        payload = self._user_message(chat, user, None)
        payload["photo"] = [{**stored.to_dict(), "width": width, "height": height}]
        return self._push_with_caption(payload, caption)

    def send_voice(
        self, chat: FakeChat, user: FakeUser, *, content: bytes = _OGG, duration: int = 1
    ) -> int:
        """Push a voice message."""
        stored = self.world.store_file(
            content, folder="voice", extension=".oga", mime_type="audio/ogg"
        )
        payload = self._user_message(chat, user, None)
        payload["voice"] = {**stored.to_dict(), "duration": duration}
        return self._push(payload)

    def send_sticker(self, chat: FakeChat, user: FakeUser, *, emoji: str = "👍") -> int:
        """Push a (static) sticker message."""
        stored = self.world.store_file(_WEBP, folder="stickers", extension=".webp")
        payload = self._user_message(chat, user, None)
        payload["sticker"] = {
            **stored.to_dict(),
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        return self._push(payload)

    def edit_text(self, chat: FakeChat, user: FakeUser, message_id: int, text: str) -> int:
        """Push an edited_message update for a text the user sent earlier."""
        record = self.world.live_record(chat.id, message_id)
        if record is None or record.from_bot or record.payload["from"]["id"] != user.id:
            raise ValueError(f"{user.id} sent no message {message_id} in chat {chat.id}")
        if "text" not in record.payload:
            raise ValueError(f"message {message_id} in chat {chat.id} has no text")
        record.payload["text"] = text
        record.payload.pop("entities", None)
        found = detect_entities(text)
        if found:
            record.payload["entities"] = found
        record.payload["edit_date"] = int(time.time())
        record.edit_count += 1
        return self.world.enqueue("edited_message", record.payload)

    def delete(self, chat: FakeChat, message_id: int) -> None:
        """Delete a message as its sender would (no update is sent for it)."""
        record = self.world.live_record(chat.id, message_id)
        if record is None:
            raise ValueError(f"no message {message_id} in chat {chat.id}")
        record.deleted = True
        self.world.signal.notify()

    def press_button(
        self, chat: FakeChat, user: FakeUser, message_id: int, callback_data: str
    ) -> int:
        """Push a callback_query for an inline button of a bot message.

        The callback query id is ``str(update_id)``. Raises ValueError when the message has
        no such button, because a real user could not press it.
        """
        record = self.world.live_record(chat.id, message_id)
        if record is None or not record.from_bot:
            raise ValueError(f"the bot sent no message {message_id} in chat {chat.id}")
        available = [b.get("callback_data") for b in record.snapshot().buttons]
        if callback_data not in available:
            raise ValueError(f"message {message_id} has no button {callback_data!r}: {available}")
        self._check_member(chat, user)
        update_id = self.world.next_update_id()
        query_id = str(update_id)
        query: JSON = {
            "id": query_id,
            "from": user.to_dict(),
            "message": record.payload,
            "chat_instance": str(abs(chat.id) * 7919),
            "data": callback_data,
        }
        self.world.open_queries.add(query_id)
        return self.world.enqueue("callback_query", query, update_id=update_id)

    def inline_query(
        self, user: FakeUser, query: str, *, chat_type: str = "sender", offset: str = ""
    ) -> int:
        """Push an inline_query (``@bot query`` typed in a chat); its id is ``str(update_id)``."""
        if len(query) > 256:
            raise ValueError("Telegram cuts inline queries at 256 characters")
        update_id = self.world.next_update_id()
        query_id = str(update_id)
        payload: JSON = {
            "id": query_id,
            "from": user.to_dict(),
            "query": query,
            "offset": offset,
            "chat_type": chat_type,
        }
        self.world.open_inline_queries.add(query_id)
        return self.world.enqueue("inline_query", payload, update_id=update_id)

    def add_bot(self, chat: FakeChat, by: FakeUser, *, status: str = "member") -> int:
        """Push the my_chat_member update Telegram sends when ``by`` adds the bot to a group."""
        return self.bot_status(chat, by, old="left", new=status)

    def remove_bot(self, chat: FakeChat, by: FakeUser) -> int:
        """Push the my_chat_member update of the bot being removed from a group."""
        return self.bot_status(chat, by, old="member", new="left")

    def bot_status(self, chat: FakeChat, by: FakeUser, *, old: str, new: str) -> int:
        """Push a my_chat_member update: ``by`` changed the bot's status from ``old`` to ``new``."""
        if chat.type == "private":
            raise ValueError("the bot is added to groups, not private chats")
        bot = self.world.bot_user.to_dict()

        def member(status: str) -> JSON:
            extra: JSON = {}
            if status == "administrator":
                extra = {"can_be_edited": False, "is_anonymous": False, "can_manage_chat": True,
                         "can_delete_messages": False, "can_manage_video_chats": False,
                         "can_restrict_members": False, "can_promote_members": False,
                         "can_change_info": False, "can_invite_users": False,
                         "can_post_stories": False, "can_edit_stories": False,
                         "can_delete_stories": False}  # fmt: skip
            return {"status": status, "user": bot, **extra}

        payload: JSON = {
            "chat": chat.to_dict(),
            "from": by.to_dict(),
            "date": int(time.time()),
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        }
        return self.world.enqueue("my_chat_member", payload)

    def push_update(self, update: Mapping[str, Any]) -> int:
        """Push a raw update (one field besides update_id, which is assigned if missing)."""
        kinds = [key for key in update if key != "update_id"]
        if len(kinds) != 1:
            raise ValueError(f"an update has exactly one kind besides update_id, got {kinds}")
        return self.world.enqueue(
            kinds[0], dict(update[kinds[0]]), update_id=update.get("update_id")
        )

    def _check_member(self, chat: FakeChat, user: FakeUser) -> None:
        """Refuse chats the fake does not know and strangers in private chats."""
        if self.world.chats.get(chat.id) != chat:
            raise ValueError(f"chat {chat.id} was not made with private_chat() or group_chat()")
        if chat.type == "private" and user.id != chat.id:
            raise ValueError(f"user {user.id} is not the user of private chat {chat.id}")

    def _user_message(
        self,
        chat: FakeChat,
        user: FakeUser,
        reply_to_message_id: int | None,
        *,
        thread_id: int | None = None,
    ) -> JSON:
        """Start a message from ``user`` in ``chat``, optionally replying to a message."""
        if thread_id is not None and not chat.is_forum:
            raise ValueError(f"chat {chat.id} has no topics: make it with forum=True")
        self._check_member(chat, user)
        reply_to = None
        if reply_to_message_id is not None:
            reply_to = self.world.live_record(chat.id, reply_to_message_id)
            if reply_to is None:
                raise ValueError(f"no message {reply_to_message_id} in chat {chat.id}")
        return self.world.new_message(chat, user, reply_to=reply_to, thread_id=thread_id)

    def _push(self, payload: JSON) -> int:
        """Store a user message and queue it as a message update."""
        self.world.store(payload, from_bot=False)
        return self.world.enqueue("message", payload)

    def _push_with_caption(self, payload: JSON, caption: str | None) -> int:
        """Add a caption (with its detected entities) and push the message."""
        if caption:
            payload["caption"] = caption
            found = detect_entities(caption)
            if found:
                payload["caption_entities"] = found
        return self._push(payload)
