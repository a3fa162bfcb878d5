"""Newer Bot API methods: message drafts, reactions, inline answers, bot descriptions."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from tests.fakebotapi._rules import TEXT_LIMIT, check_reply_markup, format_text
from tests.fakebotapi._state import World
from tests.fakebotapi._types import JSON, ApiError, Draft, InlineAnswer, bad_request

Handler = Callable[[JSON], Awaitable[Any]]

INLINE_RESULTS_LIMIT = 50
RESULT_ID_BYTES = 64
DESCRIPTION_LIMIT = 512
SHORT_DESCRIPTION_LIMIT = 120
_START_PARAMETER = re.compile(r"[A-Za-z0-9_-]{1,64}")
_LANGUAGE_CODE = re.compile(r"[a-z]{2}")
_INLINE_TYPES = frozenset(
    {"article", "photo", "gif", "mpeg4_gif", "video", "audio", "voice", "document",
     "location", "venue", "contact", "game", "sticker"}
)  # fmt: skip
# The emoji a bot may react with (ReactionTypeEmoji in the Bot API documentation).
REACTION_EMOJI = frozenset(
    "❤ 👍 👎 🔥 🥰 👏 😁 🤔 🤯 😱 🤬 😢 🎉 🤩 🤮 💩 🙏 👌 🕊 🤡 🥱 🥴 😍 🐳 ❤‍🔥 🌚 🌭 💯 🤣 ⚡ 🍌 "
    "🏆 💔 🤨 😐 🍓 🍾 💋 🖕 😈 😴 😭 🤓 👻 👨‍💻 👀 🎃 🙈 😇 😨 🤝 ✍ 🤗 🫡 🎅 🎄 ☃ 💅 🤪 🗿 🆒 "
    "💘 🙉 🦄 😘 💊 🙊 😎 👾 🤷‍♂ 🤷 🤷‍♀ 😡".split()
)
_QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"


class FeatureMethods:
    """Handlers for the newer methods, keyed by their canonical names in ``table``."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.table: dict[str, Handler] = {
            "sendMessageDraft": self.send_message_draft,
            "setMessageReaction": self.set_message_reaction,
            "answerInlineQuery": self.answer_inline_query,
            "setMyDescription": self.set_my_description,
            "getMyDescription": self.get_my_description,
            "setMyShortDescription": self.set_my_short_description,
            "getMyShortDescription": self.get_my_short_description,
        }

    async def send_message_draft(self, params: JSON) -> bool:
        """Show a streamed partial message in a private chat (Bot API 9.3+)."""
        if not self.world.drafts_supported:
            raise ApiError(404, "Not Found")
        chat = self.world.chat(params.get("chat_id"))
        if chat.type != "private":
            raise bad_request("TEXTDRAFT_PEER_INVALID")
        if chat.id in self.world.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        draft_id = params.get("draft_id")
        if not isinstance(draft_id, int) or draft_id == 0:
            raise bad_request("draft_id must be non-zero")
        text, entities = format_text(
            params.get("text"),
            params.get("parse_mode"),
            params.get("entities"),
            limit=TEXT_LIMIT,
            allow_empty=True,  # an empty draft shows "Thinking…" (Bot API 10.0)
        )
        thread = params.get("message_thread_id")
        self.world.drafts.append(Draft(chat.id, draft_id, text, tuple(entities), thread))
        return True

    async def set_message_reaction(self, params: JSON) -> bool:
        """Set (or with an empty list, remove) the bot's reaction on a message."""
        chat = self.world.chat(params.get("chat_id"))
        record = self.world.live_record(chat.id, params.get("message_id"))
        if record is None:
            raise bad_request("message to react not found")
        reaction = params.get("reaction") or []
        if not isinstance(reaction, list):
            raise bad_request("can't parse reaction types JSON object")
        if len(reaction) > 1:  # bots react like non-premium users: one reaction
            raise bad_request("REACTIONS_TOO_MANY")
        for item in reaction:
            emoji_ok = (
                isinstance(item, dict)
                and item.get("type") == "emoji"
                and item.get("emoji") in REACTION_EMOJI
            )
            if not emoji_ok:
                raise bad_request("REACTION_INVALID")
        if reaction:
            self.world.reactions[(chat.id, record.payload["message_id"])] = reaction
        else:
            self.world.reactions.pop((chat.id, record.payload["message_id"]), None)
        return True

    async def answer_inline_query(self, params: JSON) -> bool:
        """Answer an open inline query once, with up to 50 valid results."""
        query_id = params.get("inline_query_id")
        if query_id not in self.world.open_inline_queries:
            raise bad_request(_QUERY_INVALID)
        results = params.get("results")
        if not isinstance(results, list):
            raise bad_request("can't parse inline query results JSON object")
        if len(results) > INLINE_RESULTS_LIMIT:
            raise bad_request("RESULTS_TOO_MUCH")
        seen: set[str] = set()
        for result in results:
            _check_result(result, seen)
        button = params.get("button")
        if button is not None:
            _check_results_button(button)
        self.world.open_inline_queries.discard(query_id)
        self.world.inline_answers.append(
            InlineAnswer(
                inline_query_id=query_id,
                results=tuple(results),
                cache_time=params.get("cache_time"),
                is_personal=bool(params.get("is_personal", False)),
                button=button,
            )
        )
        return True

    async def set_my_description(self, params: JSON) -> bool:
        """Store the description shown in an empty chat with the bot, per language."""
        return self._describe(self.world.descriptions, params, "description", DESCRIPTION_LIMIT)

    async def get_my_description(self, params: JSON) -> JSON:
        """Return the description for a language."""
        lang = _language(params)
        return {"description": self.world.descriptions.get(lang, "")}

    async def set_my_short_description(self, params: JSON) -> bool:
        """Store the short description shown on the bot's profile, per language."""
        return self._describe(
            self.world.short_descriptions, params, "short_description", SHORT_DESCRIPTION_LIMIT
        )

    async def get_my_short_description(self, params: JSON) -> JSON:
        """Return the short description for a language."""
        lang = _language(params)
        return {"short_description": self.world.short_descriptions.get(lang, "")}

    def _describe(self, store: dict[str, str], params: JSON, name: str, limit: int) -> bool:
        lang = _language(params)
        text = params.get(name) or ""
        if not isinstance(text, str) or len(text) > limit:
            raise bad_request(f"{name.upper()}_INVALID")
        if text:
            store[lang] = text
        else:
            store.pop(lang, None)
        return True


