"""Warta's one settings model, and loading it from CLI options, env, .env and a TOML file.

Build settings once at the entry point with ``load_settings(overrides)``; it layers, highest
first: CLI options (``overrides``), the environment (``WARTA_*``), ``.env`` in the current
directory, the TOML file (``$WARTA_CONFIG`` or ``config/warta.toml``), then the defaults.
``Settings(...)`` itself uses only the values it is given and the defaults, so tests build it
directly (``Settings(corpus_dir=[tmp], data_dir=tmp2)``) with no environment or file leaking in.
"""

import io
import json
import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv.parser import parse_stream
from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError
from pydantic_settings import (
    BaseSettings,
    DotEnvSettingsSource,
    EnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from bot.errors import ModelError, SettingsError
from bot.llm.gguf import default_model_path
from bot.modelfit import model_file_problem, model_header, trained_context

ENV_PREFIX = "WARTA_"
CONFIG_ENV = "WARTA_CONFIG"
DEFAULT_TOML = Path("config/warta.toml")
DOTENV = Path(".env")
_EXAMPLE = "config/warta.example.toml"
MASK = "********"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_HTTP_URL = re.compile(r"https?://\S+")
_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")

# What a valid value looks like, per field: the tail of every error line.
_EXPECTED: dict[str, str] = {
    "telegram_token": "the bot token from @BotFather, e.g. 123456:ABC-DEF",
    "telegram_base_url": "an https:// or http:// URL, e.g. https://api.telegram.org/bot",
    "telegram_base_file_url": "an https:// or http:// URL, e.g. https://api.telegram.org/file/bot",
    "admin_ids": "a JSON list of numeric Telegram user ids, e.g. [123456789]",
    "allowed_ids": "a JSON list of numeric Telegram user or chat ids, e.g. [123456789, -100123]",
    "corpus_dir": "an existing directory (one path or a JSON list of paths)",
    "data_dir": "a writable directory (created if missing)",
    "model_path": "a GGUF language model file (unset for the embedded default model)",
    "model_ctx": "an integer >= 512",
    "model_threads": "an integer >= 1",
    "model_max_tokens": "an integer >= 1",
    "model_temperature": "a number from 0 to 2",
    "model_seed": "an integer",
    "model_chat_format": "one of 'auto', 'completion', 'chat'",
    "mode": "one of 'polling', 'webhook'",
    "webhook_url": "an https:// or http:// URL (required when WARTA_MODE is 'webhook')",
    "webhook_secret": "1-256 characters of A-Z a-z 0-9 _ -",
    "webhook_listen": "a host address to listen on, e.g. 0.0.0.0",
    "webhook_port": "an integer from 1 to 65535",
    "chunk_chars": "an integer >= 100",
    "chunk_overlap_chars": "an integer >= 0 and smaller than WARTA_CHUNK_CHARS",
    "max_file_bytes": "an integer >= 1",
    "top_k": "an integer from 1 to 10",
    "prompt_token_budget": "an integer >= 1",
    "passage_chars": "an integer >= 50",
    "abstain_score": "a number from 0 to 1",
    "read_sentences": "an integer from 1 to 8",
    "answer_max_tokens": "an integer from 1 to 64",
    "min_sentence_match": "a number from 0 to 1",
    "min_answer_confidence": "a number from 0 to 1",
    "crosslingual": "true or false",
    "llm_translate": "true or false",
    "max_concurrent_answers": "an integer >= 1",
    "user_questions_per_minute": "an integer >= 1",
    "user_pending_questions": "an integer >= 1",
    "max_question_chars": "an integer >= 1",
    "stream_edit_interval_s": "a number of seconds >= 0",
    "stream_drafts": "true or false",
    "followup_window_s": "a number of seconds >= 0 (0: follow-ups only by replying)",
    "conversation_chats": "an integer >= 1",
    "log_level": "one of DEBUG, INFO, WARNING, ERROR, CRITICAL",
    "llm_url": "the http(s) base URL of an OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1",
    "llm_model": "a model id the server lists (unset: its first model)",
    "llm_api_key": "the server's API key (unset when it needs none)",
    "llm_connect_timeout_s": "a number of seconds > 0",
    "llm_read_timeout_s": "a number of seconds > 0",
    "llm_retries": "an integer from 0 to 10",
    "llm_retry_backoff_s": "a number of seconds >= 0",
    "llm_recovery_s": "a number of seconds >= 0",
    "answer_cache_size": "an integer >= 0 (0: no cache)",
    # fresh news (issue 14)
    "fetch_allow_private": "true or false",
    "fetch_timeout_s": "a number of seconds >= 1",
    "fetch_max_bytes": "an integer >= 1000",
    "fetch_max_redirects": "an integer from 0 to 20",
    "fetch_user_agent": "a non-empty User-Agent string",
    "feed_poll_minutes": "a number of minutes >= 0 (0: no scheduled polling)",
    "feed_max_items": "an integer >= 1",
    "max_article_age_days": "an integer >= 1",
    "max_articles": "an integer >= 1",
    "ingest_dir": "a folder name (letters, digits, - and _) inside the first corpus directory",
    "timezone": "an IANA time zone name, e.g. Asia/Jakarta",
}


def env_var(field: str) -> str:
    """Return the environment variable name of a settings field."""
    return ENV_PREFIX + field.upper()


def _blank_to_none(value: object) -> object:
    """Read an empty value (a bare ``KEY=`` line, ``""`` in TOML) as not set."""
    return None if isinstance(value, str) and not value.strip() else value


def _json_list(text: str) -> object:
    """Decode a JSON list, failing with a ValueError pydantic turns into an error line."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise ValueError("not a JSON list") from None


def _id_list(value: object) -> object:
    """Accept ids as a JSON list, a comma-separated string or a single number."""
    if isinstance(value, int):
        return [value]
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text.startswith("["):
        return _json_list(text)
    return [part.strip() for part in text.split(",")] if text else []


def _telegram_id(value: object) -> object:
    """Refuse booleans, which pydantic would otherwise read as the ids 1 and 0."""
    if isinstance(value, bool):
        raise ValueError("a boolean is not an id")
    return value


def _path_list(value: object) -> object:
    """Accept directories as a JSON list or one path (commas may be part of a path)."""
    if isinstance(value, str) and value.lstrip().startswith("["):
        value = _json_list(value)
    paths = [value] if isinstance(value, str | Path) else value
    # An empty path would be the current directory: whatever the bot was started in.
    if isinstance(paths, list) and any(isinstance(p, str) and not p.strip() for p in paths):
        raise ValueError("an empty path")
    return paths


def _existing_dir(path: Path) -> Path:
    """Require an existing directory."""
    if not path.is_dir():
        raise ValueError("not a directory")
    return path


def _writable_dir(path: Path) -> Path:
    """Create the directory if missing and prove that it is writable."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        # Probe with a real write: os.access() can disagree with one (root, ACLs, NFS).
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError:
        raise ValueError("not a writable directory") from None
    return path


def _gguf_file(path: Path | None) -> Path | None:
    """Require a complete GGUF file of a language model (its header is read and checked)."""
    if path is None:
        return None
    problem = model_file_problem(path)
    if problem is not None:
        raise PydanticCustomError(
            "warta", _EXPECTED["model_path"] + ": {problem}", {"problem": problem}
        )
    return path


def _http_url(value: str) -> str:
    """Require an http:// or https:// URL."""
    if not _HTTP_URL.fullmatch(value):
        raise ValueError("not an http(s) URL")
    return value


def _optional_http_url(value: str | None) -> str | None:
    """Require an http:// or https:// URL when one is given."""
    return None if value is None else _http_url(value)


def _webhook_secret(value: SecretStr | None) -> SecretStr | None:
    """Require what Telegram accepts as a webhook secret token."""
    if value is not None and not _WEBHOOK_SECRET.fullmatch(value.get_secret_value()):
        raise ValueError("not a valid secret token")
    return value


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ValueError, ZoneInfoNotFoundError):
        raise PydanticCustomError("timezone", "unknown time zone") from None
    return value


