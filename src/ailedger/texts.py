"""The source text store: every quote is checked against a text whose SHA-256 its source record names.

The texts are not in the repository (their rights stay with their publishers),
so they reach a contributor, a reviewer or CI by their hash:

* the **store** is where the validator and the build look a text up. By
  default it is the user cache folder (``$AILEDGER_CACHE/texts``, else the
  platform's user cache), holding ``<sha256>.txt``: a file there is named by
  what it holds, so a text edited after it was recorded is simply not found.
  ``--texts DIR`` or ``$AILEDGER_TEXTS`` name a **plain folder** of
  ``<source id>.txt`` files instead, the layout a curator works in;
* :func:`fetch` fills the store, per source, from the first of: a local
  folder of ``<source id>.txt``; a **mirror** (``$AILEDGER_TEXTS_URL``, a base
  URL with ``{sha256}`` in it) through pooch with the hash checked; the
  source's **web-archive snapshot** (``archive_url``, checked against
  ``archive_sha256``), whose article text is extracted with trafilatura,
  normalised (:func:`normalize_text`) and compared with ``sha256``.

A text whose hash does not match is never stored: it is deleted and reported
with both hashes. Downloads have a deadline and a size cap, and a failed one
leaves nothing behind (pooch writes to a temporary file and moves it into place
only after the hash matched).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ailedger.errors import TextError

ENV_TEXTS = "AILEDGER_TEXTS"
"""A plain folder of ``<source id>.txt`` used as the store instead of the cache."""
ENV_TEXTS_URL = "AILEDGER_TEXTS_URL"
"""A mirror of texts by hash: a base URL with ``{sha256}`` in it, like ``https://host/texts/{sha256}.txt``."""
EXTRACTOR = "trafilatura"
"""The article extractor whose version is pinned in the package and recorded in each archived source."""
TIMEOUT = 30.0
"""Seconds a download may take in all (connect, wait and body together)."""
MAX_BYTES = 20 * 2**20
"""The largest text or snapshot a download may bring; a news page is far smaller."""
_CHUNK = 64 * 1024


def normalize_text(text: str) -> str:
    """A text as the store keeps it: NFC, LF line ends, each line trimmed, no blank lines at the ends, one final LF.

    Two saves of the same text (CRLF or LF, trailing blanks, composed or
    decomposed accents) get one hash, and a text rebuilt from a snapshot
    gets the same hash as the one stored when the source was added.
    """
    lines = [
        line.strip()
        for line in unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    ]
    body = "\n".join(lines).strip("\n")
    return body + "\n" if body else ""


def decode_text(raw: bytes, what: str) -> str:
    """The UTF-8 text of ``raw``, normalised; an AiledgerError for bytes that are not UTF-8 or hold no text."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TextError(
            f"{what} is not UTF-8 (byte {exc.start}: {raw[exc.start : exc.start + 1]!r}); "
            "save it as UTF-8 and try again"
        ) from None
    normal = normalize_text(text)
    if not normal:
        raise TextError(f"{what} holds no text; a source needs the text its quotes come from")
    return normal


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def cache_folder() -> Path:
    """The default store: ``$AILEDGER_CACHE/texts``, else ``texts`` in the user cache folder."""
    from ailedger.fetch import ENV_CACHE

    root = os.environ.get(ENV_CACHE)
    if root:
        return Path(root) / "texts"
    import platformdirs

    return Path(platformdirs.user_cache_dir("ailedger")) / "texts"


@dataclass(frozen=True, slots=True)
class Store:
    """Where texts are looked up and fetched to: the cache (by SHA-256) or a plain folder (by source id)."""

    folder: Path
    by_id: bool
    """True for a plain folder of ``<source id>.txt``; False for the cache of ``<sha256>.txt``."""

    @classmethod
    def plain(cls, folder: Path) -> Store:
        return cls(Path(folder), by_id=True)

    @classmethod
    def cache(cls, folder: Path | None = None) -> Store:
        return cls(folder or cache_folder(), by_id=False)

    def path(self, source_id: str, sha256: str) -> Path:
        return self.folder / (f"{source_id}.txt" if self.by_id else f"{sha256}.txt")

    def describe(self) -> str:
        return f"folder {self.folder}" if self.by_id else f"text cache {self.folder}"


def resolve(texts: Path | str | None = None) -> Store:
    """The store a command uses: ``--texts DIR``, else ``$AILEDGER_TEXTS``, else the cache."""
    if texts:
        return Store.plain(Path(texts))
    env = os.environ.get(ENV_TEXTS)
    return Store.plain(Path(env)) if env else Store.cache()


def verified(store: Store | None, sources: Iterable[Any]) -> dict[str, bool]:
    """Source id to whether the store holds a text of exactly the SHA-256 its record names."""
    out = {}
    for src in sources:
        path = store.path(src.id, src.sha256) if store is not None else None
        out[src.id] = path is not None and path.is_file() and file_digest(path) == src.sha256
    return out


HOW_TO_SUPPLY = (
    "run `ailedger texts fetch` (from a mirror named by AILEDGER_TEXTS_URL or the source's archive_url), "
    "or pass --texts DIR (or set AILEDGER_TEXTS) naming a folder of <source id>.txt"
)
"""The ways to supply a source's text, for messages about one that cannot be had."""


