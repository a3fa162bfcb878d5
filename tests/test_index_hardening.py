"""Issue 11, index side: unreadable files, odd file names, several roots, busy and read-only
index directories, corrupt generations. Failures are real (a process without root's powers),
not simulated in our own code."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from retrieval.articles import ArticleList, StoredArticles
from retrieval.builder import build
from retrieval.search import search
from retrieval.segmented import SegmentedArticles
from retrieval.store import CorpusIndex
from tests.builders import env_without_warta

REPO = Path(__file__).resolve().parent.parent
NOBODY = 65534
SETPRIV = shutil.which("setpriv")
needs_root = pytest.mark.skipif(
    os.geteuid() != 0 or SETPRIV is None, reason="needs root and setpriv to drop privileges"
)


@pytest.fixture
def world() -> Iterator[Path]:
    """Return a directory every user may enter (pytest's tmp_path is private to root)."""
    path = Path(tempfile.mkdtemp(prefix="warta-hardening-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def warta(*argv: str, data: Path, nobody: bool = False) -> subprocess.CompletedProcess[str]:
    """Run the real ``warta`` entry point (as user nobody when asked); return the result."""
    env = env_without_warta(os.environ)
    env.update(WARTA_DATA_DIR=str(data), PYTHONPATH=str(REPO))
    command = [sys.executable, "-m", "bot.cli", *argv]
    if nobody:
        assert SETPRIV is not None
        command = [SETPRIV, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *command]
    return subprocess.run(
        command, cwd=REPO, env=env, capture_output=True, text=True, timeout=180, check=False
    )


def news(root: Path, names: dict[str, str]) -> Path:
    """Write one small article per file name into ``root`` (readable by everyone)."""
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o755)
    for name, word in names.items():
        path = root / name
        path.write_text(f"Berita {word}\nHarga {word} naik di pasar Jakarta hari ini.\n")
        path.chmod(0o644)
    return root


# -- item 5: an unreadable file is a skip with a reason ------------------------------------------


@needs_root
def test_an_unreadable_file_is_skipped_by_index_and_search(world: Path) -> None:
    corpus = news(world / "corpus", {"beras.txt": "beras", "rahasia.txt": "rahasia"})
    (corpus / "rahasia.txt").chmod(0o600)  # root's own file: the bot's user cannot read it
    data = world / "data"
    data.mkdir()
    os.chown(data, NOBODY, NOBODY)
    done = warta("index", "--corpus", str(corpus), data=data, nobody=True)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.splitlines()[1:] == [
        "  added: beras.txt",
        "  skipped: rahasia.txt: Permission denied",  # one line per file (issue 11 item 11)
    ]
    found = warta(
        "search", "harga beras", "--corpus", str(corpus), "--json", data=data, nobody=True
    )
    assert (found.returncode, found.stderr) == (0, "")
    assert [r["article_id"] for r in json.loads(found.stdout)["results"]] == ["beras"]
    # Nothing changed: the unreadable file is not read again and again.
    again = warta("index", "--corpus", str(corpus), data=data, nobody=True)
    assert again.stdout.startswith("0 added, 0 updated, 0 removed, 1 skipped;"), again.stdout
    # Once the permissions are fixed (the mtime stays), the file is read.
    (corpus / "rahasia.txt").chmod(0o644)
    fixed = warta("index", "--corpus", str(corpus), data=data, nobody=True)
    assert fixed.stdout.splitlines()[1:] == ["  updated: rahasia.txt"], fixed.stdout


# -- item 7: a file name that is not UTF-8 -------------------------------------------------------


def test_a_file_name_that_is_not_utf8_is_indexed_and_persisted(tmp_path: Path) -> None:
    corpus = news(tmp_path / "corpus", {"beras.txt": "beras"})
    raw = os.path.join(os.fsencode(corpus), b"caf\xe9.txt")
    with open(raw, "wb") as fh:
        fh.write(b"Kafe baru\nKopi tubruk dijual di kafe Bandung.\n")
    done = warta("index", "--corpus", str(corpus), data=tmp_path / "data")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.splitlines()[1:] == ["  added: beras.txt", "  added: caf\\xe9.txt"]
    found = warta(
        "search", "kopi tubruk", "--corpus", str(corpus), "--json", data=tmp_path / "data"
    )
    assert (found.returncode, found.stderr) == (0, "")
    assert json.loads(found.stdout)["results"][0]["article_id"] == "caf\\xe9"
    reopened = CorpusIndex([corpus], tmp_path / "data")
    assert reopened.open() is None and reopened.snapshot.article("caf\\xe9") is not None


# -- item 8: two roots with the same name --------------------------------------------------------


def test_two_roots_with_the_same_name_keep_all_their_files(tmp_path: Path) -> None:
    a = news(tmp_path / "a" / "news", {"harga.txt": "beras", "a.txt": "kopi"})
    b = news(tmp_path / "b" / "news", {"harga.txt": "gula"})
    index = CorpusIndex([a, b], tmp_path / "data")
    report = index.open()
    assert report is not None and report.skipped == ()
    assert report.added == ("a/news/a.txt", "a/news/harga.txt", "b/news/harga.txt")
    assert [(x.id, x.path) for x in index.snapshot.articles] == [
        ("a/news/a", "a/news/a.txt"),
        ("a/news/harga", "a/news/harga.txt"),
        ("b/news/harga", "b/news/harga.txt"),
    ]
    assert search(index.snapshot, "harga gula", k=1)[0].article.id == "b/news/harga"
    assert index.reload().changed is False


# -- item 12: a reader never waits for or fails on a writer --------------------------------------

WRITER = """
import sys
from pathlib import Path
from retrieval.store import CorpusIndex

def progress(done, total):
    if done == 1:
        print("building", flush=True)
        sys.stdin.readline()

CorpusIndex([Path(sys.argv[1])], Path(sys.argv[2])).reload(progress=progress)
print("done", flush=True)
"""


@contextmanager
def writer_paused_mid_build(corpus: Path, data: Path) -> Iterator[subprocess.Popen[str]]:
    """Run a real rebuild in another process and hold it after its first file."""
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(corpus), str(data)],
        cwd=REPO,
        env={**env_without_warta(os.environ), "PYTHONPATH": str(REPO)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        assert proc.stdout.readline() == "building\n"
        yield proc
        proc.stdin.write("\n")
        proc.stdin.flush()
        assert proc.stdout.readline() == "done\n"
        assert proc.wait(timeout=60) == 0
    finally:
        proc.kill()
        proc.wait()


def test_readers_serve_the_last_generation_while_another_process_rebuilds(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    corpus = news(tmp_path / "corpus", {"beras.txt": "beras", "gula.txt": "gula"})
    data = tmp_path / "data"
    CorpusIndex([corpus], data).open()
    news(corpus, {"kopi.txt": "kopi"})
    with writer_paused_mid_build(corpus, data):
        reader = CorpusIndex([corpus], data)
        assert reader.open() is None
        assert [a.id for a in reader.snapshot.articles] == ["beras", "gula"]
        assert search(reader.snapshot, "harga gula", k=1)[0].article.id == "gula"
        warning = f"another process is rebuilding the index in {reader.directory}"
        assert f"{warning}; serving the last index generation" in caplog.messages
        found = warta("search", "harga beras", "--corpus", str(corpus), "--json", data=data)
        assert found.returncode == 0, found.stderr
        assert json.loads(found.stdout)["results"][0]["article_id"] == "beras"
    after = CorpusIndex([corpus], data)
    assert after.open() is None and after.snapshot.article("kopi") is not None


def test_without_a_last_generation_a_reader_builds_its_own_in_memory(tmp_path: Path) -> None:
    corpus = news(tmp_path / "corpus", {"beras.txt": "beras", "gula.txt": "gula"})
    data = tmp_path / "data"
    with writer_paused_mid_build(corpus, data):
        reader = CorpusIndex([corpus], data)
        report = reader.open()
        assert report is not None and report.added == ("beras.txt", "gula.txt")
        assert search(reader.snapshot, "harga gula", k=1)[0].article.id == "gula"
        assert not (reader.directory / "CURRENT").exists()  # the writer's to write
    assert (reader.directory / "CURRENT").exists()


# -- item 13: a corrupt generation is detected, rebuilt, reported; --rebuild ----------------------


def test_flipped_bytes_are_caught_on_open_reported_by_doctor_and_rebuilt(tmp_path: Path) -> None:
    corpus = news(tmp_path / "corpus", {"beras.txt": "beras", "gula.txt": "gula"})
    data = tmp_path / "data"
    index = CorpusIndex([corpus], data)
    index.open()
    gen = index.directory / (index.directory / "CURRENT").read_text()
    spoilt = bytearray((gen / "post_docs.npy").read_bytes())
    spoilt[-2] ^= 0xFF
    (gen / "post_docs.npy").write_bytes(bytes(spoilt))
    doctor = warta("doctor", "--quick", "--corpus", str(corpus), data=data)
    (line,) = [x for x in doctor.stdout.splitlines() if " index" in x]
    assert "post_docs.npy has checksum" in line and "FAIL" in line, doctor.stdout
    assert doctor.returncode == 1
    rebuilt = warta("index", "--corpus", str(corpus), data=data)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert rebuilt.stdout.startswith("2 added, 0 updated, 0 removed, 0 skipped;")
    doctor = warta("doctor", "--quick", "--corpus", str(corpus), data=data)
    (line,) = [x for x in doctor.stdout.splitlines() if " index" in x]
    assert "2 articles" in line and "checksums verified" in line, doctor.stdout


def test_index_rebuild_analyses_every_file_again(tmp_path: Path) -> None:
    corpus = news(tmp_path / "corpus", {"beras.txt": "beras", "gula.txt": "gula"})
    data = tmp_path / "data"
    assert warta("index", "--corpus", str(corpus), data=data).returncode == 0
    same = warta("index", "--corpus", str(corpus), data=data)
    assert same.stdout.startswith("0 added, 0 updated, 0 removed, 0 skipped; 2 articles")
    first = (data / "indexes").glob("*/CURRENT").__next__().read_text()
    again = warta("index", "--rebuild", "--corpus", str(corpus), data=data)
    assert (again.returncode, again.stderr) == (0, "")
    assert again.stdout.splitlines()[1:] == ["  added: beras.txt", "  added: gula.txt"]
    generations = sorted(p.name for p in next((data / "indexes").iterdir()).iterdir() if p.is_dir())
    assert generations != [first] and len(generations) == 1


# -- item 14: an index directory the process cannot write -----------------------------------------


@needs_root
def test_a_read_only_index_serves_its_last_generation_and_says_why_reloads_fail(
    world: Path,
) -> None:
    corpus = news(world / "corpus", {"beras.txt": "beras", "gula.txt": "gula"})
    data = world / "data"
    built = warta("index", "--corpus", str(corpus), data=data)  # built by root
    assert built.returncode == 0, built.stderr
    os.chown(data, NOBODY, NOBODY)  # the data directory is the bot's; indexes/ stays root's
    news(corpus, {"kopi.txt": "kopi"})
    directory = next((data / "indexes").iterdir())
    found = warta("search", "kopi gula", "--corpus", str(corpus), "--json", data=data, nobody=True)
    assert found.returncode == 0, found.stderr
    assert [r["article_id"] for r in json.loads(found.stdout)["results"]] == ["gula"]
    why = f"cannot write the index in {directory} (Permission denied); reloads are not saved"
    assert f"{why}; serving the last index generation" in found.stderr
    assert "Traceback" not in found.stderr
    reload = warta("index", "--corpus", str(corpus), data=data, nobody=True)
    assert (reload.returncode, reload.stdout, reload.stderr) == (1, "", f"warta: {why}\n")
    doctor = warta("doctor", "--quick", "--corpus", str(corpus), data=data, nobody=True)
    (line,) = [x for x in doctor.stdout.splitlines() if " index" in x]
    assert "is read-only: reloads cannot be saved" in line, doctor.stdout


# -- memory at scale: a served generation keeps its articles on disk ------------------------------


def test_a_loaded_generation_reads_its_articles_on_demand(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    records = [
        {"id": "a", "title": "Beras", "date": "2024-05-02", "text": "Harga beras naik."},
        {"id": "b", "title": "Gula", "date": "2024-05-01", "text": "Harga gula turun."},
        {"id": "c", "title": "Kopi", "text": "Harga kopi tetap."},
    ]
    (corpus / "harga.jsonl").write_text("\n".join(json.dumps(r) for r in records) + "\n")
    built = CorpusIndex([corpus], tmp_path / "data")
    built.open()
    snap = CorpusIndex([corpus], tmp_path / "data").snapshot
    assert isinstance(snap.articles, SegmentedArticles)
    assert isinstance(snap.segments[0].articles, StoredArticles)
    assert len(snap.articles) == 3 and snap.articles == built.snapshot.articles
    assert snap.articles[-1].id == "c" and [a.id for a in snap.articles[:2]] == ["a", "b"]
    with pytest.raises(IndexError):
        snap.articles[3]
    assert snap.article("b") is not None and snap.article("b").title == "Gula"
    assert snap.dates() == ("2024-05-01", "2024-05-02") == built.snapshot.dates()
    assert snap.languages == ("id", "id", "id")


def test_a_reload_copies_unchanged_articles_without_reading_them(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, day, word in (("a", "01", "beras"), ("b", "05", "gula"), ("c", "09", "kopi")):
        record = {"id": name, "date": f"2024-05-{day}", "text": f"Harga {word} naik."}
        (corpus / f"{name}.json").write_text(json.dumps(record))
    index = CorpusIndex([corpus], tmp_path / "data")
    index.open()
    (corpus / "a.json").unlink()  # the earliest date goes
    (corpus / "c.json").write_text(json.dumps({"id": "c", "date": "2024-05-07", "text": "Kopi."}))
    loaded = index.snapshot
    snap, report = build([corpus], index.params, old=loaded, max_file_bytes=10_000)
    assert (report.removed, report.updated) == (("a.json",), ("c.json",))
    (merged,) = snap.segments  # two of three files changed: one base again, no delta
    assert isinstance(merged.articles, ArticleList)
    kinds = [type(item).__name__ for item in merged.articles.items()]
    assert kinds == ["StoredRef", "Article"]  # b is still on disk, c was read just now
    assert snap.dates() == ("2024-05-05", "2024-05-07")
    assert [a.text for a in snap.articles] == ["Harga gula naik.", "Kopi."]
    index.reload()
    assert index.snapshot.dates() == ("2024-05-05", "2024-05-07")
    assert index.snapshot.article("b") == loaded.article("b")
