"""Regenerate the committed artifacts from dataset/ and the models.

Writes schema/v<major>/<table>.schema.json, src/ailedger/data/ (Parquet +
manifest) and src/ailedger/registry/<version>.txt (the SHA-256 of every release
file, which ailedger.download() checks), then runs scripts/refresh_docs.py
(data dictionary, README release table, charts). Run it after changing records
or models; tests fail until you do.

    python scripts/refresh.py [--texts ../shared/sources]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from refresh_docs import main as refresh_docs  # scripts/ is on sys.path when this script runs

from ailedger.loader import data_dir
from ailedger.release import schema_text, write_registry
from ailedger.release.tables import write_package_data
from ailedger.schema import MAJORS, version

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--texts", type=Path, default=ROOT.parent / "shared" / "sources")
    args = parser.parse_args()
    for major in MAJORS:  # the current major and the ones beside it (older, or the next in preview)
        folder = ROOT / "schema" / f"v{major}"
        folder.mkdir(parents=True, exist_ok=True)
        for table in version(major).TABLES:
            (folder / f"{table}.schema.json").write_text(schema_text(table, major), encoding="utf-8")
    texts = args.texts if args.texts.is_dir() else None
    manifest = write_package_data(ROOT / "dataset", data_dir(), texts)
    for name, entry in manifest["tables"].items():
        print(f"{name:<14} {entry['rows']:>5} rows  {entry['sha256'][:12]}")
    print(f"registry: {write_registry(ROOT / 'dataset', texts).relative_to(ROOT)}")
    refresh_docs()  # the data dictionary, README's release table and the charts follow the new data


if __name__ == "__main__":
    main()
