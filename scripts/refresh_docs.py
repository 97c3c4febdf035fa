"""Regenerate the documentation made from the models and the packaged data.

Writes docs/data-dictionary.md, the release table in README.md (between its
marker comments), the output shown under README's doctest examples (they query
the data, which grows) and, when matplotlib is installed, the charts docs/*.svg.
scripts/refresh.py runs it after rebuilding the data; tests fail on drift.

    python scripts/refresh_docs.py
"""

from __future__ import annotations

import contextlib
import doctest
import importlib.util
import io
import re
import sys
from pathlib import Path
from typing import Any

# this checkout's ailedger, never an installed copy
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

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


FENCE = re.compile(r"^```(\S*)\s*$")
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
"""As tests/test_readme.py checks the examples."""


def _run(source: str, namespace: dict[str, Any]) -> str:
    """What the interactive prompt prints for one example."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(source, "README.md", "single"), namespace)
    return out.getvalue()


def refresh_examples(text: str) -> str:
    """README with each doctest's shown output replaced by what the current data gives, where it differs.

    Python blocks run in order in one namespace, as tests/test_readme.py runs them;
    output that still matches (with its ``...``) and ``+SKIP`` lines are kept as written.
    """
    lines = text.splitlines(keepends=True)
    namespace: dict[str, Any] = {"__name__": "readme"}
    out: list[str] = []
    i = 0
    while i < len(lines):
        fence = FENCE.match(lines[i])
        out.append(lines[i])
        i += 1
        if fence is None:
            continue
        end = next(j for j in range(i, len(lines)) if lines[j].startswith("```"))
        block = lines[i:end]
        code = "".join(block)
        if fence[1] == "python" and code.lstrip().startswith(">>>"):
            block = _refreshed(block, code, namespace)
        elif fence[1] == "python":
            exec(compile(code, "README.md", "exec"), namespace)
        out += [*block, lines[end]]
        i = end + 1
    return "".join(out)


def _refreshed(block: list[str], code: str, namespace: dict[str, Any]) -> list[str]:
    checker, new, at = doctest.OutputChecker(), [], 0
    for example in doctest.DocTestParser().get_examples(code):
        first, shown = example.lineno, example.source.count("\n")
        want_end = first + shown + example.want.count("\n")
        new += block[at : first + shown]
        at = want_end
        if example.options.get(doctest.SKIP):
            new += block[first + shown : want_end]
            continue
        got = _run(example.source, namespace)
        indent = " " * example.indent
        keep = checker.check_output(example.want, got, FLAGS)
        new += block[first + shown : want_end] if keep else [indent + line for line in got.splitlines(keepends=True)]
    return new + block[at:]


def main() -> None:
    DOCS.mkdir(exist_ok=True)
    write(DOCS / "data-dictionary.md", dictionary_markdown())
    write(README, refresh_examples(splice_readme(README.read_text(encoding="utf-8"))))
    if importlib.util.find_spec("matplotlib") is None:
        print("charts not redrawn: matplotlib is not installed (pip install '.[plot]')")
        return
    for path in render(DOCS):
        print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
