"""Follow-ups in `warta eval`: a line's ``previous`` question is read as context."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bot.cli import main
from bot.evaluation import evaluate, read_questions
from retrieval.store import CorpusIndex
from tests.builders import clear_warta_env
from tests.conftest import SEEDS

FOLLOWUPS = Path(__file__).parent / "data" / "followups_seed.jsonl"
# Articles that match the follow-ups' own words better than the seed article does.
DISTRACTORS = {
    "rapat.txt": "# Rapat kabinet\n\nPresiden akan bertemu para menteri pada Selasa. Mereka "
    "akan membahas anggaran. Di kota mana rapat berikutnya berlangsung belum jelas.\n",
    "club.txt": "# Chess club\n\nThe chess club will meet the mayor on Friday. They will meet "
    "there, at the town hall, and he will meet them when the hall opens. Where and when "
    "they meet next is open.\n",
}
# Other news, so that the seed's words are not in most passages (where BM25's idf is next to
# nothing and no word of the previous question could find the seed article).
FILLERS = {
    "cuaca.txt": "# Cuaca Bandung\n\nCuaca di Bandung cerah sepanjang hari. Suhu 30 derajat.\n",
    "beras.txt": "# Harga beras\n\nHarga beras di pasar induk naik dua persen pekan ini.\n",
    "marathon.txt": "# Marathon\n\nThe city marathon drew 12,000 runners on Sunday morning.\n",
    "flood.txt": "# Flood warning\n\nHeavy rain caused floods in the river valley overnight.\n",
}


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    shutil.copytree(SEEDS, root)
    for name, text in {**DISTRACTORS, **FILLERS}.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


def test_follow_ups_find_their_article_only_with_the_previous_question(
    corpus: Path, tmp_path: Path
) -> None:
    questions = read_questions(FOLLOWUPS)
    assert {q.lang for q in questions} == {"id", "en"}
    assert all(q.previous for q in questions)
    snap = CorpusIndex([corpus], tmp_path / "data").snapshot

    with_context = evaluate(questions, snap, answerer=None)["retrieval"]
    alone = evaluate(questions, snap, answerer=None, context=False)["retrieval"]

    assert isinstance(with_context, dict) and isinstance(alone, dict)
    assert with_context["recall@1"] == 1.0
    assert alone["recall@1"] < 0.5


def test_eval_no_context_flag_asks_follow_ups_alone(
    corpus: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    clear_warta_env(monkeypatch)
    monkeypatch.setenv("WARTA_DATA_DIR", str(tmp_path / "data"))
    base = ["eval", str(FOLLOWUPS), "--corpus", str(corpus), "--retrieval-only"]
    assert main(base) == 0
    with_context = capsys.readouterr().out
    assert main([*base, "--no-context"]) == 0
    alone = capsys.readouterr().out
    assert "  recall@1                   1.000" in with_context.splitlines()
    assert "  recall@1                   1.000" not in alone.splitlines()


@pytest.mark.slow
def test_ask_after_a_previous_question_with_the_real_model(
    corpus: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    clear_warta_env(monkeypatch)
    monkeypatch.setenv("WARTA_DATA_DIR", str(tmp_path / "data"))
    previous = "Dengan kendaraan apa Kim Jong-un berangkat ke Rusia?"
    args = ["ask", "Dia akan bertemu siapa?", "--after", previous, "--corpus", str(corpus)]

    assert main([*args, "--json"]) == 0

    data = json.loads(capsys.readouterr().out)
    assert data["question"] == "Dia akan bertemu siapa?"
    assert not data["abstained"]
    seed_id = next(SEEDS.iterdir()).stem
    assert data["citations"] and {c["article_id"] for c in data["citations"]} == {seed_id}
