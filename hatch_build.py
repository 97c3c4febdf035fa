"""Hatch metadata hook: README.md as the package index shows it.

The index renders the README away from the repository, where its relative links
and chart images resolve to nothing. The package's long description is README.md
with each relative link made absolute: pages to the repository's files at the tag
of this version (``v<version>``, the tag the release workflow publishes from, so
an old version's page shows that version's documents and charts), images to the
raw files at that tag, ``#anchors`` to the README on the repository. README.md
itself stays relative, for GitHub and checkouts.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from hatchling.metadata.plugin.interface import MetadataHookInterface

REPOSITORY = "https://github.com/ailedger/ailedger"
RAW = "https://raw.githubusercontent.com/ailedger/ailedger"
LINK = re.compile(r"(?P<bang>!?)\[(?P<text>[^\]]*)\]\((?P<target>(?![a-z][a-z0-9+.-]*:)[^)\s]+)\)")


def version(root: Path) -> str:
    text = (root / "src" / "ailedger" / "_version.py").read_text(encoding="utf-8")
    found = re.search(r'^__version__ = "([^"]+)"$', text, re.MULTILINE)
    if found is None:
        raise ValueError("src/ailedger/_version.py: no __version__ = \"...\" line")
    return found.group(1)


def absolute(readme: str, tag: str) -> str:
    """README text with every relative link and image pointing into the repository at ``tag``."""

    def rewrite(match: re.Match[str]) -> str:
        target = match["target"]
        if target.startswith("#"):
            url = f"{REPOSITORY}/blob/{tag}/README.md{target}"
        elif match["bang"]:
            url = f"{RAW}/{tag}/{target}"
        else:
            url = f"{REPOSITORY}/blob/{tag}/{target}"
        return f"{match['bang']}[{match['text']}]({url})"

    return LINK.sub(rewrite, readme)


class ReadmeHook(MetadataHookInterface):
    PLUGIN_NAME = "custom"

    def update(self, metadata: dict[str, Any]) -> None:
        root = Path(self.root)
        text = (root / "README.md").read_text(encoding="utf-8")
        metadata["readme"] = {"content-type": "text/markdown", "text": absolute(text, f"v{version(root)}")}
