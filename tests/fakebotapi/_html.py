"""Telegram's HTML parse mode: visible text and entities, or the error Telegram gives.

Stricter than Telegram in one place on purpose: a bare ``&`` that does not start a supported
character reference is an error (Telegram keeps it as text), so unescaped output is caught.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tests.fakebotapi._types import JSON, bad_request

_TAG_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAMED_REFS = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_CHAR_REF = re.compile(r"&(?:#([0-9]{1,8})|#[xX]([0-9a-fA-F]{1,8})|([A-Za-z][A-Za-z0-9]{0,31}));")
_TAG_NAME = re.compile(r"[A-Za-z0-9-]+")
_ATTR_NAME = re.compile(r"[A-Za-z0-9_-]+")
_UNQUOTED_VALUE = re.compile(r"[^\s>]+")
_SPACE = " \t\r\n"


class _ParseError(Exception):
    """A parse failure, described as Telegram describes it."""


@dataclass
class _OpenTag:
    """A start tag waiting for its end tag."""

    name: str
    attrs: dict[str, str]
    start: int = 0  # UTF-16 offset of the tag's content in the visible text
    extra: JSON = field(default_factory=dict)


def utf16_len(text: str) -> int:
    """Return the length of ``text`` in UTF-16 code units, as Telegram counts."""
    return len(text.encode("utf-16-le")) // 2


def parse_html(source: str) -> tuple[str, list[JSON]]:
    """Return the visible text and entities of Telegram HTML; raise a 400 ApiError if bad."""
    try:
        return _parse(source)
    except _ParseError as exc:
        raise bad_request(f"can't parse entities: {exc}") from None


def _byte_offset(source: str, index: int) -> int:
    """Return the UTF-8 byte offset of ``source[index]``, as Telegram reports positions."""
    return len(source[:index].encode())


def _parse(source: str) -> tuple[str, list[JSON]]:
    """Parse Telegram HTML or raise _ParseError."""
    parts: list[str] = []
    units = 0
    open_tags: list[_OpenTag] = []
    entities: list[JSON] = []
    i = 0
    while i < len(source):
        if source.startswith("</", i):
            tag, i = _end_tag(source, i, open_tags)
            entity = _entity(tag, open_tags, units)
            if entity is not None:
                entities.append(entity)
            continue
        if source[i] == "<":
            tag, i = _start_tag(source, i)
            tag.start = units
            open_tags.append(tag)
            continue
        if source[i] == "&":
            piece, i = _char_ref(source, i)
        else:
            stops = [pos for pos in (source.find("<", i), source.find("&", i)) if pos != -1]
            end = min(stops, default=len(source))
            piece, i = source[i:end], end
        parts.append(piece)
        units += utf16_len(piece)
    if open_tags:
        raise _ParseError(f'Can\'t find end tag corresponding to start tag "{open_tags[-1].name}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(parts), entities


def _char_ref(source: str, i: int) -> tuple[str, int]:
    """Decode the character reference at ``source[i]`` (an ``&``)."""
    match = _CHAR_REF.match(source, i)
    if match is None:
        raise _ParseError(f'Unescaped "&" at byte offset {_byte_offset(source, i)}')
    decimal, hexadecimal, name = match.groups()
    if name is not None:
        if name not in _NAMED_REFS:
            raise _ParseError(
                f'Unsupported character entity "&{name};" at byte offset {_byte_offset(source, i)}'
            )
        return _NAMED_REFS[name], match.end()
    code = int(decimal) if decimal is not None else int(hexadecimal, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        raise _ParseError(f"Invalid character entity at byte offset {_byte_offset(source, i)}")
    return chr(code), match.end()


def _decode_attr(source: str, start: int, end: int) -> str:
    """Decode character references inside an attribute value ``source[start:end]``."""
    out: list[str] = []
    i = start
    while i < end:
        if source[i] == "&":
            piece, i = _char_ref(source, i)
            out.append(piece)
        else:
            stop = source.find("&", i, end)
            stop = end if stop == -1 else stop
            out.append(source[i:stop])
            i = stop
    return "".join(out)


def _skip_space(source: str, i: int) -> int:
    """Return the index of the first non-space character at or after ``i``."""
    while i < len(source) and source[i] in _SPACE:
        i += 1
    return i


def _start_tag(source: str, begin: int) -> tuple[_OpenTag, int]:
    """Parse the start tag at ``source[begin]``; return it and the index after ``>``."""
    match = _TAG_NAME.match(source, begin + 1)
    name = match.group().lower() if match else ""
    if name not in _TAG_TYPES:
        offset = _byte_offset(source, begin)
        raise _ParseError(f'Unsupported start tag "{name}" at byte offset {offset}')
    unclosed = _ParseError(f"Unclosed start tag at byte offset {_byte_offset(source, begin)}")
    attrs: dict[str, str] = {}
    i = match.end() if match else begin + 1
    while True:
        i = _skip_space(source, i)
        if i >= len(source):
            raise unclosed
        if source[i] == ">":
            break
        attr = _ATTR_NAME.match(source, i)
        if attr is None:
            raise unclosed
        i = _skip_space(source, attr.end())
        value = ""
        if i < len(source) and source[i] == "=":
            i = _skip_space(source, i + 1)
            if i >= len(source):
                raise unclosed
            if source[i] in "'\"":
                close = source.find(source[i], i + 1)
                if close == -1:
                    raise unclosed
                value, i = _decode_attr(source, i + 1, close), close + 1
            else:
                bare = _UNQUOTED_VALUE.match(source, i)
                if bare is None:
                    raise unclosed
                value, i = _decode_attr(source, i, bare.end()), bare.end()
        attrs[attr.group().lower()] = value
    offset = _byte_offset(source, begin)
    if name == "span" and attrs.get("class") != "tg-spoiler":
        raise _ParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {offset}')
    if name == "tg-emoji" and not attrs.get("emoji-id"):
        raise _ParseError(f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset {offset}')
    return _OpenTag(name, attrs), i + 1


def _end_tag(source: str, begin: int, open_tags: list[_OpenTag]) -> tuple[_OpenTag, int]:
    """Parse the end tag at ``source[begin]``, pop its start tag; return it and the next index."""
    match = _TAG_NAME.match(source, begin + 2)
    name = match.group().lower() if match else ""
    i = _skip_space(source, match.end() if match else begin + 2)
    offset = _byte_offset(source, begin)
    if i >= len(source) or source[i] != ">":
        raise _ParseError(f"Unclosed end tag at byte offset {offset}")
    if not open_tags:
        raise _ParseError(f"Unexpected end tag at byte offset {offset}")
    tag = open_tags.pop()
    if name != tag.name:
        raise _ParseError(
            f'Unmatched end tag at byte offset {offset}, expected "</{tag.name}>", '
            f'found "</{name}>"'
        )
    return tag, i + 1


def _entity(tag: _OpenTag, parents: list[_OpenTag], end: int) -> JSON | None:
    """Return the entity a closed tag makes, or None when Telegram makes none."""
    length = end - tag.start
    kind = _TAG_TYPES[tag.name]
    if tag.name == "code" and parents and parents[-1].name == "pre":
        # <pre><code class="language-x"> is one pre entity carrying the language.
        language = tag.attrs.get("class", "")
        if language.startswith("language-"):
            parents[-1].extra["language"] = language.removeprefix("language-")
        return None
    if length <= 0:
        return None
    entity: JSON = {"type": kind, "offset": tag.start, "length": length}
    if tag.name == "a":
        href = tag.attrs.get("href", "")
        if not href:
            return None
        entity["url"] = href
    elif tag.name == "tg-emoji":
        entity["custom_emoji_id"] = tag.attrs["emoji-id"]
    elif tag.name == "blockquote" and "expandable" in tag.attrs:
        entity["type"] = "expandable_blockquote"
    entity.update(tag.extra)
    return entity
