"""The validation cache never changes a result: a cached run reports exactly what a fresh run reports.

Every case folder is validated fresh, then twice through the cache (the first
run fills it, the second reads it); after an edit of one record file, of a
source text, and under another ailedger (a different stamp) the cached run
must again equal a fresh one.
"""

from __future__ import annotations

import contextlib
import io
import os
import pickle
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import CASES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ailedger.cli import run
from ailedger.validate import cache, record, rules, validate

BASE = CASES / "_base"
CASE_DIRS = sorted(p for p in CASES.glob("*/*") if p.is_dir() and p.parent.name != "_base" and (p / "files").is_dir())


def shape(paths: list[Path], texts: Path | None, folder: Path | None) -> list[str]:
    report = validate(paths, texts, cache=False if folder is None else folder)
    return [d.text() for d in report.diagnostics] + [f"files {report.files_checked}, records {len(report.records)}"]


def copy_base(tmp_path: Path, case: Path | None = None) -> tuple[Path, Path]:
    root, texts = tmp_path / "dataset", tmp_path / "texts"
    shutil.copytree(BASE / "dataset", root)
    shutil.copytree(BASE / "texts", texts)
    if case is not None:
        shutil.copytree(case / "files", root, dirs_exist_ok=True, symlinks=True)
        if (case / "texts").is_dir():
            shutil.copytree(case / "texts", texts, dirs_exist_ok=True)
    return root, texts


