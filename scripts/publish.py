"""Publish a built release: the files to the GitHub release and the Hugging Face mirror, checked first.

The release workflow (.github/workflows/release.yml) runs this on a version tag
after building ``release/`` (``ailedger build``) and ``dist/`` (``python -m
build``). Every address the project prints or ships must be one this plan
publishes (tests/test_publish.py checks them all), so the plan is the one place
that says where each file goes:

- each release file: an asset of the GitHub release ``v<version>`` (what
  ``ailedger.download()`` fetches) and a file at the root of the Hugging Face
  dataset repository, tagged ``v<version>`` there too;
- each schema version: ``schema/<X-Y-Z>/<table>.schema.json`` on the Hugging
  Face repository, where the schemas' ``$id`` point (every frozen version, and
  this release's);
- the wheel and sdist: the package index (the workflow uploads them with
  trusted publishing; this script only checks and lists them).

Before anything is sent it checks that the tag is ``v`` + ``DATASET_VERSION``,
that the registry this package ships for that version lists exactly the built
files with their hashes, that ``SHA256SUMS`` agrees, that this schema version is
frozen in ``schema/`` with the release's text, and that the distributions carry
the version.

    python scripts/publish.py --release release --dist dist --tag v2026.11.30 --dry-run
    python scripts/publish.py --release release --dist dist --tag "$GITHUB_REF_NAME" --to github
    python scripts/publish.py --release release --dist dist --tag "$GITHUB_REF_NAME" --to huggingface
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ailedger._version import __version__
from ailedger.fetch import DEFAULT_BASE_URL, parse_registry, parse_sums, registry_path
from ailedger.loader import sha256
from ailedger.release import SUMS
from ailedger.schema import SCHEMA_VERSION
from ailedger.schema.json_schema import GENERATED

ROOT = Path(__file__).resolve().parent.parent
GITHUB_REPO = "ailedger/ailedger"
HUB_REPO = "ailedger/ailedger"
PACKAGE = "ailedger"
REPOSITORY = f"https://github.com/{GITHUB_REPO}"
HUB = f"https://huggingface.co/datasets/{HUB_REPO}"
INDEX = f"https://pypi.org/project/{PACKAGE}/"
SCHEMA_FOLDER = re.compile(r"\d+-\d+-\d+")


@dataclass(frozen=True, slots=True)
class Entry:
    """One file sent to one place."""

    path: Path
    sha256: str
    target: str  # github, huggingface or pypi
    destination: str  # where it can be fetched once published
    name_in_target: str  # asset name, path in the Hub repository, or distribution file name


def asset_base(version: str) -> str:
    return f"{REPOSITORY}/releases/download/v{version}/"


def hub_file(path: str, revision: str) -> str:
    return f"{HUB}/resolve/{revision}/{path}"


def schema_files(release: Path, version: str = SCHEMA_VERSION) -> dict[str, Path]:
    """Path in the Hub repository to local file, for every schema version: the frozen folders and this release's."""
    out = {}
    for folder in sorted(p for p in (ROOT / "schema").iterdir() if p.is_dir() and SCHEMA_FOLDER.fullmatch(p.name)):
        for file in sorted(folder.glob("*.schema.json")):
            out[f"schema/{folder.name}/{file.name}"] = file
    for file in sorted(release.glob("*.schema.json")):
        out.setdefault(f"schema/{version}/{file.name}", file)
    return out


def plan(release: Path, dist: Path | None = None, version: str = __version__) -> list[Entry]:
    """Every file this release publishes and where it goes, in a stable order."""
    entries = []
    files = sorted(p for p in release.iterdir() if p.is_file())
    for file in files:
        digest = sha256(file)
        entries.append(Entry(file, digest, "github", asset_base(version) + file.name, file.name))
    for file in files:
        entries.append(Entry(file, sha256(file), "huggingface", hub_file(file.name, f"v{version}"), file.name))
    for path_in_repo, file in schema_files(release).items():
        entries.append(Entry(file, sha256(file), "huggingface", hub_file(path_in_repo, "main"), path_in_repo))
    for file in sorted(dist.iterdir()) if dist is not None else []:
        entries.append(Entry(file, sha256(file), "pypi", f"{INDEX}{version}/#files", file.name))
    return entries


