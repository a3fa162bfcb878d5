"""Corpus loading: every format, stable ids, and bad input skipped with a one-line reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retrieval.builder import ReloadReport, build
from retrieval.documents import (
    Article,
    FileLoad,
    Skipped,
    load_file,
    parse_file,
    path_id,
)
from retrieval.scanning import scan_corpus
from retrieval.snapshot import BuildParams, Snapshot

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
SEED_ID = "000_76514cd01a3de205"
PARAMS = BuildParams(chunk_chars=600, overlap_chars=120)

ARTICLE_HTML = """<!doctype html><html><head><title>Situs | Harga beras</title>
<style>p { color: red }</style><script>var tracking = 1;</script></head>
<body><header><nav><a href="/">Beranda</a> <a href="/x">Ekonomi</a></nav></header>
<div class="share-buttons">Bagikan ke Facebook</div>
<article><h1>Harga beras naik</h1>
<p>JAKARTA - Harga beras naik menjadi <b>Rp 12.000</b> per kilogram.</p>
<p>Kenaikan terjadi pada Senin (11/9/2023).<br>Pedagang   mengeluh.</p>
<ul><li>Beras medium</li><li>Beras premium</li></ul>
<div class="related-articles"><a>Baca juga: Harga gula</a></div>
<figure><img src="x.jpg"><figcaption>Foto: pasar</figcaption></figure></article>
<aside>Iklan</aside><footer>Hak cipta 2023</footer></body></html>"""


def load(relpath: str, data: bytes, **kwargs: int) -> FileLoad:
    """Parse ``data`` as the corpus file ``relpath``."""
    return parse_file(relpath, data, **kwargs)


def corpus_build(
    roots: list[Path], *, max_file_bytes: int = 10_000
) -> tuple[Snapshot, ReloadReport]:
    """Build a fresh snapshot of ``roots``."""
    return build(roots, PARAMS, max_file_bytes=max_file_bytes)


# -- plain text and Markdown ------------------------------------------------------------------


def test_txt_title_is_a_short_first_line() -> None:
    result = load("ekonomi/beras.txt", b"Harga beras naik\nHarga beras naik pada Senin.\n")
    assert result == FileLoad(
        (
            Article(
                id="ekonomi/beras",
                title="Harga beras naik",
                text="Harga beras naik\nHarga beras naik pada Senin.\n",
                path="ekonomi/beras.txt",
            ),
        ),
        (),
    )


@pytest.mark.parametrize(
    "text",
    [
        "Hanya satu baris tanpa judul.\n",
        "Kalimat pembuka yang panjang sekali, jauh lebih panjang dari judul berita biasa, "
        "sehingga tidak dianggap judul.\nBaris kedua.\n",
    ],
)
def test_txt_without_a_short_first_line_has_no_title(text: str) -> None:
    (article,) = load("a.txt", text.encode()).articles
    assert (article.title, article.text) == ("", text)


@pytest.mark.parametrize("suffix", [".txt", ".md"])
@pytest.mark.parametrize("source", ["Bisnis.com", "ANTARA", "detikNews"])
def test_dateline_is_kept_as_text_not_title(suffix: str, source: str) -> None:
    text = f"{source}, JAKARTA - Harga beras naik.\nPedagang mengeluh.\n"
    (article,) = load(f"a{suffix}", text.encode()).articles
    assert (article.title, article.text) == ("", text)


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("# Harga Beras Naik\n\nHarga beras naik pada Senin.\n", "Harga Beras Naik"),
        ("\n\n## Harga Beras Naik ##\nIsi.\n", "Harga Beras Naik"),
        ("Judul tanpa pagar\nIsi berita.\n", "Judul tanpa pagar"),
    ],
)
def test_markdown_title_from_heading_text_kept_whole(text: str, title: str) -> None:
    (article,) = load("berita.md", text.encode()).articles
    assert (article.id, article.title, article.text) == ("berita", title, text)


def test_heading_marks_are_not_a_title_in_txt() -> None:
    (article,) = load("a.txt", b"# Judul\nIsi.\n").articles
    assert article.title == "# Judul"


def test_seed_article_loads_byte_exact_with_dateline_as_text() -> None:
    path = SEEDS / f"{SEED_ID}.txt"
    result = load_file(path, path.name)
    (article,) = result.articles
    assert result.skipped == ()
    assert article.id == SEED_ID
    assert article.title == ""
    assert article.text == path.read_bytes().decode("utf-8")
    assert article.text.startswith("Bisnis.com, JAKARTA - Pemimpin Korea Utara (Korut) Kim Jong-un")


def test_bom_and_crlf_are_normalised() -> None:
    (article,) = load("a.txt", b"\xef\xbb\xbfJudul\r\nIsi berita.\rBaris tiga.\r\n").articles
    assert (article.title, article.text) == ("Judul", "Judul\nIsi berita.\nBaris tiga.\n")


# -- HTML -------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".html", ".htm"])
def test_html_main_text_without_boilerplate(suffix: str) -> None:
    (article,) = load(f"ekonomi/beras{suffix}", ARTICLE_HTML.encode()).articles
    assert article.id == "ekonomi/beras"
    assert (article.title, article.date) == ("Harga beras naik", "2023-09-11")
    assert article.text == (
        "Harga beras naik\n"
        "JAKARTA - Harga beras naik menjadi Rp 12.000 per kilogram.\n"
        "Kenaikan terjadi pada Senin (11/9/2023).\n"
        "Pedagang mengeluh.\n"
        "- Beras medium\n"
        "- Beras premium"
    )


def test_html_without_article_element_uses_body_and_title_tag() -> None:
    html = (
        "<html><head><title> Gempa   di Cianjur </title></head><body>"
        "<nav>Menu</nav><p>Gempa terjadi pukul 13.21 WIB.</p><p>Warga mengungsi.</p>"
        "<footer>Hak cipta 2022</footer></body></html>"
    )
    (article,) = load("gempa.html", html.encode()).articles
    assert (article.title, article.text) == (
        "Gempa di Cianjur",
        "Gempa terjadi pukul 13.21 WIB.\nWarga mengungsi.",
    )


def test_html_with_only_boilerplate_is_unusable() -> None:
    html = (
        b"<html><body><nav>Menu</nav><script>x()</script><footer>Hak cipta</footer></body></html>"
    )
    with pytest.raises(ValueError, match=r"^no readable text in the HTML$"):
        load("kosong.html", html)


# -- JSON and JSONL ---------------------------------------------------------------------------


def test_json_object_keeps_fields_and_metadata() -> None:
    record = {
        "id": 7,
        "title": "Gempa Cianjur",
        "url": "https://example.org/gempa",
        "date": "2022-11-21",
        "text": "Gempa magnitudo 5,6 mengguncang Cianjur.",
        "tags": ["gempa", "jabar"],
        "author": "Redaksi",
    }
    result = load("gempa.json", json.dumps(record).encode())
    assert result == FileLoad(
        (
            Article(
                id="7",
                title="Gempa Cianjur",
                text="Gempa magnitudo 5,6 mengguncang Cianjur.",
                url="https://example.org/gempa",
                date="2022-11-21",
                path="gempa.json",
                metadata={"tags": ["gempa", "jabar"], "author": "Redaksi"},
                source="example.org",
            ),
        ),
        (),
    )


def test_json_list_loads_good_items_and_names_bad_ones() -> None:
    data = [
        {"id": "a", "text": "Harga beras naik."},
        {"text": "Tanpa id, id dari path dan posisi."},
        {"id": "c"},
        5,
        {"id": "e", "text": "Judul aneh.", "title": {"x": 1}},
        {"id": {"no": 1}, "text": "Id aneh."},
    ]
    result = load("berita.json", json.dumps(data).encode())
    assert [(a.id, a.text) for a in result.articles] == [
        ("a", "Harga beras naik."),
        ("berita:1", "Tanpa id, id dari path dan posisi."),
    ]
    assert result.skipped == (
        Skipped("berita.json", "item 2: missing or empty 'text'"),
        Skipped("berita.json", "item 3: expected a JSON object, got int"),
        Skipped("berita.json", "item 4: 'title' must be a string"),
        Skipped("berita.json", "item 5: 'id' must be a string or a number"),
    )


def test_jsonl_malformed_line_skips_only_that_line() -> None:
    data = (
        b'{"id": "a", "text": "Harga beras naik."}\n'
        b"{not json\n"
        b"\n"
        b'{"text": "Tanpa id."}\n'
        b"[1, 2]\n"
        b'{"id": "b", "text": "Harga gula turun.", "date": "2023-09-11"}\n'
    )
    result = load("harga.jsonl", data)
    assert [(a.id, a.date) for a in result.articles] == [
        ("a", None),
        ("harga:4", None),
        ("b", "2023-09-11"),
    ]
    assert result.skipped == (
        Skipped(
            "harga.jsonl:2", "malformed JSON: Expecting property name enclosed in double quotes"
        ),
        Skipped("harga.jsonl", "line 5: expected a JSON object, got list"),
    )


def test_json_file_with_no_valid_record_is_unusable() -> None:
    with pytest.raises(ValueError, match=r"^no valid article \(line 1: missing or empty 'text'\)$"):
        load("x.jsonl", b'{"id": "a", "text": "  "}\n')


# -- whole-file failures ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("bin.txt", b"GIF89a\x00\x01\x02", "binary file (contains NUL bytes)"),
        ("latin.txt", "Harga naik 5 persen à Paris".encode("latin-1"), "not valid UTF-8 (byte 20)"),
        ("empty.md", b"", "empty file"),
        ("blank.txt", b" \n\t\n", "empty file"),
        ("bad.json", b'{"id": "a", "text": ', "malformed JSON: Expecting value (line 1)"),
        ("doc.xls", b"\xd0\xcf\x11\xe0", "unsupported file type '.xls'"),
    ],
)
def test_unusable_file_raises_with_reason(name: str, data: bytes, reason: str) -> None:
    with pytest.raises(ValueError) as info:
        load(name, data)
    assert str(info.value) == reason


def test_size_limit_is_checked_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes(b"Harga beras naik. " * 100)
    assert load_file(path, "big.txt", max_bytes=1_000) == FileLoad(
        (), (Skipped("big.txt", "file is 1,800 bytes, over the 1,000-byte limit"),)
    )
    assert len(load_file(path, "big.txt", max_bytes=1_800).articles) == 1


def test_vanished_file_becomes_a_skip(tmp_path: Path) -> None:
    assert load_file(tmp_path / "gone.txt", "gone.txt") == FileLoad(
        (), (Skipped("gone.txt", "No such file or directory"),)
    )


# -- a whole corpus ---------------------------------------------------------------------------


def write_messy_corpus(root: Path) -> None:
    """Write good files and every kind of bad one into ``root``."""
    (root / "nasional").mkdir(parents=True)
    (root / "nasional" / "beras.txt").write_text("Harga beras\nHarga beras naik pada Senin.\n")
    (root / "kereta.md").write_text("# Kim ke Rusia\n\nKim Jong-un naik kereta lapis baja.\n")
    (root / "gempa.html").write_text("<html><body><p>Gempa terjadi di Cianjur.</p></body></html>")
    (root / "list.json").write_text(
        json.dumps(
            [{"id": "j1", "text": "Inflasi turun."}, {"id": "j2", "text": "Rupiah menguat."}]
        )
    )
    (root / "lines.jsonl").write_text(
        '{"id": "l1", "text": "Ekspor naik."}\n{oops\n{"id": "j1", "text": "Id kembar."}\n'
    )
    (root / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (root / "latin.md").write_bytes("Caf\xe9 Jakarta".encode("latin-1"))
    (root / "empty.txt").write_bytes(b"")
    (root / "broken.json").write_text('[{"id": "x", "text": "a"}')
    (root / "huge.txt").write_bytes(b"Harga naik. " * 1_000)
    (root / "scan.tiff").write_bytes(b"II*\x00")
    (root / ".hidden.txt").write_text("Tersembunyi.\n")
    (root / ".git").mkdir()
    (root / ".git" / "HEAD.txt").write_text("ref\n")


def test_bad_files_never_hide_good_ones(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    write_messy_corpus(root)
    snap, report = corpus_build([root])
    assert [a.id for a in snap.articles] == [
        "gempa", "kereta", "l1", "j1", "j2", "nasional/beras",
    ]  # fmt: skip
    # Files load in path order, so the first copy of id j1 is the one in lines.jsonl.
    assert snap.article("j1") == Article(id="j1", title="", text="Id kembar.", path="lines.jsonl")
    assert report.skipped == (
        Skipped("scan.tiff", "unsupported file type '.tiff'"),
        Skipped("binary.txt", "binary file (contains NUL bytes)"),
        Skipped("broken.json", "malformed JSON: Expecting ',' delimiter (line 1)"),
        Skipped("empty.txt", "empty file"),
        Skipped("huge.txt", "file is 12,000 bytes, over the 10,000-byte limit"),
        Skipped("latin.md", "not valid UTF-8 (byte 3)"),
        Skipped(
            "lines.jsonl:2", "malformed JSON: Expecting property name enclosed in double quotes"
        ),
        Skipped("list.json", "duplicate id 'j1' (already in lines.jsonl)"),
    )
    assert report.lines()[-len(report.skipped) :] == [
        f"  skipped: {s.path}: {s.reason}" for s in report.skipped
    ]
    assert all("\n" not in s.reason for s in report.skipped)
    assert snap.article("kereta") == Article(
        id="kereta",
        title="Kim ke Rusia",
        text="# Kim ke Rusia\n\nKim Jong-un naik kereta lapis baja.\n",
        path="kereta.md",
    )
    assert (report.articles, report.chunks) == (6, snap.n_chunks)


def test_scan_corpus_lists_supported_files_only(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    write_messy_corpus(root)
    files, skipped = scan_corpus([root])
    assert sorted(files) == [
        "binary.txt", "broken.json", "empty.txt", "gempa.html", "huge.txt", "kereta.md",
        "latin.md", "lines.jsonl", "list.json", "nasional/beras.txt",
    ]  # fmt: skip
    assert files["nasional/beras.txt"] == root / "nasional" / "beras.txt"
    assert skipped == [Skipped("scan.tiff", "unsupported file type '.tiff'")]


def test_ids_are_stable_across_reloads(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    write_messy_corpus(root)
    first, _ = corpus_build([root])
    # New files sort before the old ones: ids must not depend on position in the corpus.
    (root / "a_baru.txt").write_text("Berita baru\nIsi baru.\n")
    (root / "a_baru.jsonl").write_text('{"text": "Tanpa id."}\n')
    second, _ = corpus_build([root])
    assert {a.id for a in second.articles} == {a.id for a in first.articles} | {
        "a_baru",
        "a_baru:1",
    }
    for article in first.articles:
        assert second.article(article.id) == article


def test_several_roots_prefix_ids_with_the_directory_name(tmp_path: Path) -> None:
    (tmp_path / "kompas").mkdir()
    (tmp_path / "tempo").mkdir()
    (tmp_path / "kompas" / "beras.txt").write_text("Harga beras naik.\n")
    (tmp_path / "tempo" / "beras.txt").write_text("Harga beras turun.\n")
    snap, report = corpus_build([tmp_path / "kompas", tmp_path / "tempo"])
    assert [(a.id, a.path) for a in snap.articles] == [
        ("kompas/beras", "kompas/beras.txt"),
        ("tempo/beras", "tempo/beras.txt"),
    ]
    assert report.skipped == ()


def test_path_id_drops_only_the_last_suffix() -> None:
    assert path_id("dir/sub/file.txt") == "dir/sub/file"
    assert path_id("laporan.2023.json") == "laporan.2023"
    assert path_id("README") == "README"
