"""``warta ask`` while the model server is down: answered from the sources, not an error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from tests.builders import clear_warta_env
from tests.llm_server import free_port

Q_KIM = "Dengan kendaraan apa Kim Jong-un berangkat ke Rusia?"


def test_ask_with_the_model_server_down_answers_from_the_chosen_sentence(
    tmp_path: Path,
    seed_corpus: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    clear_warta_env(monkeypatch)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WARTA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("WARTA_LLM_URL", f"http://127.0.0.1:{free_port()}/v1")
    monkeypatch.setenv("WARTA_LLM_RETRIES", "0")
    (seed_file,) = seed_corpus.iterdir()
    seed = seed_file.read_text(encoding="utf-8")

    code = main(["ask", Q_KIM, "--corpus", str(seed_corpus), "--json"])

    captured = capsys.readouterr()
    assert code == 0, captured.err
    data = json.loads(captured.out)
    assert (data["mode"], data["abstained"]) == ("extractive", False)
    (citation,) = data["citations"]
    assert seed[citation["start"] : citation["end"]] == citation["quote"]
    assert "kereta api lapis baja" in citation["quote"]
    assert "model unavailable: the model server at http://127.0.0.1:" in caplog.text
