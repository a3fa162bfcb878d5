"""``warta config`` and ``warta doctor`` with a model server, through the real entry point."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from tests.builders import clear_warta_env
from tests.fake_llm import MODEL, FakeLlm, FakeLlmServer, Status
from tests.llm_server import LlmServer, free_port


@pytest.fixture
def cli_env(tmp_path: Path, seed_corpus: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run the CLI in an empty directory on the seed corpus, its index built."""
    clear_warta_env(monkeypatch)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("WARTA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("WARTA_CORPUS_DIR", str(seed_corpus))
    monkeypatch.setenv("WARTA_LLM_RETRY_BACKOFF_S", "0")
    assert main(["index"]) == 0
    return tmp_path


@pytest.fixture
def fake() -> Iterator[FakeLlm]:
    with FakeLlmServer() as server:
        yield server


def doctor_lines(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str]]:
    capsys.readouterr()
    code = main(["doctor", *args])
    return code, capsys.readouterr().out.splitlines()


def test_config_names_the_in_process_backend(
    cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()

    assert main(["config"]) == 0

    model = cli_env / "data" / "models" / "gemma-3-270m-q4_k_m.gguf"
    last = capsys.readouterr().out.splitlines()[-1]
    assert last == f"# model backend: llama.cpp in process ({model}, one answer at a time)"


def test_config_names_the_server_and_masks_its_key(
    cli_env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WARTA_LLM_URL", "http://127.0.0.1:8080/v1")
    monkeypatch.setenv("WARTA_LLM_API_KEY", "sk-very-secret")
    monkeypatch.setenv("WARTA_MAX_CONCURRENT_ANSWERS", "4")
    capsys.readouterr()

    assert main(["config"]) == 0

    out = capsys.readouterr().out
    assert "sk-very-secret" not in out
    assert "WARTA_LLM_API_KEY = ********   (env)" in out.splitlines()
    assert out.splitlines()[-1] == (
        "# model backend: OpenAI-compatible server at http://127.0.0.1:8080/v1 "
        "(its first listed model, chat completions, 4 at once)"
    )


def test_doctor_quick_checks_the_server_lists_the_model(
    cli_env: Path,
    fake: FakeLlm,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WARTA_LLM_URL", fake.url)

    code, lines = doctor_lines(capsys, "--quick")

    assert code == 0, lines
    assert f"ok    server     {fake.url} lists {MODEL!r}" in lines
    assert [line.split()[1] for line in lines[:-1]] == [
        "settings",
        "corpus",
        "index",
        "server",
        "disk",
        "memory",
    ]
    assert [r.path for r in fake.completions()] == []  # --quick generates nothing


def test_doctor_fails_on_a_model_the_server_does_not_list(
    cli_env: Path,
    fake: FakeLlm,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WARTA_LLM_URL", fake.url)
    monkeypatch.setenv("WARTA_LLM_MODEL", "llama-70b")

    code, lines = doctor_lines(capsys, "--quick")

    assert code == 1
    assert (
        f"FAIL  server     model 'llama-70b' is not listed by {fake.url} (lists: {MODEL})"
    ) in lines


def test_doctor_fails_when_the_server_is_down(
    cli_env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    monkeypatch.setenv("WARTA_LLM_URL", url)

    code, lines = doctor_lines(capsys)

    assert code == 1
    (server,) = [line for line in lines if " server " in line]
    assert server.startswith(f"FAIL  server     the model server at {url} cannot be reached (")
    assert lines[-1] == "1 problem(s) found"


def test_doctor_fails_when_the_server_cannot_generate(
    cli_env: Path,
    fake: FakeLlm,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WARTA_LLM_URL", fake.url)
    fake.script.append(Status(500))

    code, lines = doctor_lines(capsys)

    assert code == 1
    assert f"FAIL  server     the model server at {fake.url} answered HTTP 500, 1 attempt" in lines


@pytest.mark.slow
def test_doctor_generates_a_token_on_the_real_server(
    cli_env: Path,
    model_server: LlmServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in model_server.env().items():
        monkeypatch.setenv(name, value)

    code, lines = doctor_lines(capsys)

    assert code == 0, lines
    assert f"ok    server     {model_server.url} lists {model_server.model!r}" in lines
    (run,) = [line for line in lines if " model run " in line]
    assert run.startswith(f"ok    model run  {model_server.model} generated 1 token in ")
