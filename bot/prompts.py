"""The translation prompt for instruct models (opt-in cross-lingual help)."""

from __future__ import annotations

from bot.llm import Prompt
from retrieval.analysis import Lang

_LANGUAGE_NAMES: dict[Lang, str] = {"id": "Indonesian", "en": "English"}


def translation_prompt(question: str, target: Lang) -> Prompt:
    """Build a request to translate a question into ``target`` (instruct models only)."""
    system = (
        f"Translate the user's question into {_LANGUAGE_NAMES[target]}. "
        "Reply with the translation only."
    )
    completion = f"{system}\n\nQuestion: {question.strip()}\nTranslation:"
    return Prompt(system=system, user=question.strip(), completion=completion, stop=("\n",))
