"""Datasets and builds shared by the release tests (tests/test_release*.py, tests/test_fetch.py)."""

from __future__ import annotations

import contextlib
import hashlib
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import contribution
import pytest
from conftest import CASES
from pydantic import BaseModel

from ailedger.dates import FuzzyDate

CHINESE = "示例实验室在杭州发布了示例一号"
"""A sentence added to the base source text, quoted by the Chinese aliases below."""


def chinese_dataset(root: Path) -> tuple[Path, Path]:
    """The valid ``_base`` test dataset plus Chinese aliases (with their quote) and a month-precision date.

    The real data has no Chinese text yet; this checks it survives every format.
    """
    dataset, texts = root / "dataset", root / "texts"
    shutil.copytree(CASES / "_base" / "dataset", dataset)
    shutil.copytree(CASES / "_base" / "texts", texts)
    text = texts / "example-news.txt"
    text.write_text(text.read_text(encoding="utf-8") + CHINESE + "。\n", encoding="utf-8")
    source = dataset / "sources" / "example-news.yaml"
    digest = hashlib.sha256(text.read_bytes()).hexdigest()
    source.write_text(
        re.sub(r"(?m)^sha256: .*$", f"sha256: {digest}", source.read_text(encoding="utf-8")), encoding="utf-8"
    )
    cite = f'  - source_id: example-news\n    quote: "{CHINESE}"\n    supports: [aliases]\n'
    for rel, alias in [("organizations/example-labs.yaml", "示例实验室"), ("models/example-1.yaml", "示例一号")]:
        file = dataset / rel
        file.write_text(file.read_text(encoding="utf-8") + cite + f'aliases: ["{alias}"]\n', encoding="utf-8")
    return dataset, texts


def grown_dataset(root: Path, rows: int = 30) -> tuple[Path, Path, contribution.Contribution]:
    """The valid ``_base`` test dataset plus the fictional contribution (tests/contribution.py) with ``rows`` bulk rows.

    It holds what the real data may hold any day: a bulk file beside YAML
    metrics, one of them with no ``as_of``, and a derived figure.
    """
    dataset, texts = root / "dataset", root / "texts"
    shutil.copytree(CASES / "_base" / "dataset", dataset)
    shutil.copytree(CASES / "_base" / "texts", texts)
    return dataset, texts, contribution.add(dataset, texts, rows)


def as_row(value: Any) -> Any:
    """A model as the plain row a Parquet reader should return: each date as {edtf, earliest, latest}.

    Written here rather than taken from ailedger.arrow, so the tests check the mapping instead of repeating it.
    """
    if isinstance(value, FuzzyDate):
        return {"edtf": value.edtf, "earliest": value.earliest, "latest": value.latest}
    if isinstance(value, BaseModel):
        return {name: as_row(getattr(value, name)) for name in type(value).model_fields}
    if isinstance(value, list):
        return [as_row(v) for v in value]
    return value


def plain(value: Any) -> Any:
    """Reader output (numpy arrays and scalars, pandas timestamps) as plain Python values."""
    import numpy as np
    import pandas as pd

    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [plain(v) for v in value]
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and value != value:  # NaN for a missing value
        return None
    return value


@contextlib.contextmanager
def packaged(dataset: Path, texts: Path, folder: Path) -> Iterator[Path]:
    """``dataset`` built into ``folder`` as the package's data, with every reader pointed at it for the block.

    Lets a test check what ``show``, ``plot`` or ``load`` do with data the real
    dataset does not hold (yet), without touching the installed package.
    """
    from ailedger.release.tables import write_package_data

    write_package_data(dataset, folder, texts)
    with reading(folder):
        yield folder


@contextlib.contextmanager
def reading(folder: Path) -> Iterator[Path]:
    """Every reader of the package's data (load, get, show, plot) pointed at ``folder`` for the block."""
    from ailedger import loader, show

    def clear() -> None:
        loader.manifest.cache_clear()
        loader._index.cache_clear()
        show._tables.cache_clear()

    clear()
    with pytest.MonkeyPatch.context() as m:
        m.setattr(loader, "data_dir", lambda: folder)
        try:
            yield folder
        finally:
            clear()
