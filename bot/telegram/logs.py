"""Keep the bot token (and every other secret setting) out of every log line and error.

httpx logs each request URL at INFO, and Bot API URLs contain the token. ``configure_logging``
quietens httpx and, in case anything else prints a URL or a traceback with the token, installs
``SecretMask`` on every log record as it is created, so no handler can see the raw value.
The mask matches in any letter case (python-telegram-bot lowercases some error messages) and
in URL-encoded form (``/bot123%3Aabc/getMe``); the CLI masks its error lines with it too.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from urllib.parse import quote

from bot.settings import Settings, secret_values

MASK = "<redacted>"
_QUIET = ("httpx", "httpcore")
# The key half of a bot token ("123456:AAE...") is the secret part; it is masked on its own too.
_MIN_KEY_CHARS = 16


def _forms(secret: str) -> set[str]:
    """Return the ways a secret can appear in text: as written, URL-encoded, its key half."""
    forms = {secret, quote(secret, ""), quote(secret)}
    _, colon, key = secret.partition(":")
    if colon and len(key) >= _MIN_KEY_CHARS:
        forms |= {key, quote(key, "")}
    return {form for form in forms if form}


class SecretMask(logging.Filter):
    """A logging filter that replaces secrets in a record's message and traceback."""

    def __init__(self, secrets: Iterable[str]) -> None:
        """Mask each non-empty secret in every form, in any letter case; longest first."""
        super().__init__()
        forms = {form for secret in secrets if secret for form in _forms(secret)}
        self.secrets = tuple(sorted(forms, key=len, reverse=True))
        alternatives = "|".join(re.escape(form) for form in self.secrets)
        self._pattern = re.compile(alternatives, re.IGNORECASE) if alternatives else None

    def mask(self, text: str) -> str:
        """Return ``text`` with every secret replaced by the mask."""
        return self._pattern.sub(MASK, text) if self._pattern is not None else text

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask the record in place and let it through."""
        try:
            message = record.getMessage()
        except Exception:  # a record with bad arguments: leave it to the handler's error path
            return True
        masked = self.mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.mask(record.exc_text)
        if record.stack_info:
            record.stack_info = self.mask(record.stack_info)
        return True


def install_mask(secrets: Iterable[str]) -> Callable[[], None]:
    """Mask ``secrets`` in every log record created from now on; return the undo function."""
    mask = SecretMask(secrets)
    previous = logging.getLogRecordFactory()

    def factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        mask.filter(record)
        return record

    logging.setLogRecordFactory(factory)

    def undo() -> None:
        if logging.getLogRecordFactory() is factory:
            logging.setLogRecordFactory(previous)

    return undo


def configure_logging(settings: Settings) -> Callable[[], None]:
    """Quieten httpx and mask every secret setting; return the undo function."""
    for name in _QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    return install_mask(secret_values(settings))
