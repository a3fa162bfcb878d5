"""The HTTP generator against llama-cpp-python's real server with the default model."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from bot.errors import ModelError, ModelUnavailable
from bot.llm import LlamaGenerator, Prompt
from bot.llm.remote import RemoteConfig, RemoteGenerator
from tests.llm_server import LlmServer, llm_server

pytestmark = pytest.mark.slow

CAPITAL = "Question: What is the capital of France?\nAnswer:"
TRAIN = "Kim Jong-un berangkat ke Rusia dengan kereta api lapis baja untuk"


def completion(text: str, *, stop: tuple[str, ...] = ()) -> Prompt:
    return Prompt(system="Answer briefly.", user=text, completion=text, stop=stop)


def remote(server: LlmServer, **changes: object) -> RemoteGenerator:
    values: dict[str, object] = {
        "url": server.url,
        "api_key": server.api_key,
        "instruct": False,
        "backoff_s": 0.0,
        **changes,
    }
    return RemoteGenerator(RemoteConfig(**values))  # type: ignore[arg-type]


def test_the_server_writes_what_the_model_in_process_writes(
    model_server: LlmServer, llama: LlamaGenerator
) -> None:
    gen = remote(model_server)
    for text in (CAPITAL, TRAIN):
        pieces: list[str] = []

        served = gen.generate(completion(text, stop=("\n",)), max_tokens=12, on_token=pieces.append)
        local = llama.generate(completion(text, stop=("\n",)), max_tokens=12)

        assert served.text == local.text
        assert "".join(pieces) == served.text
    assert gen.name == model_server.model


def test_token_counts_match_the_model_file(model_server: LlmServer, llama: LlamaGenerator) -> None:
    gen = remote(model_server, model=model_server.model)
    texts = ["Kim Jong-un naik kereta lapis baja.", "Harga beras naik 5 persen.", TRAIN]

    assert [gen.count_tokens(t) for t in texts] == [llama.count_tokens(t) for t in texts]
    assert gen.capabilities.exact_tokens


def test_max_tokens_and_stop_sequences_hold(model_server: LlmServer) -> None:
    gen = remote(model_server)

    counted = gen.generate(completion("1, 2, 3, 4, 5, 6,"), max_tokens=3)
    stopped = gen.generate(completion("1, 2, 3, 4, 5, 6,", stop=(" 9",)), max_tokens=20)

    assert (counted.completion_tokens, counted.finish_reason) == (3, "length")
    assert stopped.finish_reason == "stop" and " 9" not in stopped.text
    assert stopped.text.startswith(" 7, 8,")


def test_chat_completions_stream_for_an_instruct_setting(model_server: LlmServer) -> None:
    gen = remote(model_server, instruct=True)
    pieces: list[str] = []

    result = gen.generate(
        Prompt("Jawab singkat.", "Ibu kota Prancis?", "", ()), max_tokens=8, on_token=pieces.append
    )

    assert 0 < result.completion_tokens <= 8
    assert "".join(pieces) == result.text


def test_a_wrong_api_key_is_a_model_error(model_server: LlmServer) -> None:
    gen = remote(model_server, api_key="wrong", model=model_server.model)

    with pytest.raises(ModelError) as excinfo:
        gen.generate(completion(CAPITAL), max_tokens=2)

    assert not isinstance(excinfo.value, ModelUnavailable)
    assert "(HTTP 401: " in str(excinfo.value)


def test_parallel_requests_are_served_in_turn_without_cutting_each_other(
    model_server: LlmServer,
) -> None:
    gen = remote(model_server, parallel=2)
    expected = gen.generate(completion(TRAIN, stop=("\n",)), max_tokens=10).text
    results: list[str] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(gen.generate(completion(TRAIN, stop=("\n",)), max_tokens=10).text)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert results == [expected, expected]


def test_a_server_killed_mid_answer_then_restarted(default_model: Path, tmp_path: Path) -> None:
    with llm_server(default_model, tmp_path / "a.log", api_key=None) as server:
        port = int(server.url.rsplit(":", 1)[1].split("/")[0])
        gen = remote(server, retries=1, recovery_s=0)
        pieces: list[str] = []

        def kill_on_first_piece(piece: str) -> None:
            pieces.append(piece)
            if len(pieces) == 1:
                server.process.kill()
                server.process.wait(timeout=15)

        with pytest.raises(ModelUnavailable) as excinfo:
            gen.generate(completion("1, 2, 3, 4, 5,"), max_tokens=40, on_token=kill_on_first_piece)
        assert "mid-answer" in str(excinfo.value)
        assert len(pieces) >= 1

        with pytest.raises(ModelUnavailable) as down:
            gen.generate(completion(CAPITAL), max_tokens=4)
        assert "cannot be reached" in str(down.value)
        assert not gen.health.available

    with llm_server(default_model, tmp_path / "b.log", api_key=None, port=port):
        result = gen.generate(completion(CAPITAL, stop=("\n",)), max_tokens=4)

    assert result.text.strip()
    assert gen.health.available
