"""Tests of ``warta ask``: the real entry point, its --json contract and the terminal output."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bot.answering import Answerer, AnswerOptions
from bot.citations import Citation
from bot.cli import main, render_answer
from retrieval.store import CorpusIndex
from tests.builders import clear_warta_env, make_answer
from tests.fakes import FakeGenerator
from tests.llm_server import LlmServer

Q_KIM = "Dengan kendaraan apa Kim Jong-un berangkat ke Rusia?"
KIM_1 = "Kim Jong-un berangkat ke Rusia dengan kereta api lapis baja."
BERAS_1 = "Harga beras di Jakarta naik 5 persen pada Februari."


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run the CLI in an empty directory with only WARTA_DATA_DIR set (no .env, no TOML)."""
    clear_warta_env(monkeypatch)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("WARTA_DATA_DIR", str(tmp_path / "data"))
    return tmp_path


# Terminal output


def test_render_shows_the_answer_then_numbered_sources_with_quotes() -> None:
    cites = (
        Citation(1, "kim", "Kim ke Rusia", "https://example.id/kim", "2023-09-11", KIM_1, 0, 60),
        Citation(2, "beras", "Harga beras naik", None, "2024-02-01", BERAS_1, 10, 61),
    )

    text = render_answer(make_answer("Dengan kereta [1]. Harga naik 5 persen [2].", cites))

    assert text == (
        "Dengan kereta [1]. Harga naik 5 persen [2].\n"
        "\n"
        "Sumber:\n"
        "[1] Kim ke Rusia · 2023-09-11 · https://example.id/kim\n"
        f"    “{KIM_1}”\n"
        "[2] Harga beras naik · 2024-02-01\n"
        f"    “{BERAS_1}”"
    )


@pytest.mark.parametrize(
    ("language", "heading", "untitled"),
    [("id", "Sumber", "(tanpa judul)"), ("en", "Sources", "(untitled)")],
)
def test_render_frames_sources_in_the_askers_language(
    language: str, heading: str, untitled: str
) -> None:
    cite = Citation(1, "kim", "", "https://example.id/kim", None, KIM_1, 0, 60)

    text = render_answer(make_answer("Answer [1].", (cite,), language=language))

    assert (
        text == f"Answer [1].\n\n{heading}:\n[1] {untitled} · https://example.id/kim\n    “{KIM_1}”"
    )


def test_render_an_abstention_is_the_text_alone() -> None:
    text = "Sorry, I could not find that in the news articles I have."

    assert render_answer(make_answer(text, (), language="en", abstained=True)) == text


def test_render_an_answer_from_the_pipeline(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    kim = {"id": "kim", "title": "Kim ke Rusia", "url": "https://example.id/kim"}
    articles = [
        {**kim, "date": "2023-09-11", "text": f"{KIM_1} Ia akan bertemu Putin di Vladivostok."},
        {"id": "beras", "title": "Harga beras", "text": f"{BERAS_1} Panen terlambat."},
        {"id": "festival", "text": "Festival kuliner Bandung dibuka dengan 200 gerai makanan."},
    ]
    (corpus / "news.jsonl").write_text("\n".join(json.dumps(a) for a in articles), "utf-8")
    index = CorpusIndex([corpus], tmp_path / "data")
    fake = FakeGenerator("kereta api lapis baja")

    result = Answerer(index, fake, AnswerOptions(crosslingual=False, read_sentences=1)).answer(
        Q_KIM
    )

    assert render_answer(result) == (
        "Kereta api lapis baja [1].\n"
        "\n"
        "Sumber:\n"
        "[1] Kim ke Rusia · example.id · 2023-09-11 · https://example.id/kim\n"
        f"    “{KIM_1}”"
    )


# The entry point


def test_ask_without_a_question_is_a_usage_error(
    cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as excinfo:
        main(["ask"])

    assert excinfo.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.endswith(
        "warta ask: error: the following arguments are required: question\n"
    )


def test_an_empty_question_is_refused_before_the_model_loads(
    cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = cli_env / "corpus"
    corpus.mkdir()

    code = main(["ask", "   ", "--corpus", str(corpus)])

    assert code == 1
    assert capsys.readouterr() == ("", "warta: the question is empty\n")
    assert not (cli_env / "data" / "models").exists()


def test_ask_with_a_missing_corpus_exits_2_naming_the_setting(
    cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = cli_env / "missing"

    code = main(["ask", Q_KIM, "--corpus", str(missing)])

    assert code == 2
    assert capsys.readouterr() == (
        "",
        f"warta: WARTA_CORPUS_DIR: '{missing}' is not valid — expected an existing directory "
        "(one path or a JSON list of paths)\n",
    )


@pytest.fixture(params=["in-process", "server"])
def seed_text(
    request: pytest.FixtureRequest,
    cli_env: Path,
    seed_corpus: Path,
    default_model: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> str:
    """Point the CLI at the real default model, in process or on its server; return the seed."""
    monkeypatch.setenv("WARTA_MODEL_PATH", str(default_model))
    if request.param == "server":
        server: LlmServer = request.getfixturevalue("model_server")
        for name, value in server.env().items():
            monkeypatch.setenv(name, value)
    (seed_file,) = seed_corpus.iterdir()
    return seed_file.read_text(encoding="utf-8")


@pytest.mark.slow
def test_ask_json_with_the_real_model(
    seed_text: str,
    seed_corpus: Path,
    default_model: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (seed_file,) = seed_corpus.iterdir()

    code = main(["ask", Q_KIM, "--corpus", str(seed_corpus), "--json"])

    out = capsys.readouterr().out
    assert code == 0
    assert out.endswith("}\n") and out.count("\n") == 1
    data = json.loads(out)
    assert list(data) == [
        "question",
        "language",
        "answer",
        "abstained",
        "mode",
        "citations",
        "model",
        "timings_ms",
    ]
    assert (data["question"], data["language"], data["abstained"], data["model"]) == (
        Q_KIM,
        "id",
        False,
        default_model.stem,
    )
    assert isinstance(data["answer"], str) and data["answer"]
    assert list(data["timings_ms"]) == ["retrieve", "generate", "total"]
    assert all(isinstance(v, float) for v in data["timings_ms"].values())
    assert data["citations"]
    for c in data["citations"]:
        assert list(c) == [
            "n", "article_id", "title", "url", "date", "quote", "start", "end", "source", "page",
        ]  # fmt: skip
        assert (c["article_id"], c["date"], c["source"]) == (
            seed_file.stem,
            "2023-09-11",
            "Bisnis.com",
        )
        assert seed_text[c["start"] : c["end"]] == c["quote"]
    numbers = [c["n"] for c in data["citations"]]
    assert numbers == list(range(1, len(numbers) + 1))
    assert {int(n) for n in re.findall(r"\[(\d+)\]", data["answer"])} == set(numbers)
    assert any("kereta api lapis baja" in c["quote"] for c in data["citations"])


@pytest.mark.slow
def test_ask_a_quiz_with_choice_options(
    seed_text: str, seed_corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["ask", Q_KIM, "--choice", "pesawat jet", "--choice", "kereta api lapis baja"]

    code = main([*args, "--corpus", str(seed_corpus), "--json"])

    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["answer"], data["abstained"]) == ("kereta api lapis baja [1].", False)
    (citation,) = data["citations"]
    assert "kereta api lapis baja" in citation["quote"]
    assert seed_text[citation["start"] : citation["end"]] == citation["quote"]
