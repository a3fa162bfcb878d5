"""``warta eval``: retrieval and answer quality on a JSONL question set."""

from __future__ import annotations

import json
import re
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from bot.answering import Answer, Answerer
from bot.answering.choices import clean_choice
from bot.answering.framing import is_name_like
from bot.conversation import Turn, contextualize
from bot.eval_metrics import (
    Outcome,
    best_f1,
    exact_match,
    median_words,
    own_words,
    risk_coverage,
    selective,
    strict_hit,
)
from retrieval.analysis import Lang, detect_language, normalise
from retrieval.errors import CorpusError
from retrieval.search import search
from retrieval.snapshot import Snapshot

_MARKER_RE = re.compile(r"\[(\d+)\]")
_ACRONYM_RE = re.compile(r"\b[A-Z]{2,}\b")
_PUNCT_RE = re.compile(r"[^\w\s'-]")


@dataclass(frozen=True)
class Question:
    """One evaluation question; empty ``answers`` marks one the corpus cannot answer."""

    id: str
    lang: Lang
    question: str
    answers: tuple[str, ...]
    gold_ids: tuple[str, ...]
    choices: tuple[str, ...] = ()  # a quiz's options (RealTime QA), asked along with it
    previous: str = ""  # for a follow-up: the question asked just before it
    asked_on: date | None = None  # the day it was asked: "this week" counts from it


