"""Regenerate the committed artifacts from dataset/ and the models, in the checkout this script is in.

Writes schema/generated/v<major>/<table>.schema.json, src/ailedger/data/ (Parquet +
manifest) and src/ailedger/registry/<version>.txt (the SHA-256 of every release
file, which ailedger.download() checks), then runs scripts/refresh_docs.py
(data dictionary, README's release table and example output, charts). Run it
after changing records or models; tests fail until you do.

Every path comes from this file's location, and the ailedger it runs is the one
in this checkout's src/, whatever copy pip installed: an installed copy is never
written. A published dataset version is immutable: when the data no longer
builds the release that version's registry describes, the registry is left as
it is and the script says how to make a new version (exit 1).

Like ``ailedger build`` it checks every quote against its source's text, looked
up in the text cache (fill it with ``ailedger texts fetch``), in ``--texts DIR``
or in ``$AILEDGER_TEXTS``; it refuses when a text is missing unless
``--allow-unverified``, and the packaged manifest and the release then say
which sources were not checked.

    python scripts/refresh.py [--texts DIR] [--allow-unverified]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))  # this checkout's ailedger, never an installed copy

from refresh_docs import main as refresh_docs  # noqa: E402 - scripts/ is on sys.path when this script runs

import ailedger  # noqa: E402
from ailedger._version import __version__  # noqa: E402
from ailedger.errors import AiledgerError  # noqa: E402
from ailedger.release import registry_text, schema_text  # noqa: E402
from ailedger.release.tables import write_package_data  # noqa: E402
from ailedger.schema import MAJORS, version  # noqa: E402
from ailedger.schema.json_schema import GENERATED  # noqa: E402
from ailedger.texts import Store, resolve  # noqa: E402

PACKAGE = ROOT / "src" / "ailedger"
NEW_VERSION = """\
A published version never changes, so this data needs a new dataset version:
  1. set __version__ in src/ailedger/_version.py to the release date, YYYY.MM.DD (after {version});
  2. set version and date-released in CITATION.cff, and name the version in CHANGELOG.md;
  3. run python scripts/refresh.py again and commit what it writes.
See CONTRIBUTING.md, "Dataset versions"."""


def published(release: str) -> str | None:
    """How we know ``release`` was published (its git tag, or its CHANGELOG section), or None."""
    tag = f"v{release}"
    done = subprocess.run(["git", "-C", str(ROOT), "tag", "--list", tag], capture_output=True, text=True, check=False)
    if done.returncode == 0 and done.stdout.strip() == tag:
        return f"git tag {tag}"
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    if any(line.startswith((f"## {release}", f"## [{release}]")) for line in changelog.splitlines()):
        return f"CHANGELOG.md section {release}"
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--texts", type=Path, help="folder of <source id>.txt (default: $AILEDGER_TEXTS, else the text cache)"
    )
    parser.add_argument(
        "--allow-unverified", action="store_true",
        help="write the data even when source texts are missing; it is marked unverified",
    )
    args = parser.parse_args()
    if Path(ailedger.__file__).resolve().parent != PACKAGE:
        print(f"refresh: error: imported ailedger from {ailedger.__file__}, not from {PACKAGE}", file=sys.stderr)
        return 2
    for major in MAJORS:  # the current major and the ones beside it (older, or the next in preview)
        folder = ROOT / GENERATED / f"v{major}"
        folder.mkdir(parents=True, exist_ok=True)
        for table in version(major).TABLES:
            (folder / f"{table}.schema.json").write_text(schema_text(table, major), encoding="utf-8")
    texts = resolve(args.texts)
    try:
        manifest = write_package_data(ROOT / "dataset", PACKAGE / "data", texts, args.allow_unverified)
    except AiledgerError as exc:
        print(f"refresh: error: {exc}", file=sys.stderr)
        return 1
    for name, entry in manifest["tables"].items():
        print(f"{name:<14} {entry['rows']:>7} rows  {entry['sha256'][:12]}")
    checked = manifest["verification"]["quotes_verified"]
    code = write_registry(texts, args.allow_unverified)
    refresh_docs()  # the data dictionary, README's release table and examples and the charts follow the data
    if not checked:
        print(f"\n*** QUOTES NOT CHECKED: some source texts are not in the {texts.describe()}. The data is marked\n"
              "*** unverified (manifest.json, the release's datapackage.json and card). ***\n", file=sys.stderr)
    return code


def same_files(old: str, new: str) -> bool:
    """Whether two registries name the same files with the same hashes (sizes aside)."""
    from ailedger.fetch import parse_registry

    def hashes(text: str) -> dict[str, str]:
        return {name: entry.sha256 for name, entry in parse_registry(text).items()}

    return hashes(old) == hashes(new)


def write_registry(texts: Store, allow_unverified: bool) -> int:
    """Write this version's registry unless the version is published and the data changed; 1 then, else 0."""
    target = PACKAGE / "registry" / f"{__version__}.txt"
    text = registry_text(ROOT / "dataset", texts, allow_unverified)
    if target.is_file() and target.read_text(encoding="utf-8") == text:
        print(f"registry: {target.relative_to(ROOT)} (unchanged)")
        return 0
    how = published(__version__) if target.is_file() else None
    if how is not None and same_files(target.read_text(encoding="utf-8"), text):
        # Written before the registry recorded sizes: the same files, and a published registry never changes.
        print(f"registry: {target.relative_to(ROOT)} (unchanged files; published, kept in its older format)")
        return 0
    if how is not None:
        kept = f"refresh: dataset version {__version__} is published ({how}); {target.relative_to(ROOT)} is kept.\n"
        print(kept + NEW_VERSION.format(version=__version__), file=sys.stderr)
        return 1
    target.parent.mkdir(exist_ok=True)
    target.write_text(text, encoding="utf-8")
    print(f"registry: {target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
