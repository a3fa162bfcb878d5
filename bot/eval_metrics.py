"""Answer metrics on the answer's own words: exact match, token F1, strict hit, selective QA."""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

_MARKER_RE = re.compile(r"\[\d+(?:\s*,\s*\d+)*\]")
_QUOTED_RE = re.compile(r"“[^”]*”|\"[^\"]*\"|«[^»]*»")
_PUNCT_RE = re.compile(r"[^\w\s]")
_SPACE_BEFORE_PUNCT_RE = re.compile(r"\s+([.,;:!?])")
# SQuAD drops English articles; Indonesian has none (si/sang are names' particles, kept).
_ARTICLES_RE = re.compile(r"\b(a|an|the)\b")
# The preposition an answer is framed with ("Di Kota Vladivostok", "Pada 1977", "In 1977")
# is dropped from the start of both sides too, as SQuAD drops articles.
_LEADING_PREPOSITION_RE = re.compile(r"^(?:di|ke|dari|pada|in|on|at|from|to)\s+")


def normalize_answer(text: str) -> str:
    """SQuAD-style: NFKC, lower case, punctuation and English articles dropped, spaces one;
    and a leading preposition (the answer's framing) dropped."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _PUNCT_RE.sub(" ", text)
    text = _ARTICLES_RE.sub(" ", text)
    return _LEADING_PREPOSITION_RE.sub("", " ".join(text.split()))


def own_words(text: str, quotes: Sequence[str] = ()) -> str:
    """Return the answer's own words: cited quotes, quoted text and ``[n]`` markers removed."""
    for quote in sorted(quotes, key=len, reverse=True):
        if quote:
            text = text.replace(quote, " ")
    text = " ".join(_MARKER_RE.sub(" ", _QUOTED_RE.sub(" ", text)).split())
    return _SPACE_BEFORE_PUNCT_RE.sub(r"\1", text)


def token_f1(prediction: str, gold: str) -> float:
    """Return SQuAD token F1 of ``prediction`` against one gold answer."""
    pred, ref = normalize_answer(prediction).split(), normalize_answer(gold).split()
    if not pred or not ref:
        return float(pred == ref)
    common = sum((Counter(pred) & Counter(ref)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(pred), common / len(ref)
    return 2 * precision * recall / (precision + recall)


def best_f1(prediction: str, golds: Sequence[str]) -> float:
    """Return the best token F1 over the gold answers."""
    return max((token_f1(prediction, g) for g in golds if g.strip()), default=0.0)


def exact_match(prediction: str, golds: Sequence[str]) -> bool:
    """Tell whether the normalised prediction equals a normalised gold answer."""
    pred = normalize_answer(prediction)
    return bool(pred) and any(pred == normalize_answer(g) for g in golds if g.strip())


def strict_hit(prediction: str, golds: Sequence[str]) -> bool:
    """Tell whether a gold answer occurs, as whole words, in the prediction."""
    pred = f" {normalize_answer(prediction)} "
    return any(
        normalize_answer(g) and f" {normalize_answer(g)} " in pred for g in golds if g.strip()
    )


@dataclass(frozen=True)
class Outcome:
    """One question's result, for selective-QA figures."""

    answerable: bool
    answered: bool  # not abstained
    correct: bool  # answered and (answerable and a strict hit)
    confidence: float


def selective(outcomes: Sequence[Outcome]) -> dict[str, float | None]:
    """Coverage, precision of answered questions, and both abstention rates."""
    answered = [o for o in outcomes if o.answered]
    answerable = [o for o in outcomes if o.answerable]
    unanswerable = [o for o in outcomes if not o.answerable]
    return {
        "coverage": len(answered) / len(outcomes) if outcomes else 0.0,
        "precision_answered": (
            sum(o.correct for o in answered) / len(answered) if answered else None
        ),
        "abstention_unanswerable": (
            sum(not o.answered for o in unanswerable) / len(unanswerable) if unanswerable else None
        ),
        "false_abstention": (
            sum(not o.answered for o in answerable) / len(answerable) if answerable else None
        ),
    }


# Fine at the low end: the default min_answer_confidence is 0.13 (a calibrated probability).
RISK_THRESHOLDS = (0.0, 0.05, 0.1, 0.13, 0.15, 0.2, 0.3, 0.5, 0.7)


def risk_coverage(
    outcomes: Sequence[Outcome], thresholds: Sequence[float] = RISK_THRESHOLDS
) -> list[dict[str, float | None]]:
    """For each confidence threshold: the share answered and the accuracy of that share."""
    rows: list[dict[str, float | None]] = []
    for t in thresholds:
        kept = [o for o in outcomes if o.answered and o.confidence >= t]
        rows.append(
            {
                "threshold": t,
                "coverage": len(kept) / len(outcomes) if outcomes else 0.0,
                "accuracy": sum(o.correct for o in kept) / len(kept) if kept else None,
                "abstention_unanswerable": _abstained_share(outcomes, kept, answerable=False),
                "false_abstention": _abstained_share(outcomes, kept, answerable=True),
            }
        )
    return rows


def _abstained_share(
    outcomes: Sequence[Outcome], kept: Sequence[Outcome], *, answerable: bool
) -> float | None:
    group = [o for o in outcomes if o.answerable == answerable]
    if not group:
        return None
    kept_ids = {id(o) for o in kept}
    return sum(id(o) not in kept_ids for o in group) / len(group)


def median_words(texts: Sequence[str]) -> float:
    """Return the median length in words of the answered texts."""
    lengths = [len(t.split()) for t in texts]
    return float(statistics.median(lengths)) if lengths else 0.0
