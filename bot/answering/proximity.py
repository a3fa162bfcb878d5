"""How close a candidate answer sits to the question's words in its sentence.

News sentences list several names, numbers and dates; the one that answers is usually the one
beside the words the question asks about ("orangutan kalimantan masih sekitar 50.000 ekor").
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

from retrieval.analysis import Lang, analyze

_WORD_RE = re.compile(r"\S+")
# A question word one word away counts fully; each further word weighs exp(-1/DECAY) less.
DECAY = 3.0


def nearness(
    sentence: str, lang: Lang, start: int, end: int, weights: Mapping[str, float], total: float
) -> float:
    """Return the share of the question's weight found near ``sentence[start:end]`` (0..1):
    each question term outside the span counts by its weight, decayed by its distance in
    words from the span's nearest edge."""
    found = _WORD_RE.finditer(sentence)
    words = [(m.start(), m.end(), set(analyze(m.group(), lang))) for m in found]
    inside = [k for k, (a, z, _) in enumerate(words) if a < end and z > start]
    if not inside or total <= 0:
        return 0.0
    first, last = inside[0], inside[-1]
    nearest: dict[str, int] = {}
    for k, (_, _, terms) in enumerate(words):
        if first <= k <= last:
            continue
        gap = first - k if k < first else k - last
        for term in terms & weights.keys():
            nearest[term] = min(gap, nearest.get(term, gap))
    score = sum(weights[t] * math.exp(-(gap - 1) / DECAY) for t, gap in nearest.items())
    return min(1.0, score / total)
