"""Charts of the packaged data: a release timeline and the usage figures.

What to draw (:func:`~ailedger.plot.timeline.timeline_spec`,
:func:`~ailedger.plot.usage.usage_spec`) is computed from the records without
matplotlib, so tests and the drift check can compare it on any machine; both
charts are drawn with :mod:`~ailedger.plot.draw`. Drawing needs the optional
extra ``ailedger[plot]``; matplotlib is imported only when a chart is drawn. A
date is drawn as the interval the source allows (earliest..latest), never as a
made-up day.

The SVGs are reproducible for one matplotlib version and font set: fixed
``svg.hashsalt``, no creation date. Each carries the SHA-256 of its spec in its
metadata, which is what the drift test compares across matplotlib versions.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from ailedger.errors import AiledgerError
from ailedger.plot.draw import Fonts, name_of
from ailedger.plot.timeline import Timeline, draw_timeline, timeline_spec
from ailedger.plot.usage import Usage, draw_usage, usage_spec

CHARTS = ("timeline", "usage")
"""Chart names; each is written as ``<name>.svg``."""

HASHSALT = "ailedger"


def specs() -> dict[str, Timeline | Usage]:
    """The spec of every chart, from the packaged data."""
    from ailedger import loader

    orgs, models = loader.load("organizations"), loader.load("models")
    names = {r.id: name_of(r) for r in [*orgs, *models]}
    return {"timeline": timeline_spec(models, orgs), "usage": usage_spec(loader.load("metrics"), names)}


def digest(spec: Timeline | Usage) -> str:
    """SHA-256 of the spec: changes exactly when the drawn data changes, whatever the matplotlib version."""
    text = json.dumps(asdict(spec), default=str, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


_CLIP_ID = re.compile(r'id="(p[0-9a-f]{10})"')


def _numbered_clips(svg: str) -> str:
    """Clip paths renamed ``clip0``, ``clip1``... in order of appearance.

    matplotlib names a clip path by a hash of its rectangle at full float
    precision, so layout noise far below what the file prints (seen with
    legends under several panel rows) changes the names and the bytes of an
    otherwise identical drawing.
    """
    for n, name in enumerate(dict.fromkeys(_CLIP_ID.findall(svg))):
        svg = svg.replace(f'id="{name}"', f'id="clip{n}"').replace(f"url(#{name})", f"url(#clip{n})")
    return svg


def render(out: Path, names: Sequence[str] = CHARTS) -> list[Path]:
    """Write ``<name>.svg`` for each chart into ``out``, atomically, and return the paths."""
    try:
        import matplotlib
    except ImportError:
        raise AiledgerError("plotting needs matplotlib: pip install 'ailedger[plot]'") from None

    fonts = Fonts()
    written = []
    out.mkdir(parents=True, exist_ok=True)
    for name, spec in specs().items():
        if name not in names:
            continue
        with matplotlib.rc_context({"svg.hashsalt": HASHSALT, "font.family": "DejaVu Sans", "axes.titlesize": 11}):
            fig = draw_timeline(spec, fonts) if isinstance(spec, Timeline) else draw_usage(spec, fonts)
            description = (
                f"ailedger {name} chart; spec sha256 {digest(spec)}; fonts {','.join(sorted(fonts.used)) or 'default'}"
            )
            target = out / f"{name}.svg"
            tmp = target.with_suffix(".svg.tmp")
            fig.savefig(tmp, format="svg", metadata={"Date": None, "Description": description})
        tmp.write_text(_numbered_clips(tmp.read_text(encoding="utf-8")), encoding="utf-8")
        tmp.replace(target)
        written.append(target)
    return written
