"""Fuzzing the validator: whatever bytes or YAML a stranger sends, it answers with located diagnostics.

Each example writes one file into a copy of the valid base dataset and runs
``ailedger validate`` in-process: the exit code is 0, 1 or 2, nothing is
raised, and every output line is a diagnostic that starts with a file path.
Each runs under both YAML parsers (``yaml_parser`` in conftest). Time is
bounded by the reader's caps (size, line length, depth, no alias expansion),
not asserted here (timings are machine-dependent).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import CASES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from strategies import RECORDS

from ailedger.cli import run

DIAGNOSTIC = re.compile(r"[^\s:][^:]*(:\d+(:\d+)?)?: (error|warning)\[[a-z0-9]+(\.[a-z0-9-]+)+\]( \S+:)? \S.*")
FUZZ = settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    top = tmp_path_factory.mktemp("fuzz")
    shutil.copytree(CASES / "_base" / "dataset", top / "dataset")
    shutil.copytree(CASES / "_base" / "texts", top / "texts")
    return top / "dataset"


def check(root: Path, table: str, content: bytes) -> None:
    target = root / table / "fuzz.yaml"
    target.write_bytes(content)
    out = io.StringIO()
    cwd = os.getcwd()
    os.chdir(root)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            code = run(["validate", ".", "--texts", "../texts"])
    finally:
        os.chdir(cwd)
        target.unlink()
    lines = out.getvalue().splitlines()
    assert code in (0, 1, 2)
    assert (code == 1) == any("error[" in line for line in lines)
    for line in lines:
        assert DIAGNOSTIC.fullmatch(line), line
        assert "yaml.invalid" not in line, line  # an unlocated reader failure: a case the reader should name
    mine = [line for line in lines if line.startswith(f"{table}/fuzz.yaml")]
    assert all(re.match(rf"{table}/fuzz\.yaml:\d+", line) for line in mine), mine


TOKENS = [
    *":-[]{}&*!|>#'\"\n \t,?~%@`\\abcxyz019.\u202eé豆",
    "id",
    "name",
    "<<",
    "---",
    "!!python/",
    ".nan",
    "0755",
    "2026-02-30",
]
YAMLISH = st.lists(st.sampled_from(TOKENS), max_size=120).map("".join)
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=30))
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)),
    max_leaves=20,
)


def dump(value: Any) -> bytes:
    stream = io.StringIO()
    yaml = YAML(typ="safe", pure=True)
    yaml.allow_unicode = True
    yaml.dump(value, stream)
    return stream.getvalue().encode("utf-8", "surrogatepass")


@FUZZ
@given(content=st.one_of(st.binary(max_size=600), YAMLISH.map(lambda t: t.encode("utf-8"))))
def test_arbitrary_bytes(root: Path, content: bytes, yaml_parser: str) -> None:
    check(root, "models", content)


@FUZZ
@given(value=VALUES)
def test_arbitrary_yaml_documents(root: Path, value: Any, yaml_parser: str) -> None:
    check(root, "organizations", dump(value))


@FUZZ
@given(data=st.data())
def test_records_with_arbitrary_fields(root: Path, data: st.DataObject, yaml_parser: str) -> None:
    table = data.draw(st.sampled_from(sorted(RECORDS)))
    record = dict(data.draw(RECORDS[table]))
    for name in data.draw(st.lists(st.sampled_from(sorted(record)), max_size=3)):
        record[name] = data.draw(VALUES)
    check(root, table, dump(record))
