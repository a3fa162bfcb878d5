"""Keep the bot token (and webhook secret) out of every log line.

httpx logs each request URL at INFO, and Bot API URLs contain the token. ``configure_logging``
quietens httpx and, in case anything else prints a URL or a traceback with the token, installs
``SecretMask`` on every log record as it is created, so no handler can see the raw value.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from urllib.parse import quote

from bot.settings import Settings

MASK = "<redacted>"
_QUIET = ("httpx", "httpcore")


class SecretMask(logging.Filter):
    """A logging filter that replaces secrets in a record's message and traceback."""

    def __init__(self, secrets: Iterable[str]) -> None:
        """Mask each non-empty secret, as written and URL-encoded; longest first."""
        super().__init__()
        forms = {form for secret in secrets if secret for form in (secret, quote(secret, ""))}
        self.secrets = tuple(sorted(forms, key=len, reverse=True))

    def mask(self, text: str) -> str:
        """Return ``text`` with every secret replaced by the mask."""
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return text

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
    """Quieten httpx and mask the bot token and webhook secret; return the undo function."""
    for name in _QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    secrets = [
        value.get_secret_value()
        for value in (settings.telegram_token, settings.webhook_secret)
        if value is not None
    ]
    return install_mask(secrets)
