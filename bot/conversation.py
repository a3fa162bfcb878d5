"""Follow-up questions read with the previous turn as context (pure functions).

"Dengan apa Kim Jong-un berangkat ke Rusia?" followed by "Dia mau bertemu siapa?" is searched
as "Dia mau bertemu siapa?" plus the previous question's key terms at a lower weight, and the
model is told who "dia" is. Three cases:

- a pronoun or ellipsis ("dia", "mereka", "di sana", "he", "they", "there", "and when?", a
  question of one content word): the previous question's names are the referent and join the
  query at ``REFERENT_WEIGHT``, its other terms at ``CONTEXT_WEIGHT``;
- a question that shares a term with the previous one (same topic, no pronoun): the previous
  terms join at ``SAME_TOPIC_WEIGHT``;
- anything else changes the topic: no context, nothing polluted.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from retrieval.analysis import Lang, analyze, detect_language, normalise
from retrieval.crosslingual import expand_query

Reason = Literal["reference", "same_topic", "new_topic"]

REFERENT_WEIGHT = 0.8  # names of the previous question, when a pronoun points at them
CONTEXT_WEIGHT = 0.5  # other terms of the previous question, after a pronoun or ellipsis
SAME_TOPIC_WEIGHT = 0.3  # the previous question's terms when the topic simply goes on
ANSWER_WEIGHT = 0.3  # names in the previous answer (the referent may be the answer itself)
XL_CONTEXT_WEIGHT = 0.4  # translations of the previous question, after a pronoun or ellipsis
MAX_ANSWER_NAMES = 4
ANSWERS_PER_CHAT = 8  # answers per chat, on average, whose replies are still read in context
ELLIPSIS_TERMS = 1  # a question with this many content terms or fewer leans on the last one

_PRONOUNS: dict[Lang, frozenset[str]] = {
    "id": frozenset("dia ia beliau mereka kalian keduanya sana situ tersebut itu tadi".split()),
    "en": frozenset(
        "he she it they him her them his hers its their theirs there that those these both".split()
    ),
}
_LEADS: dict[Lang, tuple[str, ...]] = {
    "id": ("dan ", "lalu ", "terus ", "kalau ", "bagaimana dengan ", "kemudian ", "trus "),
    "en": ("and ", "what about ", "how about ", "then ", "so "),
}
_WORD_RE = re.compile(r"\w+(?:[-']\w+)*")
# A capitalised word run, e.g. "Kim Jong-un", "Vladimir Putin", "Rusia".
_NAME_RE = re.compile(r"\b[A-Z][\w]*(?:[-'][\w]+)*(?:\s+[A-Z][\w]*(?:[-'][\w]+)*)*")
_NYA_RE = re.compile(r"\w{3,}nya$")


@dataclass(frozen=True)
class FollowUp:
    """How a question is read after the previous turn: extra weighted index terms, the
    question for the model (with its referent spelled out), and why."""

    question: str
    terms: tuple[tuple[str, float], ...]
    reason: Reason
    referent: str = ""


def _words(text: str) -> list[str]:
    return _WORD_RE.findall(normalise(text))


def refers_back(question: str, lang: Lang) -> bool:
    """Tell whether a question leans on the previous one (a pronoun, "and …", ellipsis)."""
    words = _words(question)
    text = " ".join(words) + " "
    if any(w in _PRONOUNS[lang] for w in words) or text.startswith(_LEADS[lang]):
        return True
    if lang == "id" and len(words) <= 6 and any(_NYA_RE.fullmatch(w) for w in words):
        return True  # "Kapan kedatangannya?": -nya points back
    return len(set(analyze(question, lang))) <= ELLIPSIS_TERMS


def names(text: str) -> list[str]:
    """Return the capitalised names in ``text`` (a sentence's first word only if it is a
    run of several, e.g. "Kim Jong-un ..."), in order, without repeats."""
    found: list[str] = []
    for match in _NAME_RE.finditer(text):
        name = match.group()
        start = match.start()
        first_word = start == 0 or text[:start].rstrip()[-1:] in '.?!"“'
        if first_word and " " not in name:
            continue  # "Dengan", "What": a capital only because the sentence starts
        if first_word:
            name = name.split(" ", 1)[1] if name.split(" ", 1)[0].lower() in _STARTERS else name
        if name not in found:
            found.append(name)
    return found


_STARTERS = frozenset(
    "dengan apa siapa kapan dimana di mengapa kenapa bagaimana berapa apakah "
    "what who when where why how which did does do is was are were".split()
)


def _weighted(pairs: list[tuple[str, float]]) -> tuple[tuple[str, float], ...]:
    """Keep each term once, at its highest weight, in first-seen order."""
    best: dict[str, float] = {}
    for term, weight in pairs:
        best[term] = max(best.get(term, 0.0), weight)
    return tuple(best.items())


def contextualize(
    question: str,
    previous_question: str,
    previous_answer: str = "",
    *,
    lang: Lang | None = None,
    crosslingual: bool = True,
) -> FollowUp:
    """Read ``question`` after ``previous_question`` (and its answer); with ``crosslingual``
    a referring question also takes the previous question's translations, more lightly."""
    lang = lang or detect_language(question)
    prev_lang = detect_language(previous_question, default=lang)
    own = set(analyze(question, lang))
    before = analyze(previous_question, prev_lang)
    if not before:
        return FollowUp(question, (), "new_topic")
    if refers_back(question, lang):
        referents = names(previous_question) or names(previous_answer)[:1]
        pairs = [(t, REFERENT_WEIGHT) for r in referents for t in analyze(r, prev_lang)]
        pairs += [(t, CONTEXT_WEIGHT) for t in before]
        answer_lang = detect_language(previous_answer, default=prev_lang)
        for name in names(previous_answer)[:MAX_ANSWER_NAMES]:
            pairs += [(t, ANSWER_WEIGHT) for t in analyze(name, answer_lang)]
        if crosslingual:
            # The corpus may tell it in the other language: "Russia" is also "rusia".
            pairs += expand_query(previous_question, source=prev_lang, weight=XL_CONTEXT_WEIGHT)
        terms = _weighted([p for p in pairs if p[0] not in own])
        referent = ", ".join(referents)
        rewritten = f"{question} ({referent})" if referent else question
        return FollowUp(rewritten, terms, "reference", referent)
    if own & set(before):
        terms = _weighted([(t, SAME_TOPIC_WEIGHT) for t in before if t not in own])
        return FollowUp(question, terms, "same_topic")
    return FollowUp(question, (), "new_topic")