@pytest.mark.parametrize("case", CASE_DIRS, ids=[f"{p.parent.name}/{p.name}" for p in CASE_DIRS])
def test_cached_runs_equal_the_fresh_run(case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, texts = copy_base(tmp_path, case)
    monkeypatch.chdir(root)
    fresh = shape([Path(".")], texts, None)
    assert shape([Path(".")], texts, tmp_path / "cache") == fresh
    assert shape([Path(".")], texts, tmp_path / "cache") == fresh


@pytest.mark.parametrize("case", CASE_DIRS, ids=[f"{p.parent.name}/{p.name}" for p in CASE_DIRS])
def test_a_case_added_to_a_cached_dataset_gives_the_fresh_result(
    case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The case's files land on a dataset whose verdicts are cached: only what they change or lend is judged again."""
    root, texts = copy_base(tmp_path)
    monkeypatch.chdir(root)
    shape([Path(".")], texts, tmp_path / "cache")
    shutil.copytree(case / "files", root, dirs_exist_ok=True, symlinks=True)
    if (case / "texts").is_dir():
        shutil.copytree(case / "texts", texts, dirs_exist_ok=True)
    assert shape([Path(".")], texts, tmp_path / "cache") == shape([Path(".")], texts, None)
    edited = [p for p in (case / "files").glob("*/*.yaml") if p.parent.name in ("metrics", "events", "claims")]
    for path in edited:  # bytes change, nothing lent does: these records alone are judged again
        with (root / path.parent.name / path.name).open("a", encoding="utf-8") as out:
            out.write("\n# edited\n")
    assert shape([Path(".")], texts, tmp_path / "cache") == shape([Path(".")], texts, None)


def judged_records(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The paths each run's per-record rules judged (the rules across records always see every record)."""
    runs: list[list[str]] = []
    real = rules.check_apart

    def spy(*args: Any) -> tuple[list[Any], list[Any]]:
        runs.append([r.path for r in args[3]])
        return real(*args)

    monkeypatch.setattr(rules, "check_apart", spy)
    return runs


def test_an_edited_metric_alone_is_judged_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, texts = copy_base(tmp_path)
    monkeypatch.chdir(root)
    folder = tmp_path / "cache"
    shape([Path(".")], texts, folder)
    metric = Path("metrics") / "example-app-wau-2026-02.yaml"
    metric.write_text(metric.read_text(encoding="utf-8").replace("12500000", "12600000"), encoding="utf-8")
    runs = judged_records(monkeypatch)
    cached = shape([Path(".")], texts, folder)
    assert runs == [[str(metric)]]
    assert any("metric.quote-mismatch" in line for line in cached)
    assert cached == shape([Path(".")], texts, None)


def test_an_edited_model_judges_every_record_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A model lends its names to every quote that may name it: nothing is kept."""
    root, texts = copy_base(tmp_path)
    monkeypatch.chdir(root)
    folder = tmp_path / "cache"
    shape([Path(".")], texts, folder)
    model = next(Path("models").glob("*.yaml"))
    model.write_text(model.read_text(encoding="utf-8") + "aliases: [Exampel]\n", encoding="utf-8")
    runs = judged_records(monkeypatch)
    cached = shape([Path(".")], texts, folder)
    assert len(runs) == 1 and len(runs[0]) == len(list(Path(".").glob("*/*.yaml")))
    assert cached == shape([Path(".")], texts, None)


DERIVED = """id: example-app-dau-2026-02
schema_version: 2
subject_id: example-app
metric: weekly_active_users
value: 12500000
as_of: "2026-02-25"
derived_from: [example-app-wau-2026-02]
derivation: "The weekly figure taken as it is."
citations:
  - source_id: example-news
    quote: "the Example app reached 12,5 Millionen weekly active users at the end of February"
    supports: [subject_id, metric, value, derived_from]
"""


def test_a_metric_lends_its_quotes_to_what_derives_from_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The derived metric's date is judged by the quotes of what it is derived from: editing those judges it again."""
    root, texts = copy_base(tmp_path)
    monkeypatch.chdir(root)
    folder = tmp_path / "cache"
    Path("metrics", "example-app-dau-2026-02.yaml").write_text(DERIVED, encoding="utf-8")
    before = shape([Path(".")], texts, folder)
    assert any("date.sharper-than-quote" in line for line in before)
    source = Path("metrics", "example-app-wau-2026-02.yaml")
    source.write_text(source.read_text(encoding="utf-8").replace("value, as_of]", "value]"), encoding="utf-8")
    after = shape([Path(".")], texts, folder)
    assert after == shape([Path(".")], texts, None)
    assert not any("date.sharper-than-quote" in line for line in after)


def test_a_formula_meets_the_value_of_what_it_is_derived_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, texts = copy_base(tmp_path, CASES / "formula" / "accepted")
    monkeypatch.chdir(root)
    folder = tmp_path / "cache"
    assert not any("formula" in line for line in shape([Path(".")], texts, folder))
    derived = Path("metrics", "rival-2-wau-wire.yaml")  # judged alone: its formula still meets the other's value
    derived.write_text(derived.read_text(encoding="utf-8").replace("value: 30000000", "value: 31000000"), "utf-8")
    after = shape([Path(".")], texts, folder)
    assert after == shape([Path(".")], texts, None)
    assert any("metric.formula-mismatch" in line for line in after)
    target = Path("metrics", "example-app-wau-wire.yaml")  # what it lends: the derived metric is judged again
    target.write_text(target.read_text(encoding="utf-8").replace("value: 42000000", "value: 43000000"), "utf-8")
    assert shape([Path(".")], texts, folder) == shape([Path(".")], texts, None)


def test_records_no_rule_judges_again_stay_pickled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Unchanged metrics, models and organizations lend their facts (ids, names, references, figures) to the rules
    across records and to the record judged again; their models are not unpickled for them."""
    root, texts = copy_base(tmp_path)
    base = root / "metrics" / "example-app-wau-2026-02.yaml"
    for month in range(1, 10):  # other periods: the rules across records weigh them, nothing else reads them
        body = base.read_text(encoding="utf-8").replace("2026-02", f"2025-0{month}")
        (root / "metrics" / f"example-app-wau-2025-0{month}.yaml").write_text(body, encoding="utf-8")
    folder = tmp_path / "cache"
    shape([root], texts, folder)
    base.write_text(base.read_text(encoding="utf-8").replace("12500000", "12600000"), encoding="utf-8")
    loaded: list[str] = []
    real = cache._Stored.record_itself

    def spy(self: Any) -> Any:
        loaded.append(self.path)
        return real(self)

    monkeypatch.setattr(cache._Stored, "record_itself", spy)
    cached = shape([root], texts, folder)
    monkeypatch.undo()
    assert {Path(path).parent.name for path in loaded} <= {"sources", "events", "claims"}
    assert any("metric.quote-mismatch" in line for line in cached)
    assert cached == shape([root], texts, None)


def test_names_are_weighed_again_only_when_something_lent_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, texts = copy_base(tmp_path)
    model = root / "models" / "example-1.yaml"
    twin = root / "models" / "example-1-twin.yaml"
    twin.write_text(model.read_text(encoding="utf-8").replace("id: example-1", "id: example-1-twin"), "utf-8")
    folder = tmp_path / "cache"
    shape([root], texts, folder)
    calls: list[int] = []
    real = rules.duplicates

    def spy(ctx: Any) -> Any:
        calls.append(1)
        return real(ctx)

    monkeypatch.setattr(rules, "duplicates", spy)
    monkeypatch.setattr(rules, "ACROSS", tuple(spy if r is real else r for r in rules.ACROSS))
    metric = root / "metrics" / "example-app-wau-2026-02.yaml"
    metric.write_text(metric.read_text(encoding="utf-8").replace("12500000", "12600000"), encoding="utf-8")
    cached = shape([root], texts, folder)
    assert calls == []
    assert any("record.possible-duplicate" in line for line in cached)
    assert cached == shape([root], texts, None)
    calls.clear()
    twin.write_text(twin.read_text(encoding="utf-8").replace('"Example-1"', '"Example-One"'), "utf-8")
    cached = shape([root], texts, folder)
    assert calls == [1]
    assert not any("record.possible-duplicate" in line for line in cached)
    assert cached == shape([root], texts, None)


def test_a_cached_record_reads_and_pickles_as_the_model(tmp_path: Path) -> None:
    root, texts = copy_base(tmp_path)
    folder = tmp_path / "cache"
    fresh = validate([root], texts).records
    validate([root], texts, cache=folder)
    stored = validate([root], texts, cache=folder).records
    assert all(isinstance(r, cache._Stored) for r in stored)
    assert [(r.table, r.path, r.record, r.doc) for r in stored] == [(r.table, r.path, r.record, r.doc) for r in fresh]
    assert pickle.loads(pickle.dumps(stored)) == fresh


def calls_to_check_file(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    seen: list[Path] = []
    real = record.check_file

    def spy(table: str, path: Path, raw: bytes | None = None) -> tuple[record.ParsedRecord, list[record.Diagnostic]]:
        seen.append(path)
        return real(table, path, raw)

    monkeypatch.setattr(cache, "check_file", spy)
    return seen


def test_an_edited_file_is_read_again_and_only_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, texts = copy_base(tmp_path)
    folder = tmp_path / "cache"
    shape([root], texts, folder)
    metric = root / "metrics" / "example-app-wau-2026-02.yaml"
    metric.write_text(metric.read_text(encoding="utf-8").replace("12500000", "12600000"), encoding="utf-8")
    seen = calls_to_check_file(monkeypatch)
    cached = shape([root], texts, folder)
    assert seen == [metric]
    assert any("metric.quote-mismatch" in line for line in cached)
    assert cached == shape([root], texts, None)


def test_a_file_left_alone_is_known_by_its_stat(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file unchanged since it had settled before the last run is not read again; a rewrite that keeps its size
    and modification time is still seen, by its change time."""
    root, texts = copy_base(tmp_path)
    folder = tmp_path / "cache"
    monkeypatch.setattr(cache, "_RACY_NS", -10**10)  # every file counts as long settled
    shape([root], texts, folder)
    reads: list[Path] = []
    real = Path.read_bytes

    def spy(self: Path) -> bytes:
        reads.append(self)
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", spy)
    assert shape([root], texts, folder) == shape([root], texts, None)
    assert [p for p in reads if p.parent.parent == root and p.suffix == ".yaml"] == sorted(root.glob("*/*.yaml"))
    reads.clear()
    shape([root], texts, folder)
    assert not [p for p in reads if p.suffix == ".yaml"]
    metric = root / "metrics" / "example-app-wau-2026-02.yaml"
    before = metric.stat()
    time.sleep(0.05)  # past a coarse clock's tick, so the change time moves
    metric.write_text(metric.read_text(encoding="utf-8").replace("12500000", "12600000"), encoding="utf-8")
    os.utime(metric, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert metric.stat().st_size == before.st_size and metric.stat().st_mtime_ns == before.st_mtime_ns
    cached = shape([root], texts, folder)
    assert any("metric.quote-mismatch" in line for line in cached)
    assert cached == shape([root], texts, None)


def test_a_changed_source_text_is_never_trusted(tmp_path: Path) -> None:
    root, texts = copy_base(tmp_path)
    folder = tmp_path / "cache"
    before = shape([root], texts, folder)
    text = texts / "example-news.txt"
    text.write_text(text.read_text(encoding="utf-8").replace("Example", "Exemplary"), encoding="utf-8")
    after = shape([root], texts, folder)
    assert after != before
    assert after == shape([root], texts, None)
    text.unlink()
    assert shape([root], texts, folder) == shape([root], texts, None)
    assert shape([root], None, folder) == shape([root], None, None)


def test_the_texts_folder_is_named_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, texts = copy_base(tmp_path)
    (texts / "example-news.txt").unlink()
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "cache"
    for written in (texts, Path("texts"), Path("dataset/../texts")):
        assert shape([root], written, folder) == shape([root], written, None)


def test_another_ailedger_never_reads_the_entries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, texts = copy_base(tmp_path)
    folder = tmp_path / "cache"
    shape([root], texts, folder)
    monkeypatch.setattr(cache, "stamp", lambda: b"another version")
    seen = calls_to_check_file(monkeypatch)
    assert shape([root], texts, folder) == shape([root], texts, None)
    assert sorted(seen) == sorted(root.glob("*/*.yaml"))


def test_the_stamp_covers_the_code_and_the_libraries() -> None:
    package = Path(cache.__file__).resolve().parent.parent
    assert len(cache.stamp()) == 64
    assert (package / "validate" / "record.py").is_file()
    assert set(cache.LIBRARIES) >= {"pydantic", "pydantic-core", "PyYAML", "ruamel.yaml"}


@pytest.mark.parametrize("damage", [b"", b"not a pickle", pickle.dumps({"stamp": b"x"}), pickle.dumps([1, 2])])
def test_a_damaged_cache_is_an_empty_cache(tmp_path: Path, damage: bytes) -> None:
    root, texts = copy_base(tmp_path)
    folder = tmp_path / "cache"
    shape([root], texts, folder)
    [file] = folder.iterdir()
    file.write_bytes(damage)
    assert shape([root], texts, folder) == shape([root], texts, None)
    assert pickle.loads(file.read_bytes())["stamp"] == cache.stamp()


def test_a_cache_folder_that_cannot_be_written_is_skipped(tmp_path: Path) -> None:
    root, texts = copy_base(tmp_path)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would go", encoding="utf-8")
    assert shape([root], texts, blocker / "cache") == shape([root], texts, None)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    edits=st.lists(
        st.tuples(st.integers(0, 20), st.sampled_from(["append", "delete", "swap", "value", "name", "text"])),
        max_size=6,
    )
)
def test_any_sequence_of_edits_gives_the_fresh_result(
    edits: list[tuple[int, str]], tmp_path_factory: pytest.TempPathFactory
) -> None:
    top = tmp_path_factory.mktemp("edits")
    root, texts = copy_base(top)
    folder = top / "cache"
    files = sorted(root.glob("*/*.yaml"))
    for which, edit in edits:
        target = files[which % len(files)]
        if edit == "append" and target.exists():
            target.write_text(target.read_text(encoding="utf-8") + "notes: [edited]\n", encoding="utf-8")
        elif edit == "delete" and target.exists():
            target.unlink()
        elif edit == "swap" and target.exists():
            lines = target.read_text(encoding="utf-8").splitlines(keepends=True)
            target.write_text("".join(lines[1:2] + lines[:1] + lines[2:]), encoding="utf-8")
        elif edit == "value" and target.exists():  # a figure, a date or an id's digit changes
            body = target.read_text(encoding="utf-8")
            at = next((i for i, c in enumerate(body) if c.isdigit() and i > len(body) // 3), None)
            if at is not None:
                target.write_text(body[:at] + str((int(body[at]) + 1) % 10) + body[at + 1 :], encoding="utf-8")
        elif edit == "name" and target.exists():  # a name, a reference or a quote's word changes
            target.write_text(target.read_text(encoding="utf-8").replace("Example", "Exampel", 1), encoding="utf-8")
        elif edit == "text":
            with (texts / "example-news.txt").open("a", encoding="utf-8") as out:
                out.write("One more sentence.\n")
        assert shape([root], texts, folder) == shape([root], texts, None)


def cli(args: list[str], cwd: Path) -> tuple[int, str]:
    out = io.StringIO()
    before = os.getcwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            code = run(args)
    finally:
        os.chdir(before)
    return code, out.getvalue()


def test_the_command_caches_by_default_and_not_with_no_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, _ = copy_base(tmp_path)
    folder = tmp_path / "cache"
    monkeypatch.setenv(cache.ENV, str(folder))
    fresh = cli(["validate", ".", "--texts", "../texts", "--no-cache"], root)
    assert not folder.exists()
    assert cli(["validate", ".", "--texts", "../texts"], root) == fresh
    assert len(list(folder.glob("*.pickle"))) == 1
    assert cli(["validate", ".", "--texts", "../texts"], root) == fresh


def test_where_the_cache_lives(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cache.ENV, "off")
    assert cache.default_folder() is None
    monkeypatch.setenv(cache.ENV, str(tmp_path / "here"))
    assert cache.default_folder() == tmp_path / "here"
    monkeypatch.delenv(cache.ENV)
    monkeypatch.setenv("AILEDGER_CACHE", str(tmp_path / "shared"))
    assert cache.default_folder() == tmp_path / "shared" / "validate"
    monkeypatch.delenv("AILEDGER_CACHE")
    assert cache.default_folder() is not None
    assert cache.default_folder().name == "validate"  # type: ignore[union-attr]
