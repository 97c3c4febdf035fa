"""Fetching a release's files, verified against the hashes this package ships.

The hashes come only from ``ailedger/registry/<version>.txt`` inside the
installed package, never from the server that serves the files, so a tampered
mirror cannot vouch for itself. pooch does the download: it writes to a
temporary file beside the target, checks the hash and moves the file into place
only on a match; a cached file whose hash no longer matches is fetched again.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from ailedger._version import __version__
from ailedger.errors import DownloadError

ENV_BASE_URL = "AILEDGER_BASE_URL"
ENV_CACHE = "AILEDGER_CACHE"
DEFAULT_BASE_URL = "https://github.com/ailedger/ailedger/releases/download/v{version}/"
"""Where releases are published; ``{version}`` is replaced by the dataset version."""


def registry_path(version: str) -> Path:
    """Where the package keeps the SHA-256 registry of a release version."""
    return Path(__file__).parent / "registry" / f"{version}.txt"


def parse_sums(text: str) -> dict[str, str]:
    """File name to SHA-256 from ``sha256sum`` output (the format of SHA256SUMS and the registry)."""
    out = {}
    for line in text.splitlines():
        digest, _, name = line.partition("  ")
        out[name] = digest
    return out


def registry(version: str) -> dict[str, str]:
    """File name to SHA-256 of every file of release ``version``, as shipped in this package."""
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
    return parse_sums(path.read_text(encoding="utf-8"))


def cache_dir(version: str) -> Path:
    """The default download folder of a release: ``$AILEDGER_CACHE/<version>``, else the user cache."""
    import pooch

    root = os.environ.get(ENV_CACHE) or pooch.os_cache("ailedger")
    return Path(root) / version


class _Recorder:
    """pooch's HTTP downloader that also hashes what arrived, so a mismatch can name the actual hash."""

    def __init__(self) -> None:
        import pooch

        self._http = pooch.HTTPDownloader(progressbar=False, timeout=60)
        self.actual: str | None = None

    def __call__(self, url: str, output_file: str, pooch_obj: Any, check_only: bool = False) -> Any:
        from ailedger.loader import sha256

        self.actual = None
        result = self._http(url, output_file, pooch_obj, check_only=check_only)
        if not check_only:
            self.actual = sha256(Path(output_file))
        return result


def download(
    version: str = __version__, dest: str | os.PathLike[str] | None = None, base_url: str | None = None
) -> dict[str, Path]:
    """Fetch every file of release ``version`` (default: the installed one) and return file name to local path.

    Files land in ``dest``, else in the cache (``$AILEDGER_CACHE/<version>`` or the
    user cache folder); files already there with the right hash are not fetched
    again. ``base_url`` (else ``$AILEDGER_BASE_URL``, else the project's release
    URL; ``{version}`` in it is replaced) is where the files are served.
    Raises :class:`ailedger.DownloadError` naming the file, and both hashes on a
    mismatch; a refused file never appears under its final name.
    """
    import pooch
    import requests

    hashes = registry(version)
    base = (base_url or os.environ.get(ENV_BASE_URL) or DEFAULT_BASE_URL).format(version=version)
    base = base if base.endswith("/") else base + "/"
    folder = Path(dest) if dest is not None else cache_dir(version)
    fetcher = pooch.create(path=folder, base_url=base, registry={n: f"sha256:{h}" for n, h in hashes.items()})
    recorder = _Recorder()
    out = {}
    for name in sorted(hashes):
        url = fetcher.get_url(name)
        try:
            out[name] = Path(fetcher.fetch(name, downloader=recorder))
        except requests.RequestException as exc:
            raise DownloadError(
                f"{url}: download failed ({exc}); {name} was not saved. Try again later", file=name
            ) from None
        except ValueError:
            if recorder.actual is None or recorder.actual == hashes[name]:
                raise
            raise DownloadError(
                f"{url}: SHA-256 {recorder.actual} does not match {hashes[name]}, the hash this ailedger records for "
                f"{name} of release {version}; the file was refused and deleted (corrupted, truncated or altered). "
                "Try again, or use another mirror (AILEDGER_BASE_URL)",
                file=name,
                expected=hashes[name],
                actual=recorder.actual,
            ) from None
    return out