def _log_level(value: str) -> str:
    """Accept a logging level name in any case and return it upper-case."""
    if value.upper() not in LOG_LEVELS:
        raise ValueError("not a logging level")
    return value.upper()


_Blank = BeforeValidator(_blank_to_none)
# Telegram user and chat ids fit in a signed 64-bit integer, and 0 is no id.
_INT64_MAX = 2**63 - 1


def _nonzero(value: int) -> int:
    """Refuse 0, which no user or chat has."""
    if value == 0:
        raise ValueError("0 is not an id")
    return value


_UserId = Annotated[int, BeforeValidator(_telegram_id), Field(gt=0, le=_INT64_MAX)]
_ChatId = Annotated[
    int,
    BeforeValidator(_telegram_id),
    Field(ge=-_INT64_MAX, le=_INT64_MAX),
    AfterValidator(_nonzero),
]


class Settings(BaseSettings):
    """Every setting of Warta; build it with ``load_settings`` (or directly in tests)."""

    # env_file stays None: load_settings reads .env itself, so that plain construction is pure.
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=None,
        extra="ignore",
        frozen=True,
        validate_default=True,
        allow_inf_nan=False,
        # A ValidationError's text would otherwise repeat raw inputs, secrets included.
        hide_input_in_errors=True,
    )

    telegram_token: Annotated[SecretStr | None, _Blank] = None
    telegram_base_url: Annotated[str, AfterValidator(_http_url)] = "https://api.telegram.org/bot"
    telegram_base_file_url: Annotated[str, AfterValidator(_http_url)] = (
        "https://api.telegram.org/file/bot"
    )
    admin_ids: Annotated[list[_UserId], NoDecode, BeforeValidator(_id_list)] = Field(
        default_factory=list
    )
    allowed_ids: Annotated[list[_ChatId], NoDecode, BeforeValidator(_id_list)] = Field(
        default_factory=list
    )
    corpus_dir: Annotated[
        list[Annotated[Path, AfterValidator(_existing_dir)]],
        NoDecode,
        BeforeValidator(_path_list),
        Field(min_length=1),
    ] = Field(default_factory=lambda: [Path("seeds")])
    data_dir: Annotated[Path, AfterValidator(_writable_dir)] = Path("data")
    model_path: Annotated[Path | None, _Blank, AfterValidator(_gguf_file)] = None
    model_ctx: int = Field(default=2048, ge=512)
    model_threads: int = Field(default=2, ge=1)
    model_max_tokens: int = Field(default=160, ge=1)
    model_temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    model_seed: int = 0
    model_chat_format: Literal["auto", "completion", "chat"] = "auto"
    mode: Literal["polling", "webhook"] = "polling"
    webhook_url: Annotated[str | None, _Blank] = None
    webhook_secret: Annotated[SecretStr | None, _Blank, AfterValidator(_webhook_secret)] = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    chunk_chars: int = Field(default=600, ge=100)
    chunk_overlap_chars: int = Field(default=120, ge=0)
    max_file_bytes: int = Field(default=10_000_000, ge=1)
    top_k: int = Field(default=4, ge=1, le=10)
    prompt_token_budget: int = Field(default=900, ge=1)
    passage_chars: int = Field(default=360, ge=50)
    abstain_score: float = Field(default=0.4, ge=0.0, le=1.0)
    # the reader (issue 10): sentences read per question, tokens per answer span, and the
    # answer-or-abstain thresholds chosen from warta eval's risk-coverage table
    read_sentences: int = Field(default=3, ge=1, le=8)
    answer_max_tokens: int = Field(default=16, ge=1, le=64)
    min_sentence_match: float = Field(default=0.3, ge=0.0, le=1.0)
    min_answer_confidence: float = Field(default=0.13, ge=0.0, le=1.0)
    crosslingual: bool = True
    llm_translate: bool = False
    max_concurrent_answers: int = Field(default=1, ge=1)
    user_questions_per_minute: int = Field(default=5, ge=1)
    user_pending_questions: int = Field(default=3, ge=1)
    max_question_chars: int = Field(default=1000, ge=1)
    stream_edit_interval_s: float = Field(default=1.0, ge=0.0)
    stream_drafts: bool = True
    followup_window_s: float = Field(default=300.0, ge=0.0)
    conversation_chats: int = Field(default=1000, ge=1)
    log_level: Annotated[str, AfterValidator(_log_level)] = "INFO"
    # The model on an OpenAI-compatible server instead of in process (unset: in process).
    llm_url: Annotated[str | None, _Blank, AfterValidator(_optional_http_url)] = None
    llm_model: Annotated[str | None, _Blank] = None
    llm_api_key: Annotated[SecretStr | None, _Blank] = None
    llm_connect_timeout_s: float = Field(default=5.0, gt=0)
    llm_read_timeout_s: float = Field(default=30.0, gt=0)
    llm_retries: int = Field(default=2, ge=0, le=10)
    llm_retry_backoff_s: float = Field(default=0.5, ge=0)
    llm_recovery_s: float = Field(default=15.0, ge=0)
    answer_cache_size: int = Field(default=256, ge=0)
    # fresh news (issue 14): fetching, feeds, the managed corpus folder, retention, dates
    fetch_allow_private: bool = False
    fetch_timeout_s: float = Field(default=20.0, ge=1.0)
    fetch_max_bytes: int = Field(default=5_000_000, ge=1000)
    fetch_max_redirects: int = Field(default=5, ge=0, le=20)
    fetch_user_agent: str = Field(default="Warta/0.1 (self-hosted news bot)", min_length=1)
    feed_poll_minutes: float = Field(default=15.0, ge=0.0)
    feed_max_items: int = Field(default=100, ge=1)
    max_article_age_days: int = Field(default=365, ge=1)
    max_articles: int = Field(default=5000, ge=1)
    ingest_dir: str = Field(default="ingested", pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
    timezone: Annotated[str, AfterValidator(_timezone)] = "Asia/Jakarta"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Use only the given values: load_settings layers env, .env and TOML beneath them."""
        return (init_settings,)

    @field_validator("webhook_url")
    @classmethod
    def _check_webhook_url(cls, value: str | None, info: ValidationInfo) -> str | None:
        """Require a URL in webhook mode, and an http(s) URL whenever one is given."""
        if value is None:
            if info.data.get("mode") == "webhook":
                raise ValueError("required in webhook mode")
            return None
        return _http_url(value)

    @field_validator("chunk_overlap_chars")
    @classmethod
    def _check_overlap(cls, value: int, info: ValidationInfo) -> int:
        """Keep the overlap below the chunk size, or chunking would never advance."""
        chunk_chars = info.data.get("chunk_chars")
        if chunk_chars is not None and value >= chunk_chars:
            raise ValueError("overlap not below chunk size")
        return value

    @field_validator("prompt_token_budget")
    @classmethod
    def _check_budget(cls, value: int, info: ValidationInfo) -> int:
        """Leave room in the context window for the answer, or llama.cpp fails mid-request."""
        ctx, max_tokens = info.data.get("model_ctx"), info.data.get("model_max_tokens")
        if ctx is not None and max_tokens is not None and value + max_tokens > ctx:
            limit = ctx - max_tokens
            raise PydanticCustomError(
                "warta",
                "an integer from 1 to {limit} (WARTA_MODEL_CTX - WARTA_MODEL_MAX_TOKENS)",
                {"limit": limit},
            )
        return value


# Every SecretStr field is a secret: masked in error lines, `warta config` and logs.
_SECRETS = frozenset(
    name
    for name, info in Settings.model_fields.items()
    if SecretStr in (info.annotation, *get_args(info.annotation))
)


def secret_values(settings: Settings) -> list[str]:
    """Return the values of every secret setting that is set (for masking them in output)."""
    values = (getattr(settings, name) for name in sorted(_SECRETS))
    return [
        v.get_secret_value() for v in values if isinstance(v, SecretStr) and v.get_secret_value()
    ]


class _MappingEnvSource(EnvSettingsSource):
    """Read ``WARTA_*`` variables from a given mapping instead of ``os.environ``."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        """Keep the mapping; the base class reads it through ``_load_env_vars``."""
        self._environ = environ
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        """Return the mapping with lower-cased names, as the case-insensitive base expects."""
        return {name.lower(): value for name, value in self._environ.items()}


def _toml_layer(environ: Mapping[str, str], problems: list[str]) -> dict[str, object]:
    """Read the TOML file named by WARTA_CONFIG, else config/warta.toml if it exists."""
    named = environ.get(CONFIG_ENV, "").strip()
    path = Path(named) if named else DEFAULT_TOML
    if not path.is_file():
        if named:
            problems.append(f"{CONFIG_ENV}: {named!r} is not valid — expected a TOML file")
        return {}
    try:
        data = TomlConfigSettingsSource(Settings, toml_file=path)()
    except (OSError, ValueError) as exc:  # tomllib.TOMLDecodeError and UnicodeDecodeError
        problems.append(f"{path}: not valid TOML — {exc}")
        return {}
    for key in data:
        if key not in Settings.model_fields:
            problems.append(f"{path}: unknown key {key!r} — expected a key of {_EXAMPLE}")
    return data


def _dotenv_layer(problems: list[str]) -> dict[str, object]:
    """Read ``.env`` in the current directory, reporting lines python-dotenv would skip."""
    if not DOTENV.is_file():
        return {}
    try:
        text = DOTENV.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        problems.append(f"{DOTENV}: cannot be read — expected UTF-8 text of KEY=VALUE lines")
        return {}
    # The offending text is not echoed: it may hold a token.
    bad = [binding.original.line for binding in parse_stream(io.StringIO(text)) if binding.error]
    problems.extend(f"{DOTENV}: line {line} is not valid — expected KEY=VALUE" for line in bad)
    return {} if bad else DotEnvSettingsSource(Settings, env_file=DOTENV)()


def _is_blank(value: object) -> bool:
    """Tell whether a raw value is empty (``KEY=``, ``key = ""``): not set, so the default."""
    return isinstance(value, str) and not value.strip()


def _gather(
    overrides: Mapping[str, object] | None, environ: Mapping[str, str]
) -> tuple[dict[str, object], dict[str, str], list[str]]:
    """Merge the sources, lowest first: raw values, the source of each, and file problems."""
    unknown = sorted(set(overrides or {}) - set(Settings.model_fields))
    if unknown:
        raise TypeError(f"unknown settings override(s): {', '.join(unknown)}")
    problems: list[str] = []
    layers = [
        ("toml", _toml_layer(environ, problems)),
        ("dotenv", _dotenv_layer(problems)),
        ("env", _MappingEnvSource(Settings, environ)()),
        # A None override means the CLI option was not given.
        ("cli", {k: v for k, v in (overrides or {}).items() if v is not None}),
    ]
    values: dict[str, object] = {}
    sources = dict.fromkeys(Settings.model_fields, "default")
    for label, layer in layers:
        for name, value in layer.items():
            # An empty value means "not set" for every key: never Path("") = the current dir.
            if name in Settings.model_fields and not _is_blank(value):
                values[name] = value
                sources[name] = label
    return values, sources, problems


def _error_lines(exc: ValidationError) -> list[str]:
    """Turn a ValidationError into one line per problem, naming the env var."""
    lines: list[str] = []
    seen: set[tuple[object, ...]] = set()
    for error in exc.errors(include_url=False):
        field = str(error["loc"][0]) if error["loc"] else ""
        # A bad value in a union field fails once per member: report the place once.
        place = (field, *(part for part in error["loc"] if isinstance(part, int)))
        if place in seen:
            continue
        seen.add(place)
        key = env_var(field) if field else "WARTA settings"
        expected = error["msg"] if error["type"] == "warta" else _EXPECTED.get(field, error["msg"])
        value = error.get("input")
        if value is None:
            lines.append(f"{key}: not set — expected {expected}")
            continue
        shown = repr(MASK) if field in _SECRETS else repr(str(value))
        lines.append(f"{key}: {shown} is not valid — expected {expected}")
    return lines


def load_settings(
    overrides: Mapping[str, object] | None = None, *, env: Mapping[str, str] | None = None
) -> Settings:
    """Build the settings from CLI overrides, env, .env, TOML and defaults, or raise."""
    values, _, problems = _gather(overrides, os.environ if env is None else env)
    # The values of the files are validated even when a file has a problem: every bad
    # value is reported at once, not one per attempt.
    try:
        settings = Settings.model_validate(values)
    except ValidationError as exc:
        raise SettingsError(problems + _error_lines(exc)) from exc
    if settings.llm_url is None:
        model = settings.model_path or default_model_path(settings.data_dir)
        problems += [line for line in [model_context_problem(settings, model)] if line]
    if problems:
        raise SettingsError(problems)
    return settings


def model_context_problem(settings: Settings, model: Path) -> str | None:
    """Return the error line when WARTA_MODEL_CTX exceeds what ``model`` was trained with."""
    try:
        trained = trained_context(model_header(model))
    except (OSError, ModelError):
        return None  # no model there yet (the default is assembled on first use), or unsound
    if trained is None or settings.model_ctx <= trained:
        return None
    return (
        f"{env_var('model_ctx')}: '{settings.model_ctx}' is not valid — expected an integer "
        f"from 512 to {trained} (the context {model.name} was trained with)"
    )


def setting_sources(
    overrides: Mapping[str, object] | None = None, *, env: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Return, per field, where its value comes from: cli, env, dotenv, toml or default."""
    return _gather(overrides, os.environ if env is None else env)[1]


def _render_value(value: object) -> str:
    """Render one value as a user would write it, secrets masked."""
    if isinstance(value, SecretStr):
        return MASK
    if value is None:
        return "(not set)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return json.dumps([str(item) if isinstance(item, Path) else item for item in value])
    return str(value)


def render_config(settings: Settings, sources: Mapping[str, str]) -> str:
    """Render one ``WARTA_KEY = value   (source)`` line per setting, secrets masked."""
    return "\n".join(
        f"{env_var(name)} = {_render_value(getattr(settings, name))}   "
        f"({sources.get(name, 'default')})"
        for name in Settings.model_fields
    )
