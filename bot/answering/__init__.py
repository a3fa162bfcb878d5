"""The answer stages: retrieve → choose sentences → read → verify → abstain → frame."""

from bot.answering.pipeline import Answerer, DraftCallback
from bot.answering.types import Answer, AnswerOptions, Mode

__all__ = ["Answer", "AnswerOptions", "Answerer", "DraftCallback", "Mode"]
