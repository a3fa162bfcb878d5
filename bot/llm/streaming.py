"""Stop-sequence streaming: token texts in, a Generation out, never showing a stop."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator

from bot.llm.interface import Generation, TokenCallback

__all__ = ["StopScanner", "collect"]


class StopScanner:
    """Hold back text that may begin a stop sequence; cut at the first one that appears."""

    def __init__(self, stops: Iterable[str]) -> None:
        self._stops = tuple(stop for stop in stops if stop)
        self._held = ""
        self.stopped = False

    def feed(self, text: str) -> str:
        """Add text and return the part that can be shown: no stop sequence can start in it."""
        buffer = self._held + text
        cuts = [at for at in (buffer.find(stop) for stop in self._stops) if at >= 0]
        if cuts:
            self._held, self.stopped = "", True
            return buffer[: min(cuts)]
        hold = max(
            (
                size
                for stop in self._stops
                for size in range(min(len(stop) - 1, len(buffer)), 0, -1)
                if buffer.endswith(stop[:size])
            ),
            default=0,
        )
        self._held = buffer[len(buffer) - hold :]
        return buffer[: len(buffer) - hold]

    def flush(self) -> str:
        """Return the held-back text once no stop sequence can complete any more."""
        held, self._held = self._held, ""
        return held


def collect(
    pieces: Iterator[str | None],
    *,
    prompt_tokens: int,
    stop: Iterable[str],
    max_tokens: int,
    on_token: TokenCallback | None,
    started: float,
) -> Generation:
    """Stream token texts (None marks an end token) through stop handling into a Generation."""
    scanner = StopScanner(stop)
    parts: list[str] = []
    count, first_token_ms, finish_reason = 0, None, "length"

    def emit(text: str) -> None:
        if text:
            parts.append(text)
            if on_token is not None:
                on_token(text)

    for piece in pieces:
        if first_token_ms is None:
            first_token_ms = (time.perf_counter() - started) * 1000
        if piece is None:
            finish_reason = "stop"
            break
        count += 1
        emit(scanner.feed(piece))
        if scanner.stopped:
            finish_reason = "stop"
            break
        if count >= max_tokens:
            break
    else:
        finish_reason = "stop"
    emit(scanner.flush())
    total_ms = (time.perf_counter() - started) * 1000
    return Generation("".join(parts), prompt_tokens, count, first_token_ms, total_ms, finish_reason)
