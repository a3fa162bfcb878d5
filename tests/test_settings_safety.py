"""Careless settings: empty values mean the default, ids are ids, every problem at once."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.errors import SettingsError
from bot.settings import Settings, env_var, load_settings
from tests.builders import clear_warta_env, env_without_warta

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
WARTA = Path(sys.executable).with_name("warta")
IDS = "expected a JSON list of numeric Telegram user ids, e.g. [123456789]"
CHAT_IDS = "expected a JSON list of numeric Telegram user or chat ids, e.g. [123456789, -100123]"
PRIVATE = "Catatan pribadi admin: kata sandi brankas adalah merpati-putih-42.\n"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An admin's working directory: the seed corpus, and private notes beside it."""
    clear_warta_env(monkeypatch)
    monkeypatch.chdir(tmp_path)
    shutil.copytree(SEEDS, tmp_path / "seeds")
    (tmp_path / "private-notes.txt").write_text(f"Catatan\n{PRIVATE}")
    return tmp_path


def problems(env: dict[str, str]) -> list[str]:
    """Return the error lines that loading ``env`` produces."""
    with pytest.raises(SettingsError) as info:
        load_settings(env=env)
    return info.value.lines


# -- 2. an empty value means the default, never the current directory --------------------------


def test_empty_corpus_and_data_dir_mean_the_defaults(workdir: Path) -> None:
    settings = load_settings(env={"WARTA_CORPUS_DIR": "", "WARTA_DATA_DIR": "  "})
    assert (settings.corpus_dir, settings.data_dir) == ([Path("seeds")], Path("data"))


def test_every_empty_warta_value_means_the_default(workdir: Path) -> None:
    env = {env_var(name): "" for name in Settings.model_fields}
    assert load_settings(env=env) == Settings()
    (workdir / ".env").write_text("".join(f"{key}=\n" for key in env))
    assert load_settings(env={}) == Settings()


def test_empty_corpus_dir_in_toml_means_the_default(workdir: Path) -> None:
    (workdir / "warta.toml").write_text('corpus_dir = ""\ndata_dir = ""\n')
    settings = load_settings(env={"WARTA_CONFIG": "warta.toml"})
    assert (settings.corpus_dir, settings.data_dir) == ([Path("seeds")], Path("data"))


def test_an_empty_path_in_a_corpus_list_is_refused(workdir: Path) -> None:
    assert problems({"WARTA_CORPUS_DIR": '["seeds", ""]'}) == [
        'WARTA_CORPUS_DIR: \'["seeds", ""]\' is not valid — expected an existing directory'
        " (one path or a JSON list of paths)"
    ]


def test_an_empty_corpus_option_is_a_usage_error(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["search", "catatan", "--corpus", ""])
    assert info.value.code == 2
    assert capsys.readouterr().err.endswith(
        "warta search: error: argument --corpus: an empty path is not a corpus directory\n"
    )


def test_cli_with_empty_dirs_never_serves_the_working_directory(workdir: Path) -> None:
    env = env_without_warta(os.environ) | {"WARTA_CORPUS_DIR": "", "WARTA_DATA_DIR": ""}
    done = subprocess.run(
        [str(WARTA), "search", "kata sandi brankas", "--json"],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    ids = [r["article_id"] for r in json.loads(done.stdout)["results"]]
    assert "private-notes" not in ids
    assert all(not r["text"].startswith("Catatan") for r in json.loads(done.stdout)["results"])
    assert (workdir / "data" / "indexes").is_dir()


# -- ids are Telegram ids: int64, not booleans -------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("[12345678901234567890123]", "12345678901234567890123"),
        ("[true]", "True"),
        ("[0]", "0"),
        ("9223372036854775808", "9223372036854775808"),
    ],
)
def test_admin_ids_refuse_what_is_no_user_id(workdir: Path, raw: str, shown: str) -> None:
    assert problems({"WARTA_ADMIN_IDS": raw}) == [
        f"WARTA_ADMIN_IDS: '{shown}' is not valid — {IDS}"
    ]


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("[-12345678901234567890123]", "-12345678901234567890123"),
        ("[123, false]", "False"),
        ("[0]", "0"),
    ],
)
def test_allowed_ids_refuse_what_is_no_chat_id(workdir: Path, raw: str, shown: str) -> None:
    assert problems({"WARTA_ALLOWED_IDS": raw}) == [
        f"WARTA_ALLOWED_IDS: '{shown}' is not valid — {CHAT_IDS}"
    ]


def test_the_largest_ids_are_still_accepted(workdir: Path) -> None:
    settings = load_settings(
        env={
            "WARTA_ADMIN_IDS": "[9223372036854775807]",
            "WARTA_ALLOWED_IDS": "[-1001234567890, 9223372036854775807]",
        }
    )
    assert settings.admin_ids == [2**63 - 1]
    assert settings.allowed_ids == [-1001234567890, 2**63 - 1]


# -- a file with an unknown key still reports its other bad values -----------------------------


def test_unknown_toml_key_and_bad_values_are_all_reported(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (workdir / "warta.toml").write_text("model_thread = 4\ntop_k = 99\nadmin_ids = [true]\n")
    monkeypatch.setenv("WARTA_CONFIG", "warta.toml")
    code = main(["search", "kereta"])
    assert (code, capsys.readouterr()) == (
        2,
        (
            "",
            "warta: warta.toml: unknown key 'model_thread' — expected a key of"
            " config/warta.example.toml\n"
            f"warta: WARTA_ADMIN_IDS: 'True' is not valid — {IDS}\n"
            "warta: WARTA_TOP_K: '99' is not valid — expected an integer from 1 to 10\n",
        ),
    )


def test_unknown_key_alone_is_still_an_error(workdir: Path) -> None:
    (workdir / "warta.toml").write_text("model_thread = 4\n")
    assert problems({"WARTA_CONFIG": "warta.toml"}) == [
        "warta.toml: unknown key 'model_thread' — expected a key of config/warta.example.toml"
    ]
