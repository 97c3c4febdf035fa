"""``ailedger build --out DIR``: the release files, reproducible, complete, atomic, and matching what the package
ships."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import DATASET, ROOT
from releases import chinese_dataset, grown_dataset

import ailedger
from ailedger import fetch, loader
from ailedger.cli import run
from ailedger.errors import BuildError
from ailedger.fetch import parse_sums
from ailedger.release import SUMS, build_release, card, database, jsonl_text
from ailedger.release.tables import write_package_data
from ailedger.schema import LATEST, SCHEMA_VERSION
from ailedger.schema.json_schema import GENERATED, json_schema

TABLES = list(LATEST.TABLES)
METADATA = ["README.md", SUMS, "croissant.json", "datapackage.json"]
SITE = [database.FILE, database.METADATA]
"""Files a release gained after 2026.11.30 was published: its registry, frozen, does not list them."""
FILES = sorted(METADATA + SITE + [f"{t}.{ext}" for t in TABLES for ext in ("parquet", "jsonl", "schema.json")])


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory, texts: Path) -> Path:
    out = tmp_path_factory.mktemp("release") / "release"
    build_release(DATASET, out, texts)
    return out


def test_two_builds_are_byte_identical(tmp_path: Path, release: Path, texts: Path) -> None:
    again = tmp_path / "again"
    build_release(DATASET, again, texts)
    assert sorted(p.name for p in again.iterdir()) == FILES
    for name in FILES:
        assert (again / name).read_bytes() == (release / name).read_bytes(), name


def test_sha256sums_lists_every_other_file(release: Path) -> None:
    sums = parse_sums((release / SUMS).read_text(encoding="utf-8"))
    assert sorted(sums) == [f for f in FILES if f != SUMS]
    for name, digest in sums.items():
        assert loader.sha256(release / name) == digest, name


def test_release_parquet_is_the_parquet_the_package_ships(tmp_path: Path, release: Path, texts: Path) -> None:
    """One hash covers both: in what the package ships, and in what one build writes."""
    shipped = fetch.registry(ailedger.DATASET_VERSION)
    package_data = write_package_data(DATASET, tmp_path / "data", texts)
    for table in TABLES:
        assert shipped[f"{table}.parquet"] == loader.manifest()["tables"][table]["sha256"], table
        assert loader.sha256(release / f"{table}.parquet") == package_data["tables"][table]["sha256"], table


def test_parquet_carries_versions_descriptions_and_meaningful_types(release: Path) -> None:
    for table in TABLES:
        file = pq.ParquetFile(release / f"{table}.parquet")
        schema = file.schema_arrow
        assert schema.metadata[b"ailedger.schema_version"] == SCHEMA_VERSION.encode()
        assert schema.metadata[b"ailedger.dataset_version"] == ailedger.DATASET_VERSION.encode()
        model = LATEST.TABLES[table]
        for name, info in model.model_fields.items():
            if info.description:
                assert schema.field(name).metadata[b"description"] == info.description.encode(), (table, name)
        chunk = file.metadata.row_group(0).column(0)
        assert chunk.compression == "ZSTD"
        assert "RLE_DICTIONARY" in chunk.encodings
    dates = [
        pq.read_schema(release / "models.parquet").field(name).type
        for name in ("announced", "available", "weights_released")
    ]
    assert dates == 3 * [pa.struct([("edtf", pa.string()), ("earliest", pa.date32()), ("latest", pa.date32())])]
    assert pq.read_schema(release / "models.parquet").field("runs_on").type.value_type == pa.string()


def test_parquet_pages_carry_checksums(tmp_path: Path, release: Path) -> None:
    """A flipped byte inside a data page fails the read when page checksums are verified."""
    data = bytearray((release / "metrics.parquet").read_bytes())
    group = pq.ParquetFile(release / "metrics.parquet").metadata.row_group(0)
    (column,) = [group.column(i) for i in range(group.num_columns) if group.column(i).path_in_schema == "value"]
    start = column.dictionary_page_offset or column.data_page_offset
    data[start + column.total_compressed_size - 1] ^= 0x01  # the last byte of the column's last page
    broken = tmp_path / "metrics.parquet"
    broken.write_bytes(bytes(data))
    with pytest.raises(OSError, match="CRC"):
        pq.read_table(broken, page_checksum_verification=True)


def test_jsonl_is_the_models_json_sorted_by_id(release: Path) -> None:
    for table in TABLES:
        records = ailedger.load(table)
        lines = (release / f"{table}.jsonl").read_text(encoding="utf-8").splitlines()
        assert lines == [r.model_dump_json() for r in sorted(records, key=lambda r: r.id)]
        model = LATEST.TABLES[table]
        assert [model.model_validate_json(line, strict=True) for line in lines] == sorted(records, key=lambda r: r.id)


def test_json_schemas_are_the_published_ones(release: Path) -> None:
    for table in TABLES:
        shipped = json.loads((release / f"{table}.schema.json").read_text(encoding="utf-8"))
        assert shipped == json_schema(table)
        assert shipped == json.loads(
            (ROOT / GENERATED / f"v{LATEST.MAJOR}" / f"{table}.schema.json").read_text(encoding="utf-8")
        )


def test_chinese_text_is_written_as_utf8_not_escaped(tmp_path: Path) -> None:
    dataset, texts = chinese_dataset(tmp_path)
    out = tmp_path / "release"
    build_release(dataset, out, texts)
    assert '"aliases":["示例实验室"]' in (out / "organizations.jsonl").read_text(encoding="utf-8")
    assert jsonl_text([]) == ""


def test_foreign_keys_are_the_single_valued_single_table_references(release: Path) -> None:
    package = json.loads((release / "datapackage.json").read_text(encoding="utf-8"))
    keys = {
        (r["name"], fk["fields"][0], fk["reference"].get("resource", r["name"]))
        for r in package["resources"] if "-" not in r["name"]
        for fk in r["schema"]["foreignKeys"]
    }
    assert keys == {
        ("sources", "publisher", "organizations"),
        ("organizations", "parent_id", "organizations"),
        ("models", "organization_id", "organizations"),
        ("models", "family_id", "models"),
        ("metrics", "measured_by", "organizations"),
        ("claims", "asserted_by", "organizations"),
    }
    assert package["licenses"][0]["name"] == "CC-BY-4.0"
    assert package["sources"] and all(s["title"] for s in package["sources"])


def test_dataset_card_header_points_the_hub_at_every_parquet_file(release: Path) -> None:
    from ruamel.yaml import YAML

    text = (release / "README.md").read_text(encoding="utf-8")
    assert text.startswith("---\n")
    header = YAML(typ="safe").load(text.split("---\n")[1])
    assert header["license"] == "cc-by-4.0"
    rows = sum(pq.read_metadata(release / f"{t}.parquet").num_rows for t in TABLES)
    assert header["size_categories"] == [card.size_category(rows)]
    assert "de" in header["language"] and "en" in header["language"]
    configs = {c["config_name"]: c["data_files"] for c in header["configs"]}
    assert configs == {t: [{"split": "train", "path": f"{t}.parquet"}] for t in TABLES}
    assert [c["config_name"] for c in header["configs"] if c.get("default")] == ["models"]
    assert header["pretty_name"] and header["task_categories"] and header["tags"]


@pytest.mark.parametrize(
    ("rows", "category"), [(0, "n<1K"), (999, "n<1K"), (1_000, "1K<n<10K"), (99_999, "10K<n<100K"), (10**6, "1M<n<10M")]
)
def test_size_category_follows_the_row_count(rows: int, category: str) -> None:
    from ailedger.release.card import size_category

    assert size_category(rows) == category


def test_dataset_card_carries_the_data_dictionary(release: Path) -> None:
    from ailedger.release.dictionary import dictionary_markdown

    text = (release / "README.md").read_text(encoding="utf-8")
    assert dictionary_markdown(heading_level=2) in text
    assert text.index("## Data dictionary") < text.index("## Sources")


def test_a_bulk_file_changes_no_other_record_and_is_counted_everywhere(tmp_path: Path) -> None:
    """A table with bulk rows is written from Arrow rows, not models: nulls must stay null, and every count must agree.
    """
    import re

    dataset, texts, added = grown_dataset(tmp_path, rows=40)
    out = tmp_path / "release"
    build_release(dataset, out, texts)
    lines = (out / "metrics.jsonl").read_text(encoding="utf-8").splitlines()
    by_id = {json.loads(line)["id"]: json.loads(line) for line in lines}
    assert set(added.bulk_ids) <= set(by_id)
    assert by_id["demodraw-wau-reported-2026-01"]["as_of"] is None
    assert all(v != "" for rec in by_id.values() for v in rec.values()), "an empty string where the record has null"
    text = (out / "README.md").read_text(encoding="utf-8")
    for table in TABLES:
        rows = pq.read_metadata(out / f"{table}.parquet").num_rows
        assert len((out / f"{table}.jsonl").read_text(encoding="utf-8").splitlines()) == rows, table
        assert f"| `{table}` | {rows} |" in text, table
        found = re.search(rf"^### {table}\n\n[^\n]* (\d+) records? in this release", text, re.M)
        assert found and int(found[1]) == rows, table


def test_shipped_registry_matches_a_fresh_build(release: Path) -> None:
    """The registry download() trusts is the build of this commit: rerun scripts/refresh.py when this fails.

    Parquet records its writer in the footer (``created_by``), so the bytes, and the
    metadata files that hash them, only match a build with the pyarrow version
    that wrote the registry. With the same writer the whole registry must match;
    with another (a newer pyarrow in CI) the JSON files and every Parquet file's
    rows, schema and metadata must still match the shipped ones.
    """
    shipped = fetch.registry(ailedger.DATASET_VERSION)
    fresh = {f.name: loader.sha256(f) for f in release.iterdir()}
    if not set(SITE) <= set(shipped):
        # A version published before the site database keeps its registry (a published release never
        # changes): a fresh build adds the site files, and so also lists them in its SHA256SUMS and card.
        assert sorted(shipped) == sorted(set(FILES) - set(SITE))
        fresh = {name: fresh[name] for name in shipped if name not in (SUMS, "README.md")}
        shipped = {name: shipped[name] for name in fresh}
    else:
        assert sorted(shipped) == FILES
    packaged = pq.ParquetFile(loader.path("models")).metadata.created_by
    if packaged == pq.ParquetFile(release / "models.parquet").metadata.created_by:
        assert fresh == shipped
        return
    for table in TABLES:
        for name in (f"{table}.jsonl", f"{table}.schema.json"):
            assert fresh[name] == shipped[name], name
        built, ours = pq.read_table(release / f"{table}.parquet"), ailedger.load_table(table)
        assert built.equals(ours, check_metadata=True), table


def test_failed_build_leaves_the_previous_release(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, release: Path, texts: Path
) -> None:
    from ailedger import release as release_module

    out = tmp_path / "release"
    build_release(DATASET, out, texts)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    written = []

    def failing(table: pa.Table, path: Path) -> None:
        if written:
            raise OSError("disk full")
        written.append(path)
        pq.write_table(table, path)

    monkeypatch.setattr(release_module, "write_parquet", failing)
    with pytest.raises(OSError, match="disk full"):
        build_release(DATASET, out, texts)
    assert written
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".release.lock", "release"]  # the staging folder is gone


KILL_AFTER_FIRST_FILE = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from ailedger.release import tables
    from ailedger import release

    def write_then_die(table, path):
        tables.write_parquet(table, path)
        os.kill(os.getpid(), signal.SIGKILL)

    release.write_parquet = write_then_die
    release.build_release(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
    """
)


