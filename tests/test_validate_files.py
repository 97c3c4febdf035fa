"""How a file is named in diagnostics: ``display`` is ``os.path.relpath`` computed once per folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ailedger.validate.files import display

PARTS = st.lists(st.sampled_from(["a", "b", "work", "..", ".", "x.yaml", "models"]), min_size=1, max_size=6)


@settings(max_examples=150, deadline=None)
@given(parts=PARTS, absolute=st.booleans(), depth=st.integers(0, 3))
def test_display_is_the_path_relative_to_the_working_directory(
    parts: list[str], absolute: bool, depth: int, tmp_path_factory: pytest.TempPathFactory
) -> None:
    cwd = tmp_path_factory.getbasetemp().joinpath("work", *["a"] * depth)
    cwd.mkdir(parents=True, exist_ok=True)
    path = Path(cwd.anchor if absolute else "", *parts)
    before = os.getcwd()
    os.chdir(cwd)
    try:
        assert display(path) == os.path.relpath(path)
    finally:
        os.chdir(before)