# --- downloads ---------------------------------------------------------------------------------


class _Capped:
    """A pooch downloader with a deadline for the whole download and a size cap, so no server can hold a run.

    It hashes what arrived, so a mismatch can name the hash actually received.
    """

    def __init__(self, timeout: float, max_bytes: int) -> None:
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.actual: str | None = None
        self.content_type: str | None = None

    def __call__(self, url: str, output_file: Any, pooch_obj: Any, check_only: bool = False) -> Any:
        import requests

        self.actual = None
        deadline = time.monotonic() + self.timeout
        with requests.get(url, stream=True, timeout=self.timeout, allow_redirects=True) as response:
            response.raise_for_status()
            self.content_type = response.headers.get("Content-Type")
            if check_only:
                return True
            size, h = 0, hashlib.sha256()
            with open(output_file, "wb") as out:
                for chunk in response.iter_content(chunk_size=_CHUNK):
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise TextError(f"{url}: more than {self.max_bytes} bytes; refused")
                    if time.monotonic() > deadline:
                        raise TextError(f"{url}: took longer than {self.timeout:g} s; refused")
                    out.write(chunk)
                    h.update(chunk)
        self.actual = h.hexdigest()
        return None


def download(url: str, sha256: str, folder: Path, name: str) -> Path:
    """``url`` saved as ``folder/name`` only when its bytes have ``sha256``; a TextError naming both hashes otherwise.

    pooch writes to a temporary file beside the target and moves it into place
    only after the hash matched, so a failure leaves nothing behind.
    """
    import pooch
    import requests

    pooch.get_logger().setLevel("WARNING")
    folder.mkdir(parents=True, exist_ok=True)
    downloader = _Capped(TIMEOUT, MAX_BYTES)
    try:
        return Path(
            pooch.retrieve(
                url, known_hash=f"sha256:{sha256}", fname=name, path=folder, downloader=downloader, progressbar=False
            )
        )
    except requests.RequestException as exc:
        raise TextError(f"{url}: download failed ({_reason(exc)})") from None
    except ValueError as exc:
        if isinstance(exc, TextError) or downloader.actual is None or downloader.actual == sha256:
            raise
        raise TextError(
            f"{url}: SHA-256 {downloader.actual} does not match {sha256}; the download was deleted"
        ) from None


def get(url: str) -> tuple[bytes, str | None]:
    """The bytes at ``url`` and their content type, within the same deadline and size cap as every download."""
    import requests

    downloader = _Capped(TIMEOUT, MAX_BYTES)
    with tempfile.TemporaryDirectory(prefix="ailedger-page-") as scratch:
        target = Path(scratch) / "page"
        try:
            downloader(url, target, None)
        except requests.RequestException as exc:
            raise TextError(f"{url}: download failed ({_reason(exc)})") from None
        return target.read_bytes(), downloader.content_type


def _reason(exc: Exception) -> str:
    text = str(exc)
    return text if len(text) < 200 else text[:200] + "..."


# --- extraction --------------------------------------------------------------------------------


def extractor_version() -> str:
    """``trafilatura X.Y.Z``, the extractor installed here (pinned by the package)."""
    from importlib.metadata import version

    return f"{EXTRACTOR} {version('trafilatura')}"


@dataclass(frozen=True, slots=True)
class Page:
    """What a web page gives a new source record: its article text and what its metadata states."""

    text: str
    title: str | None
    published: str | None
    language: str | None


_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$")


_HTML_LANG = re.compile(rb"<html\b[^>]*?\blang\s*=\s*[\"']?([A-Za-z0-9_-]+)", re.IGNORECASE)


def _language(html: bytes) -> str | None:
    """The page's ``<html lang>`` as a BCP 47 tag the schema takes, or None."""
    found = _HTML_LANG.search(html[:65536])
    if found is None:
        return None
    parts = found[1].decode("ascii").replace("_", "-").split("-")
    fixed = [parts[0].lower()] + [p.title() if len(p) == 4 else p.upper() for p in parts[1:]]
    candidate = "-".join(fixed)
    return candidate if _LANGUAGE.match(candidate) else None