@dataclass(frozen=True)
class Turn:
    """One answered question, kept so that the next one can lean on it."""

    question: str
    answer: str
    at: float  # monotonic seconds


class Memory:
    """The recent turns of each chat, bounded and in memory only.

    A reply to one of the bot's answers is read after that answer's turn (in any chat); in a
    private chat, a question within ``window_s`` of the last one is read after it; groups
    follow reply chains only. ``forget`` is /new.
    """

    def __init__(
        self, *, window_s: float, max_chats: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        """Keep the last turn of up to ``max_chats`` chats and the turns of their answers."""
        if max_chats < 1:
            raise ValueError(f"max_chats must be at least 1, got {max_chats}")
        self.window_s = window_s
        self.max_chats = max_chats
        self._clock = clock
        self._last: OrderedDict[int, Turn] = OrderedDict()
        self._answers: OrderedDict[tuple[int, int], Turn] = OrderedDict()

    def now(self) -> float:
        """Return the memory's clock reading."""
        return self._clock()

    def previous(self, chat_id: int, *, reply_to: int | None, private: bool) -> Turn | None:
        """Return the turn a new question in ``chat_id`` follows, or None."""
        if reply_to is not None:
            replied = self._answers.get((chat_id, reply_to))
            if replied is not None:
                return replied
        last = self._last.get(chat_id) if private else None
        if last is not None and self.window_s > 0 and self._clock() - last.at <= self.window_s:
            return last
        return None

    def remember(self, chat_id: int, answer_message_id: int | None, turn: Turn) -> None:
        """Keep ``turn`` as the chat's last, and as the turn of the bot's answer message."""
        self._last[chat_id] = turn
        self._last.move_to_end(chat_id)
        while len(self._last) > self.max_chats:
            self._last.popitem(last=False)
        if answer_message_id is not None:
            self._answers[(chat_id, answer_message_id)] = turn
            while len(self._answers) > ANSWERS_PER_CHAT * self.max_chats:
                self._answers.popitem(last=False)

    def forget(self, chat_id: int) -> None:
        """Forget everything about ``chat_id`` (/new)."""
        self._last.pop(chat_id, None)
        for key in [k for k in self._answers if k[0] == chat_id]:
            del self._answers[key]
