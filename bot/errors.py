"""Errors of the bot application, on top of the shared ``WartaError`` hierarchy."""

from collections.abc import Sequence

from retrieval.errors import WartaError

__all__ = [
    "ModelError",
    "ModelUnavailable",
    "SettingsError",
    "TelegramSetupError",
    "WartaError",
]


class SettingsError(WartaError):
    """Raise when the settings are invalid; ``lines`` holds one line per problem."""

    def __init__(self, lines: Sequence[str]) -> None:
        """Keep the problem lines and use them, joined, as the message."""
        self.lines: list[str] = list(lines)
        super().__init__("\n".join(self.lines))


class ModelError(WartaError):
    """Raise when the language model cannot be loaded or fails to generate."""


class ModelUnavailable(ModelError):
    """Raise when the model server is down, too slow or lost mid-answer (answer without it)."""


class TelegramSetupError(WartaError):
    """Raise when the Telegram bot cannot be set up (token, webhook, connection)."""
