"""``ailedger source add``: a new source's text stored and its record written with the hash, from a file or a page."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from conftest import CASES
from servers import Reply, serve
from test_texts import PAGE, cli

BASE = CASES / "_base"
SID = "example-daily-2026-03-10"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A dataset (the cases' valid one, which has the publisher example-daily) and a folder of its texts."""
    shutil.copytree(BASE / "dataset", tmp_path / "dataset")
    shutil.copytree(BASE / "texts", tmp_path / "texts")
    return tmp_path


def add(root: Path, what: str, *extra: str) -> tuple[int, str, str]:
    return cli(
        "source", "add", what, "--id", SID, "--dataset", str(root / "dataset"), "--texts", str(root / "texts"), *extra
    )


def test_a_page_served_over_http_becomes_a_record_and_a_text_that_validate_cleanly(root: Path) -> None:
    with serve({"/news/example-1": Reply(PAGE.encode(), content_type="text/html; charset=utf-8")}) as site:
        url = site.url("/news/example-1")
        code, out, err = add(root, url, "--publisher", "example-daily", "--kind", "news_article")
    assert code == 0, err
    record = root / "dataset" / "sources" / f"{SID}.yaml"
    assert out == f"{record}\n"
    text = (root / "texts" / f"{SID}.txt").read_bytes()
    assert b"Examplechat had 42 million weekly active users" in text and b"Imprint" not in text
    written = record.read_text(encoding="utf-8")
    for line in (
        f'sha256: "{hashlib.sha256(text).hexdigest()}"',
        'title: "Example Labs releases Example-1"',
        'published: "2026-03-10"',
        'language: "en"',
        f'url: "{url}"',
        'publisher: "example-daily"',
    ):
        assert line in written
    assert "from the page's metadata: title, published, language" in err
    code, out, err = cli("validate", str(root / "dataset"), "--texts", str(root / "texts"), "--require-texts")
    assert (code, out) == (0, ""), err


def test_what_the_page_does_not_state_is_left_to_fill_in(root: Path) -> None:
    bare = PAGE.replace('<html lang="en">', "<html>").replace(
        '<meta property="article:published_time" content="2026-03-10">', ""
    )
    page = root / "page.html"
    page.write_text(bare, encoding="utf-8")
    code, _, err = add(root, str(page))
    assert code == 0, err
    written = (root / "dataset" / "sources" / f"{SID}.yaml").read_text(encoding="utf-8")
    assert "published: null" in written and "language: null" in written and "publisher: null" in written
    assert "fill in: publisher, published, language, kind" in err
    code, out, _ = cli("validate", str(root / "dataset"), "--texts", str(root / "texts"))
    assert code == 1 and "published" in out


def test_crlf_and_lf_files_give_the_same_text_and_hash(root: Path, tmp_path: Path) -> None:
    lf = "Example Daily\n\nExample Labs released its model Example-1 on 9 March 2026.\n"
    hashes = []
    for name, data in (("lf.txt", lf.encode()), ("crlf.txt", lf.replace("\n", "\r\n").encode())):
        (tmp_path / name).write_bytes(data)
        code, _, err = add(root, str(tmp_path / name), "--force")
        assert code == 0, err
        hashes.append((root / "texts" / f"{SID}.txt").read_bytes())
    assert hashes[0] == hashes[1] == lf.encode()


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"", "holds no text"), (b"  \r\n\t\n", "holds no text"), (b"Caf\xe9 latte", "is not UTF-8 (byte 3")],
    ids=["empty", "blank", "latin-1"],
)
def test_empty_or_non_utf8_text_is_refused_and_nothing_is_written(data: bytes, message: str, root: Path) -> None:
    (root / "in.txt").write_bytes(data)
    code, _, err = add(root, str(root / "in.txt"))
    assert code == 1 and message in err, err
    assert not (root / "dataset" / "sources" / f"{SID}.yaml").exists()
    assert not (root / "texts" / f"{SID}.txt").exists()


def test_an_existing_record_is_replaced_only_with_force_and_then_says_so(root: Path) -> None:
    (root / "a.txt").write_text("Example Labs released its model Example-1 on 9 March 2026.\n", encoding="utf-8")
    assert add(root, str(root / "a.txt"))[0] == 0
    record = root / "dataset" / "sources" / f"{SID}.yaml"
    before = record.read_bytes()
    (root / "b.txt").write_text("Something else entirely, said on Tuesday.\n", encoding="utf-8")
    code, _, err = add(root, str(root / "b.txt"))
    assert code == 1 and "already exists" in err and "--force" in err
    assert record.read_bytes() == before
    code, _, err = add(root, str(root / "b.txt"), "--force")
    assert code == 0 and f"replaced {record}" in err
    assert record.read_bytes() != before


def test_a_missing_file_and_a_bad_id_are_refused(root: Path) -> None:
    code, _, err = add(root, str(root / "nope.txt"))
    assert code == 1 and "no such file" in err
    code, _, err = cli("source", "add", str(root / "nope.txt"), "--id", "Not An Id", "--dataset", str(root / "dataset"))
    assert code == 1 and "bad id" in err
