"""The one exception hierarchy of Warta (the bot extends it in ``bot.errors``)."""


class WartaError(Exception):
    """Base of all Warta errors: its message is one sentence a user can act on."""


class CorpusError(WartaError):
    """Raise when a corpus directory or file cannot be used."""


class IndexFormatError(WartaError):
    """Raise when a persisted index is missing, corrupt or of another version."""


class ReloadInProgressError(WartaError):
    """Raise when a reload is asked for while another one is running."""


class IndexBusyError(ReloadInProgressError):
    """Raise when another process is writing the index (readers keep the last generation)."""


class IndexWriteError(WartaError):
    """Raise when the index directory cannot be written (read-only, permissions, disk full)."""