def pages(version: str = __version__) -> set[str]:
    """Addresses that are not files of the plan but exist once it ran: the places that hold them."""
    return {
        REPOSITORY,
        f"{REPOSITORY}/issues",
        f"{REPOSITORY}/releases",
        f"{REPOSITORY}/releases/tag/v{version}",
        HUB,
        INDEX,
        f"{INDEX}{version}/",
    }


FILE_BASES = (f"{REPOSITORY}/blob/", f"{REPOSITORY}/tree/", f"https://raw.githubusercontent.com/{GITHUB_REPO}/")
"""Where GitHub serves the repository's files, by ref: ``main``, and the tag each release is published from."""


def repository_file(url: str, version: str, root: Path = ROOT) -> bool:
    """A file of the repository at ``main`` or at the tag the release is published from, as GitHub serves it."""
    if url.rstrip("/") + "/" in FILE_BASES:
        return True
    for prefix in FILE_BASES:
        if url.startswith(prefix):
            ref, _, path = url.removeprefix(prefix).partition("/")
            return ref in ("main", f"v{version}") and bool(path) and (root / path).exists()
    return False


def resolves(url: str, entries: Iterable[Entry], version: str = __version__, root: Path = ROOT) -> bool:
    """Whether ``url`` (``{version}`` in it replaced) names a file, a folder of files or a page the plan publishes."""
    url = url.replace("{version}", version).split("#")[0]
    destinations = {e.destination.split("#")[0] for e in entries}
    if url in destinations or url.rstrip("/") in {p.rstrip("/") for p in pages(version)}:
        return True
    base = url if url.endswith("/") else url + "/"
    return any(d.startswith(base) for d in destinations) or repository_file(url, version, root)


def check(release: Path, dist: Path | None, tag: str | None, version: str = __version__) -> list[str]:
    """Every reason not to publish: an empty list means go."""
    problems = []
    if tag is not None and tag != f"v{version}":
        problems.append(f"tag {tag} is not v{version}, the DATASET_VERSION of this commit: tag the commit that sets it")
    built = {p.name: sha256(p) for p in release.iterdir() if p.is_file()}
    if not built:
        return [*problems, f"{release}: no release files; run ailedger build --out {release}"]
    shipped_path = registry_path(version)
    if not shipped_path.is_file():
        problems.append(f"no registry {shipped_path.relative_to(ROOT)}: run python scripts/refresh.py and commit it")
    else:
        entries = parse_registry(shipped_path.read_text(encoding="utf-8"))
        shipped = {name: entry.sha256 for name, entry in entries.items()}
        for name in sorted(set(built) | set(shipped)):
            if built.get(name) != shipped.get(name):
                got, want = built.get(name, "missing from the build"), shipped.get(name, "missing from the registry")
                problems.append(f"{name}: built {got}, registry of {version} says {want}; "
                                "run python scripts/refresh.py")
            elif entries[name].size not in (None, (release / name).stat().st_size):
                problems.append(f"{name}: {(release / name).stat().st_size} bytes, registry of {version} says "
                                f"{entries[name].size}; run python scripts/refresh.py")
    if SUMS in built:
        listed = parse_sums((release / SUMS).read_text(encoding="utf-8"))
        if listed != {n: h for n, h in built.items() if n != SUMS}:
            problems.append(f"{SUMS} does not list exactly the other files with their hashes: rebuild the release")
    else:
        problems.append(f"{SUMS} missing from {release}: rebuild the release")
    if tag is not None:
        frozen = ROOT / "schema" / SCHEMA_VERSION
        for file in sorted(release.glob("*.schema.json")):
            if not (frozen / file.name).is_file():
                generated = f"{GENERATED}/v{SCHEMA_VERSION.split('-')[0]}/"
                problems.append(f"schema {SCHEMA_VERSION} is not frozen: copy {generated} "
                                f"to schema/{SCHEMA_VERSION}/ and commit it before tagging")
                break
            if (frozen / file.name).read_bytes() != file.read_bytes():
                problems.append(f"schema/{SCHEMA_VERSION}/{file.name} (frozen) differs from the release's {file.name}; "
                                "a released schema never changes: bump SCHEMA_VERSION")
    if dist is not None:
        names = sorted(p.name for p in dist.iterdir())
        wheels = [n for n in names if n.endswith(".whl")]
        sdists = [n for n in names if n.endswith(".tar.gz")]
        if len(wheels) != 1 or len(sdists) != 1 or len(names) != 2:
            problems.append(f"{dist} should hold one wheel and one sdist, holds {names}")
        for name in wheels + sdists:
            if not name.startswith(f"{PACKAGE}-{version}"):
                problems.append(f"{dist / name} is not version {version}")
    if DEFAULT_BASE_URL.format(version=version) != asset_base(version):
        problems.append(f"ailedger.fetch.DEFAULT_BASE_URL ({DEFAULT_BASE_URL}) is not where the assets go "
                        f"({asset_base(version)})")
    return problems


