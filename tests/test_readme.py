"""Every code block in README.md runs as written against the installed package.

How blocks run:

* ``python`` blocks that start with ``>>>`` are doctests: their shown output is
  checked. Other ``python`` blocks are executed. All Python blocks share one
  namespace, in README order, as a reader typing them would.
* ``sh`` blocks run in bash (``set -e``), each in a scratch folder holding a
  copy of ``dataset/``, with an empty text cache and the source texts served by
  a mirror on 127.0.0.1 (``AILEDGER_TEXTS_URL``), as on a fresh clone; commands
  that write files never touch the checkout.
* ``text`` blocks are sample output, not code.
* A block right after the comment ``<!-- readme-test: skip (REASON) -->`` is
  exempt. Only blocks that install the package or run this test suite may be
  exempt (CI runs those itself); a test below enforces it.

Any other language fails the test until it is given a way to run or a marker.
Within a doctest, ``# doctest: +SKIP`` is for lines that need the network
(``download()``), which no test may use.
"""

from __future__ import annotations

import doctest
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import DATASET, ROOT
from servers import mirror_routes, serve

from ailedger.release.readme_table import splice_readme

README = ROOT / "README.md"
SKIP = re.compile(r"<!-- readme-test: skip \((.+)\) -->")
FENCE = re.compile(r"^```(\S*)\s*$")
EXEMPTABLE = re.compile(r"^(pip install \S+( && python -m pytest| && ailedger info)?)(\s+#.*)?$")


@dataclass(frozen=True)
class Block:
    line: int
    lang: str
    code: str
    skip: str | None

    def __str__(self) -> str:
        return f"README.md:{self.line} ({self.lang})"


def blocks(text: str) -> list[Block]:
    found, lines, i = [], text.splitlines(), 0
    while i < len(lines):
        fence = FENCE.match(lines[i])
        if fence is None:
            i += 1
            continue
        end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith("```"))
        before = next((lines[j] for j in range(i - 1, -1, -1) if lines[j].strip()), "")
        marker = SKIP.fullmatch(before.strip())
        found.append(Block(i + 1, fence[1], "\n".join(lines[i + 1 : end]) + "\n", marker[1] if marker else None))
        i = end + 1
    return found


BLOCKS = blocks(README.read_text(encoding="utf-8"))
RUN = [b for b in BLOCKS if b.skip is None and b.lang != "text"]


@pytest.fixture(scope="module")
def namespace() -> dict[str, Any]:
    return {"__name__": "readme"}


@pytest.fixture
def scratch(tmp_path: Path, texts: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Like a fresh clone: dataset/ copied; the source texts only on a mirror on 127.0.0.1; an empty cache."""
    work = tmp_path / "main"
    shutil.copytree(DATASET, work / "dataset")
    with serve(mirror_routes(texts)) as mirror:
        monkeypatch.setenv("AILEDGER_TEXTS_URL", mirror.url("/{sha256}.txt"))
        monkeypatch.setenv("AILEDGER_CACHE", str(tmp_path / "cache"))
        yield work


def test_readme_has_python_and_shell_blocks_to_run() -> None:
    langs = {b.lang for b in RUN}
    assert {"python", "sh"} <= langs
    assert len([b for b in RUN if b.lang == "python"]) >= 3


@pytest.mark.parametrize("block", RUN, ids=str)
def test_block_runs(block: Block, namespace: dict[str, Any], request: pytest.FixtureRequest) -> None:
    if block.lang == "python" and block.code.lstrip().startswith(">>>"):
        test = doctest.DocTestParser().get_doctest(block.code, namespace, str(block), str(README), block.line)
        runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
        runner.run(test, clear_globs=False)
        namespace.update(test.globs)  # DocTest works on a copy; later blocks build on this one
        assert runner.summarize(verbose=False).failed == 0, (
            f"{block}: doctest failed (see the output above); if the data changed, python scripts/refresh.py updates it"
        )
    elif block.lang == "python":
        exec(compile(block.code, str(block), "exec"), namespace)
    elif block.lang == "sh":
        scratch = request.getfixturevalue("scratch")  # only shell blocks need the source texts
        env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
        done = subprocess.run(
            ["bash", "-e", "-o", "pipefail", "-c", block.code],
            cwd=scratch,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, f"{block} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
        assert "Traceback" not in done.stderr
    else:
        pytest.fail(
            f"{block}: no way to run a {block.lang!r} block; run it here or mark it <!-- readme-test: skip (why) -->"
        )


def test_only_install_and_test_suite_commands_are_exempt() -> None:
    exempt = [b for b in BLOCKS if b.skip is not None]
    assert exempt, "the set-up block is expected to be marked"
    for block in exempt:
        for line in filter(None, block.code.splitlines()):
            assert EXEMPTABLE.match(line), (
                f"{block}: {line!r} is not an install or test-suite command; let the test run it"
            )


def test_set_up_commands_are_the_ones_ci_runs() -> None:
    first = BLOCKS[0].code.splitlines()
    assert first[0].startswith("pip install . && ailedger info ")
    assert first[1].startswith("pip install '.[test]' && python -m pytest ")
    assert "pip install '.[test]' && python -m pytest\n" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_release_table_is_generated_from_the_data() -> None:
    text = README.read_text(encoding="utf-8")
    assert splice_readme(text) == text, "README.md's release table is stale: run python scripts/refresh_docs.py"


def test_refresh_writes_the_output_the_current_data_gives() -> None:
    """The examples query the data, which grows: refresh rewrites what they show (keeping ``...`` and ``+SKIP``)."""
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import refresh_docs
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    text = README.read_text(encoding="utf-8")
    wants = [
        e.want for b in RUN if b.lang == "python" and b.code.lstrip().startswith(">>>")
        for e in doctest.DocTestParser().get_examples(b.code) if e.want and not e.options.get(doctest.SKIP)
    ]
    assert len(wants) >= 3
    stale = text
    for want in wants:
        stale = stale.replace(want, "'what the data held last year'\n", 1)
    assert stale != text
    assert refresh_docs.refresh_examples(stale) == text
    assert refresh_docs.refresh_examples(text) == text


def test_citation_file_names_the_current_version() -> None:
    from ruamel.yaml import YAML

    import ailedger

    cff = YAML(typ="safe").load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0"
    assert cff["version"] == ailedger.DATASET_VERSION, "CITATION.cff names another version: update it"
    assert cff["license"] == "CC-BY-4.0"
    assert {"title", "message", "authors", "type"} <= cff.keys()


def test_relative_links_and_images_point_at_files_in_the_checkout() -> None:
    text = README.read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text)
    local = [t for t in targets if not re.match(r"[a-z]+:", t)]
    assert "docs/data-dictionary.md" in local and "docs/timeline.svg" in local
    for target in local:
        assert (ROOT / target).exists(), f"README.md links to {target}, which does not exist"
