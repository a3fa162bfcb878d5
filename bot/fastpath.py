"""Answer without the model, in milliseconds: the best-matching source sentence, quoted.

Inline queries (``@bot question`` in any chat) must be answered within a few seconds and
arrive while the user types, so they never wait for the model: retrieval, the abstention
check and the chosen sentence's quote are the whole answer.
"""

from __future__ import annotations

from bot.answering import Answer, Answerer


def quick_answer(answerer: Answerer, question: str) -> Answer:
    """Answer ``question`` by quoting its best source sentence, or abstain."""
    return answerer.answer(question, use_model=False)