def _language(params: JSON) -> str:
    """Return the language_code parameter ("" for all languages), checked like Telegram."""
    lang = params.get("language_code") or ""
    if lang and not _LANGUAGE_CODE.fullmatch(str(lang)):
        raise bad_request("LANG_CODE_INVALID")
    return str(lang)


def _check_result(result: object, seen: set[str]) -> None:
    """Validate one InlineQueryResult (articles fully; other types by type and id)."""
    if not isinstance(result, dict) or result.get("type") not in _INLINE_TYPES:
        raise bad_request("RESULT_TYPE_INVALID")
    result_id = result.get("id")
    if not isinstance(result_id, str) or not 1 <= len(result_id.encode()) <= RESULT_ID_BYTES:
        raise bad_request("RESULT_ID_INVALID")
    if result_id in seen:
        raise bad_request("RESULT_ID_DUPLICATE")
    seen.add(result_id)
    if "reply_markup" in result:
        check_reply_markup(result["reply_markup"], inline_only=True)
    if result["type"] != "article":
        return
    if not str(result.get("title") or "").strip():
        raise bad_request("RESULT_TITLE_EMPTY")
    content = result.get("input_message_content")
    if not isinstance(content, dict) or "message_text" not in content:
        raise bad_request("can't parse input message content JSON object")
    try:
        format_text(
            content["message_text"],
            content.get("parse_mode"),
            content.get("entities"),
            limit=TEXT_LIMIT,
        )
    except ApiError as exc:
        raise bad_request(f"MESSAGE_TEXT_INVALID ({exc.description})") from None


def _check_results_button(button: object) -> None:
    """Validate the button shown above inline results."""
    if not isinstance(button, dict) or not str(button.get("text") or "").strip():
        raise bad_request("BUTTON_TEXT_INVALID")
    start = button.get("start_parameter")
    if start is not None and not _START_PARAMETER.fullmatch(str(start)):
        raise bad_request("START_PARAM_INVALID")
    if start is None and "web_app" not in button:
        raise bad_request("can't parse inline query results button JSON object")
