"""Answer feedback in SQLite: the answers shown, the 👍/👎 votes on them, and their export.

Each answer the bot shows is stored as a record (question, answer, citations, mode, index
generation, language, chat type) whose numeric id goes into the buttons' callback data, so a
vote still finds its answer after a restart. A vote is kept per answer and voter, where the
voter is a hash of the user id and the answer id (votes cannot be linked across answers); a 👎
may carry a comment, the voter's own words. Nothing else anybody wrote is stored.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from bot.citations import Citation

Vote = Literal["up", "down"]
FEEDBACK_DB = "feedback.sqlite3"  # in the data directory; the bot writes, the CLI exports
COMMENT_CHARS = 1000  # longer comments are cut

_SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created REAL NOT NULL,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    citations TEXT NOT NULL,
    mode TEXT NOT NULL,
    generation TEXT NOT NULL,
    language TEXT NOT NULL,
    chat_type TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS votes (
    answer_id INTEGER NOT NULL REFERENCES answers(id),
    voter TEXT NOT NULL,
    vote TEXT NOT NULL CHECK (vote IN ('up', 'down')),
    comment TEXT,
    created REAL NOT NULL,
    PRIMARY KEY (answer_id, voter)
);
"""


@dataclass(frozen=True)
class AnswerRecord:
    """What is stored about one shown answer."""

    question: str
    answer: str
    citations: tuple[Citation, ...]
    mode: str
    generation: str
    language: str
    chat_type: str


@dataclass(frozen=True)
class Counts:
    """Vote totals for /stats."""

    up: int
    down: int
    comments: int


def voter_key(answer_id: int, user_id: int) -> str:
    """Return the voter's key for one answer: stable per answer, unlinkable across answers."""
    return hashlib.sha256(f"{answer_id}:{user_id}".encode()).hexdigest()[:16]


class FeedbackStore:
    """The feedback database at ``path`` (created on first use)."""

    def __init__(self, path: Path) -> None:
        """Remember the database path; nothing is opened until the first call."""
        self.path = path

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        # One short connection per call: safe from any thread, nothing held open.
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=10)
        try:
            conn.executescript(_SCHEMA)
            with conn:
                yield conn
        finally:
            conn.close()

    def add_answer(self, record: AnswerRecord) -> int:
        """Store a shown answer; return its id."""
        citations = json.dumps([c.__dict__ for c in record.citations], ensure_ascii=False)
        with self._connect() as conn:
            cursor = conn.execute(
                "INSERT INTO answers (created, question, answer, citations, mode, generation,"
                " language, chat_type) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    time.time(),
                    record.question,
                    record.answer,
                    citations,
                    record.mode,
                    record.generation,
                    record.language,
                    record.chat_type,
                ),
            )
            assert cursor.lastrowid is not None  # an INSERT always sets it
            return cursor.lastrowid

    def answer(self, answer_id: int) -> AnswerRecord | None:
        """Return a stored answer, or None when there is none with that id."""
        with self._connect() as conn:
            row = conn.execute(
                "SELECT question, answer, citations, mode, generation, language, chat_type"
                " FROM answers WHERE id = ?",
                (answer_id,),
            ).fetchone()
        if row is None:
            return None
        citations = tuple(Citation(**c) for c in json.loads(row[2]))
        return AnswerRecord(row[0], row[1], citations, row[3], row[4], row[5], row[6])

    def vote(self, answer_id: int, user_id: int, vote: Vote) -> bool:
        """Record (or change) a user's vote on an answer; False when the answer is unknown."""
        voter = voter_key(answer_id, user_id)
        with self._connect() as conn:
            if conn.execute("SELECT 1 FROM answers WHERE id = ?", (answer_id,)).fetchone() is None:
                return False
            # A changed vote drops the comment that explained the old one.
            conn.execute(
                "INSERT INTO votes (answer_id, voter, vote, comment, created)"
                " VALUES (?, ?, ?, NULL, ?) ON CONFLICT (answer_id, voter) DO UPDATE SET"
                " vote = excluded.vote, created = excluded.created,"
                " comment = CASE WHEN votes.vote = excluded.vote THEN votes.comment END",
                (answer_id, voter, vote, time.time()),
            )
        return True

    def comment(self, answer_id: int, user_id: int, text: str) -> bool:
        """Attach a comment to the user's 👎 on an answer; False when there is no such vote."""
        voter = voter_key(answer_id, user_id)
        with self._connect() as conn:
            cursor = conn.execute(
                "UPDATE votes SET comment = ? WHERE answer_id = ? AND voter = ? AND vote = 'down'",
                (text.strip()[:COMMENT_CHARS], answer_id, voter),
            )
            return cursor.rowcount > 0

    def counts(self) -> Counts:
        """Return how many 👍, 👎 and comments there are."""
        with self._connect() as conn:
            up, down, comments = conn.execute(
                "SELECT COALESCE(SUM(vote = 'up'), 0), COALESCE(SUM(vote = 'down'), 0),"
                " COALESCE(SUM(comment IS NOT NULL AND comment != ''), 0) FROM votes"
            ).fetchone()
        return Counts(int(up), int(down), int(comments))

    def export(self) -> list[dict[str, object]]:
        """Return every answer with a 👎 as a ``warta eval`` line (answers to be filled in).

        ``answers`` and ``gold_ids`` are left empty for the admin to fill in with the right
        answer and article; the bad answer, its citations and the comments come along.
        """
        if not self.path.exists():
            return []
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT a.id, a.language, a.question, a.answer, a.citations, a.mode,"
                " a.generation, a.chat_type, COUNT(*), json_group_array(v.comment)"
                " FROM answers a JOIN votes v ON v.answer_id = a.id AND v.vote = 'down'"
                " GROUP BY a.id ORDER BY a.id"
            ).fetchall()
        return [_eval_line(row) for row in rows]


def _eval_line(row: Sequence[object]) -> dict[str, object]:
    """Turn one exported row into a ``warta eval`` JSONL object."""
    answer_id, lang, question, answer, citations, mode, generation, chat_type, downs, notes = row
    cited = json.loads(str(citations))
    return {
        "id": f"feedback-{answer_id}",
        "lang": lang,
        "question": question,
        "answers": [],
        "gold_ids": [],
        "bad_answer": answer,
        "bad_article_ids": list(dict.fromkeys(c["article_id"] for c in cited)),
        "bad_quotes": [c["quote"] for c in cited],
        "comments": [c for c in json.loads(str(notes)) if c],
        "downvotes": downs,
        "mode": mode,
        "generation": generation,
        "chat_type": chat_type,
    }