def extract_text(html: bytes, what: str) -> str:
    """The article text of a page, normalised: the same bytes always give the same text with a given extractor."""
    import trafilatura

    text = trafilatura.extract(
        html,
        output_format="txt",
        include_comments=False,
        include_tables=True,
        favor_precision=False,
        favor_recall=False,
        deduplicate=False,
        with_metadata=False,
    )
    if not text or not text.strip():
        raise TextError(f"{what}: no article text found in the page; save the text as a .txt file and add that")
    return normalize_text(text)


def read_page(html: bytes, what: str) -> Page:
    """The article text and the title, publication date and language the page's own markup states (never guessed)."""
    import htmldate
    import trafilatura

    text = extract_text(html, what)
    meta = trafilatura.extract_metadata(html)
    title = meta.title.strip() if meta is not None and meta.title else None
    published = htmldate.find_date(html, extensive_search=False, original_date=True, outputformat="%Y-%m-%d")
    return Page(text, title or None, published or None, _language(html))


# --- fetching ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Outcome:
    """What fetching one source's text came to: ``how`` it was had, or ``None`` with the reasons it was not."""

    source_id: str
    sha256: str
    how: str | None
    problems: tuple[str, ...] = ()


def write_atomically(text: bytes, target: Path) -> None:
    """Write ``text`` to ``target`` atomically (a temporary file beside it, then a rename)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _from_folder(src: Any, folder: Path) -> tuple[bytes | None, str | None]:
    path = folder / f"{src.id}.txt"
    if not path.is_file():
        return None, None
    raw = path.read_bytes()
    got = digest(raw)
    if got != src.sha256:
        return None, f"{path}: SHA-256 {got} does not match {src.sha256} (the record's); left as it is"
    return raw, None


def _from_mirror(src: Any, template: str) -> bytes:
    url = template.replace("{sha256}", src.sha256)
    with tempfile.TemporaryDirectory(prefix="ailedger-text-") as scratch:
        return download(url, src.sha256, Path(scratch), f"{src.sha256}.txt").read_bytes()


def _from_archive(src: Any) -> bytes:
    if not src.archive_sha256:
        raise TextError(f"{src.archive_url}: the record has no archive_sha256 to check the snapshot against")
    with tempfile.TemporaryDirectory(prefix="ailedger-snapshot-") as scratch:
        html = download(src.archive_url, src.archive_sha256, Path(scratch), "snapshot.html").read_bytes()
    text = extract_text(html, src.archive_url).encode("utf-8")
    got = digest(text)
    if got != src.sha256:
        mine = extractor_version()
        hint = "" if src.extractor in (None, mine) else f"; the text was extracted with {src.extractor}, this is {mine}"
        raise TextError(
            f"{src.archive_url}: the extracted text has SHA-256 {got}, the record says {src.sha256}; "
            f"the text was deleted{hint}"
        )
    return text


def fetch(sources: Iterable[Any], store: Store, local: Path | None = None, mirror: str | None = None) -> list[Outcome]:
    """Put the text of every source into ``store``, each checked against its record's SHA-256; what happened per source.

    A text already in the store with the right hash is kept. In the cache a
    text with another hash is replaced (the cache is ours); in a plain folder
    it is reported and left alone, since it may be a curator's work.
    """
    if mirror is not None and "{sha256}" not in mirror:
        raise TextError(f"mirror URL {mirror!r} has no {{sha256}}; write it like https://host/texts/{{sha256}}.txt")
    out = []
    for src in sorted(sources, key=lambda s: s.id):
        target = store.path(src.id, src.sha256)
        problems: list[str] = []
        if target.is_file():
            got = file_digest(target)
            if got == src.sha256:
                out.append(Outcome(src.id, src.sha256, "already there"))
                continue
            if store.by_id:
                out.append(
                    Outcome(
                        src.id,
                        src.sha256,
                        None,
                        (f"{target}: SHA-256 {got} does not match {src.sha256} (the record's); left as it is",),
                    )
                )
                continue
            target.unlink()
            problems.append(f"{target}: SHA-256 {got} does not match its name; deleted")
        attempts: list[tuple[str, Any]] = []
        if local is not None:
            attempts.append((f"folder {local}", lambda s=src: _from_folder(s, local)))
        if mirror:
            attempts.append(("mirror", lambda s=src: (_from_mirror(s, mirror), None)))
        if getattr(src, "archive_url", None):
            attempts.append(("web archive", lambda s=src: (_from_archive(s), None)))
        how = None
        for name, attempt in attempts:
            try:
                text, problem = attempt()
            except TextError as exc:
                text, problem = None, str(exc)
            if problem:
                problems.append(problem)
            if text is not None:
                write_atomically(text, target)
                how = name
                break
        if how is None and not attempts:
            problems.append("no folder, mirror (AILEDGER_TEXTS_URL) or archive_url to fetch it from")
        out.append(Outcome(src.id, src.sha256, how, tuple(problems)))
    return out
