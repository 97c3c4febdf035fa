"""scripts/publish.py: the release workflow's plan lists every file with its hash and destination, refuses a
release that does not match what the package ships, and holds every address the project prints or ships."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from email.parser import Parser
from pathlib import Path
from types import ModuleType

import pytest
from conftest import DATASET, ROOT

import ailedger
from ailedger.loader import sha256
from ailedger.release import SUMS, build_release
from ailedger.schema import SCHEMA_VERSION


def _load_publish() -> ModuleType:
    spec = importlib.util.spec_from_file_location("publish", ROOT / "scripts" / "publish.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["publish"] = module
    spec.loader.exec_module(module)
    return module


publish = _load_publish()
VERSION = ailedger.DATASET_VERSION
URL = re.compile(r"https?://[^\s\"'<>`()\[\]\\]+")
# What the project ships or prints, beside the package's own code and data: every address in these is checked.
SHIPPED = [
    "pyproject.toml", "CITATION.cff", ".pre-commit-hooks.yaml", "README.md", "CONTRIBUTING.md", "CHANGELOG.md",
    "hatch_build.py", "docs/*.md", "schema/**/*.json", "src/**/*.py", "src/**/*.json", "src/**/*.html",
    "scripts/*.py", ".github/**/*.yml", ".github/CODEOWNERS",
]
TEXT_SUFFIXES = {".md", ".json", ".jsonl", ".txt", ""}


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory, texts: Path) -> Path:
    out = tmp_path_factory.mktemp("publish") / "release"
    build_release(DATASET, out, texts)
    return out


def dry_run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "publish.py"), "--dry-run", *args],
        capture_output=True, text=True, timeout=300, check=False,
    )


def project_urls(text: str) -> set[str]:
    """The addresses of this project in a text (ailedger's own, not the sources' or the standards')."""
    out = set()
    for url in URL.findall(text):
        url = url.rstrip(".,;:")
        while url.endswith("}") and url.count("}") > url.count("{"):  # the end of a BibTeX field
            url = url[:-1]
        if "ailedger" in url.split("://", 1)[1]:
            out.add(url)
    return out


def test_dry_run_lists_every_release_file_with_its_hash_and_destinations(release: Path) -> None:
    result = dry_run("--release", str(release), "--tag", f"v{VERSION}")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    for file in sorted(release.iterdir()):
        digest = sha256(file)
        assert f"{digest}  github       {publish.asset_base(VERSION)}{file.name}  <-  {file}" in lines
        hub = f"https://huggingface.co/datasets/ailedger/ailedger/resolve/v{VERSION}/{file.name}"
        assert f"{digest}  huggingface  {hub}  <-  {file}" in lines
    for folder in (ROOT / "schema").glob("[0-9]*-[0-9]*-[0-9]*"):
        for file in folder.iterdir():
            hub = f"https://huggingface.co/datasets/ailedger/ailedger/resolve/main/schema/{folder.name}/{file.name}"
            assert any(line.startswith(f"{sha256(file)}  huggingface  {hub}  <-") for line in lines), file
    assert "nothing sent" in result.stderr


def test_the_tag_must_be_the_dataset_version(release: Path) -> None:
    result = dry_run("--release", str(release), "--tag", "v1999.01.01")
    assert result.returncode == 1
    assert f"tag v1999.01.01 is not v{VERSION}" in result.stderr and "nothing was published" in result.stderr


def test_a_release_that_differs_from_the_registry_is_refused(release: Path, tmp_path: Path) -> None:
    altered = tmp_path / "release"
    shutil.copytree(release, altered)
    with (altered / "models.jsonl").open("a", encoding="utf-8") as f:
        f.write("\n")
    (altered / "stray.txt").write_text("not built\n", encoding="utf-8")
    problems = publish.check(altered, None, None)
    assert any(p.startswith("models.jsonl: built ") and "run python scripts/refresh.py" in p for p in problems)
    assert any(p.startswith("stray.txt: built ") and "missing from the registry" in p for p in problems)
    assert any(p.startswith(f"{SUMS} does not list exactly") for p in problems)
    assert dry_run("--release", str(altered)).returncode == 1


def test_a_tagged_release_needs_its_schema_frozen_as_built(release: Path, tmp_path: Path) -> None:
    assert publish.check(release, None, f"v{VERSION}") == []
    altered = tmp_path / "release"
    shutil.copytree(release, altered)
    (altered / "models.schema.json").write_text("{}\n", encoding="utf-8")
    problems = publish.check(altered, None, f"v{VERSION}")
    assert (
        f"schema/{SCHEMA_VERSION}/models.schema.json (frozen) differs from the release's models.schema.json; "
        "a released schema never changes: bump SCHEMA_VERSION"
    ) in problems


def test_distributions_must_be_one_wheel_and_one_sdist_of_the_version(release: Path, tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / f"ailedger-{VERSION}-py3-none-any.whl").write_bytes(b"")
    (dist / "ailedger-1999.1.1.tar.gz").write_bytes(b"")
    assert publish.check(release, dist, None) == [f"{dist / 'ailedger-1999.1.1.tar.gz'} is not version {VERSION}"]
    entries = publish.plan(release, dist)
    pypi = [e.destination for e in entries if e.target == "pypi"]
    assert pypi == [f"https://pypi.org/project/ailedger/{VERSION}/#files"] * 2


def shipped_texts(release: Path) -> dict[str, str]:
    files = {p for pattern in SHIPPED for p in ROOT.glob(pattern) if p.is_file()}
    out = {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8") for p in sorted(files)}
    out |= {f"release/{p.name}": p.read_text(encoding="utf-8") for p in release.iterdir() if p.suffix in TEXT_SUFFIXES}
    return out


def test_every_address_the_project_ships_is_published_by_the_plan(release: Path) -> None:
    entries = publish.plan(release)
    found = {(name, url) for name, text in shipped_texts(release).items() for url in project_urls(text)}
    assert {name for name, _ in found} >= {
        "pyproject.toml", "CITATION.cff", ".pre-commit-hooks.yaml", "release/README.md", "src/ailedger/fetch.py",
        "release/models.schema.json", "CONTRIBUTING.md",
    }
    unresolved = sorted((name, url) for name, url in found if not publish.resolves(url, entries))
    assert unresolved == []
    # the address nothing ever served; only the changelog's history names it
    assert [name for name, text in shipped_texts(release).items() if "ailedger.org" in text] in ([], ["CHANGELOG.md"])


@pytest.mark.parametrize(
    "url",
    [
        "https://ailedger.org/releases/2026.11.30/",
        "https://github.com/ailedger/ailedger/releases/download/v1999.01.01/models.parquet",
        "https://github.com/ailedger/ailedger/blob/main/no-such-file.md",
        "https://huggingface.co/datasets/ailedger/ailedger/resolve/main/schema/9-0-0/models.schema.json",
        "https://github.com/<owner>/ailedger",
    ],
)
def test_an_address_outside_the_plan_does_not_resolve(release: Path, url: str) -> None:
    assert not publish.resolves(url, publish.plan(release))


def test_classifiers_name_the_python_versions_the_workflow_tests() -> None:
    from ruamel.yaml import YAML

    classifiers = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["classifiers"]
    python = re.compile(r"Programming Language :: Python :: 3\.\d+")
    declared = sorted(c.rsplit(" ", 1)[1] for c in classifiers if python.fullmatch(c))
    workflow = YAML(typ="safe").load((ROOT / ".github" / "workflows" / "validate.yml").read_text(encoding="utf-8"))
    tested = sorted(str(v) for v in workflow["jobs"]["test"]["strategy"]["matrix"]["python"])
    assert declared == tested
    assert "Typing :: Typed" in classifiers
    minimum = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["requires-python"]
    assert minimum == f">={tested[0]}"


@pytest.mark.slow
def test_the_distributions_build_pass_twine_and_link_only_to_published_files(release: Path, tmp_path: Path) -> None:
    """python -m build and twine check --strict, as the release workflow runs them; the README as the index shows it."""
    dist = tmp_path / "dist"
    built = subprocess.run([sys.executable, "-m", "build", "--outdir", str(dist), str(ROOT)],
                           capture_output=True, text=True, timeout=900, check=False)
    assert built.returncode == 0, built.stderr[-3000:]
    twine = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", *map(str, sorted(dist.iterdir()))],
                           capture_output=True, text=True, timeout=300, check=False)
    assert twine.returncode == 0, twine.stdout + twine.stderr
    assert publish.check(release, dist, None) == []

    wheel = next(dist.glob("*.whl"))
    with zipfile.ZipFile(wheel) as zf:
        metadata = Parser().parsestr(zf.read(f"ailedger-{VERSION}.dist-info/METADATA").decode("utf-8"))
        names = zf.namelist()
    assert metadata["License-Expression"] == "MIT AND CC-BY-4.0"
    assert sorted(metadata.get_all("License-File")) == ["LICENSE", "LICENSE-DATA"]
    assert f"ailedger-{VERSION}.dist-info/licenses/LICENSE-DATA" in names and "ailedger/py.typed" in names
    labels = {u.split(", ", 1)[0] for u in metadata.get_all("Project-URL")}
    assert labels >= {"Homepage", "Source", "Issues", "Changelog", "Documentation"}
    readme = metadata.get_payload()
    links = re.findall(r"\]\(([^)\s]+)\)", readme)
    assert links and all(re.match(r"https?://", link) for link in links), [x for x in links if not x.startswith("http")]
    images = re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", readme)
    raw = f"https://raw.githubusercontent.com/ailedger/ailedger/v{VERSION}/"
    assert images and all(i.startswith(raw) for i in images)
    entries = publish.plan(release, dist)
    urls = project_urls(readme) | {u.split(", ", 1)[1] for u in metadata.get_all("Project-URL")}
    assert sorted(u for u in urls if not publish.resolves(u, entries)) == []

    sdist = next(dist.glob("*.tar.gz"))
    listed = subprocess.run(["tar", "tzf", str(sdist)], capture_output=True, text=True, check=True).stdout.split()
    for name in ("CONTRIBUTING.md", "LICENSE", "LICENSE-DATA", "CHANGELOG.md", "CITATION.cff", "hatch_build.py"):
        assert f"ailedger-{VERSION}/{name}" in listed, name
