"""The ``warta`` command line: index, search, ask, eval, serve, config, doctor."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import traceback
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from bot import i18n
from bot.answering import Answer, Answerer
from bot.conversation import Turn
from bot.errors import SettingsError
from bot.ingest.cli import add_parsers as add_ingest_parsers
from bot.ingest.cli import run as run_ingest
from bot.settings import (
    Settings,
    load_settings,
    render_config,
    secret_values,
    setting_sources,
)
from bot.telegram.logs import SecretMask, install_mask
from retrieval.errors import WartaError
from retrieval.timesearch import dated_search

log = logging.getLogger("warta")


def _directory(text: str) -> Path:
    """Parse a --corpus value; an empty one would silently mean the current directory."""
    if not text.strip():
        raise argparse.ArgumentTypeError("an empty path is not a corpus directory")
    return Path(text)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="warta", description="Answer questions about the news, with cited sources."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def corpus_opt(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--corpus",
            action="append",
            type=_directory,
            metavar="DIR",
            help="corpus directory (repeat for several; default: WARTA_CORPUS_DIR or seeds/)",
        )

    p = sub.add_parser("index", help="scan the corpus and update the persisted index")
    corpus_opt(p)
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument(
        "--rebuild", action="store_true", help="throw the persisted index away and build it again"
    )
    p = sub.add_parser("search", help="print the passages that best match a query")
    p.add_argument("query")
    corpus_opt(p)
    p.add_argument("-k", type=int, default=5, help="number of passages (default 5)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p = sub.add_parser("ask", help="answer a question with cited sources")
    p.add_argument("question")
    p.add_argument(
        "--choice",
        action="append",
        default=None,
        metavar="OPTION",
        help="an answer option of a quiz question (repeat for each option)",
    )
    p.add_argument(
        "--after",
        metavar="PREVIOUS",
        default=None,
        help="read the question as a follow-up to this previous question",
    )
    corpus_opt(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p = sub.add_parser("eval", help="measure retrieval and answer quality on a QA set")
    p.add_argument("questions", type=Path, help="JSONL: id, lang, question, answers, gold_ids")
    corpus_opt(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--retrieval-only", action="store_true", help="skip answering (no model)")
    p.add_argument("--limit", type=int, default=0, help="evaluate only the first N questions")
    p.add_argument(
        "--details",
        type=Path,
        metavar="FILE",
        help="write one JSON line per question (answer, mode, citations, gold, hits, F1)",
    )
    p.add_argument(
        "--no-crosslingual", action="store_true", help="disable cross-lingual query expansion"
    )
    p.add_argument(
        "--no-choices",
        action="store_true",
        help="ask quiz questions open-ended, without their answer options",
    )
    p.add_argument(
        "--no-context",
        action="store_true",
        help="ask follow-ups (lines with a previous question) on their own",
    )
    p = sub.add_parser("feedback", help="answer feedback from Telegram users")
    feedback = p.add_subparsers(dest="feedback_command", required=True, metavar="ACTION")
    p = feedback.add_parser(
        "export", help="write the answers rated 👎 as `warta eval` JSONL lines to fill in"
    )
    p.add_argument("file", nargs="?", type=Path, help="output file (default: standard output)")
    add_ingest_parsers(sub)
    sub.add_parser("serve", help="run the Telegram bot")
    sub.add_parser("config", help="print the effective settings and where each comes from")
    p = sub.add_parser("doctor", help="check settings, corpus, index, model, disk and memory")
    corpus_opt(p)
    p.add_argument("--quick", action="store_true", help="skip loading the model")
    return parser


def _progress(stream: TextIO, label: str) -> object:
    """Return a progress callback drawing a bar on a terminal, or None when not a TTY."""
    if not stream.isatty():
        return None

    def draw(done: int, total: int) -> None:
        width = 30
        filled = int(width * done / max(total, 1))
        stream.write(f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        if done >= total:
            stream.write("\n")
        stream.flush()

    return draw


def _cmd_index(settings: Settings, args: argparse.Namespace) -> int:
    from bot.runtime import build_index

    index = build_index(settings, corpus=args.corpus)
    if not args.rebuild:
        index.load()
    progress = _progress(sys.stderr, "indexing")
    report = index.reload(progress=progress, rebuild=args.rebuild)  # type: ignore[arg-type]
    if args.json:
        print(
            json.dumps(
                {
                    "added": report.added,
                    "updated": report.updated,
                    "removed": report.removed,
                    "skipped": [{"path": s.path, "reason": s.reason} for s in report.skipped],
                    "articles": report.articles,
                    "chunks": report.chunks,
                    "seconds": report.seconds,
                },
                ensure_ascii=False,
            )
        )
    else:
        print("\n".join(report.lines()))
    return 0


def _cmd_search(settings: Settings, args: argparse.Namespace) -> int:
    from bot.runtime import build_index

    if args.k < 1:
        raise WartaError(f"-k must be at least 1, got {args.k}")
    snap = build_index(settings, corpus=args.corpus).snapshot
    now = datetime.now(ZoneInfo(settings.timezone))  # time words resolve in WARTA_TIMEZONE
    hits, _ = dated_search(snap, args.query, now=now, k=args.k, crosslingual=settings.crosslingual)
    if args.json:
        results = [
            {
                "rank": h.rank,
                "score": h.score,
                "article_id": h.article.id,
                "title": h.article.title,
                "url": h.article.url,
                "date": h.article.date,
                "chunk_id": h.chunk.chunk_id,
                "start": h.chunk.start,
                "end": h.chunk.end,
                "text": h.chunk.text,
            }
            for h in hits
        ]
        print(json.dumps({"query": args.query, "results": results}, ensure_ascii=False))
        return 0
    if not hits:
        print("no matching passages")
    for h in hits:
        title = h.article.title or h.article.id
        print(f"{h.rank}. [{h.score:.2f}] {title} ({h.chunk.chunk_id})")
        print(f"   {h.chunk.text}")
    return 0


def render_answer(answer: Answer) -> str:
    """Render an answer for a terminal: the text, then numbered sources with quotes."""
    lines = [answer.text]
    if answer.citations:
        lines += ["", f"{i18n.text('sources', answer.language)}:"]
        for c in answer.citations:
            title = c.title or c.source or i18n.text("untitled", answer.language)
            source = c.source if c.title else None
            page = f"{'hal.' if answer.language == 'id' else 'p.'} {c.page}" if c.page else None
            meta = " · ".join(x for x in (title, source, c.date, page, c.url) if x)
            lines.append(f"[{c.n}] {meta}")
            lines.append(f"    “{c.quote}”")
    return "\n".join(lines)


def _answerer(settings: Settings, corpus: list[Path] | None) -> Answerer:
    from bot.runtime import build_answerer, build_index, load_generator

    index = build_index(settings, corpus=corpus)
    index.snapshot  # noqa: B018 - load the index before the model, to fail fast on it
    return build_answerer(settings, index, load_generator(settings))


class UsageError(WartaError):
    """Raise when a command-line argument is unusable (exit code 2, as argparse's errors)."""


def _cmd_ask(settings: Settings, args: argparse.Namespace) -> int:
    if not args.question.strip():
        raise WartaError("the question is empty")
    if len(args.question) > settings.max_question_chars:
        # Checked before the index and the model load: a long paste fails in a moment.
        raise UsageError(
            f"the question is {len(args.question):,} characters long, over the limit of "
            f"{settings.max_question_chars:,} (WARTA_MAX_QUESTION_CHARS); shorten it"
        )
    answerer = _answerer(settings, args.corpus)
    previous = Turn(args.after, "", 0.0) if args.after and args.after.strip() else None
    answer = answerer.answer(args.question, choices=args.choice, previous=previous)
    if args.json:
        print(json.dumps(answer.to_json(), ensure_ascii=False))
    else:
        print(render_answer(answer))
    return 0


def _cmd_eval(settings: Settings, args: argparse.Namespace) -> int:
    from bot.evaluation import evaluate, read_questions, render
    from bot.runtime import build_index

    questions = read_questions(args.questions)
    if args.limit:
        questions = questions[: args.limit]
    if args.no_crosslingual:
        settings = settings.model_copy(update={"crosslingual": False})
    answerer = None if args.retrieval_only else _answerer(settings, args.corpus)
    index = answerer.index if answerer else build_index(settings, corpus=args.corpus)
    snap = index.snapshot
    details = _details_writer(args.details)
    try:
        report = evaluate(
            questions,
            snap,
            answerer=answerer,
            crosslingual=settings.crosslingual,
            choices=not args.no_choices,
            context=not args.no_context,
            progress=_progress(sys.stderr, "answering"),  # type: ignore[arg-type]
            details=details.write if details else None,
        )
    finally:
        if details is not None:
            details.close()
    print(json.dumps(report, ensure_ascii=False) if args.json else render(report))
    return 0


class _Details:
    """Write one JSON line per evaluated question (``warta eval --details FILE``)."""

    def __init__(self, path: Path) -> None:
        try:
            self._file = path.open("w", encoding="utf-8")
        except OSError as exc:
            raise WartaError(f"cannot write {path}: {exc.strerror}") from None

    def write(self, record: dict[str, object]) -> None:
        self._file.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._file.flush()

    def close(self) -> None:
        self._file.close()


def _details_writer(path: Path | None) -> _Details | None:
    return _Details(path) if path is not None else None


def _cmd_feedback(settings: Settings, args: argparse.Namespace) -> int:
    from bot.feedback import FEEDBACK_DB, FeedbackStore

    lines = FeedbackStore(settings.data_dir / FEEDBACK_DB).export()
    text = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
    if args.file is None:
        sys.stdout.write(text)
    else:
        try:
            args.file.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise WartaError(f"cannot write {args.file}: {exc.strerror}") from None
    print(f"exported {len(lines)} answers rated 👎", file=sys.stderr)
    return 0


def _cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    from bot.telegram.app import serve

    serve(settings)
    return 0


def _cmd_config(settings: Settings, args: argparse.Namespace) -> int:
    from bot.runtime import describe_backend

    print(render_config(settings, setting_sources(_overrides(args))))
    print(f"# model backend: {describe_backend(settings)}")
    return 0


def _cmd_doctor(settings: Settings, args: argparse.Namespace) -> int:
    from bot.doctor import run_checks

    return run_checks(settings, quick=args.quick, out=sys.stdout)


_COMMANDS = {
    "feed": run_ingest,
    "add": run_ingest,
    "index": _cmd_index,
    "search": _cmd_search,
    "ask": _cmd_ask,
    "eval": _cmd_eval,
    "feedback": _cmd_feedback,
    "serve": _cmd_serve,
    "config": _cmd_config,
    "doctor": _cmd_doctor,
}


def _overrides(args: argparse.Namespace) -> dict[str, object]:
    """Map CLI options onto settings (the highest-priority source)."""
    corpus = getattr(args, "corpus", None)
    return {"corpus_dir": corpus} if corpus else {}


def _undecodable_argument(args: argparse.Namespace) -> str | None:
    """Name a text argument holding bytes that are not UTF-8 (argv decodes them to surrogates)."""
    for name, value in vars(args).items():
        for item in value if isinstance(value, list) else [value]:
            if not isinstance(item, str):
                continue  # paths may be any bytes the file system allows
            try:
                item.encode("utf-8")
            except UnicodeEncodeError as exc:
                code = ord(item[exc.start])  # U+DC80..U+DCFF stand for the bytes 0x80..0xFF
                shown = (
                    f"byte 0x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"U+{code:04X}"
                )
                return f"the {name} argument is not valid UTF-8 text ({shown}); pass UTF-8 text"
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``warta`` command line; return the exit code."""
    args = _parser().parse_args(argv)
    bad_argument = _undecodable_argument(args)
    if bad_argument is not None:
        print(f"warta: {bad_argument}", file=sys.stderr)
        return 2
    try:
        settings = load_settings(_overrides(args))
    except SettingsError as exc:
        for line in exc.lines:
            print(f"warta: {line}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level if args.command == "serve" else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("retrieval").setLevel(logging.INFO)
    # Secrets never reach the terminal: not in log lines, error lines or tracebacks.
    mask = SecretMask(secret_values(settings))
    unmask = install_mask(secret_values(settings))
    try:
        return _COMMANDS[args.command](settings, args)
    except SettingsError as exc:  # a setting found bad only once the model file was read
        for line in exc.lines:
            print(f"warta: {mask.mask(line)}", file=sys.stderr)
        return 2
    except UsageError as exc:
        print(f"warta: {mask.mask(str(exc))}", file=sys.stderr)
        return 2
    except WartaError as exc:
        print(f"warta: {mask.mask(str(exc))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `warta index | head`: the reader left. Say so once; the exit flush must not retry.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        print("warta: the output was closed before everything was written", file=sys.stderr)
        return 1
    except Exception as exc:  # a bug: its traceback helps, but without the secrets in it
        sys.stderr.write(mask.mask("".join(traceback.format_exception(exc))))
        return 1
    finally:
        unmask()


if __name__ == "__main__":
    sys.exit(main())
