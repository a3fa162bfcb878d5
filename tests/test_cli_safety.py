"""Careless command lines and model files: exit 2 with one clear line, before anything loads."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.errors import SettingsError
from bot.runtime import load_generator
from bot.settings import Settings
from tests.builders import clear_warta_env, env_without_warta, llama_gguf, write_gguf

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
WARTA = Path(sys.executable).with_name("warta")
MODEL_FILE = "expected a GGUF language model file (unset for the embedded default model)"


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in an empty directory with a seed corpus and a fresh data directory."""
    clear_warta_env(monkeypatch)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WARTA_DATA_DIR", str(tmp_path / "data"))
    shutil.copytree(SEEDS, tmp_path / "seeds")
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run the CLI in-process; return (exit code, stdout, stderr)."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# -- max_question_chars ------------------------------------------------------------------------


def test_ask_refuses_a_question_over_max_question_chars_before_loading(
    work: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WARTA_MAX_QUESTION_CHARS", "100")
    assert run(capsys, "ask", "Kereta? " * 2_000) == (
        2,
        "",
        "warta: the question is 16,000 characters long, over the limit of 100"
        " (WARTA_MAX_QUESTION_CHARS); shorten it\n",
    )
    # Neither the index nor the model was touched.
    assert not (work / "data" / "indexes").exists()
    assert not (work / "data" / "models").exists()


def test_the_default_limit_is_the_settings_default(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        capsys, "ask", "x" * (Settings.model_fields["max_question_chars"].default + 1)
    )
    assert (code, err) == (
        2,
        "warta: the question is 1,001 characters long, over the limit of 1,000"
        " (WARTA_MAX_QUESTION_CHARS); shorten it\n",
    )


# -- invalid UTF-8 in argv ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "name"),
    [
        ([b"ask", b"Siapa juara caf\xe9?"], "question"),
        ([b"search", b"caf\xe9"], "query"),
        ([b"ask", b"Kota mana?", b"--choice", b"Bandung", b"--choice", b"\xff"], "choice"),
    ],
)
def test_invalid_utf8_in_argv_is_one_line_and_exit_2(
    work: Path, argv: list[bytes], name: str
) -> None:
    env = env_without_warta(os.environ) | {"WARTA_DATA_DIR": str(work / "data")}
    done = subprocess.run(
        [os.fsencode(WARTA), *argv],
        cwd=work,
        env=env,
        capture_output=True,
        timeout=300,
        check=False,
    )
    byte = re.search(rb"[\x80-\xff]", b"".join(argv))
    assert byte is not None
    assert (done.returncode, done.stdout) == (2, b"")
    assert done.stderr.decode() == (
        f"warta: the {name} argument is not valid UTF-8 text (byte 0x{byte.group()[0]:02x});"
        " pass UTF-8 text\n"
    )


# -- foreign or truncated GGUF at WARTA_MODEL_PATH ---------------------------------------------


def test_a_truncated_model_download_exits_2_naming_the_setting(
    work: Path,
    default_model: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    partial = work / "partial.gguf"
    with default_model.open("rb") as source:
        partial.write_bytes(source.read(20_000_000))
    monkeypatch.setenv("WARTA_MODEL_PATH", str(partial))
    code, out, err = run(capsys, "ask", "Dengan apa Kim Jong-un berangkat?")
    assert (code, out) == (2, "")
    assert re.fullmatch(
        rf"warta: WARTA_MODEL_PATH: '{re.escape(str(partial))}' is not valid — "
        rf"{re.escape(MODEL_FILE)}: it is truncated \(20000000 bytes, its header needs at least "
        r"\d+\); download it again\n",
        err,
    ), err


@pytest.mark.parametrize(
    ("metadata", "reason"),
    [
        ({"general.name": "x"}, "its header names no model architecture"),
        (
            {"general.architecture": "clip", "clip.projection_dim": 768},
            "its header gives no context length for architecture 'clip'",
        ),
        (
            {"general.architecture": "llama", "llama.context_length": 4096},
            "it has no tokenizer (architecture 'llama': a projector or adapter, not a model)",
        ),
    ],
)
def test_a_foreign_gguf_exits_2_naming_the_setting(
    work: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    metadata: dict[str, int | str],
    reason: str,
) -> None:
    foreign = write_gguf(work / "foreign.gguf", metadata)
    monkeypatch.setenv("WARTA_MODEL_PATH", str(foreign))
    assert run(capsys, "search", "kereta") == (
        2,
        "",
        f"warta: WARTA_MODEL_PATH: '{foreign}' is not valid — {MODEL_FILE}: {reason}\n",
    )


# -- WARTA_MODEL_CTX is bounded by the model's trained context ---------------------------------


def test_model_ctx_over_the_trained_context_exits_2(
    work: Path,
    default_model: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WARTA_MODEL_PATH", str(default_model))
    monkeypatch.setenv("WARTA_MODEL_CTX", "524288")
    assert run(capsys, "ask", "Dengan apa Kim Jong-un berangkat?") == (
        2,
        "",
        "warta: WARTA_MODEL_CTX: '524288' is not valid — expected an integer from 512 to 32768"
        f" (the context {default_model.name} was trained with)\n",
    )
    monkeypatch.setenv("WARTA_MODEL_CTX", "32768")
    assert run(capsys, "config")[0] == 0


def test_model_ctx_is_checked_against_a_default_model_assembled_late(tmp_path: Path) -> None:
    # Built directly (as the serve path may, before the default model exists): the check
    # runs again once the model file is there, before llama.cpp allocates anything.
    model = llama_gguf(tmp_path / "small.gguf", context_length=1024)
    settings = Settings(corpus_dir=[SEEDS], data_dir=tmp_path / "data", model_path=model)
    with pytest.raises(SettingsError) as info:
        load_generator(settings)
    assert info.value.lines == [
        "WARTA_MODEL_CTX: '2048' is not valid — expected an integer from 512 to 1024"
        " (the context small.gguf was trained with)"
    ]


def test_doctor_warns_when_the_context_cannot_fit_memory(
    work: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A header whose KV cache for the configured context is far beyond any machine's memory.
    huge = write_gguf(
        work / "huge.gguf",
        {
            "general.architecture": "llama",
            "llama.context_length": 131072,
            "llama.block_count": 4096,
            "llama.embedding_length": 16384,
            "llama.attention.head_count": 128,
            "tokenizer.ggml.model": "llama",
        },
    )
    monkeypatch.setenv("WARTA_MODEL_PATH", str(huge))
    monkeypatch.setenv("WARTA_MODEL_CTX", "131072")
    _, out, _ = run(capsys, "doctor", "--quick")
    kv_mb = 131072 * 4096 * 128 * (128 + 128) * 2 // (1024 * 1024)
    (memory,) = [line for line in out.splitlines() if line.split()[1:2] == ["memory"]]
    assert re.fullmatch(
        rf"warn  memory     \d+ MB available, about \d+ MB needed \(KV cache of "
        rf"WARTA_MODEL_CTX=131072: {kv_mb} MB\); lower WARTA_MODEL_CTX",
        memory,
    ), memory
