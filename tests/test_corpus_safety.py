"""Hostile corpora: only regular files inside a root are read; every other entry is reported."""

from __future__ import annotations

import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from retrieval.builder import build
from retrieval.documents import (
    Article,
    FileLoad,
    Skipped,
    display_path,
    load_file,
    open_regular,
    parse_file,
)
from retrieval.scanning import scan_corpus
from retrieval.snapshot import BuildParams
from tests.builders import env_without_warta

PARAMS = BuildParams(chunk_chars=600, overlap_chars=120)
SECRET = "WARTA_TELEGRAM_TOKEN=123456:rahasia-sekali\n"
WARTA = Path(sys.executable).with_name("warta")


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A corpus with one good article, beside a secret file outside it."""
    root = tmp_path / "corpus"
    root.mkdir()
    (root / "beras.txt").write_text("Harga beras\nHarga beras naik pada Senin.\n")
    (tmp_path / "rahasia.env").write_text(SECRET)
    return root


def reasons(root: Path) -> dict[str, str]:
    """Scan ``root`` and return {path: reason} of what was skipped."""
    _, skipped = scan_corpus([root])
    return {s.path: s.reason for s in skipped}


# -- 1. symbolic links and special files -------------------------------------------------------


def test_symlink_out_of_the_corpus_is_skipped_not_read(corpus: Path) -> None:
    (corpus / "passwd.txt").symlink_to(corpus.parent / "rahasia.env")
    (corpus / "absolute.txt").symlink_to("/etc/passwd")
    files, skipped = scan_corpus([corpus])
    assert files == {"beras.txt": corpus / "beras.txt"}
    assert skipped == [
        Skipped("absolute.txt", "symbolic link pointing outside the corpus"),
        Skipped("passwd.txt", "symbolic link pointing outside the corpus"),
    ]


def test_symlink_inside_the_corpus_is_read_from_its_target(corpus: Path) -> None:
    (corpus / "sub").mkdir()
    (corpus / "sub" / "gula.txt").write_text("Harga gula\nHarga gula turun.\n")
    (corpus / "salinan.txt").symlink_to("sub/gula.txt")
    files, skipped = scan_corpus([corpus])
    assert files == {
        "beras.txt": corpus / "beras.txt",
        "salinan.txt": corpus / "sub" / "gula.txt",
        "sub/gula.txt": corpus / "sub" / "gula.txt",
    }
    assert skipped == []


def test_links_that_loop_dangle_or_name_directories_are_skipped(corpus: Path) -> None:
    (corpus / "loop-a.txt").symlink_to("loop-b.txt")
    (corpus / "loop-b.txt").symlink_to("loop-a.txt")
    (corpus / "self.txt").symlink_to("self.txt")
    (corpus / "gone.txt").symlink_to("nowhere.txt")
    (corpus / "sub").mkdir()
    (corpus / "sub" / "x.txt").write_text("X\nIsi.\n")
    (corpus / "again").symlink_to(".")
    (corpus / "sub-link").symlink_to("sub")
    assert reasons(corpus) == {
        "again": "symbolic link to a directory (not followed)",
        "gone.txt": "dangling symbolic link (its target does not exist)",
        "loop-a.txt": "symbolic link loop",
        "loop-b.txt": "symbolic link loop",
        "self.txt": "symbolic link loop",
        "sub-link": "symbolic link to a directory (not followed)",
    }
    assert sorted(scan_corpus([corpus])[0]) == ["beras.txt", "sub/x.txt"]


def test_fifos_sockets_and_devices_are_skipped(corpus: Path) -> None:
    os.mkfifo(corpus / "pipe.txt")
    # AF_UNIX paths are limited to ~108 bytes: bind from inside the directory.
    cwd = Path.cwd()
    os.chdir(corpus)
    try:
        sock = socket.socket(socket.AF_UNIX)
        sock.bind("sock.txt")
    finally:
        os.chdir(cwd)
    try:
        found = reasons(corpus)
    finally:
        sock.close()
    assert found == {
        "pipe.txt": "not a regular file (a named pipe)",
        "sock.txt": "not a regular file (a socket)",
    }


def test_a_device_node_is_skipped(corpus: Path) -> None:
    try:
        os.mknod(corpus / "null.txt", stat.S_IFCHR | 0o600, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("creating a device node needs CAP_MKNOD")
    assert reasons(corpus) == {"null.txt": "not a regular file (a character device)"}


def test_unreadable_directory_is_reported_through_the_fault_hook(corpus: Path) -> None:
    (corpus / "rahasia").mkdir()
    (corpus / "rahasia" / "a.txt").write_text("A\nIsi.\n")

    def list_dir(path: Path) -> list[str]:
        if path.name == "rahasia":
            raise PermissionError(13, "Permission denied", str(path))
        return sorted(os.listdir(path))

    files, skipped = scan_corpus([corpus], list_dir=list_dir)
    assert list(files) == ["beras.txt"]
    assert skipped == [Skipped("rahasia", "directory cannot be read: Permission denied")]


def test_reading_refuses_a_file_swapped_for_a_link_or_a_pipe(corpus: Path) -> None:
    # What the scan saw may change before the read: the read checks again, and never blocks.
    os.mkfifo(corpus / "pipe.txt")
    (corpus / "link.txt").symlink_to(corpus.parent / "rahasia.env")
    with pytest.raises(ValueError, match=r"^not a regular file$"):
        open_regular(corpus / "pipe.txt")
    with pytest.raises(ValueError, match=r"^symbolic link \(not followed\)$"):
        open_regular(corpus / "link.txt")
    assert load_file(corpus / "link.txt", "link.txt") == FileLoad(
        (), (Skipped("link.txt", "symbolic link (not followed)"),)
    )


@pytest.fixture
def shared_tmp() -> Iterator[Path]:
    """A directory under /tmp that an unprivileged user can enter."""
    path = Path(tempfile.mkdtemp(prefix="warta-nobody-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path)


def test_cli_as_a_non_root_user_reports_an_unreadable_directory(shared_tmp: Path) -> None:
    if shutil.which("setpriv") is None or os.geteuid() != 0:
        pytest.skip("needs root and setpriv to drop to an unprivileged user")
    corpus = shared_tmp / "corpus"
    (corpus / "tertutup").mkdir(parents=True)
    (corpus / "beras.txt").write_text("Harga beras\nHarga beras naik pada Senin.\n")
    (corpus / "tertutup" / "a.txt").write_text("A\nIsi.\n")
    (corpus / "tertutup").chmod(0o000)
    data = shared_tmp / "data"
    data.mkdir(mode=0o777)
    data.chmod(0o777)
    env = env_without_warta(os.environ) | {"WARTA_DATA_DIR": str(data), "HOME": str(data)}
    as_nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    done = subprocess.run(
        [*as_nobody, str(WARTA), "index", "--corpus", str(corpus)],
        cwd=shared_tmp,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    (corpus / "tertutup").chmod(0o755)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1:] == [
        "  added: beras.txt",
        "  skipped: tertutup: directory cannot be read: Permission denied",
    ]


def test_cli_never_serves_a_linked_secret(corpus: Path, tmp_path: Path) -> None:
    (corpus / "env.txt").symlink_to(corpus.parent / "rahasia.env")
    env = env_without_warta(os.environ) | {"WARTA_DATA_DIR": str(tmp_path / "data")}

    def warta(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(WARTA), *argv, "--corpus", str(corpus)],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    index = warta("index")
    assert index.returncode == 0, index.stderr
    assert index.stdout.splitlines()[1:] == [
        "  added: beras.txt",
        "  skipped: env.txt: symbolic link pointing outside the corpus",
    ]
    search = warta("search", "WARTA_TELEGRAM_TOKEN rahasia", "--json")
    assert (search.returncode, json.loads(search.stdout)["results"]) == (0, [])


# -- 6. deeply nested JSON ---------------------------------------------------------------------

DEEP = b"[" * 1000 + b"]" * 1000


def test_deeply_nested_json_file_is_unusable_not_a_recursion_error() -> None:
    with pytest.raises(ValueError, match=r"^JSON nested too deeply to parse$"):
        parse_file("deep.json", DEEP)


def test_deeply_nested_jsonl_line_skips_only_that_line() -> None:
    data = b'{"id": "a", "text": "Harga beras naik."}\n' + DEEP + b"\n"
    result = parse_file("feed.jsonl", data)
    assert [a.id for a in result.articles] == ["a"]
    assert result.skipped == (Skipped("feed.jsonl:2", "JSON nested too deeply to parse"),)


def test_record_nested_past_the_limit_is_skipped_even_when_it_parses() -> None:
    deep = {"id": "b", "text": "Isi.", "extra": json.loads("[" * 100 + "]" * 100)}
    data = json.dumps([{"id": "a", "text": "Harga beras naik."}, deep]).encode()
    result = parse_file("feed.json", data)
    assert [a.id for a in result.articles] == ["a"]
    assert result.skipped == (Skipped("feed.json", "item 1: JSON nested deeper than 64 levels"),)


def test_build_survives_deep_json_beside_good_files(corpus: Path) -> None:
    (corpus / "deep.json").write_bytes(DEEP)
    (corpus / "deep.jsonl").write_bytes(DEEP + b"\n")
    snap, report = build([corpus], PARAMS, max_file_bytes=100_000)
    assert [a.id for a in snap.articles] == ["beras"]
    assert report.skipped == (
        Skipped("deep.json", "JSON nested too deeply to parse"),
        Skipped("deep.jsonl", "no valid article (JSON nested too deeply to parse)"),
    )


# -- 9. titles and datelines -------------------------------------------------------------------

LONG_HEADLINE = (
    "Pemerintah Umumkan Kenaikan Harga BBM Bersubsidi Mulai Pekan Depan, Warga Antre di SPBU"
)


def title_of(text: str, name: str = "a.txt") -> str:
    """Return the title parsed from a plain-text article."""
    (article,) = parse_file(name, text.encode()).articles
    return article.title


@pytest.mark.parametrize("name", ["a.txt", "a.md"])
def test_a_long_headline_is_a_title_not_a_dateline(name: str) -> None:
    assert len(LONG_HEADLINE) > 80
    assert title_of(f"{LONG_HEADLINE}\nJAKARTA - Pemerintah mengumumkan kenaikan.\n", name) == (
        LONG_HEADLINE
    )


@pytest.mark.parametrize(
    "first",
    [
        "Bisnis.com, JAKARTA - Harga beras naik.",
        "Liputan6.com, Jakarta - Harga beras naik.",
        "JAKARTA, 11 September 2023 - Harga beras naik.",
        "Jakarta, Kompas.com - Harga beras naik.",
        "JAKARTA (ANTARA) - Harga beras naik.",
        "WASHINGTON, Sept 11 (Reuters) — Rice prices rose.",
        "Jakarta, Senin (11/9/2023) – Harga beras naik.",
    ],
)
def test_datelines_of_every_shape_open_the_body(first: str) -> None:
    assert title_of(f"{first}\nPedagang mengeluh.\n") == ""


def test_a_long_opening_sentence_is_not_a_title() -> None:
    sentence = (
        "Harga beras di pasar tradisional Jakarta naik menjadi Rp 12.000 per kilogram pekan ini."
    )
    assert len(sentence) > 80
    assert title_of(f"{sentence}\nPedagang mengeluh.\n") == ""


def test_headline_with_a_comma_and_a_dash_inside_words_is_a_title() -> None:
    headline = "Kakorlantas Target 500-1.000 E-TLE Terpasang di Jatim, Gencarkan Digitalisasi"
    assert title_of(f"{headline}\nIsi berita.\n") == headline


# -- 11. one report line per file, and the right one ---------------------------------------------


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le"])
def test_utf16_and_utf32_with_a_bom_are_decoded_not_called_binary(codec: str) -> None:
    bom = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff", "utf-32-le": b"\xff\xfe\x00\x00"}
    text = "Harga Beras\r\nHarga beras naik menjadi Rp 12.000.\r\n"
    result = parse_file("a.txt", bom[codec] + text.encode(codec))
    assert result == FileLoad(
        (
            Article(
                id="a",
                title="Harga Beras",
                text="Harga Beras\nHarga beras naik menjadi Rp 12.000.\n",
                path="a.txt",
            ),
        ),
        (),
    )


def test_broken_utf16_names_the_encoding() -> None:
    with pytest.raises(ValueError, match=r"^not valid UTF-16 \(byte 2\)$"):
        parse_file("a.txt", b"\xff\xfe\x00\xd8\x41\x00")


def test_display_path_escapes_what_would_break_a_line() -> None:
    assert display_path("nasional/beras.txt") == "nasional/beras.txt"
    assert display_path("berita\nbaru.txt") == "berita\\nbaru.txt"
    assert display_path("a\x1b[31mmerah.txt") == "a\\x1b[31mmerah.txt"
    assert display_path("txt.\u202egnp") == "txt.\\u202egnp"
    assert display_path("café.txt") == "café.txt"


def test_every_file_gets_exactly_one_right_report_line(corpus: Path) -> None:
    (corpus / "kosong.txt").write_bytes(b"")
    (corpus / "baris\nbaru.txt").write_bytes(b"")
    (corpus / "utf16.txt").write_bytes("Judul\nIsi berita.\n".encode("utf-16"))
    (corpus / "luar.txt").symlink_to(corpus.parent / "rahasia.env")
    (corpus / "hilang.txt").symlink_to("tidak-ada.txt")
    os.mkfifo(corpus / "pipa.txt")
    (corpus / "scan.tiff").write_bytes(b"II*\x00")
    _, report = build([corpus], PARAMS, max_file_bytes=100_000)
    assert report.lines()[1:] == [
        "  added: beras.txt",
        "  added: utf16.txt",
        # What the scan refuses comes first, then what fails to load, each in path order.
        "  skipped: hilang.txt: dangling symbolic link (its target does not exist)",
        "  skipped: luar.txt: symbolic link pointing outside the corpus",
        "  skipped: pipa.txt: not a regular file (a named pipe)",
        "  skipped: scan.tiff: unsupported file type '.tiff'",
        "  skipped: baris\\nbaru.txt: empty file",
        "  skipped: kosong.txt: empty file",
    ]
