"""The HTTP generator against a scripted server: requests, retries, failures, the breaker."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from bot.errors import ModelError, ModelUnavailable
from bot.llm import Capabilities, Prompt
from bot.llm.health import Health
from bot.llm.remote import RemoteConfig, RemoteGenerator
from tests.fake_llm import MODEL, FakeLlm, FakeLlmServer, Hang, Status, Stream
from tests.llm_server import free_port

PROMPT = Prompt(system="Jawab singkat.", user="Naik apa?", completion="Q: Naik apa?\nA:", stop=())


class Clock:
    """A hand-moved monotonic clock."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def generator(fake: FakeLlm, **changes: object) -> RemoteGenerator:
    """Build a generator for the fake with quick timeouts and no backoff."""
    values: dict[str, object] = {
        "url": fake.url,
        "instruct": False,
        "read_timeout_s": 2.0,
        "backoff_s": 0.0,
        **changes,
    }
    return RemoteGenerator(RemoteConfig(**values))  # type: ignore[arg-type]


@pytest.fixture
def fake() -> Iterator[FakeLlm]:
    with FakeLlmServer() as server:
        yield server


def test_a_base_model_streams_from_completions(fake: FakeLlm) -> None:
    gen = generator(fake, model="m1", api_key="sekret", temperature=0.3, seed=7)
    pieces: list[str] = []

    result = gen.generate(PROMPT, max_tokens=9, on_token=pieces.append)

    assert (result.text, result.finish_reason, result.completion_tokens) == (
        "Kim naik kereta.",
        "stop",
        4,
    )
    assert pieces == ["Kim", " naik", " kereta", "."]
    (request,) = fake.completions()
    assert request.path == "/v1/completions"
    assert request.headers["authorization"] == "Bearer sekret"
    assert request.body == {
        "model": "m1",
        "prompt": "Q: Naik apa?\nA:",
        "max_tokens": 9,
        "temperature": 0.3,
        "seed": 7,
        "stream": True,
        "stream_options": {"include_usage": True},
    }


def test_an_instruct_model_streams_from_chat_completions_with_the_first_listed_model(
    fake: FakeLlm,
) -> None:
    gen = generator(fake, instruct=True)

    result = gen.generate(PROMPT, max_tokens=9)

    assert result.text == "Kim naik kereta."
    assert gen.name == MODEL
    assert gen.capabilities == Capabilities(
        instruct=True, streaming=True, exact_tokens=False, parallel=1
    )
    (request,) = fake.completions()
    assert request.path == "/v1/chat/completions"
    assert (request.body["model"], request.body["messages"]) == (
        MODEL,
        [
            {"role": "system", "content": "Jawab singkat."},
            {"role": "user", "content": "Naik apa?"},
        ],
    )


def test_stop_sequences_beyond_the_api_limit_are_cut_client_side(fake: FakeLlm) -> None:
    fake.script.append(Stream(("Kim naik", " kereta", "\n###", " lagi")))
    stops = ("\nQ:", "\nA:", "\n\n", "<end>", "\n###")

    result = generator(fake).generate(
        Prompt("", "", "Q:", stops), max_tokens=20, on_token=lambda _: None
    )

    assert result.text == "Kim naik kereta"
    assert fake.completions()[0].body["stop"] == list(stops[:4])


def test_the_servers_length_finish_is_kept(fake: FakeLlm) -> None:
    fake.script.append(Stream(("a", " b"), finish_reason="length"))

    assert generator(fake).generate(PROMPT, max_tokens=2).finish_reason == "length"


def test_5xx_is_retried_then_the_model_is_unavailable(
    fake: FakeLlm, caplog: pytest.LogCaptureFixture
) -> None:
    fake.script.extend([Status(500), Status(502), Status(503)])
    gen = generator(fake, retries=2)

    with caplog.at_level(logging.WARNING), pytest.raises(ModelUnavailable) as excinfo:
        gen.generate(PROMPT, max_tokens=5)

    assert str(excinfo.value) == (f"the model server at {fake.url} answered HTTP 503, 3 attempts")
    assert len(fake.completions()) == 3
    assert not gen.health.available
    assert f"model unavailable: the model server at {fake.url} answered HTTP 503" in caplog.text


def test_a_transient_429_is_retried_and_the_answer_comes(fake: FakeLlm) -> None:
    fake.script.extend([Status(429), Stream(("ya",))])

    result = generator(fake, retries=1).generate(PROMPT, max_tokens=5)

    assert result.text == "ya"
    assert len(fake.completions()) == 2


def test_a_client_error_is_a_model_error_and_not_retried(fake: FakeLlm) -> None:
    fake.script.append(Status(401))
    gen = generator(fake, retries=2)

    with pytest.raises(ModelError) as excinfo:
        gen.generate(PROMPT, max_tokens=5)

    assert not isinstance(excinfo.value, ModelUnavailable)
    assert str(excinfo.value) == (
        f"The model server at {fake.url} refused the request (HTTP 401: "
        '{"error": {"message": "scripted 401"}}); check WARTA_LLM_URL, WARTA_LLM_MODEL and '
        "WARTA_LLM_API_KEY."
    )
    assert len(fake.completions()) == 1
    assert gen.health.available


