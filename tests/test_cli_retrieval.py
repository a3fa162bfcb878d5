"""The retrieval side of the ``warta`` CLI (index, search, eval --retrieval-only) end to end."""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from retrieval.search import search
from retrieval.store import CorpusIndex, corpus_key
from tests.builders import clear_warta_env, env_without_warta

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
SEED_ID = "000_76514cd01a3de205"
SEED_FILE = f"{SEED_ID}.txt"
RESULT_KEYS = [
    "rank", "score", "article_id", "title", "url", "date", "chunk_id", "start", "end", "text",
]  # fmt: skip
NEWS = [
    {
        "id": "beras",
        "title": "Harga beras naik",
        "url": "https://example.org/beras",
        "date": "2023-09-12",
        "text": "Harga beras naik menjadi Rp 12.000 per kilogram di pasar Jakarta. "
        "Pedagang beras mengeluh karena pembeli berkurang.",
    },
    {
        "id": "gula",
        "title": "Harga gula turun",
        "text": "Harga gula turun tipis di pasar tradisional. Harga beras tetap tinggi.",
    },
    {
        "id": "gempa",
        "title": "Gempa di Cianjur",
        "text": "Gempa magnitudo 5,6 mengguncang Cianjur. Ribuan warga mengungsi.",
    },
]
QUESTIONS = [
    {
        "id": "q1",
        "lang": "id",
        "question": "Dengan apa Kim Jong-un berangkat ke Rusia?",
        "answers": ["kereta api lapis baja"],
        "gold_ids": [SEED_ID],
    },
    {
        "id": "q2",
        "lang": "id",
        "question": "Siapa juara Piala Dunia sepak bola?",
        "answers": ["Argentina"],
        "gold_ids": ["artikel-lain"],
    },
    {"id": "q3", "lang": "id", "question": "Berapa harga emas?", "answers": [], "gold_ids": []},
]
SUMMARY = r"(\d+) added, (\d+) updated, (\d+) removed, (\d+) skipped; (\d+) articles, (\d+) chunks in \d+\.\d\d s"  # noqa: E501


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Run in an empty tmp directory with a seed corpus, a news corpus and a tmp data dir."""
    clear_warta_env(monkeypatch)
    monkeypatch.setenv("WARTA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    shutil.copytree(SEEDS, tmp_path / "seeds")
    (tmp_path / "news").mkdir()
    (tmp_path / "news" / "harga.jsonl").write_text("\n".join(json.dumps(r) for r in NEWS) + "\n")
    retrieval_logger = logging.getLogger("retrieval")
    level = retrieval_logger.level
    yield tmp_path
    retrieval_logger.setLevel(level)  # main() raises it to INFO


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run the CLI in-process; return (exit code, stdout, stderr)."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def summary(line: str) -> tuple[int, ...]:
    """Parse a reload summary line into its six counts."""
    match = re.fullmatch(SUMMARY, line)
    assert match, line
    return tuple(int(x) for x in match.groups())


# -- index ------------------------------------------------------------------------------------


def test_index_builds_then_reports_no_change(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "index")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    chunks = CorpusIndex([Path("seeds")], work / "data").snapshot.n_chunks
    assert summary(lines[0]) == (1, 0, 0, 0, 1, chunks)
    assert lines[1:] == [f"  added: {SEED_FILE}"]
    code, out, err = run(capsys, "index")
    assert (code, err) == (0, "")
    assert summary(out.rstrip("\n")) == (0, 0, 0, 0, 1, chunks)
    # The index lives in the data directory, keyed by the corpus; nothing else was written.
    assert sorted(p.name for p in (work / "data" / "indexes").iterdir()) == [
        corpus_key([Path("seeds")])
    ]
    assert sorted(p.name for p in work.iterdir()) == ["data", "news", "seeds"]


def test_index_json_reports_skipped_files(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (work / "news" / "rusak.json").write_text('{"id": ')
    code, out, err = run(capsys, "index", "--corpus", "news", "--json")
    assert (code, err) == (0, "")
    report = json.loads(out)
    assert list(report) == [
        "added", "updated", "removed", "skipped", "articles", "chunks", "seconds",
    ]  # fmt: skip
    assert {k: v for k, v in report.items() if k != "seconds"} == {
        "added": ["harga.jsonl"],  # a skipped file is reported once, as skipped
        "updated": [],
        "removed": [],
        "skipped": [{"path": "rusak.json", "reason": "malformed JSON: Expecting value (line 1)"}],
        "articles": 3,
        "chunks": 3,
    }
    assert isinstance(report["seconds"], float) and report["seconds"] >= 0


# -- search -----------------------------------------------------------------------------------


def test_search_json_shape_and_spans(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys, "search", "beras per kilogram di Jakarta", "--corpus", "news", "--json"
    )
    assert (code, err) == (0, "")
    assert out.endswith("}\n") and out.count("\n") == 1
    payload = json.loads(out)
    assert list(payload) == ["query", "results"]
    assert payload["query"] == "beras per kilogram di Jakarta"
    results = payload["results"]
    assert [r["article_id"] for r in results] == ["beras", "gula"]
    texts = {r["id"]: r["text"] for r in NEWS}
    for rank, result in enumerate(results, start=1):
        assert list(result) == RESULT_KEYS
        assert result["rank"] == rank
        assert isinstance(result["score"], float) and result["score"] > 0
        assert texts[result["article_id"]][result["start"] : result["end"]] == result["text"]
        assert result["chunk_id"] == f"{result['article_id']}#0"
    assert results[0]["score"] > results[1]["score"]
    assert (results[0]["title"], results[0]["url"], results[0]["date"]) == (
        "Harga beras naik",
        "https://example.org/beras",
        "2023-09-12",
    )
    assert (results[1]["url"], results[1]["date"]) == (None, None)
    # The CLI answers from the persisted index exactly as the library does.
    index = CorpusIndex([Path("news")], work / "data")
    assert index.open() is None
    hits = search(index.snapshot, "beras per kilogram di Jakarta", k=5)
    assert [(r["chunk_id"], r["score"]) for r in results] == [
        (h.chunk.chunk_id, h.score) for h in hits
    ]


def test_search_k_limits_results(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "search", "Kim Jong-un Putin Rusia", "--json")
    assert len(json.loads(out)["results"]) == 5  # the default
    _, out, _ = run(capsys, "search", "Kim Jong-un Putin Rusia", "-k", "2", "--json")
    results = json.loads(out)["results"]
    assert [r["rank"] for r in results] == [1, 2]
    seed = (SEEDS / SEED_FILE).read_text(encoding="utf-8")
    assert all(r["article_id"] == SEED_ID for r in results)
    assert all(seed[r["start"] : r["end"]] == r["text"] for r in results)


def test_search_text_output(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "search", "gempa Cianjur", "--corpus", "news", "-k", "1")
    assert code == 0
    score = json.loads(run(capsys, "search", "gempa Cianjur", "--corpus", "news", "--json")[1])[
        "results"
    ][0]["score"]
    assert out == (
        f"1. [{score:.2f}] Gempa di Cianjur (gempa#0)\n"
        "   Gempa magnitudo 5,6 mengguncang Cianjur. Ribuan warga mengungsi.\n"
    )
    code, out, _ = run(capsys, "search", "tsunami Aceh", "--corpus", "news")
    assert (code, out) == (0, "no matching passages\n")
    code, out, _ = run(capsys, "search", "tsunami Aceh", "--corpus", "news", "--json")
    assert (code, json.loads(out)) == (0, {"query": "tsunami Aceh", "results": []})


def test_corpus_given_twice_searches_both_as_one(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["search", "Harga beras Kim Jong-un", "--corpus", "news", "--corpus", "seeds"]
    code, out, err = run(capsys, *argv, "-k", "10", "--json")
    assert (code, err) == (0, "")
    ids = {r["article_id"] for r in json.loads(out)["results"]}
    # Explicit ids are kept; ids made from paths get the directory name in front.
    assert ids == {"beras", "gula", f"seeds/{SEED_ID}"}
    indexes = sorted(p.name for p in (work / "data" / "indexes").iterdir())
    assert indexes == [corpus_key([Path("news"), Path("seeds")])]
    assert indexes[0].startswith("news+seeds-")
    # A single-corpus run keeps its own index beside the combined one.
    run(capsys, "search", "beras", "--corpus", "news")
    assert len(list((work / "data" / "indexes").iterdir())) == 2


# -- eval -------------------------------------------------------------------------------------


def test_eval_retrieval_only(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (work / "qa.jsonl").write_text("\n".join(json.dumps(q) for q in QUESTIONS) + "\n")
    code, out, err = run(capsys, "eval", "qa.jsonl", "--retrieval-only", "--json")
    assert (code, err) == (0, "")
    assert json.loads(out) == {
        "questions": 3,
        "answerable": 2,
        "retrieval": {
            "recall@1": 0.5,
            "recall@5": 0.5,
            "recall@10": 0.5,
            "mrr@10": 0.5,
            "answer_in_top1": 0.5,
            "answer_in_top5": 0.5,
            "answer_in_top10": 0.5,
        },
    }
    code, out, err = run(capsys, "eval", "qa.jsonl", "--retrieval-only", "--limit", "1")
    assert (code, err) == (0, "")
    assert out == (
        "questions: 1 (answerable: 1)\n"
        "retrieval:\n"
        "  recall@1                   1.000\n"
        "  recall@5                   1.000\n"
        "  recall@10                  1.000\n"
        "  mrr@10                     1.000\n"
        "  answer_in_top1             1.000\n"
        "  answer_in_top5             1.000\n"
        "  answer_in_top10            1.000\n"
    )


def test_eval_with_a_bad_questions_file_fails(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (work / "qa.jsonl").write_text('{"id": "q1", "question": "Apa?"}\n{"id": "q2"}\n')
    code, out, err = run(capsys, "eval", "qa.jsonl", "--retrieval-only", "--json")
    assert (code, out) == (1, "")
    assert err == "warta: qa.jsonl:2: not a valid question line ('question')\n"
    code, out, err = run(capsys, "eval", "missing.jsonl", "--retrieval-only")
    assert (code, out) == (1, "")
    assert err == "warta: cannot read questions file missing.jsonl: No such file or directory\n"


# -- errors -----------------------------------------------------------------------------------


def test_bad_setting_exits_2_naming_the_key(
    work: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WARTA_CHUNK_CHARS", "lots")
    code, out, err = run(capsys, "search", "beras")
    assert (code, out) == (2, "")
    assert err == "warta: WARTA_CHUNK_CHARS: 'lots' is not valid — expected an integer >= 100\n"


def test_missing_corpus_exits_2(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "index", "--corpus", "nowhere")
    assert (code, out) == (2, "")
    assert err == (
        "warta: WARTA_CORPUS_DIR: 'nowhere' is not valid — expected an existing directory "
        "(one path or a JSON list of paths)\n"
    )
    assert not (work / "data" / "indexes").exists()


def test_bad_k_exits_1(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "search", "beras", "-k", "0") == (
        1,
        "",
        "warta: -k must be at least 1, got 0\n",
    )


def test_usage_errors_exit_2(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["search"])
    assert info.value.code == 2
    assert "the following arguments are required: query" in capsys.readouterr().err


def test_console_script_search(work: Path) -> None:
    warta = Path(sys.executable).with_name("warta")
    env = env_without_warta(os.environ)
    env["WARTA_DATA_DIR"] = str(work / "data")
    done = subprocess.run(
        [str(warta), "search", "kereta lapis baja", "-k", "1", "--json"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    (result,) = payload["results"]
    seed = (SEEDS / SEED_FILE).read_text(encoding="utf-8")
    assert (payload["query"], result["rank"], result["article_id"]) == (
        "kereta lapis baja",
        1,
        SEED_ID,
    )
    assert seed[result["start"] : result["end"]] == result["text"]
    assert "kereta lapis baja" in result["text"]
    # A first run builds the index and says so on stderr (the retrieval log is on INFO).
    assert f"building the index of [PosixPath('seeds')] in {work / 'data' / 'indexes'}" in (
        done.stderr
    )
    failed = subprocess.run(
        [str(warta), "search", "beras"],
        cwd=work,
        env={**env, "WARTA_TOP_K": "99"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert (failed.returncode, failed.stdout) == (2, "")
    assert (
        failed.stderr
        == "warta: WARTA_TOP_K: '99' is not valid — expected an integer from 1 to 10\n"
    )