@pytest.mark.slow
def test_killed_build_leaves_the_previous_release_and_no_final_name(tmp_path: Path, texts: Path) -> None:
    out = tmp_path / "release"
    build_release(DATASET, out, texts)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    proc = subprocess.run(
        [sys.executable, "-c", KILL_AFTER_FIRST_FILE, str(DATASET), str(out), str(texts)],
        capture_output=True, check=False, timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    leftovers = [p for p in tmp_path.iterdir() if p.name not in ("release", ".release.lock")]
    assert len(leftovers) == 1 and leftovers[0].name.startswith(".release.staging-")  # the hidden staging folder
    assert [p.name for p in leftovers[0].iterdir()] == ["sources.parquet"]


def test_build_command_writes_the_release_and_refuses_a_dataset_with_errors(
    tmp_path: Path, texts: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "release"
    assert run(["build", "--out", str(out), "--dataset", str(DATASET), "--texts", str(texts)]) == 0
    assert sorted(p.name for p in out.iterdir()) == FILES
    assert "wrote 24 files" in capsys.readouterr().err
    dataset, texts_zh = chinese_dataset(tmp_path / "zh")
    (dataset / "models" / "example-1.yaml").write_text("id: example-1\nschema_version: 1\n", encoding="utf-8")
    with pytest.raises(BuildError, match="errors in"):
        build_release(dataset, out, texts_zh)
    assert sorted(p.name for p in out.iterdir()) == FILES