def test_a_server_that_hangs_is_unavailable_after_the_read_timeout_without_retry(
    fake: FakeLlm,
) -> None:
    fake.script.append(Hang())
    gen = generator(fake, read_timeout_s=0.3, retries=2)

    with pytest.raises(ModelUnavailable) as excinfo:
        gen.generate(PROMPT, max_tokens=5)

    assert str(excinfo.value) == (
        f"the model server at {fake.url} sent nothing for 0.3 s (WARTA_LLM_READ_TIMEOUT_S)"
    )
    assert len(fake.completions()) == 1


@pytest.mark.parametrize(
    ("then", "reason"),
    [
        ("die", "the connection to the model server at {url} broke"),
        ("hang", "the model server at {url} sent nothing for 0.3 s"),
        ("bare-done", "the model server at {url} ended the stream mid-answer"),
    ],
)
def test_a_stream_broken_mid_answer_is_unavailable_after_the_first_pieces(
    fake: FakeLlm, then: str, reason: str
) -> None:
    fake.script.append(Stream(("Kim", " naik"), then=then))  # type: ignore[arg-type]
    pieces: list[str] = []

    with pytest.raises(ModelUnavailable) as excinfo:
        generator(fake, read_timeout_s=0.3).generate(PROMPT, max_tokens=9, on_token=pieces.append)

    assert str(excinfo.value).startswith(reason.format(url=fake.url))
    assert pieces == ["Kim", " naik"]
    assert len(fake.completions()) == 1


def test_nothing_listening_is_unavailable_after_the_retries() -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    gen = RemoteGenerator(RemoteConfig(url=url, model="m", retries=1, backoff_s=0))

    with pytest.raises(ModelUnavailable) as excinfo:
        gen.generate(PROMPT, max_tokens=5)

    assert str(excinfo.value).startswith(f"the model server at {url} cannot be reached (")
    assert str(excinfo.value).endswith("), 2 attempts")


def test_the_breaker_fails_fast_then_tries_again_and_recovers(
    fake: FakeLlm, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    fake.script.extend([Status(500), Stream(("lagi",))])
    gen = RemoteGenerator(
        RemoteConfig(url=fake.url, model="m", retries=0, recovery_s=30),
        health=Health(recovery_s=30, clock=clock),
    )
    with pytest.raises(ModelUnavailable):
        gen.generate(PROMPT, max_tokens=5)

    clock.now += 29
    with pytest.raises(ModelUnavailable) as fast:
        gen.generate(PROMPT, max_tokens=5)
    assert len(fake.completions()) == 1  # the second question never reached the server
    assert str(fast.value).endswith("(trying again in 1 s)")
    assert gen.health.report().failures == 1

    clock.now += 1
    with caplog.at_level(logging.WARNING):
        result = gen.generate(PROMPT, max_tokens=5)

    assert result.text == "lagi"
    assert gen.health.report().available
    assert "model available again after" in caplog.text


def test_token_counts_use_the_servers_tokenizer_without_its_bos() -> None:
    with FakeLlmServer(tokenizer=True) as fake:
        gen = generator(fake)

        counts = [gen.count_tokens(text) for text in ("abc", "abcdef", "abc")]

        assert counts == [3, 6, 3]
        assert gen.capabilities.exact_tokens
        tokenize_calls = [r for r in fake.requests if r.path == "/extras/tokenize"]
        assert len(tokenize_calls) == 3  # "abc", the BOS probe "", "abcdef"; then cached


def test_without_a_tokenizer_counts_are_estimated_then_learned_from_usage(
    fake: FakeLlm,
) -> None:
    gen = generator(fake)
    assert gen.count_tokens("x" * 30) == 10  # 3 characters a token at first
    fake.script.append(Stream(("ya",), usage={"prompt_tokens": 4, "completion_tokens": 1}))

    result = gen.generate(Prompt("", "", "y" * 20, ()), max_tokens=5)

    assert (result.prompt_tokens, result.completion_tokens) == (4, 1)
    assert gen.count_tokens("x" * 30) == 6  # the server's 5 characters a token
    assert not gen.capabilities.exact_tokens
    assert [r.path for r in fake.requests].count("/tokenize") == 1  # probed once, then known


def test_counting_while_the_server_is_down_estimates_and_trips_the_breaker() -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    gen = RemoteGenerator(RemoteConfig(url=url, model="m"))

    assert gen.count_tokens("x" * 9) == 3
    assert not gen.health.available


def test_connect_to_a_server_that_is_down_starts_unavailable() -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"

    gen = RemoteGenerator.connect(RemoteConfig(url=url, retries=0))

    assert gen.name == "(first model of the server)"
    assert not gen.health.available


def test_config_is_validated_early() -> None:
    with pytest.raises(ValueError, match="url must be an http"):
        RemoteConfig(url="127.0.0.1:8080")
    with pytest.raises(ValueError, match="retries must be 0 or more, got -1"):
        RemoteConfig(url="http://x/v1", retries=-1)
    assert RemoteConfig(url="http://x/v1/").url == "http://x/v1"


def test_connect_to_a_server_still_loading_its_model_starts_unavailable(fake: FakeLlm) -> None:
    fake.models_status = 503

    gen = RemoteGenerator.connect(RemoteConfig(url=fake.url, retries=0))

    assert not gen.health.available
    assert gen.health.report().reason == f"the model server at {fake.url} answered HTTP 503"
    fake.models_status = 200
    gen.health.succeeded()
    assert gen.generate(PROMPT, max_tokens=5).text == "Kim naik kereta."
    assert gen.name == MODEL
