"""Fetching a release's files, verified against the hashes and sizes this package ships.

The hashes come only from ``ailedger/registry/<version>.txt`` inside the
installed package, never from the server that serves the files, so a tampered
mirror cannot vouch for itself. pooch keeps the cache: it hands the transfer a
temporary file beside the target, checks the hash and moves the file into place
only on a match; a cached file whose hash no longer matches is fetched again.

The transfer itself is ours, because a server can misbehave in ways a hash
check at the end does not bound: it can trickle one byte at a time (a read
timeout never fires), send far more than the file (all of it lands on disk
before the hash is checked) or fail for a moment. So each file has an overall
deadline, covering every attempt; it may not grow past the size the registry
records (or ``max_bytes`` for registries written before sizes were recorded, such
as 2026.11.30's); and a transient failure (a 5xx, 408 or 429 answer, a refused,
reset or dropped connection, a stalled read) is retried a bounded number of times
with exponential backoff. A 404, a size overrun or a hash mismatch is not
transient and fails at once.

pooch's messages go to the ``ailedger.fetch`` logger (INFO) instead of pooch's own
stderr handler, so they are silent unless logging is configured, and
``logging.getLogger("ailedger").setLevel(logging.WARNING)`` silences them when it is.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from ailedger._version import __version__
from ailedger.errors import DownloadError

ENV_BASE_URL = "AILEDGER_BASE_URL"
ENV_CACHE = "AILEDGER_CACHE"
DEFAULT_BASE_URL = "https://github.com/ailedger/ailedger/releases/download/v{version}/"
"""Where releases are published; ``{version}`` is replaced by the dataset version."""

_LOG = logging.getLogger(__name__)
_CHUNK = 1 << 16


class Entry(NamedTuple):
    """One file of a release as the registry records it; ``size`` is None in registries written before sizes were."""

    sha256: str
    size: int | None


@dataclass(frozen=True)
class Limits:
    """How long, how much and how often one file may be fetched (every field is a ``download()`` argument)."""

    deadline: float = 600.0
    """Seconds for one file, every attempt and wait included."""
    timeout: float = 30.0
    """Seconds to connect, or to wait for the next bytes, before the attempt counts as failed."""
    retries: int = 3
    """Further attempts after a transient failure."""
    backoff: float = 1.0
    """Seconds before the first retry; doubled before each further one."""
    max_bytes: int = 64 << 20
    """Largest file accepted when the registry records no size (the largest 2026.11.30 file has under 100 KB)."""


def registry_path(version: str) -> Path:
    """Where the package keeps the SHA-256 registry of a release version."""
    return Path(__file__).parent / "registry" / f"{version}.txt"


def parse_sums(text: str) -> dict[str, str]:
    """File name to SHA-256 from ``sha256sum`` output (the format of a release's SHA256SUMS)."""
    out = {}
    for line in text.splitlines():
        digest, _, name = line.partition("  ")
        out[name] = digest
    return out


def parse_registry(text: str) -> dict[str, Entry]:
    """File name to hash and size from a registry: ``<sha256>  <bytes>  <name>``, or ``<sha256>  <name>`` (older)."""
    out = {}
    for number, line in enumerate(text.splitlines(), 1):
        parts = line.split("  ")
        if len(parts) == 3 and parts[1].isdigit():
            out[parts[2]] = Entry(parts[0], int(parts[1]))
        elif len(parts) == 2:
            out[parts[1]] = Entry(parts[0], None)
        else:
            raise DownloadError(
                f"line {number} of the registry is not '<sha256>  <bytes>  <name>': {line!r}", file=line
            )
    return out


def format_registry(hashes: dict[str, str], sizes: dict[str, int]) -> str:
    """A registry: ``<sha256>  <bytes>  <name>`` per file, sorted by name."""
    return "".join(f"{hashes[name]}  {sizes[name]}  {name}\n" for name in sorted(hashes))


def registry_entries(version: str) -> dict[str, Entry]:
    """File name to SHA-256 and size of every file of release ``version``, as shipped in this package."""
    if not re.fullmatch(r"[0-9A-Za-z][0-9A-Za-z.+-]*", version):
        raise DownloadError(f"{version!r} is not a release version; write it like {__version__!r}", file=version)
    path = registry_path(version)
    if not path.is_file():
        known = sorted(p.stem for p in path.parent.glob("*.txt"))
        raise DownloadError(
            f"this ailedger has no hashes for release {version!r} (it knows {', '.join(known) or 'none'}); "
            f"install the ailedger version that matches the release (pip install ailedger=={version})",
            file=str(path),
        )
    return parse_registry(path.read_text(encoding="utf-8"))


def registry(version: str) -> dict[str, str]:
    """File name to SHA-256 of every file of release ``version``, as shipped in this package."""
    return {name: entry.sha256 for name, entry in registry_entries(version).items()}


def cache_dir(version: str) -> Path:
    """The default download folder of a release: ``$AILEDGER_CACHE/<version>``, else the user cache."""
    import pooch

    root = os.environ.get(ENV_CACHE) or pooch.os_cache("ailedger")
    return Path(root) / version


class _Transient(Exception):
    """A failure that another attempt may not meet (a 5xx answer, a dropped connection)."""


class _Forward(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        if _LOG.isEnabledFor(record.levelno):
            _LOG.handle(record)


@contextmanager
def _pooch_logs_to_logging() -> Iterator[None]:
    """pooch logs to a logger outside the logging tree, with its own stderr handler; forward to ours meanwhile."""
    import pooch

    logger = pooch.get_logger()
    saved = logger.handlers[:]
    logger.handlers = [_Forward()]
    try:
        yield
    finally:
        logger.handlers = saved


def _read_timeout(response: Any, seconds: float) -> None:
    """Bound the next read to ``seconds`` (what is left of the deadline), so a stalled server cannot outlast it."""
    sock = getattr(getattr(response.raw, "connection", None), "sock", None)
    if sock is not None:
        sock.settimeout(max(seconds, 0.001))


class _Transfer:
    """pooch's downloader: fetches one file within the limits and hashes it as it arrives."""

    def __init__(self, version: str, limits: Limits, bar: Any) -> None:
        import requests

        self.version = version
        self.limits = limits
        self.bar = bar
        self.session = requests.Session()
        self.name = ""
        self.size: int | None = None
        self.actual: str | None = None
        self.called = False

    def expect(self, name: str, size: int | None) -> None:
        self.name, self.size, self.actual, self.called = name, size, None, False

    def __call__(self, url: str, output_file: str, pooch_obj: Any, check_only: bool = False) -> None:
        self.called = True
        deadline = time.monotonic() + self.limits.deadline
        attempt = 0
        while True:
            attempt += 1
            counted = [0]
            try:
                self._attempt(url, output_file, deadline, counted)
                return
            except _Transient as exc:
                self.bar.update(-counted[0])
                wait = self.limits.backoff * 2 ** (attempt - 1)
                if attempt > self.limits.retries:
                    raise DownloadError(
                        f"{url}: download failed ({exc}; {attempt} attempts); {self.name} was not saved. "
                        "Try again later",
                        file=self.name,
                    ) from None
                if time.monotonic() + wait >= deadline:
                    raise self._late(url) from None
                _LOG.info(
                    "%s: %s; trying again in %.3g s (retry %d of %d)", url, exc, wait, attempt, self.limits.retries
                )
                time.sleep(wait)

    def _late(self, url: str) -> DownloadError:
        return DownloadError(
            f"{url}: {self.name} did not arrive within {self.limits.deadline:g} s, the deadline per file "
            "(download(deadline=...), ailedger download --deadline); it was not saved. Try again later or use "
            f"another mirror ({ENV_BASE_URL})",
            file=self.name,
        )

    def _too_big(self, url: str, cap: int, announced: bool) -> DownloadError:
        limit = (
            f"the {cap} bytes this ailedger records for {self.name} of release {self.version}"
            if self.size is not None
            else f"{cap} bytes, the limit for a file whose size the registry does not record (max_bytes)"
        )
        verb = "announced" if announced else "sent"
        return DownloadError(
            f"{url}: the server {verb} more than {limit}; {self.name} was refused and deleted. "
            f"Use another mirror ({ENV_BASE_URL})",
            file=self.name,
        )

    def _attempt(self, url: str, output_file: str, deadline: float, counted: list[int]) -> None:
        import requests
        import urllib3

        cap = self.size if self.size is not None else self.limits.max_bytes
        digest = hashlib.sha256()
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise self._late(url)
        wait = min(self.limits.timeout, remaining)
        try:
            response = self.session.get(url, stream=True, timeout=(wait, wait))
        except (requests.ConnectionError, requests.Timeout) as exc:
            if time.monotonic() >= deadline:
                raise self._late(url) from None
            raise _Transient(f"{type(exc).__name__}: {exc}") from None
        except requests.RequestException as exc:
            raise DownloadError(f"{url}: download failed ({exc}); {self.name} was not saved", file=self.name) from None
        with response, open(output_file, "wb") as out:
            status = response.status_code
            if status >= 500 or status in (408, 429):
                raise _Transient(f"the server answered {status} {response.reason}")
            if status >= 400:
                raise DownloadError(
                    f"{url}: the server answered {status} {response.reason}; {self.name} was not saved. "
                    f"Check the version and the mirror ({ENV_BASE_URL})",
                    file=self.name,
                )
            length = response.headers.get("Content-Length", "")
            if length.isdigit() and "Content-Encoding" not in response.headers:
                if int(length) > cap:
                    raise self._too_big(url, cap, announced=True)
                if self.size is None and self.bar.total is not None:
                    self.bar.total += int(length)
                    self.bar.refresh()
            received = 0
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise self._late(url)
                _read_timeout(response, min(self.limits.timeout, remaining))
                try:
                    chunk = response.raw.read1(_CHUNK, decode_content=True)
                except (urllib3.exceptions.HTTPError, requests.RequestException, OSError) as exc:
                    if time.monotonic() >= deadline:
                        raise self._late(url) from None
                    raise _Transient(f"{type(exc).__name__}: {exc}") from None
                if not chunk:
                    break
                received += len(chunk)
                if received > cap:
                    raise self._too_big(url, cap, announced=False)
                out.write(chunk)
                digest.update(chunk)
                self.bar.update(len(chunk))
                counted[0] += len(chunk)
        self.actual = digest.hexdigest()


class _NoBar:
    total: int | None = None

    def update(self, n: int) -> None:
        pass

    def refresh(self) -> None:
        pass

    def close(self) -> None:
        pass


def download(
    version: str = __version__,
    dest: str | os.PathLike[str] | None = None,
    base_url: str | None = None,
    *,
    deadline: float = Limits.deadline,
    timeout: float = Limits.timeout,
    retries: int = Limits.retries,
    backoff: float = Limits.backoff,
    max_bytes: int = Limits.max_bytes,
    progressbar: bool = False,
) -> dict[str, Path]:
    """Fetch every file of release ``version`` (default: the installed one) and return file name to local path.

    Files land in ``dest``, else in the cache (``$AILEDGER_CACHE/<version>`` or the
    user cache folder); files already there with the right hash are not fetched
    again. ``base_url`` (else ``$AILEDGER_BASE_URL``, else the project's release
    URL; ``{version}`` in it is replaced) is where the files are served.
    ``deadline``, ``timeout``, ``retries``, ``backoff`` and ``max_bytes`` bound
    each file (see :class:`Limits`); ``progressbar`` draws a tqdm bar on stderr.
    Raises :class:`ailedger.DownloadError` naming the file, and both hashes on a
    mismatch; a refused file never appears under its final name.
    """
    import pooch

    entries = registry_entries(version)
    limits = Limits(deadline, timeout, retries, backoff, max_bytes)
    base = (base_url or os.environ.get(ENV_BASE_URL) or DEFAULT_BASE_URL).format(version=version)
    base = base if base.endswith("/") else base + "/"
    folder = Path(dest) if dest is not None else cache_dir(version)
    fetcher = pooch.create(path=folder, base_url=base, registry={n: f"sha256:{e.sha256}" for n, e in entries.items()})
    if progressbar:
        from tqdm import tqdm  # type: ignore[import-untyped]

        total = sum(e.size or 0 for e in entries.values())
        bar = tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, desc=f"ailedger {version}", leave=True)
    else:
        bar = _NoBar()
    transfer = _Transfer(version, limits, bar)
    out = {}
    try:
        with _pooch_logs_to_logging():
            for name in sorted(entries):
                transfer.expect(name, entries[name].size)
                out[name] = Path(fetcher.fetch(name, downloader=transfer))
                if not transfer.called:
                    bar.update(entries[name].size or 0)  # verified in the cache, counted as done
    except DownloadError:
        raise
    except ValueError:
        expected = entries[transfer.name].sha256
        if transfer.actual is None or transfer.actual == expected:
            raise
        raise DownloadError(
            f"{fetcher.get_url(transfer.name)}: SHA-256 {transfer.actual} does not match {expected}, the hash this "
            f"ailedger records for {transfer.name} of release {version}; the file was refused and deleted "
            f"(corrupted, truncated or altered). Try again, or use another mirror ({ENV_BASE_URL})",
            file=transfer.name,
            expected=expected,
            actual=transfer.actual,
        ) from None
    finally:
        bar.close()
        transfer.session.close()
    return out
