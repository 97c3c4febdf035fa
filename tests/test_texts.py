"""The text store: texts found and fetched by their SHA-256, from a folder, a mirror or a web-archive snapshot.

Every server is started here on 127.0.0.1 (tests/servers.py): a mirror and a
web-archive stand-in, which misbehave on purpose (a tampered text, a changed
page, a 404, a slow answer, a body cut short). After each failure the store
holds nothing new, not even a partial file.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import shutil
from pathlib import Path

import pytest
from conftest import CASES, DATASET
from hypothesis import given
from hypothesis import strategies as st
from servers import Reply, mirror_routes, serve

from ailedger import texts
from ailedger.cli import main
from ailedger.texts import Store, normalize_text

BASE = CASES / "_base"
PAGE = """<!doctype html><html lang="en"><head><title>Example Labs releases Example-1</title>
<meta property="article:published_time" content="2026-03-10"></head>
<body><nav>Home News</nav><article><h1>Example Labs releases Example-1</h1>
<p>Example Labs released its model Example-1 on 9 March 2026, the company said on Tuesday.</p>
<p>Examplechat had 42 million weekly active users at the end of February, according to Dataprobe Analytics.</p>
</article><footer>Imprint</footer></body></html>
"""


def cli(*args: str, cwd: Path | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), contextlib.chdir(cwd or Path.cwd()):
        try:
            main(list(args))
        except SystemExit as exc:
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    """A copy of the cases' valid dataset: one source, example-news, whose text is in tests/cases/_base/texts."""
    shutil.copytree(BASE / "dataset", tmp_path / "dataset")
    return tmp_path / "dataset"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("AILEDGER_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache" / "texts"


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*")) if folder.exists() else []


def example_news() -> bytes:
    return (BASE / "texts" / "example-news.txt").read_bytes()


# --- normalising ---------------------------------------------------------------------------------


def test_crlf_and_lf_texts_hash_the_same() -> None:
    lf = "Headline\nFirst line.  \n\nSecond line.\n"
    crlf = lf.replace("\n", "\r\n")
    assert normalize_text(crlf) == normalize_text(lf) == "Headline\nFirst line.\n\nSecond line.\n"


def test_normalising_composes_accents_and_trims_lines() -> None:
    assert normalize_text("  Zu\u0308rich \t\n\n\n") == "Z\u00fcrich\n"


@given(st.text())
def test_normalising_is_idempotent_and_ignores_line_ends(text: str) -> None:
    once = normalize_text(text)
    assert normalize_text(once) == once
    # Saved with the other line ends: CR LF for every break. Replacing "\n" alone would turn a CR LF the text
    # already has into CR CR LF, which is two breaks (a blank line), not the same text saved differently.
    lf = text.replace("\r\n", "\n").replace("\r", "\n")
    assert normalize_text(lf.replace("\n", "\r\n")) == once
    assert once == "" or (once.endswith("\n") and "\r" not in once)


def test_store_is_the_cache_unless_a_folder_is_named(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert texts.resolve() == Store(cache, by_id=False)
    assert texts.resolve(None).path("a", "f" * 64) == cache / f"{'f' * 64}.txt"
    monkeypatch.setenv("AILEDGER_TEXTS", str(tmp_path / "env"))
    assert texts.resolve() == Store(tmp_path / "env", by_id=True)
    assert texts.resolve(tmp_path / "flag").path("a", "f" * 64) == tmp_path / "flag" / "a.txt"


# --- fetching ------------------------------------------------------------------------------------


def test_fetch_from_a_mirror_fills_the_cache_and_validate_finds_it_there(dataset: Path, cache: Path) -> None:
    with serve(mirror_routes(BASE / "texts")) as mirror:
        code, out, err = cli("texts", "fetch", str(dataset), "--mirror", mirror.url("/{sha256}.txt"))
    assert code == 0, out + err
    assert "ok: example-news: mirror" in out
    assert (cache / f"{sha(example_news())}.txt").read_bytes() == example_news()
    code, out, err = cli("validate", str(dataset), "--require-texts")
    assert (code, out) == (0, ""), err
    code, out, _ = cli("texts", "fetch", str(dataset))
    assert (code, out) == (0, "ok: example-news: already there\n")


TAMPERED = b"Example Labs released its model Example-2 on 9 March 2026."


@pytest.mark.parametrize(
    ("reply", "why"),
    [
        (Reply(TAMPERED), f"SHA-256 {sha(TAMPERED)} does not match {sha(example_news())}; the download was deleted"),
        (Reply(b"not here", 404), "404"),
        (Reply(b"x" * 100, 200, delay=3.0), "download failed"),
    ],
    ids=["tampered", "404", "slow"],
)
def test_a_bad_mirror_stores_nothing_and_says_why(
    reply: Reply, why: str, dataset: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(texts, "TIMEOUT", 0.5)
    wanted = sha(example_news())
    with serve({f"/{wanted}.txt": reply}) as mirror:
        code, out, err = cli("texts", "fetch", str(dataset), "--mirror", mirror.url("/{sha256}.txt"))
    assert code == 1
    assert out.startswith(f"missing: example-news (sha256 {wanted}):") and why in out, out
    assert "failed: 1 of 1 source texts could not be had" in err
    assert leftovers(cache) == []


def test_a_truncated_body_is_refused(dataset: Path, cache: Path) -> None:
    body = example_news()
    with serve({f"/{sha(body)}.txt": Reply(body, truncate=True)}) as mirror:
        code, out, _ = cli("texts", "fetch", str(dataset), "--mirror", mirror.url("/{sha256}.txt"))
    assert code == 1 and out.startswith("missing: example-news"), out
    assert leftovers(cache) == []


def test_a_text_bigger_than_the_cap_is_refused(dataset: Path, cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(texts, "MAX_BYTES", 100)
    body = example_news()
    with serve({f"/{sha(body)}.txt": Reply(body)}) as mirror:
        code, out, _ = cli("texts", "fetch", str(dataset), "--mirror", mirror.url("/{sha256}.txt"))
    assert code == 1 and "more than 100 bytes" in out
    assert leftovers(cache) == []


def test_a_local_folder_comes_first_and_a_wrong_file_there_is_reported_not_taken(
    dataset: Path, cache: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "example-news.txt").write_bytes(example_news().replace(b"Example", b"Exampel", 1))
    with serve(mirror_routes(BASE / "texts")) as mirror:
        code, out, _ = cli(
            "texts", "fetch", str(dataset), "--from", str(folder), "--mirror", mirror.url("/{sha256}.txt")
        )
    assert code == 0
    assert "ok: example-news: mirror" in out and f"{folder / 'example-news.txt'}: SHA-256" in out
    assert (folder / "example-news.txt").read_bytes() != example_news(), "a curator's file is never touched"


def test_a_cached_text_that_no_longer_matches_its_name_is_deleted_and_fetched_again(dataset: Path, cache: Path) -> None:
    wanted = sha(example_news())
    cache.mkdir(parents=True)
    (cache / f"{wanted}.txt").write_bytes(b"bit rot")
    with serve(mirror_routes(BASE / "texts")) as mirror:
        code, out, _ = cli("texts", "fetch", str(dataset), "--mirror", mirror.url("/{sha256}.txt"))
    assert code == 0 and "does not match its name; deleted" in out
    assert (cache / f"{wanted}.txt").read_bytes() == example_news()


def test_a_plain_folder_is_filled_by_source_id(dataset: Path, tmp_path: Path) -> None:
    with serve(mirror_routes(BASE / "texts")) as mirror:
        code, _, err = cli(
            "texts", "fetch", str(dataset), "--texts", str(tmp_path / "plain"), "--mirror", mirror.url("/{sha256}.txt")
        )
    assert code == 0, err
    assert (tmp_path / "plain" / "example-news.txt").read_bytes() == example_news()


def test_a_mirror_url_without_the_hash_is_a_usage_error(dataset: Path, cache: Path) -> None:
    code, _, err = cli("texts", "fetch", str(dataset), "--mirror", "http://127.0.0.1:9/texts/")
    assert code == 1 and "has no {sha256}" in err


# --- the web archive ---------------------------------------------------------------------------


def archived(dataset: Path, snapshot: str, page: bytes) -> str:
    """Add the page as a new archived source (as a contributor would); return its id."""
    code, _, err = cli(
        "source",
        "add",
        snapshot,
        "--id",
        "example-daily-2026-03-10",
        "--archived",
        "--dataset",
        str(dataset),
        "--publisher",
        "example-daily",
        "--kind",
        "news_article",
    )
    assert code == 0, err
    return "example-daily-2026-03-10"


def test_a_text_is_rebuilt_from_its_web_archive_snapshot(dataset: Path, cache: Path) -> None:
    page = PAGE.encode()
    with serve({"/web/20260310000000id_/https://example.org/a": Reply(page, content_type="text/html")}) as archive:
        snapshot = archive.url("/web/20260310000000id_/https://example.org/a")
        sid = archived(dataset, snapshot, page)
        record = (dataset / "sources" / f"{sid}.yaml").read_text(encoding="utf-8")
        assert f'archive_url: "{snapshot}"' in record and f'archive_sha256: "{sha(page)}"' in record
        assert 'url: "https://example.org/a"' in record and f'extractor: "{texts.extractor_version()}"' in record
        stored = next(cache.glob("*.txt"))
        stored.unlink()
        with serve(mirror_routes(BASE / "texts")) as mirror:
            code, out, err = cli("texts", "fetch", str(dataset), "--mirror", mirror.url("/{sha256}.txt"))
    assert code == 0, out + err
    assert f"ok: {sid}: web archive" in out
    assert stored.is_file()
    code, out, err = cli("validate", str(dataset), "--require-texts")
    assert (code, out) == (0, ""), err


def test_a_changed_snapshot_is_refused_with_both_hashes(dataset: Path, cache: Path) -> None:
    page = PAGE.encode()
    route = "/web/20260310000000id_/https://example.org/a"
    with serve({route: Reply(page, content_type="text/html")}) as archive:
        sid = archived(dataset, archive.url(route), page)
        for f in cache.glob("*.txt"):
            f.unlink()
        changed = page.replace(b"42 million", b"43 million")
        archive.routes[route] = Reply(changed, content_type="text/html")
        code, out, _ = cli("texts", "fetch", str(dataset / "sources" / f"{sid}.yaml"))
    assert code == 1
    assert f"SHA-256 {sha(changed)} does not match {sha(page)}; the download was deleted" in out
    assert leftovers(cache) == []


def test_a_snapshot_whose_text_is_not_the_recorded_one_is_deleted_with_both_hashes(dataset: Path, cache: Path) -> None:
    page = PAGE.encode()
    route = "/web/20260310000000id_/https://example.org/a"
    with serve({route: Reply(page, content_type="text/html")}) as archive:
        sid = archived(dataset, archive.url(route), page)
        record = dataset / "sources" / f"{sid}.yaml"
        text = next(cache.glob("*.txt"))
        real = text.name.removesuffix(".txt")
        text.unlink()
        record.write_text(record.read_text(encoding="utf-8").replace(real, "0" * 64), encoding="utf-8")
        code, out, _ = cli("texts", "fetch", str(record))
    assert code == 1
    assert f"the extracted text has SHA-256 {real}, the record says {'0' * 64}; the text was deleted" in out
    assert leftovers(cache) == []


def test_a_404_snapshot_stores_nothing(dataset: Path, cache: Path) -> None:
    page = PAGE.encode()
    route = "/web/20260310000000id_/https://example.org/a"
    with serve({route: Reply(page, content_type="text/html")}) as archive:
        sid = archived(dataset, archive.url(route), page)
        for f in cache.glob("*.txt"):
            f.unlink()
        del archive.routes[route]
        code, out, _ = cli("texts", "fetch", str(dataset / "sources" / f"{sid}.yaml"))
    assert code == 1 and "404" in out
    assert leftovers(cache) == []


# --- the workflow's steps (Done when) --------------------------------------------------------------


def workflow(dataset: Path, mirror_url: str | None, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    """What CI runs on a fresh clone: texts fetch, then validate --require-texts; exit code and all output."""
    if mirror_url is None:
        monkeypatch.delenv("AILEDGER_TEXTS_URL", raising=False)
    else:
        monkeypatch.setenv("AILEDGER_TEXTS_URL", mirror_url)
    code, out, err = cli("texts", "fetch", str(dataset))
    if code:
        return code, out + err
    code, out2, err2 = cli("validate", str(dataset), "--require-texts")
    return code, out + err + out2 + err2


def one_character_changed(dataset: Path) -> None:
    """One character of one quote changed, the way a made-up or mistyped quote differs."""
    for path in sorted(dataset.glob("*/*.yaml")):
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        for i, line in enumerate(lines):
            if "quote:" in line and len(line.split("quote:", 1)[1].strip()) > 20:
                at = line.index("quote:") + 12
                lines[i] = line[:at] + ("x" if line[at] != "x" else "y") + line[at + 1 :]
                path.write_text("".join(lines), encoding="utf-8")
                return
    raise AssertionError("no quote to change")


def check_workflow(dataset: Path, texts_folder: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with serve(mirror_routes(texts_folder)) as mirror:
        url = mirror.url("/{sha256}.txt")
        code, out = workflow(dataset, url, monkeypatch)
        assert code == 0, out
        one_character_changed(dataset)
        code, out = workflow(dataset, url, monkeypatch)
        assert code == 1 and "error[quote.not-in-source]" in out, out
    monkeypatch.setenv("AILEDGER_CACHE", str(tmp_path / "empty-cache"))
    code, out = workflow(dataset, None, monkeypatch)
    assert code == 1
    assert "could not be had; name a mirror (--mirror URL or AILEDGER_TEXTS_URL" in out
    code, out, _ = cli("validate", str(dataset), "--require-texts")
    assert code == 1 and "error[source.text-unavailable]" in out
    assert "ailedger texts fetch" in out and "--texts DIR" in out and "AILEDGER_TEXTS_URL" in out


def test_the_workflow_steps_pass_real_quotes_and_fail_a_changed_one(
    dataset: Path, cache: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    check_workflow(dataset, BASE / "texts", monkeypatch, tmp_path)


def test_the_workflow_steps_on_the_real_dataset(
    texts: Path, cache: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    shutil.copytree(DATASET, tmp_path / "dataset")
    check_workflow(tmp_path / "dataset", texts, monkeypatch, tmp_path)


# --- what a release says -------------------------------------------------------------------------


def test_build_without_texts_refuses_unless_allowed_and_then_says_so(
    dataset: Path, cache: Path, tmp_path: Path
) -> None:
    code, _, err = cli("build", "--dataset", str(dataset), "--out", str(tmp_path / "release"))
    assert code == 1 and "pass --allow-unverified" in err and "example-news" in err
    assert not (tmp_path / "release").exists()
    code, _, err = cli("build", "--dataset", str(dataset), "--out", str(tmp_path / "release"), "--allow-unverified")
    assert code == 0, err
    assert "marked unverified" in err
    package = json.loads((tmp_path / "release" / "datapackage.json").read_text(encoding="utf-8"))
    assert package["verification"] == {
        "quotes_verified": False,
        "sources": [{"id": "example-news", "sha256": sha(example_news()), "quotes_verified": False}],
    }
    card = (tmp_path / "release" / "README.md").read_text(encoding="utf-8")
    assert "**Unverified release.**" in card and "`example-news`" in card


def test_build_with_texts_says_every_quote_was_checked(dataset: Path, tmp_path: Path) -> None:
    code, _, err = cli(
        "build", "--dataset", str(dataset), "--out", str(tmp_path / "release"), "--texts", str(BASE / "texts")
    )
    assert code == 0, err
    package = json.loads((tmp_path / "release" / "datapackage.json").read_text(encoding="utf-8"))
    assert package["verification"]["quotes_verified"] is True
    assert "Every quote of all 1 sources was checked" in (tmp_path / "release" / "README.md").read_text(
        encoding="utf-8"
    )


def test_the_pre_commit_hook_fails_a_changed_quote_and_a_text_it_cannot_have(dataset: Path, cache: Path) -> None:
    """The hook as shipped (its entry, given the changed file): no text is an error, and so is a made-up quote."""
    import yaml

    [hook] = yaml.safe_load((Path(__file__).parent.parent / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    entry = hook["entry"].split()[1:]
    one_character_changed(dataset)
    changed = next(
        p
        for p in sorted(dataset.glob("*/*.yaml"))
        if p.read_bytes() != (BASE / "dataset" / p.relative_to(dataset)).read_bytes()
    )
    code, out, _ = cli(*entry, str(changed))
    assert code == 1 and "error[source.text-unavailable]" in out and "example-news" in out
    code, out, _ = cli(*entry, str(changed), "--texts", str(BASE / "texts"))
    assert code == 1 and "error[quote.not-in-source]" in out
    changed.write_bytes((BASE / "dataset" / changed.relative_to(dataset)).read_bytes())
    assert cli(*entry, str(changed), "--texts", str(BASE / "texts"))[0] == 0