def read_questions(path: Path) -> list[Question]:
    """Read questions from JSONL; a malformed line is an error naming the line."""
    out = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise CorpusError(f"cannot read questions file {path}: {exc.strerror}") from None
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
            out.append(
                Question(
                    str(d["id"]),
                    "en" if d.get("lang") == "en" else "id",
                    str(d["question"]),
                    tuple(d.get("answers") or ()),
                    tuple(d.get("gold_ids") or ()),
                    tuple(str(c) for c in d.get("choices") or ()),
                    str(d.get("previous") or ""),
                    _day(d.get("date")),
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise CorpusError(f"{path}:{n}: not a valid question line ({exc})") from None
    return out


def _day(value: object) -> date | None:
    """Read a question's day ("2022/06/16" as RealTime QA writes it, or ISO); None if none."""
    if not value:
        return None
    text = str(value).strip().replace("/", "-")[:10]
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"date {value!r} is not a day (YYYY-MM-DD or YYYY/MM/DD)") from None


def _asked_at(q: Question, answerer: Answerer) -> datetime | None:
    """Return when ``q`` was asked, at the end of its day on the answerer's clock (None: now)."""
    if q.asked_on is None:
        return None
    zone = answerer.clock().tzinfo if answerer.clock else None
    return datetime.combine(q.asked_on, time(23, 59), tzinfo=zone)


def gold_rank(snap: Snapshot, q: Question, *, crosslingual: bool, depth: int = 10) -> int | None:
    """Return the 0-based rank of the first gold article among distinct retrieved articles."""
    return ranks(snap, q, crosslingual=crosslingual, depth=depth)[0]


def context_terms(q: Question, *, crosslingual: bool) -> tuple[tuple[str, float], ...]:
    """Return the weighted terms a follow-up takes from its previous question."""
    if not q.previous:
        return ()
    return contextualize(q.question, q.previous, lang=q.lang, crosslingual=crosslingual).terms


def ranks(
    snap: Snapshot, q: Question, *, crosslingual: bool, depth: int = 10, context: bool = True
) -> tuple[int | None, int | None]:
    """Return the 0-based ranks, among distinct retrieved articles, of the first gold article
    and of the first article whose retrieved passage holds a gold answer string.

    The second is the "top-k retrieval accuracy" of open-domain QA (DPR, Karpukhin et al.,
    2020): any passage that states the answer counts, labelled or not.
    """
    articles: list[str] = []
    answer_at: int | None = None
    golds = [normalise(a) for a in q.answers if a.strip()]
    terms = context_terms(q, crosslingual=crosslingual) if context else ()
    for hit in search(snap, q.question, k=depth * 5, crosslingual=crosslingual, context=terms):
        if hit.article.id not in articles:
            articles.append(hit.article.id)
        if answer_at is None and any(g in normalise(hit.chunk.text) for g in golds):
            answer_at = articles.index(hit.article.id)
    gold = set(q.gold_ids)
    gold_at = next((i for i, a in enumerate(articles[:depth]) if a in gold), None)
    return gold_at, answer_at if answer_at is not None and answer_at < depth else None


def retrieval_metrics(ranks: Sequence[int | None]) -> dict[str, float]:
    """Compute Recall@1/5/10 and MRR@10 from gold ranks."""
    n = len(ranks) or 1
    return {
        "recall@1": sum(r is not None and r < 1 for r in ranks) / n,
        "recall@5": sum(r is not None and r < 5 for r in ranks) / n,
        "recall@10": sum(r is not None and r < 10 for r in ranks) / n,
        "mrr@10": sum(1 / (r + 1) for r in ranks if r is not None and r < 10) / n,
    }


def answer_hit(answer: Answer, gold: Sequence[str]) -> bool:
    """Tell whether a gold answer string appears in the answer or its cited quotes."""
    haystack = normalise(" ".join([answer.text, *(c.quote for c in answer.citations)]))
    return any(normalise(g) in haystack for g in gold if g.strip())


def citations_valid(answer: Answer, snap: Snapshot) -> bool:
    """Check every quote is its article's exact span and every [n] has a citation."""
    numbers = {c.n for c in answer.citations}
    if any(int(m) not in numbers for m in _MARKER_RE.findall(answer.text)):
        return False
    for c in answer.citations:
        article = snap.article(c.article_id)
        if article is None or article.text[c.start : c.end] != c.quote or not c.quote:
            return False
    return True


def language_matches(answer: Answer, lang: Lang, *, options: Sequence[str] = ()) -> bool:
    """Tell whether the answer's own words are in ``lang``.

    Quotes keep their source's language and a quiz's ``options`` are the asker's own words
    (often a bare name): both are removed before judging, with the markers.
    """
    text = answer.text
    # Cited quotes first: they may hold quotation marks of their own.
    for c in answer.citations:
        text = text.replace(c.quote, " ")
    for option in sorted(map(clean_choice, options), key=len, reverse=True):
        if option:
            text = text.replace(option, " ")
    own = own_words(text)  # quoted text and markers go too
    # A name reads the same in both languages ("The Sun Also Sets", "Mufti Mohammad Sayeed"),
    # as the framing treats it, and an acronym is no word ("AS" is not English "as").
    if is_name_like(_PUNCT_RE.sub(" ", own)):
        return True
    own = _ACRONYM_RE.sub(" ", own)
    # Words with no language cue ("12,000 runners") match, as the pipeline accepts them.
    return detect_language(own, default=lang) == lang


def _percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def _answer_record(
    q: Question, answer: Answer, snap: Snapshot, options: Sequence[str]
) -> dict[str, object]:
    """Score one answer; the dict is also the ``--details`` line."""
    quotes = [c.quote for c in answer.citations]
    # The asker's own options stay: a quiz is answered with one ("Europe [1].").
    own = "" if answer.abstained else own_words(answer.text, quotes)
    gold = list(q.answers)
    record: dict[str, object] = {
        "id": q.id,
        "lang": q.lang,
        "question": q.question,
        "gold": gold,
        "answer": answer.text,
        "own_words": own,
        "mode": answer.mode,
        "abstained": answer.abstained,
        "confidence": round(answer.confidence, 4),
        "signals": {k: round(v, 4) for k, v in answer.signals.items()},
        "citations": [{"article_id": c.article_id, "quote": c.quote} for c in answer.citations],
        "gold_ids": list(q.gold_ids),
        "citations_valid": citations_valid(answer, snap),
        "language_match": language_matches(answer, q.lang, options=options),
        "timings_ms": {k: round(v, 1) for k, v in answer.timings_ms.items()},
    }
    if answer.withheld:  # held back below the threshold: what a lower one would answer
        record["withheld"] = own_words(answer.withheld, quotes)
    if gold:
        record |= {
            "strict_hit": strict_hit(own, gold),
            "exact_match": exact_match(own, gold),
            "f1": best_f1(own, gold),
            "answer_or_quote_hit": answer_hit(answer, gold),
        }
        if answer.withheld:
            record["withheld_hit"] = strict_hit(str(record["withheld"]), gold)
    return record


def _outcome(record: dict[str, object], *, withheld: bool = False) -> Outcome:
    """The selective-QA outcome of one record; ``withheld``: count a held-back answer."""
    held = withheld and "withheld" in record
    answered = not record["abstained"] or held
    hit = record.get("withheld_hit") if held else record.get("strict_hit")
    return Outcome(
        answerable=bool(record["gold"]),
        answered=answered,
        correct=bool(record["gold"]) and answered and bool(hit),
        confidence=float(record["confidence"]),  # type: ignore[arg-type]
    )


def _answer_report(records: Sequence[dict[str, object]]) -> dict[str, object]:
    """Aggregate per-question records into the ``answers`` section."""
    n = len(records) or 1
    answerable = [r for r in records if r["gold"]]
    m = len(answerable) or 1
    modes: dict[str, int] = {}
    for r in records:
        modes[str(r["mode"])] = modes.get(str(r["mode"]), 0) + 1
    outcomes = [_outcome(r) for r in records]
    # Risk-coverage also counts the answers held back below the threshold, so its rows
    # under the threshold say what a lower one would answer.
    reach = [_outcome(r, withheld=True) for r in records]
    latencies = [float(r["timings_ms"]["total"]) for r in records]  # type: ignore[index]
    return {
        "strict_hit": sum(bool(r["strict_hit"]) for r in answerable) / m,
        "exact_match": sum(bool(r["exact_match"]) for r in answerable) / m,
        "token_f1": sum((float(r["f1"]) for r in answerable), 0.0) / m,  # type: ignore[arg-type]
        "answer_or_quote_hit": sum(bool(r["answer_or_quote_hit"]) for r in answerable) / m,
        "median_answer_words": median_words(
            [str(r["own_words"]) for r in records if not r["abstained"]]
        ),
        "citation_validity": sum(bool(r["citations_valid"]) for r in records) / n,
        "citation_invalid": [r["id"] for r in records if not r["citations_valid"]],
        **selective(outcomes),
        "language_match": sum(bool(r["language_match"]) for r in records) / n,
        "latency_ms_p50": _percentile(latencies, 50),
        "latency_ms_p95": _percentile(latencies, 95),
        "modes": modes,
        "risk_coverage": risk_coverage(reach),
    }


def evaluate(
    questions: Sequence[Question],
    snap: Snapshot,
    *,
    answerer: Answerer | None,
    crosslingual: bool = True,
    choices: bool = True,
    context: bool = True,
    progress: Callable[[int, int], None] | None = None,
    details: Callable[[dict[str, object]], None] | None = None,
) -> dict[str, object]:
    """Run retrieval (and, with an answerer, answer) metrics over ``questions``.

    A quiz question is asked with its options unless ``choices`` is False (open-ended); a
    follow-up (a ``previous`` question) is read after it unless ``context`` is False;
    ``details`` receives one record per answered question (``warta eval --details``).
    """
    answerable = [q for q in questions if q.answers and q.gold_ids]
    found = [ranks(snap, q, crosslingual=crosslingual, context=context) for q in answerable]
    retrieval = retrieval_metrics([gold for gold, _ in found])
    answer_ranks = [at for _, at in found]
    for k in (1, 5, 10):
        share = sum(r is not None and r < k for r in answer_ranks) / (len(found) or 1)
        retrieval[f"answer_in_top{k}"] = share
    report: dict[str, object] = {
        "questions": len(questions),
        "answerable": len(answerable),
        "retrieval": retrieval,
    }
    if answerer is None:
        return report
    records = []
    for i, q in enumerate(questions, start=1):
        options = q.choices if choices else ()
        previous = Turn(q.previous, "", 0.0) if q.previous and context else None
        asked_at = _asked_at(q, answerer)
        answer = answerer.answer(q.question, choices=options, previous=previous, asked_at=asked_at)
        record = _answer_record(q, answer, snap, options)
        records.append(record)
        if details is not None:
            details(record)
        if progress is not None:
            progress(i, len(questions))
    report["answers"] = _answer_report(records)
    return report


def _shown(value: object) -> str:
    return f"{value:.3f}" if isinstance(value, float) else "–" if value is None else str(value)


def render(report: dict[str, object]) -> str:
    """Render an eval report as aligned text lines (the risk-coverage table last)."""
    lines = [f"questions: {report['questions']} (answerable: {report['answerable']})"]
    table: list[dict[str, object]] = []
    for section in ("retrieval", "answers"):
        values = report.get(section)
        if not isinstance(values, dict):
            continue
        lines.append(f"{section}:")
        for key, value in values.items():
            if key == "risk_coverage":
                table = value
                continue
            lines.append(f"  {key:<26} {_shown(value)}")
    if table:
        lines.append("risk-coverage (answered with confidence >= threshold):")
        lines.append("  threshold  coverage  accuracy  abst_unans  false_abst")
        for row in table:
            cells = [_shown(row[k]) for k in ("threshold", "coverage", "accuracy")]
            cells += [_shown(row[k]) for k in ("abstention_unanswerable", "false_abstention")]
            lines.append("  " + "  ".join(f"{c:>9}" for c in cells))
    return "\n".join(lines)
