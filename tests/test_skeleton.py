"""``ailedger new``: a skeleton with every field and a comment on each, never overwriting, refusing bad names."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest
from releases import grown_dataset

from ailedger.cli import run
from ailedger.schema import LATEST
from ailedger.validate import validate
from ailedger.validate.yaml12 import loads


def new(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run(["new", *args])
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("table", list(LATEST.TABLES))
def test_skeleton_names_every_field_with_a_comment(table: str, tmp_path: Path) -> None:
    code, out, _ = new(table, "qwen-3", "--dataset", str(tmp_path))
    path = tmp_path / table / "qwen-3.yaml"
    assert (code, out.strip()) == (0, str(path))
    text = path.read_text(encoding="utf-8")
    data = loads(text).data
    model = LATEST.TABLES[table]
    assert list(data) == [name for name in model.model_fields if name != "citations"] + (
        ["citations"] if "citations" in model.model_fields else []
    )
    assert (data["id"], data["schema_version"]) == ("qwen-3", LATEST.MAJOR)
    if "citations" in data:
        assert list(data["citations"][0]) == list(LATEST.Citation.model_fields)
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if not line.lstrip().startswith("#") and ":" in line and i > 0:
            assert lines[i - 1].lstrip().startswith("# "), f"no comment above {line!r}"


def test_unfilled_skeleton_is_rejected_field_by_field(tmp_path: Path) -> None:
    new("metrics", "doubao-mau-2026-01", "--dataset", str(tmp_path))
    report = validate([tmp_path])
    fields = {d.field for d in report.errors}
    assert {"subject_id", "metric", "value", "citations.0.source_id", "citations.0.quote"} <= fields
    assert all(d.line is not None for d in report.errors)


def test_never_overwrites(tmp_path: Path) -> None:
    new("models", "glm-6", "--dataset", str(tmp_path))
    path = tmp_path / "models" / "glm-6.yaml"
    path.write_text("mine\n", encoding="utf-8")
    code, _, err = new("models", "glm-6", "--dataset", str(tmp_path))
    assert code == 2 and "already exists" in err
    assert path.read_text(encoding="utf-8") == "mine\n"


@pytest.mark.parametrize(
    ("table", "record_id", "message"),
    [
        ("model", "glm-6", "unknown table 'model'; did you mean models?"),
        ("models", "GLM-6", "bad id 'GLM-6'"),
        ("models", "../../etc/passwd", "bad id '../../etc/passwd'"),
        ("models", "glm-6\n", "bad id 'glm-6\\n'"),
        ("models", "con-", "bad id 'con-'"),
        ("models", "con", "reserved device name on Windows"),
    ],
)
def test_refuses_bad_table_or_id(table: str, record_id: str, message: str, tmp_path: Path) -> None:
    code, out, err = new(table, record_id, "--dataset", str(tmp_path))
    assert (code, out) == (2, "")
    assert message in err
    assert not any(tmp_path.rglob("*.yaml"))


def test_a_record_file_is_validated_against_the_dataset_it_lives_in(tmp_path: Path) -> None:
    """What ``ailedger new`` says to run: one file, checked in context, reporting only its own problems."""
    dataset, texts, _ = grown_dataset(tmp_path, rows=20)
    code, out, err = new("models", "sample-8", "--dataset", str(dataset))
    path = dataset / "models" / "sample-8.yaml"
    assert f"ailedger validate {path} --texts DIR" in err
    (dataset / "models" / "sample-8.yaml").unlink()
    sample = dataset / "models" / "sample-7.yaml"
    bulk = dataset / "metrics" / "dataprobe-daily-active-users.jsonl"
    other = dataset / "organizations" / "democorp.yaml"
    other.write_text(other.read_text(encoding="utf-8").replace('"Democorp"', '"Democorp!"'), encoding="utf-8")
    for named in ([sample], [bulk], [sample, bulk]):
        code, out, err = cli("validate", *map(str, named), "--texts", str(texts))
        assert (code, out) == (0, ""), out
        assert f"ok: {len(named)} files, 0 errors" in err
    sample.write_text(sample.read_text(encoding="utf-8").replace('"examplecorp"', '"examplecrop"'), encoding="utf-8")
    code, out, _ = cli("validate", str(sample), "--texts", str(texts))
    assert code == 1
    assert [line.split(": ", 1)[1] for line in out.splitlines()] == [
        "error[ref.dangling] organization_id: no record has id examplecrop; did you mean examplecorp?"
    ]
    code, out, _ = cli("validate", str(sample), str(dataset / "organizations"), "--texts", str(texts))
    assert code == 1 and len(out.splitlines()) == 2 and "democorp.yaml" in out, "a folder beside it is reported whole"


def cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run(list(args))
    return code, out.getvalue(), err.getvalue()
