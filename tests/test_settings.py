"""Settings: sources and their precedence, error lines, masking, and the example files."""

import re
import tomllib
import traceback
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from bot.errors import SettingsError
from bot.settings import Settings, load_settings, render_config, setting_sources
from retrieval.errors import WartaError
from tests.builders import clear_warta_env, llama_gguf

CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"
TOKEN = "123456:SECRET-token_value"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in an empty directory holding only the default corpus dir, with no WARTA_* env."""
    clear_warta_env(monkeypatch)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "seeds").mkdir()
    return tmp_path


def problems(*, env: dict[str, str] | None = None, **overrides: object) -> list[str]:
    """Return the error lines that loading these values produces."""
    with pytest.raises(SettingsError) as info:
        load_settings(overrides, env=env if env is not None else {})
    return info.value.lines


def test_defaults_come_from_the_model(workdir: Path) -> None:
    settings = load_settings()
    assert settings.corpus_dir == [Path("seeds")]
    assert settings.data_dir == Path("data")
    assert settings.telegram_token is None
    assert settings.model_path is None
    assert (settings.model_ctx, settings.model_threads, settings.top_k) == (2048, 2, 4)
    assert settings.mode == "polling"
    assert (workdir / "data").is_dir()
    assert set(setting_sources().values()) == {"default"}


def test_precedence_is_cli_env_dotenv_toml_default(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (workdir / "config").mkdir()
    (workdir / "config" / "warta.toml").write_text(
        "top_k = 1\nmodel_threads = 1\nmodel_seed = 1\nmax_question_chars = 1\n"
    )
    (workdir / ".env").write_text("WARTA_TOP_K=2\nWARTA_MODEL_THREADS=2\nWARTA_MODEL_SEED=2\n")
    monkeypatch.setenv("WARTA_TOP_K", "3")
    monkeypatch.setenv("WARTA_MODEL_THREADS", "3")
    overrides = {"top_k": 4}

    settings = load_settings(overrides)
    sources = setting_sources(overrides)

    got = (settings.top_k, settings.model_threads, settings.model_seed, settings.max_question_chars)
    assert got == (4, 3, 2, 1)
    assert settings.model_ctx == 2048
    expected = {"top_k": "cli", "model_threads": "env", "model_seed": "dotenv"}
    expected |= {"max_question_chars": "toml", "model_ctx": "default"}
    assert {name: sources[name] for name in expected} == expected


def test_warta_config_names_the_toml_file(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (workdir / "mine.toml").write_text('log_level = "debug"\n')
    monkeypatch.setenv("WARTA_CONFIG", "mine.toml")
    assert load_settings().log_level == "DEBUG"
    assert setting_sources()["log_level"] == "toml"


def test_missing_warta_config_file_is_one_line(workdir: Path) -> None:
    assert problems(env={"WARTA_CONFIG": "nope.toml"}) == [
        "WARTA_CONFIG: 'nope.toml' is not valid — expected a TOML file"
    ]


def test_none_override_means_not_given(workdir: Path) -> None:
    settings = load_settings({"top_k": None}, env={"WARTA_TOP_K": "7"})
    assert settings.top_k == 7


def test_unknown_override_is_a_programming_error(workdir: Path) -> None:
    with pytest.raises(TypeError, match="unknown settings override"):
        load_settings({"topk": 3}, env={})


@pytest.mark.parametrize(
    ("raw", "ids"),
    [("[1, 2]", [1, 2]), ("1,2", [1, 2]), (" 7 , 8 ", [7, 8]), ("42", [42]), ("", [])],
)
def test_admin_ids_accept_json_or_commas(workdir: Path, raw: str, ids: list[int]) -> None:
    assert load_settings(env={"WARTA_ADMIN_IDS": raw}).admin_ids == ids


def test_allowed_ids_accept_negative_chat_ids(workdir: Path) -> None:
    settings = load_settings(env={"WARTA_ALLOWED_IDS": "5,-1001234567890"})
    assert settings.allowed_ids == [5, -1001234567890]


def test_corpus_dir_from_one_path_or_a_json_list(workdir: Path) -> None:
    (workdir / "a, b").mkdir()
    assert load_settings(env={"WARTA_CORPUS_DIR": "a, b"}).corpus_dir == [Path("a, b")]
    many = load_settings(env={"WARTA_CORPUS_DIR": '["seeds", "a, b"]'}).corpus_dir
    assert many == [Path("seeds"), Path("a, b")]
    cli = load_settings({"corpus_dir": [workdir / "a, b"]}, env={"WARTA_CORPUS_DIR": "nope"})
    assert cli.corpus_dir == [workdir / "a, b"]


IDS = "expected a JSON list of numeric Telegram user ids, e.g. [123456789]"
CORPUS = "expected an existing directory (one path or a JSON list of paths)"


@pytest.mark.parametrize(
    ("env", "line"),
    [
        ({"WARTA_ADMIN_IDS": "abc"}, f"WARTA_ADMIN_IDS: 'abc' is not valid — {IDS}"),
        ({"WARTA_ADMIN_IDS": "1,x"}, f"WARTA_ADMIN_IDS: 'x' is not valid — {IDS}"),
        ({"WARTA_ADMIN_IDS": "[1,"}, f"WARTA_ADMIN_IDS: '[1,' is not valid — {IDS}"),
        ({"WARTA_ADMIN_IDS": "-5"}, f"WARTA_ADMIN_IDS: '-5' is not valid — {IDS}"),
        ({"WARTA_CORPUS_DIR": "missing"}, f"WARTA_CORPUS_DIR: 'missing' is not valid — {CORPUS}"),
        ({"WARTA_CORPUS_DIR": "[]"}, f"WARTA_CORPUS_DIR: '[]' is not valid — {CORPUS}"),
        (
            {"WARTA_MODEL_THREADS": "0"},
            "WARTA_MODEL_THREADS: '0' is not valid — expected an integer >= 1",
        ),
        (
            {"WARTA_MODE": "webhook"},
            "WARTA_WEBHOOK_URL: not set — expected an https:// or http:// URL"
            " (required when WARTA_MODE is 'webhook')",
        ),
        (
            {"WARTA_WEBHOOK_URL": "ftp://example.org/hook"},
            "WARTA_WEBHOOK_URL: 'ftp://example.org/hook' is not valid — expected an https://"
            " or http:// URL (required when WARTA_MODE is 'webhook')",
        ),
        (
            {"WARTA_MODE": "pull"},
            "WARTA_MODE: 'pull' is not valid — expected one of 'polling', 'webhook'",
        ),
        (
            {"WARTA_WEBHOOK_PORT": "70000"},
            "WARTA_WEBHOOK_PORT: '70000' is not valid — expected an integer from 1 to 65535",
        ),
        (
            {"WARTA_CHUNK_OVERLAP_CHARS": "600"},
            "WARTA_CHUNK_OVERLAP_CHARS: '600' is not valid — expected an integer >= 0 and"
            " smaller than WARTA_CHUNK_CHARS",
        ),
        (
            {"WARTA_MODEL_CTX": "1024"},
            "WARTA_PROMPT_TOKEN_BUDGET: '900' is not valid — expected an integer from 1 to 864"
            " (WARTA_MODEL_CTX - WARTA_MODEL_MAX_TOKENS)",
        ),
        (
            {"WARTA_MODEL_TEMPERATURE": "nan"},
            "WARTA_MODEL_TEMPERATURE: 'nan' is not valid — expected a number from 0 to 2",
        ),
        (
            {"WARTA_CROSSLINGUAL": "maybe"},
            "WARTA_CROSSLINGUAL: 'maybe' is not valid — expected true or false",
        ),
        (
            {"WARTA_LOG_LEVEL": "loud"},
            "WARTA_LOG_LEVEL: 'loud' is not valid — expected one of DEBUG, INFO, WARNING, ERROR,"
            " CRITICAL",
        ),
    ],
)
def test_bad_value_is_one_line_naming_the_key(
    workdir: Path, env: dict[str, str], line: str
) -> None:
    assert problems(env=env) == [line]


def test_every_problem_gets_its_own_line_in_field_order(workdir: Path) -> None:
    env = {"WARTA_MODEL_THREADS": "0", "WARTA_ADMIN_IDS": "abc", "WARTA_CORPUS_DIR": '["x", "y"]'}
    assert problems(env=env) == [
        f"WARTA_ADMIN_IDS: 'abc' is not valid — {IDS}",
        f"WARTA_CORPUS_DIR: 'x' is not valid — {CORPUS}",
        f"WARTA_CORPUS_DIR: 'y' is not valid — {CORPUS}",
        "WARTA_MODEL_THREADS: '0' is not valid — expected an integer >= 1",
    ]


def test_model_path_must_be_a_gguf_file(workdir: Path) -> None:
    expected = "expected a GGUF language model file (unset for the embedded default model)"
    (workdir / "fake.gguf").write_bytes(b"GGML\x00\x00\x00\x03 not a gguf header")
    llama_gguf(workdir / "real.gguf")
    assert problems(env={"WARTA_MODEL_PATH": "fake.gguf"}) == [
        f"WARTA_MODEL_PATH: 'fake.gguf' is not valid — {expected}: it is not a GGUF file"
    ]
    assert problems(model_path=workdir / "absent.gguf") == [
        f"WARTA_MODEL_PATH: '{workdir / 'absent.gguf'}' is not valid — {expected}:"
        " it does not exist"
    ]
    assert load_settings(env={"WARTA_MODEL_PATH": "real.gguf"}).model_path == Path("real.gguf")
    assert load_settings(env={"WARTA_MODEL_PATH": ""}).model_path is None


def test_data_dir_is_created_and_must_be_a_directory(workdir: Path) -> None:
    load_settings(env={"WARTA_DATA_DIR": "deep/new/dir"})
    assert (workdir / "deep" / "new" / "dir").is_dir()
    (workdir / "afile").write_text("x")
    assert problems(env={"WARTA_DATA_DIR": "afile/sub"}) == [
        "WARTA_DATA_DIR: 'afile/sub' is not valid — expected a writable directory (created if"
        " missing)"
    ]


def test_secrets_never_appear_in_error_lines(workdir: Path) -> None:
    secret = "not allowed: spaces!"
    with pytest.raises(SettingsError) as info:
        load_settings(env={"WARTA_WEBHOOK_SECRET": secret, "WARTA_TELEGRAM_TOKEN": TOKEN})
    assert info.value.lines == [
        "WARTA_WEBHOOK_SECRET: '********' is not valid — expected 1-256 characters of"
        " A-Z a-z 0-9 _ -"
    ]
    # Not even a logged traceback, which includes the chained pydantic error, shows it.
    shown = "".join(traceback.format_exception(info.value))
    assert secret not in shown
    assert TOKEN not in shown
    assert "'********'" in shown
    assert isinstance(info.value, WartaError)


def test_secrets_are_secretstr_and_masked_in_render_config(workdir: Path) -> None:
    env = {"WARTA_TELEGRAM_TOKEN": TOKEN, "WARTA_WEBHOOK_SECRET": "s3cret_-X"}
    settings = load_settings(env=env)
    assert isinstance(settings.telegram_token, SecretStr)
    assert settings.telegram_token.get_secret_value() == TOKEN
    text = render_config(settings, setting_sources(env=env))
    assert TOKEN not in text and "s3cret_-X" not in text
    assert TOKEN not in repr(settings)
    lines = text.splitlines()
    assert "WARTA_TELEGRAM_TOKEN = ********   (env)" in lines
    assert "WARTA_WEBHOOK_SECRET = ********   (env)" in lines


def test_render_config_shows_values_and_sources(workdir: Path) -> None:
    (workdir / ".env").write_text("WARTA_ADMIN_IDS=1,2\n")
    env = {"WARTA_CROSSLINGUAL": "false"}
    text = render_config(
        load_settings({"top_k": 3}, env=env), setting_sources({"top_k": 3}, env=env)
    )
    lines = text.splitlines()
    assert len(lines) == len(Settings.model_fields)
    assert lines[:6] == [
        "WARTA_TELEGRAM_TOKEN = (not set)   (default)",
        "WARTA_TELEGRAM_BASE_URL = https://api.telegram.org/bot   (default)",
        "WARTA_TELEGRAM_BASE_FILE_URL = https://api.telegram.org/file/bot   (default)",
        "WARTA_ADMIN_IDS = [1, 2]   (dotenv)",
        "WARTA_ALLOWED_IDS = []   (default)",
        'WARTA_CORPUS_DIR = ["seeds"]   (default)',
    ]
    assert "WARTA_TOP_K = 3   (cli)" in lines
    assert "WARTA_CROSSLINGUAL = false   (env)" in lines
    assert "WARTA_MODEL_PATH = (not set)   (default)" in lines


def test_malformed_toml_is_one_line_naming_the_file(workdir: Path) -> None:
    (workdir / "config").mkdir()
    (workdir / "config" / "warta.toml").write_text("model_threads = \n")
    assert problems() == [
        "config/warta.toml: not valid TOML — Invalid value (at line 1, column 17)"
    ]


def test_unknown_toml_key_is_reported(workdir: Path) -> None:
    (workdir / "config").mkdir()
    (workdir / "config" / "warta.toml").write_text("model_thread = 4\n")
    assert problems() == [
        "config/warta.toml: unknown key 'model_thread' — expected a key of"
        " config/warta.example.toml"
    ]


def test_malformed_dotenv_names_the_line_without_echoing_it(workdir: Path) -> None:
    (workdir / ".env").write_text(f'WARTA_TOP_K=2\nWARTA_TELEGRAM_TOKEN="{TOKEN}\n')
    lines = problems()
    assert lines == [".env: line 2 is not valid — expected KEY=VALUE"]


def test_undecodable_dotenv_is_one_line(workdir: Path) -> None:
    (workdir / ".env").write_bytes(b"WARTA_TOP_K=\xff\xfe\n")
    assert problems() == [".env: cannot be read — expected UTF-8 text of KEY=VALUE lines"]


def test_direct_construction_ignores_env_dotenv_and_toml(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WARTA_TOP_K", "9")
    (workdir / ".env").write_text("WARTA_MODEL_THREADS=9\n")
    (workdir / "config").mkdir()
    (workdir / "config" / "warta.toml").write_text("model_seed = 9\n")
    corpus = workdir / "corpus"
    corpus.mkdir()
    settings = Settings(corpus_dir=[corpus], data_dir=workdir / "d")
    assert (settings.top_k, settings.model_threads, settings.model_seed) == (4, 2, 0)
    assert settings.corpus_dir == [corpus]
    with pytest.raises(ValidationError):
        Settings(corpus_dir=[workdir / "missing"], data_dir=workdir / "d")


def test_example_toml_lists_every_key_at_its_default(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    example = CONFIG_DIR / "warta.example.toml"
    values = tomllib.loads(example.read_text(encoding="utf-8"))
    assert sorted(values) == sorted(Settings.model_fields)
    monkeypatch.setenv("WARTA_CONFIG", str(example))
    assert load_settings() == Settings()
    # An empty value ("") means not set: the default.
    assert setting_sources() == {k: "default" if v == "" else "toml" for k, v in values.items()}


def test_example_dotenv_mentions_every_key_at_its_default(workdir: Path) -> None:
    text = (CONFIG_DIR / ".env.example").read_text(encoding="utf-8")
    assignments = re.findall(r"^(?:# )?(WARTA_[A-Z_]+=.*)$", text, flags=re.MULTILINE)
    names = {line.split("=", 1)[0] for line in assignments}
    assert names == {f"WARTA_{name.upper()}" for name in Settings.model_fields}
    # Uncommented, the example must load to exactly the defaults.
    (workdir / ".env").write_text("\n".join(assignments) + "\n", encoding="utf-8")
    assert load_settings() == Settings()
    blank = {line.split("=", 1)[0] for line in assignments if line.endswith("=")}
    assert setting_sources() == {
        name: "default" if f"WARTA_{name.upper()}" in blank else "dotenv"
        for name in Settings.model_fields
    }