def show(entries: list[Entry]) -> str:
    """One line per file sent: its SHA-256, where it goes and the local file."""
    return "".join(f"{e.sha256}  {e.target:<11}  {e.destination}  <-  {e.path}\n" for e in entries)


def to_github(entries: list[Entry], version: str) -> None:
    """The release's files as the assets of the GitHub release of the tag (the gh CLI; GH_TOKEN from the workflow)."""
    tag = f"v{version}"
    files = [str(e.path) for e in entries if e.target == "github"]
    view = subprocess.run(["gh", "release", "view", tag, "--repo", GITHUB_REPO], capture_output=True, check=False)
    exists = view.returncode == 0
    if exists:
        subprocess.run(["gh", "release", "upload", tag, *files, "--clobber", "--repo", GITHUB_REPO], check=True)
    else:
        notes = [e.path for e in entries if e.name_in_target == "CHANGES.md"]
        notes_args = ["--notes-file", str(notes[0])] if notes else ["--notes", f"ailedger dataset {version}"]
        subprocess.run(["gh", "release", "create", tag, *files, "--verify-tag", "--title", f"ailedger {version}",
                        *notes_args, "--repo", GITHUB_REPO], check=True)


def to_huggingface(entries: list[Entry], version: str) -> None:
    """Mirror to the Hub: the repository becomes this release plus every schema version, then is tagged v<version>.

    Files of an older release that this one no longer has are deleted (the tag of
    that release keeps them). The token is HF_TOKEN, a secret of the workflow.
    """
    from huggingface_hub import HfApi

    api = HfApi(token=os.environ.get("HF_TOKEN"))
    api.create_repo(HUB_REPO, repo_type="dataset", exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        staged = Path(scratch)
        for e in entries:
            if e.target == "huggingface":
                (staged / e.name_in_target).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(e.path, staged / e.name_in_target)
        api.upload_folder(repo_id=HUB_REPO, repo_type="dataset", folder_path=staged, delete_patterns=["*", "**/*"],
                          commit_message=f"ailedger {version}")
    api.create_tag(HUB_REPO, tag=f"v{version}", repo_type="dataset", exist_ok=True)
    sent = {e.name_in_target: e.sha256 for e in entries if e.target == "huggingface"}
    for info in api.get_paths_info(HUB_REPO, sorted(sent), expand=True, revision=f"v{version}", repo_type="dataset"):
        lfs = getattr(info, "lfs", None)
        if lfs is not None and lfs.sha256 != sent[info.path]:
            raise SystemExit(f"{HUB}: {info.path} has SHA-256 {lfs.sha256} on the Hub, {sent[info.path]} was sent")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--release", type=Path, required=True, help="the folder ailedger build --out wrote")
    parser.add_argument("--dist", type=Path, help="the folder python -m build wrote (wheel and sdist)")
    parser.add_argument("--tag", help="the tag being released (v<DATASET_VERSION>); checks the frozen schema too")
    parser.add_argument("--to", choices=["github", "huggingface"], action="append", default=[], help="publish there")
    parser.add_argument("--dry-run", action="store_true",
                        help="check and print every file, hash and destination; send nothing")
    args = parser.parse_args(argv)
    if not args.release.is_dir():
        print(f"error: {args.release} is not a folder; build the release first (ailedger build --out {args.release})",
              file=sys.stderr)
        return 2
    entries = plan(args.release, args.dist)
    sys.stdout.write(show(entries))
    problems = check(args.release, args.dist, args.tag)
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if problems:
        print(f"refused: {len(problems)} problems; nothing was published", file=sys.stderr)
        return 1
    sending = not args.dry_run and args.to
    print(f"ok: {len(entries)} files to publish for v{__version__}" + ("" if sending else " (dry run: nothing sent)"),
          file=sys.stderr)
    if args.dry_run:
        return 0
    if "github" in args.to:
        to_github(entries, __version__)
    if "huggingface" in args.to:
        to_huggingface(entries, __version__)
    return 0


if __name__ == "__main__":
    sys.exit(main())
