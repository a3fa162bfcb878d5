"""``warta eval``: retrieval and answer quality on a JSONL question set."""

from __future__ import annotations

import json
import re
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.answer import Answer, Answerer
from bot.choices import clean_choice
from bot.conversation import Turn, contextualize
from retrieval.analysis import Lang, detect_language, normalise
from retrieval.errors import CorpusError
from retrieval.search import search
from retrieval.snapshot import Snapshot

_MARKER_RE = re.compile(r"\[(\d+)\]")
_QUOTED_RE = re.compile(r"“[^”]*”|\"[^\"]*\"")


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
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise CorpusError(f"{path}:{n}: not a valid question line ({exc})") from None
    return out


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


def strict_hit(answer: Answer, gold: Sequence[str]) -> bool:
    """Tell whether the answer's own words state a gold answer string: quoted passages
    (“…”) and the sources' quotes do not count."""
    text = normalise(_QUOTED_RE.sub(" ", answer.text))
    return any(normalise(g) in text for g in gold if g.strip())


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
    own = _MARKER_RE.sub(" ", _QUOTED_RE.sub(" ", text))
    # Words with no language cue ("12,000 runners") match, as the pipeline accepts them.
    return detect_language(own, default=lang) == lang


def _percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def evaluate(
    questions: Sequence[Question],
    snap: Snapshot,
    *,
    answerer: Answerer | None,
    crosslingual: bool = True,
    choices: bool = True,
    context: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, object]:
    """Run retrieval (and, with an answerer, answer) metrics over ``questions``.

    A quiz question is asked with its options unless ``choices`` is False (open-ended); a
    follow-up (a ``previous`` question) is read after it unless ``context`` is False.
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
    hits = strict = valid = lang_ok = abstained_unanswerable = abstained_answerable = 0
    modes: dict[str, int] = {}
    latencies: list[float] = []
    for i, q in enumerate(questions, start=1):
        options = q.choices if choices else ()
        previous = Turn(q.previous, "", 0.0) if q.previous and context else None
        answer = answerer.answer(q.question, choices=options, previous=previous)
        latencies.append(answer.timings_ms["total"])
        modes[answer.mode] = modes.get(answer.mode, 0) + 1
        valid += citations_valid(answer, snap)
        lang_ok += language_matches(answer, q.lang, options=options)
        if q.answers:
            hits += answer_hit(answer, q.answers)
            strict += strict_hit(answer, q.answers)
            abstained_answerable += answer.abstained
        else:
            abstained_unanswerable += answer.abstained
        if progress is not None:
            progress(i, len(questions))
    n = len(questions) or 1
    unanswerable = len(questions) - len([q for q in questions if q.answers])
    report["answers"] = {
        "answer_hit_rate": hits / (len([q for q in questions if q.answers]) or 1),
        "answer_hit_strict": strict / (len([q for q in questions if q.answers]) or 1),
        "citation_validity": valid / n,
        "abstention_unanswerable": abstained_unanswerable / unanswerable if unanswerable else None,
        "abstention_answerable": abstained_answerable / (n - unanswerable or 1),
        "language_match": lang_ok / n,
        "latency_ms_p50": _percentile(latencies, 50),
        "latency_ms_p95": _percentile(latencies, 95),
        "modes": modes,
    }
    return report


def render(report: dict[str, object]) -> str:
    """Render an eval report as aligned text lines."""
    lines = [f"questions: {report['questions']} (answerable: {report['answerable']})"]
    for section in ("retrieval", "answers"):
        values = report.get(section)
        if not isinstance(values, dict):
            continue
        lines.append(f"{section}:")
        for key, value in values.items():
            shown = f"{value:.3f}" if isinstance(value, float) else str(value)
            lines.append(f"  {key:<26} {shown}")
    return "\n".join(lines)
