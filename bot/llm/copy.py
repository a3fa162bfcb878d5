"""Copy-constrained decoding: the model may only continue a verbatim span of given texts.

A reader that can only copy cannot invent a name or a number: its answer is a substring of
a source sentence by construction, so the sentence that holds it is the citation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class SpanRead:
    """A span copied from one of the texts, with the model's confidence in it."""

    text: str  # the decoded span, a substring of one of the texts (before trimming)
    logprob: float  # mean log-probability of its tokens under the unconstrained model
    tokens: int
    prompt_tokens: int
    total_ms: float


@dataclass(frozen=True)
class SpanScore:
    """How likely the model finds one text as the whole answer (teacher-forced)."""

    logprob: float  # sum of its tokens' log-probabilities, the end of the line included
    tokens: int  # how many tokens that sum is over


class CopyConstraint:
    """Which tokens may come next so that the output stays a span of ``seqs``.

    ``seqs`` are the token sequences of the texts (each tokenised after a space, so word
    starts look as they do mid-sentence). A span starts at a word start and may end only
    where a word ends (before a word start, before punctuation, or at the text's end).
    """

    def __init__(
        self,
        seqs: Sequence[Sequence[int]],
        *,
        word_start: Callable[[int], bool],
        word_char_start: Callable[[int], bool],
        whole: bool = False,
    ) -> None:
        """Prepare the constraint; the callables classify tokens by their text.

        With ``whole`` the output must be one of the texts entire: a choice among phrases.
        """
        self._seqs = [list(s) for s in seqs if s]
        self._whole = whole
        self._word_start = word_start
        self._word_char_start = word_char_start
        # (sequence, position of the next token) pairs the output so far is a span ending at.
        self._live: list[tuple[int, int]] = []
        self._started = False

    def allowed(self) -> tuple[set[int], bool]:
        """Return the tokens that may come next and whether the span may end here."""
        if not self._started:
            if self._whole:
                return {s[0] for s in self._seqs}, False
            return {t for s in self._seqs for t in s if self._word_start(t)}, False
        nxt: set[int] = set()
        can_end = False
        for si, pos in self._live:
            seq = self._seqs[si]
            if pos < len(seq):
                nxt.add(seq[pos])
                token = seq[pos]
                boundary = self._word_start(token) or not self._word_char_start(token)
                can_end = can_end or (boundary and not self._whole)
            else:
                can_end = True
        return nxt, can_end

    def advance(self, token: int) -> None:
        """Record that ``token`` was generated."""
        if not self._started:
            self._started = True
            self._live = [
                (si, i + 1)
                for si, seq in enumerate(self._seqs)
                for i, t in enumerate(seq)
                if t == token and (i == 0 if self._whole else self._word_start(t))
            ]
            return
        self._live = [
            (si, pos + 1)
            for si, pos in self._live
            if pos < len(self._seqs[si]) and self._seqs[si][pos] == token
        ]
