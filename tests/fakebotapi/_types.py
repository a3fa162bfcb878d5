"""Values the fake Bot API hands to tests: users, chats, calls, messages, files."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

JSON = dict[str, Any]


class ApiError(Exception):
    """Reject a Bot API call with a Telegram status code and description."""

    def __init__(self, status: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after


def bad_request(reason: str) -> ApiError:
    """Build a 400 error worded the way Telegram words it."""
    return ApiError(400, f"Bad Request: {reason}")


@dataclass(frozen=True)
class FakeUser:
    """A Telegram user (or the bot itself)."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False

    def to_dict(self) -> JSON:
        """Return the Bot API ``User`` object."""
        data: JSON = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        return data


@dataclass(frozen=True)
class FakeChat:
    """A chat; ``peer`` is the other party of a private chat, None for groups."""

    id: int
    type: str
    title: str | None = None
    username: str | None = None
    peer: FakeUser | None = None
    is_forum: bool = False

    @property
    def user(self) -> FakeUser:
        """Return the user of a private chat."""
        if self.peer is None:
            raise ValueError(f"chat {self.id} is a group: make its members with api.user()")
        return self.peer

    def to_dict(self) -> JSON:
        """Return the Bot API ``Chat`` object."""
        data: JSON = {"id": self.id, "type": self.type}
        if self.peer is not None:
            data["first_name"] = self.peer.first_name
            if self.peer.last_name is not None:
                data["last_name"] = self.peer.last_name
            if self.peer.username is not None:
                data["username"] = self.peer.username
            return data
        data["title"] = self.title
        if self.username is not None:
            data["username"] = self.username
        if self.is_forum:
            data["is_forum"] = True
        return data


class Call(NamedTuple):
    """One request that reached a Bot API method: its name and decoded parameters."""

    method: str
    params: JSON


@dataclass(frozen=True)
class Rejection:
    """A request the fake answered with an error status."""

    method: str
    params: JSON
    status: int
    description: str


@dataclass(frozen=True)
class Upload:
    """A file uploaded in a multipart request."""

    filename: str | None
    mime_type: str | None
    content: bytes


@dataclass(frozen=True)
class StoredFile:
    """A file the fake serves through getFile and the file download URL."""

    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes
    mime_type: str | None = None
    file_name: str | None = None

    def to_dict(self) -> JSON:
        """Return the fields shared by the Document, Voice, Sticker, ... objects."""
        data: JSON = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.content),
        }
        if self.mime_type is not None:
            data["mime_type"] = self.mime_type
        if self.file_name is not None:
            data["file_name"] = self.file_name
        return data


@dataclass(frozen=True)
class BotMessage:
    """The current state of a message the bot sent (after its edits)."""

    chat_id: int
    message_id: int
    text: str | None
    parse_mode: str | None
    entities: tuple[JSON, ...]
    reply_markup: JSON | None
    edit_count: int
    reply_to_message_id: int | None
    deleted: bool
    document: StoredFile | None
    message_thread_id: int | None = None

    @property
    def buttons(self) -> list[JSON]:
        """Return the inline keyboard buttons, row after row, flattened."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [button for row in rows for button in row]


@dataclass(frozen=True)
class CallbackAnswer:
    """One successful answerCallbackQuery call."""

    callback_query_id: str
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int | None


@dataclass(frozen=True)
class Webhook:
    """The webhook registered with setWebhook."""

    url: str
    secret_token: str | None
    allowed_updates: tuple[str, ...] | None
    max_connections: int


@dataclass(frozen=True)
class InlineAnswer:
    """One successful answerInlineQuery call."""

    inline_query_id: str
    results: tuple[JSON, ...]
    cache_time: int | None
    is_personal: bool
    button: JSON | None


@dataclass(frozen=True)
class Draft:
    """One sendMessageDraft call that Telegram accepted."""

    chat_id: int
    draft_id: int
    text: str
    entities: tuple[JSON, ...]
    message_thread_id: int | None
