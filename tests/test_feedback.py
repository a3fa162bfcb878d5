"""The feedback store: answers, votes, comments, counts and the `warta eval` export."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from bot.citations import Citation
from bot.cli import main
from bot.evaluation import read_questions
from bot.feedback import FEEDBACK_DB, AnswerRecord, Counts, FeedbackStore, voter_key
from bot.telegram.feedback import decode, encode
from tests.builders import clear_warta_env

CITATION = Citation(1, "a1", "Kereta", None, "2023-09-11", "Kim naik kereta.", 0, 16)


def record(question: str = "Naik apa Kim ke Rusia?") -> AnswerRecord:
    return AnswerRecord(
        question=question,
        answer="Naik pesawat [1].",
        citations=(CITATION,),
        mode="generated",
        generation="2026-12-01T12:00:00.000000+00:00",
        language="id",
        chat_type="private",
    )


def test_answers_round_trip_and_votes_are_one_per_user_and_answer(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "f.sqlite3")
    first = store.add_answer(record())
    second = store.add_answer(record("Kapan?"))
    assert store.answer(first) == record()
    assert store.answer(999) is None

    assert store.vote(first, 7, "down")
    assert store.comment(first, 7, "  Kim naik kereta, bukan pesawat.  ")
    assert store.vote(first, 8, "up")
    assert store.vote(first, 8, "up")  # the same vote again counts once
    assert store.vote(second, 7, "down")
    assert not store.vote(999, 7, "up")
    assert store.counts() == Counts(up=1, down=2, comments=1)
    # Changing a vote drops the comment that explained the old one.
    assert store.vote(first, 7, "up")
    assert store.counts() == Counts(up=2, down=1, comments=0)
    assert not store.comment(first, 7, "no 👎 to explain any more")


def test_voters_are_not_stored_as_user_ids(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "f.sqlite3")
    answer_id = store.add_answer(record())
    store.vote(answer_id, 123456789, "down")
    with sqlite3.connect(store.path) as conn:
        voters = [row[0] for row in conn.execute("SELECT voter FROM votes")]
    assert voters == [voter_key(answer_id, 123456789)]
    assert "123456789" not in voters[0]
    assert voter_key(answer_id, 123456789) != voter_key(answer_id + 1, 123456789)


def test_export_writes_bad_answers_as_eval_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    clear_warta_env(monkeypatch)
    data = tmp_path / "data"
    store = FeedbackStore(data / FEEDBACK_DB)
    bad = store.add_answer(record())
    good = store.add_answer(record("Kapan?"))
    store.vote(bad, 1, "down")
    store.comment(bad, 1, "Kim naik kereta | bukan pesawat")
    store.vote(bad, 2, "down")
    store.vote(good, 1, "up")
    monkeypatch.setenv("WARTA_DATA_DIR", str(data))
    out = tmp_path / "bad.jsonl"

    assert main(["feedback", "export", str(out)]) == 0

    assert capsys.readouterr().err == "exported 1 answers rated 👎\n"
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert lines == [
        {
            "id": f"feedback-{bad}",
            "lang": "id",
            "question": "Naik apa Kim ke Rusia?",
            "answers": [],
            "gold_ids": [],
            "bad_answer": "Naik pesawat [1].",
            "bad_article_ids": ["a1"],
            "bad_quotes": ["Kim naik kereta."],
            "comments": ["Kim naik kereta | bukan pesawat"],
            "downvotes": 2,
            "mode": "generated",
            "generation": "2026-12-01T12:00:00.000000+00:00",
            "chat_type": "private",
        }
    ]
    # `warta eval` reads the file as it is.
    assert [q.question for q in read_questions(out)] == ["Naik apa Kim ke Rusia?"]


def test_export_without_any_feedback_prints_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    clear_warta_env(monkeypatch)
    monkeypatch.setenv("WARTA_DATA_DIR", str(tmp_path / "data"))
    assert main(["feedback", "export"]) == 0
    assert capsys.readouterr().out == ""
    assert not (tmp_path / "data" / FEEDBACK_DB).exists()


def test_button_data_is_short_and_only_feedback_data_decodes() -> None:
    data = encode(2**62, "down")
    assert len(data.encode()) <= 64
    assert decode(data) == (2**62, "down")
    assert decode(encode(5, "up")) == (5, "up")
    for other in ("src:0:1:abc:=x", "fb:5:maybe", "fb::up", "fb:5:up:extra"):
        assert decode(other) is None
