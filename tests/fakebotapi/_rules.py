"""Telegram's rules for requests: parameter decoding, text limits, keyboards, entities."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from tests.fakebotapi._html import parse_html, utf16_len
from tests.fakebotapi._types import JSON, Upload, bad_request

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64
PLACEHOLDER_LIMIT = 64  # input_field_placeholder of ForceReply and reply keyboards

_INT_RE = re.compile(r"-?\d+")
_COMMAND_RE = re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/])")
_MENTION_RE = re.compile(r"(?<![\w@/])@[A-Za-z0-9_]{5,32}(?!\w)")
_WHITESPACE = " \t\r\n"

# PTB sends strings raw and everything else JSON-encoded, so form values are decoded by name.
_JSON_PARAMS = frozenset(
    {"reply_markup", "entities", "caption_entities", "allowed_updates", "commands", "scope",
     "reply_parameters", "link_preview_options", "media", "message_ids", "reaction", "results",
     "button"}
)  # fmt: skip
_INT_PARAMS = frozenset(
    {"message_id", "offset", "limit", "reply_to_message_id", "cache_time", "max_connections",
     "message_thread_id", "from_chat_id", "user_id", "duration", "width", "height", "draft_id"}
)  # fmt: skip
_FLOAT_PARAMS = frozenset({"timeout"})
_BOOL_PARAMS = frozenset(
    {"disable_notification", "protect_content", "show_alert", "drop_pending_updates",
     "allow_sending_without_reply", "disable_web_page_preview", "has_spoiler",
     "disable_content_type_detection", "allow_paid_broadcast", "is_big", "is_personal"}
)  # fmt: skip
_BUTTON_ACTIONS = frozenset(
    {"url", "callback_data", "login_url", "switch_inline_query", "web_app", "pay",
     "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "callback_game",
     "copy_text"}
)  # fmt: skip


def detect_entities(text: str) -> list[JSON]:
    """Return the bot_command and mention entities Telegram adds to a user's text."""
    found = [(m, "bot_command") for m in _COMMAND_RE.finditer(text)]
    found += [(m, "mention") for m in _MENTION_RE.finditer(text)]
    entities = [
        {"type": kind, "offset": utf16_len(text[: m.start()]), "length": utf16_len(m.group())}
        for m, kind in found
    ]
    return sorted(entities, key=lambda e: e["offset"])


def format_text(
    text: object,
    parse_mode: object,
    entities: object,
    *,
    limit: int,
    allow_empty: bool = False,
    too_long: str = "message is too long",
) -> tuple[str, list[JSON]]:
    """Parse, trim and length-check a message text or caption; return text and entities."""
    if text is None:
        text = ""
    if not isinstance(text, str):
        raise bad_request("message text must be a String")
    if parse_mode in (None, ""):
        visible, found = text, list(entities) if isinstance(entities, list) else []
    elif isinstance(parse_mode, str) and parse_mode.lower() == "html":
        visible, found = parse_html(text)
    else:
        raise bad_request(f"the fake Bot API supports only parse_mode HTML, got {parse_mode!r}")
    visible, found = _trim(visible, found)
    if not visible and not allow_empty:
        raise bad_request("message text is empty")
    if utf16_len(visible) > limit:
        raise bad_request(too_long)
    return visible, found


def _trim(text: str, entities: list[JSON]) -> tuple[str, list[JSON]]:
    """Strip surrounding whitespace and shift the entities, as Telegram does for messages."""
    lead = utf16_len(text[: len(text) - len(text.lstrip(_WHITESPACE))])
    trimmed = text.strip(_WHITESPACE)
    total = utf16_len(trimmed)
    kept = []
    for entity in entities:
        start = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, total)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return trimmed, kept


def check_reply_markup(markup: object, *, inline_only: bool = False) -> JSON | None:
    """Validate a reply_markup object as Telegram does; return it, or None when absent."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in markup:
        if inline_only or not {"keyboard", "remove_keyboard", "force_reply"} & markup.keys():
            raise bad_request("can't parse inline keyboard markup JSON object")
        placeholder = markup.get("input_field_placeholder")
        if placeholder is not None and not 1 <= len(str(placeholder)) <= PLACEHOLDER_LIMIT:
            raise bad_request("can't parse reply keyboard markup JSON object")
        return markup
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('field "inline_keyboard" must be an Array of Arrays')
    for row in rows:
        for button in row:
            _check_button(button)
    return markup


def _check_button(button: object) -> None:
    """Validate one inline keyboard button."""
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise bad_request('can\'t parse inline keyboard button: Field "text" must be a String')
    if not button["text"].strip():
        raise bad_request("BUTTON_TEXT_INVALID")
    actions = _BUTTON_ACTIONS & button.keys()
    if len(actions) != 1:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if "callback_data" in actions:
        data = button["callback_data"]
        size = len(data.encode()) if isinstance(data, str) else 0
        if not 1 <= size <= CALLBACK_DATA_LIMIT:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in actions:
        url = button["url"]
        parts = urlsplit(url) if isinstance(url, str) else None
        if parts is None or parts.scheme not in ("http", "https", "tg") or not parts.netloc:
            raise bad_request(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")


def decode_param(name: str, value: Any) -> Any:
    """Decode one form value by parameter name; values from JSON bodies are already typed."""
    if not isinstance(value, str):
        return value
    if name in _JSON_PARAMS:
        try:
            return json.loads(value)
        except ValueError:
            raise bad_request(f"can't parse {name} JSON object") from None
    if name == "chat_id":
        return int(value) if _INT_RE.fullmatch(value) else value
    if name in _INT_PARAMS:
        if not _INT_RE.fullmatch(value):
            raise bad_request(f"wrong parameter {name} in request")
        return int(value)
    if name in _FLOAT_PARAMS:
        try:
            return float(value)
        except ValueError:
            raise bad_request(f"wrong parameter {name} in request") from None
    if name in _BOOL_PARAMS:
        return value.lower() in ("true", "1")
    return value


async def read_params(request: web.Request) -> JSON:
    """Read a Bot API request's parameters from its query, JSON, form or multipart body."""
    raw: dict[str, Any] = dict(request.query)
    if request.method == "POST" and request.content_type == "application/json":
        body = await request.read()
        try:
            data = json.loads(body) if body else {}
        except ValueError:
            raise bad_request("can't parse JSON object") from None
        if not isinstance(data, dict):
            raise bad_request("JSON object expected")
        raw.update(data)
    elif request.method == "POST":
        for key, value in (await request.post()).items():
            if isinstance(value, web.FileField):
                raw[key] = Upload(value.filename, value.content_type, value.file.read())
            else:
                raw[key] = value
    params = {name: decode_param(name, value) for name, value in raw.items()}
    # Files may be sent as attach://<part>; resolve them so handlers only see Upload values.
    for name, value in list(params.items()):
        if isinstance(value, str) and value.startswith("attach://"):
            part = value.removeprefix("attach://")
            if isinstance(params.get(part), Upload):
                params[name] = params.pop(part)
    return params
