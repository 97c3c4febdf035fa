"""``ailedger serve``: browse a release's ``ailedger.db`` in Datasette, on this machine only.

Datasette is an optional extra (``pip install 'ailedger[site]'``): people who only
load the data should not install a web server. It runs in this process, bound
to 127.0.0.1, with the database opened immutable (the file is hashed in
``SHA256SUMS``; nothing may write to it), the release's metadata, and the small
plugin and template in ``ailedger/site/`` that show each record's quotes and
sources on its page.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from ailedger._version import __version__
from ailedger.errors import ServeError
from ailedger.release import database

SITE = Path(__file__).parent / "site"
HOST = "127.0.0.1"
DEFAULT_PORT = 8001


def default_release() -> Path:
    """Where :func:`ailedger.download` puts the installed version's release by default."""
    from ailedger.fetch import cache_dir

    return cache_dir(__version__)


def command(release: Path, port: int = DEFAULT_PORT) -> list[str]:
    """The Datasette command line serving ``release``; raises :class:`ServeError` when it cannot run."""
    db = release / database.FILE
    if not db.is_file():
        raise ServeError(
            f"{release} has no {database.FILE} (releases published before it was added have none); "
            "build one with ailedger build --out DIR, then run ailedger serve DIR"
            if release.is_dir()
            else f"{release} is not a folder; give a release folder (written by ailedger build --out DIR, or "
            f"downloaded by ailedger.download(), which puts this version in {default_release()})"
        )
    if importlib.util.find_spec("datasette") is None:
        raise ServeError("ailedger serve needs Datasette: pip install 'ailedger[site]'")
    args = ["serve", "--immutable", str(db), "--host", HOST, "--port", str(port)]
    meta = release / database.METADATA
    if meta.is_file():
        args += ["--metadata", str(meta)]
    return args + ["--template-dir", str(SITE / "templates"), "--plugins-dir", str(SITE)]


def run(args: list[str]) -> int:
    """Run Datasette with the arguments of :func:`command` in this process until it stops (Ctrl-C, SIGTERM).

    In this process rather than a child, so that stopping ``ailedger serve`` stops the server with it.
    """
    from datasette.cli import cli

    cli.main(args=args, prog_name="datasette", standalone_mode=False)
    return 0
