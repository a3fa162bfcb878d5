"""PDF and DOCX corpus files: text page by page, a page table, and reasons for bad files."""

from __future__ import annotations

import io
from pathlib import Path

import docx
import pytest

from bot.answering import Answerer, AnswerOptions
from bot.cli import render_answer
from bot.telegram.render import render_answer as render_telegram
from retrieval.binarydocs import page_at, parse_docx, parse_pdf
from retrieval.builder import build
from retrieval.documents import parse_file
from retrieval.search import search
from retrieval.snapshot import BuildParams
from retrieval.store import CorpusIndex
from tests.fakes import FakeGenerator
from tests.pdfmaker import make_pdf

PAGES = [
    ["Laporan Harga Pangan", "Bisnis.com, JAKARTA - Harga beras naik 5 persen, Senin (11/9/2023)."],
    ["Pedagang di Pasar Induk Cipinang mengeluhkan pasokan yang berkurang."],
    ["Pemerintah berjanji menggelar operasi pasar beras di lima kota besar."],
]


def pdf() -> bytes:
    return make_pdf(PAGES, title="Laporan Harga Pangan", created="20230912080000")


def word_doc(pages: list[list[str]], *, title: str = "") -> bytes:
    document = docx.Document()
    document.core_properties.title = title
    for i, lines in enumerate(pages):
        if i:
            document.add_page_break()
        for line in lines:
            document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_pdf_text_keeps_a_page_table() -> None:
    doc = parse_pdf(pdf())
    assert doc.title == "Laporan Harga Pangan"
    assert doc.date == "2023-09-12"
    for n, lines in enumerate(PAGES, start=1):
        at = doc.text.index(lines[-1])
        assert page_at(doc.pages, at) == n
        assert doc.text[doc.pages[n - 1] :].startswith(lines[0])


def test_pdf_corpus_file_is_dated_from_its_dateline_and_searchable_by_page(tmp_path: Path) -> None:
    (tmp_path / "laporan.pdf").write_bytes(pdf())
    snap, report = build(
        [tmp_path], BuildParams(chunk_chars=100, overlap_chars=0), max_file_bytes=10**6
    )
    assert report.skipped == ()
    (article,) = snap.articles
    assert (article.title, article.date, article.source) == (
        "Laporan Harga Pangan", "2023-09-11", "Bisnis.com",
    )  # fmt: skip
    hit = search(snap, "operasi pasar beras lima kota", k=1)[0]
    assert page_at(article.metadata["pages"], hit.chunk.start) == 3


def test_docx_page_breaks_start_pages() -> None:
    doc = parse_docx(word_doc(PAGES, title="Laporan"))
    assert doc.title == "Laporan"
    assert [page_at(doc.pages, doc.text.index(lines[0])) for lines in PAGES] == [1, 2, 3]
    (article,) = parse_file("laporan.docx", word_doc(PAGES)).articles
    assert (article.title, article.date, article.source) == (
        "Laporan Harga Pangan", "2023-09-11", "Bisnis.com",
    )  # fmt: skip
    assert article.metadata["pages"] == list(doc.pages)


def test_docx_without_page_breaks_has_no_page_table() -> None:
    (article,) = parse_file("a.docx", word_doc([["Satu paragraf tentang harga beras."]])).articles
    assert article.metadata == {}
    assert page_at((), 0) is None


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("a.pdf", b"%PDF-1.4", "not a readable PDF: "),
        ("a.pdf", make_pdf([[]]), "the PDF has no text layer (a scan?)"),
        ("a.docx", b"PK\x03\x04 not really", "not a readable DOCX: "),
        ("a.docx", word_doc([[]]), "the DOCX has no text"),
        ("a.pdf", b"", "empty file"),
    ],
)
def test_unusable_documents_are_skipped_with_a_reason(name: str, data: bytes, reason: str) -> None:
    with pytest.raises(ValueError) as err:
        parse_file(name, data)
    assert str(err.value).startswith(reason)


def test_a_cited_pdf_passage_names_its_page(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "laporan.pdf").write_bytes(pdf())
    index = CorpusIndex([corpus], tmp_path / "data", chunk_chars=100, overlap_chars=0)
    fake = FakeGenerator("Pemerintah menggelar operasi pasar beras di lima kota besar [1].")
    answer = Answerer(index, fake, AnswerOptions(crosslingual=False, read_sentences=1)).answer(
        "Di berapa kota operasi pasar beras digelar?"
    )
    (citation,) = answer.citations
    assert citation.page == 3
    assert "[1] Laporan Harga Pangan · Bisnis.com · 2023-09-11 · hal. 3" in render_answer(answer)
    html = "".join(render_telegram(answer))
    assert "2023-09-11 · hal. 3" in html
