"""Regenerate the documentation made from the models and the packaged data.

Writes docs/data-dictionary.md, the release table in README.md (between its
marker comments) and, when matplotlib is installed, the charts docs/*.svg.
scripts/refresh.py runs it after rebuilding the data; tests fail on drift.

    python scripts/refresh_docs.py
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from ailedger.plot import render
from ailedger.release.dictionary import dictionary_markdown
from ailedger.release.readme_table import splice_readme

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
README = ROOT / "README.md"


def write(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    print(f"wrote {path.relative_to(ROOT)}")


def main() -> None:
    DOCS.mkdir(exist_ok=True)
    write(DOCS / "data-dictionary.md", dictionary_markdown())
    write(README, splice_readme(README.read_text(encoding="utf-8")))
    if importlib.util.find_spec("matplotlib") is None:
        print("charts not redrawn: matplotlib is not installed (pip install '.[plot]')")
        return
    for path in render(DOCS):
        print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
