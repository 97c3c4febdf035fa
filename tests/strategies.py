"""Hypothesis strategies for valid records of each schema major, as JSON-like dicts.

Written by hand because pydantic v2 has no hypothesis plugin and
``st.builds(Model)`` ignores field constraints. Each strategy yields the dict
form a contributor would write (dates as EDTF text), so the same values can be
fed to pydantic, to the published JSON Schema and to the YAML writer.
"""

from __future__ import annotations

import calendar
import json
from types import ModuleType
from typing import Any, get_args

from hypothesis import strategies as st

from ailedger.schema import LATEST, v1, v2

ids = st.from_regex(r"[a-z0-9]{1,8}(-[a-z0-9]{1,8}){0,3}", fullmatch=True)
# Printable text from several scripts, including CJK, without surrogates or controls.
texts = st.text(
    alphabet=st.characters(categories=["L", "N", "P", "Zs", "S"], exclude_characters="\x85\u2028\u2029"),
    min_size=1,
    max_size=40,
).filter(lambda s: s.strip() == s and s != "")
countries = st.from_regex(r"[A-Z]{2}", fullmatch=True)
sha256s = st.from_regex(r"[0-9a-f]{64}", fullmatch=True)


def vocabulary(literal: Any) -> st.SearchStrategy[str]:
    return st.sampled_from(get_args(literal))


@st.composite
def date_points(draw: st.DrawFn) -> str:
    year = draw(st.integers(1950, 2100))
    precision = draw(st.sampled_from(["year", "month", "day"]))
    if precision == "year":
        return f"{year:04d}"
    month = draw(st.integers(1, 12))
    if precision == "month":
        return f"{year:04d}-{month:02d}"
    day = draw(st.integers(1, calendar.monthrange(year, month)[1]))
    return f"{year:04d}-{month:02d}-{day:02d}"


@st.composite
def edtf_dates(draw: st.DrawFn) -> str:
    """A valid EDTF date: a point, or an ordered range of two different points of the same precision."""
    first = draw(date_points())
    if draw(st.booleans()):
        return first
    from ailedger.dates import FuzzyDate

    second = draw(date_points().filter(lambda t: len(t) == len(first)))
    a, b = FuzzyDate.parse(first), FuzzyDate.parse(second)
    if first == second or a.earliest > b.latest:
        return first
    return f"[{first}..{second}]"


def _maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


def _list(strategy: st.SearchStrategy[Any], max_size: int = 3) -> st.SearchStrategy[list[Any]]:
    return st.lists(strategy, max_size=max_size)


def citations(schema: ModuleType, table: str) -> st.SearchStrategy[dict[str, Any]]:
    """A citation whose ``supports`` names fields of the table a quote may back, each once, as validate requires
    (and the JSON Schemas from 2-1-2 on); whether those fields are set is the validator's business."""
    from ailedger.schema.json_schema import citable

    return st.fixed_dictionaries(
        {
            "source_id": ids,
            "quote": texts,
            "supports": st.lists(st.sampled_from(citable(table, schema.MAJOR)), min_size=1, max_size=4, unique=True),
        },
        optional={"via": _maybe(ids), "translation": _maybe(texts)},
    )


def _model_dates(schema: ModuleType) -> dict[str, st.SearchStrategy[Any]]:
    """v1's one release date; from v2 on, the three typed dates and the curator's notes."""
    if schema.MAJOR == 1:
        return {"released": _maybe(edtf_dates())}
    return {
        **{name: _maybe(edtf_dates()) for name in ("announced", "available", "weights_released")},
        "notes": _list(texts),
    }


def _source_archive(schema: ModuleType) -> dict[str, st.SearchStrategy[Any]]:
    """From schema 2-1-0 on, a source may name the web-archive snapshot its text is rebuilt from."""
    if schema.MAJOR == 1:
        return {}
    return {
        "archive_url": _maybe(st.from_regex(r"https://archive\.example/web/[0-9]{14}id_/[a-z]{1,10}", fullmatch=True)),
        "archive_sha256": _maybe(sha256s),
        "extractor": _maybe(st.from_regex(r"trafilatura [0-9]\.[0-9]{1,2}\.[0-9]", fullmatch=True)),
    }


def _records(schema: ModuleType) -> dict[str, st.SearchStrategy[dict[str, Any]]]:
    """Table name to a strategy of valid record dicts of one schema major."""
    record = {"id": ids, "schema_version": st.just(schema.MAJOR)}

    def cited(table: str) -> dict[str, st.SearchStrategy[Any]]:
        return {**record, "citations": st.lists(citations(schema, table), min_size=1, max_size=3)}

    return {
        "sources": st.fixed_dictionaries(
            {
                **record,
                "title": _maybe(texts),
                "publisher": ids,
                "published": edtf_dates(),
                "language": st.sampled_from(["de", "en", "zh-Hans-CN", "en-US", "ja"]),
                "url": _maybe(st.from_regex(r"https://[a-z]{1,10}\.example/[a-z0-9/]{0,10}", fullmatch=True)),
                "kind": vocabulary(schema.SourceKind),
                "sha256": sha256s,
            },
            optional=_source_archive(schema),
        ),
        "organizations": st.fixed_dictionaries(
            {**cited("organizations"), "name": texts},
            optional={
                "aliases": _list(texts),
                "kind": _maybe(vocabulary(schema.OrganizationKind)),
                "country": _maybe(countries),
                "city": _maybe(texts),
                "parent_id": _maybe(ids),
                "distinct_from": _list(ids),
            },
        ),
        "models": st.fixed_dictionaries(
            {
                **cited("models"),
                "name": texts,
                "kind": vocabulary(schema.ModelKind),
                **({"organization_id": ids} if schema.MAJOR == 1 else {}),
            },
            optional={
                **({} if schema.MAJOR == 1 else {"organization_id": _maybe(ids)}),
                "aliases": _list(texts),
                "family_id": _maybe(ids),
                **_model_dates(schema),
                "open_weights": _maybe(st.booleans()),
                "modalities_in": _list(vocabulary(schema.Modality)),
                "modalities_out": _list(vocabulary(schema.Modality)),
                "runs_on": _list(ids),
                "distinct_from": _list(ids),
            },
        ),
        "events": st.fixed_dictionaries(
            {**cited("events"), "kind": vocabulary(schema.EventKind), "date": edtf_dates(), "summary": texts},
            optional={"organization_ids": _list(ids), "subject_ids": _list(ids)},
        ),
        "metrics": st.fixed_dictionaries(
            {
                **cited("metrics"),
                "subject_id": ids,
                "metric": vocabulary(schema.MetricName),
                "value": st.integers(0, schema.MAX_INT64),
            },
            optional={
                "as_of": _maybe(edtf_dates()),
                "reported": _maybe(edtf_dates()),
                "region": _maybe(countries),
                "measured_by": _maybe(ids),
                "derived_from": _list(ids),
                "derivation": _maybe(texts),
                **({} if schema.MAJOR == 1 else {"formula": _maybe(texts)}),  # from 2-1-1 on
            },
        ),
        "claims": st.fixed_dictionaries(
            {
                **cited("claims"),
                "subject_id": ids,
                "kind": vocabulary(schema.ClaimKind),
                "asserted_by": ids,
                "statement": texts,
            },
            optional={"object_ids": _list(ids), "verified": st.booleans()},
        ),
    }


RECORDS_BY_MAJOR = {1: _records(v1), 2: _records(v2)}
"""Schema major to its table strategies; golden and migration tests use the older ones."""
RECORDS = RECORDS_BY_MAJOR[LATEST.MAJOR]
"""Table name to a strategy of valid record dicts of the current schema."""

tables = st.sampled_from(sorted(RECORDS))

# YAML-ish text for the parser comparison: record-shaped lines (keys, indentation, block and flow
# collections, every scalar style, escapes, comments) mixed with the tokens that trip parsers up
# (tabs, directives, document markers, anchors, tags, Unicode line breaks, a stray BOM).
_YAML_PIECES = [
    *":-[]{}&*!|>#'\"?~%@`\\,.",
    " ",
    "  ",
    "\t",
    "\n",
    "\r\n",
    "\x85",
    "\u2028",
    "\ufeff",
    "é",
    "豆",
    "\u202e",
    "id",
    "name",
    "<<",
    "---",
    "...",
    "%YAML 1.1\n",
    "%YAML 1.2\n",
    "%TAG ! tag:x,2000:\n",
    "!!str ",
    "!x ",
    "&a ",
    "*a",
    ".nan",
    ".inf",
    "-.Inf",
    "0755",
    "0o17",
    "0x1F",
    "1_000",
    "1:30",
    "1e3",
    "+12",
    "yes",
    "No",
    "on",
    "null",
    "~",
    "true",
    "2026-02-30",
    '"\\u00e9\\x41\\t\\/\\N\\_\\L\\P"',
    '"\\ud800"',
    "'it''s'",
    "|\n  a\n  b\n",
    ">-\n  a\n\n  b\n",
    "|2+\n   x\n",
    "{a:1}",
    "[a:b]",
    "a#b",
    " #c",
    "? ",
    "- - ",
    "--- ",
    "--- |\n",
    "&a[",
    "!<tag:x>",
    '"\\x4"',
    '"\\U0001F600"',
    "|10\n",
    "|-\n",
    ">+\n",
    "::",
    ": ",
    "-\n",
    "[\n",
    "{\n",
    '"a\n b"',
    "'a\n\n  b'",
    '"a \\\n b"',
    "a\n b",
    "k: v\n  w",
    "key:\n- a\n- b",
    "{a: [b, {c: d}]}",
]
_KEYS = st.sampled_from(["id", "name", "kind", "citations", "quote", "supports", "a b", "'q'", '"d"', "? k", "1", "-x"])
_PLAIN = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)
_SCALAR_TEXT = st.one_of(
    st.sampled_from(_YAML_PIECES),
    _PLAIN,
    _PLAIN.map(lambda t: '"' + t.replace("\\", "\\\\").replace('"', '\\"') + '"'),
    _PLAIN.map(lambda t: "'" + t.replace("'", "''") + "'"),
    st.lists(st.sampled_from(_YAML_PIECES), max_size=4).map("".join),
)


@st.composite
def yaml_lines(draw: st.DrawFn) -> str:
    """A record-shaped document, line by line, with noise between the tokens."""
    lines = []
    for _ in range(draw(st.integers(0, 8))):
        indent = " " * draw(st.sampled_from([0, 0, 2, 4, 1, 3]))
        shape = draw(st.sampled_from(["key", "item", "keyitem", "flow", "raw"]))
        scalar = draw(_SCALAR_TEXT)
        if shape == "key":
            lines.append(f"{indent}{draw(_KEYS)}: {scalar}")
        elif shape == "item":
            lines.append(f"{indent}- {scalar}")
        elif shape == "keyitem":
            lines.append(f"{indent}- {draw(_KEYS)}: {scalar}")
        elif shape == "flow":
            items = draw(st.lists(_SCALAR_TEXT, max_size=3))
            lines.append(
                f"{indent}{draw(_KEYS)}: " + draw(st.sampled_from(["[{}]", "{{{}}}"])).format(", ".join(items))
            )
        else:
            lines.append(indent + draw(st.lists(st.sampled_from(_YAML_PIECES), max_size=6).map("".join)))
    return "\n".join(lines) + draw(st.sampled_from(["", "\n", "\n\n", " "]))


_HYGIENE_TEXT = st.text(alphabet="a \t\n\u00e9e\u0301\u0430\u00a0\u200b\u200d\u202e\u0007", max_size=6)
_HYGIENE_KEYS = st.sampled_from(["name", "aliases", "quote", "id", "source_id", "kind", "notes", "title"])


@st.composite
def hygiene_texts(draw: st.DrawFn) -> str:
    """A record-shaped document whose text values hold what text hygiene refuses (control, invisible, bidi, unusual
    space, mixed script, not NFC) or allows, as double-quoted YAML (JSON's escapes are YAML's)."""
    lines = []
    for key in draw(st.lists(_HYGIENE_KEYS, unique=True, max_size=5)):
        if draw(st.booleans()):
            lines.append(f"{key}: {json.dumps(draw(_HYGIENE_TEXT))}")
        else:
            lines.append(f"{key}:")
            for value in draw(st.lists(_HYGIENE_TEXT, max_size=3)):
                lines.append(f"  - {json.dumps(value)}")
    if draw(st.booleans()):
        lines.append("citations:")
        for _ in range(draw(st.integers(1, 3))):
            fields = draw(st.lists(_HYGIENE_KEYS, unique=True, min_size=1, max_size=3))
            for i, key in enumerate(fields):
                lines.append(f"  {'-' if i == 0 else ' '} {key}: {json.dumps(draw(_HYGIENE_TEXT))}")
    return "\n".join(lines) + "\n"


yaml_texts = st.one_of(
    yaml_lines(),
    st.lists(st.sampled_from(_YAML_PIECES), max_size=60).map("".join),
    st.text(alphabet=" \n-:?[]{},#&*!|>'\"%@`\\ab1.", max_size=60),
)
"""Text that is often YAML, often nearly YAML: what the two parsers must agree on."""


# Chart specs (ailedger.plot): what any dataset may give the charts to draw -----------------------

CHART_NAMES = st.one_of(
    st.from_regex(r"[A-Z][a-z]{2,12}( [A-Z0-9][a-z0-9.]{0,8}){0,2}", fullmatch=True),
    st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=1, max_size=12),
    st.from_regex(r"[A-Z][a-z]{8,14}( [A-Z][a-z]{8,14}){3,6}", fullmatch=True),  # long
)


@st.composite
def chart_spans(draw: st.DrawFn, label: Any) -> Any:
    """A date as the charts receive it: a day, a week, a month or a year, anywhere in a decade."""
    from datetime import date, timedelta

    from ailedger.plot.draw import Span

    start = date(2016, 1, 1) + timedelta(days=draw(st.integers(0, 3650)))
    length = draw(st.sampled_from([0, 0, 6, 27, 30, 364]))
    return Span(label, start, start + timedelta(days=length))


@st.composite
def chart_names(draw: st.DrawFn, prefix: str, n: int) -> list[Any]:
    from ailedger.plot.draw import Name

    return [Name(draw(CHART_NAMES), ("Latin alias",), f"{prefix}-{i}") for i in range(n)]


@st.composite
def timelines(draw: st.DrawFn) -> Any:
    """Many organizations, a decade of dates, names in several scripts and lengths."""
    from ailedger.plot.timeline import Timeline

    orgs = draw(chart_names("org", draw(st.integers(1, 14))))
    rows = []
    for i, org in enumerate(orgs):
        models = draw(chart_names(f"m{i}", draw(st.integers(1, 3))))
        spans = sorted((draw(chart_spans(m)) for m in models), key=lambda s: (s.earliest, s.latest))
        rows.append((org, tuple(spans)))
    rows.sort(key=lambda row: (row[1][0].earliest, row[0].id))
    undated = tuple((m, orgs[0]) for m in draw(chart_names("undated", draw(st.integers(0, 12)))))
    return Timeline(tuple(rows), undated)


@st.composite
def usages(draw: st.DrawFn) -> Any:
    """Several metrics, many products, single figures and long daily series over up to a decade."""
    from datetime import timedelta

    from ailedger.plot.draw import Span
    from ailedger.plot.usage import SERIES_MIN, Usage, UsageFigure

    products = draw(chart_names("app", draw(st.integers(1, 12))))
    measurers = [None, *draw(chart_names("measurer", 2))]
    figures = []
    for product in products:
        metric = draw(st.sampled_from(["daily_active_users", "weekly_active_users", "downloads"]))
        by = draw(st.sampled_from(measurers))
        if draw(st.booleans()):
            first = draw(chart_spans(product)).earliest
            days = draw(st.integers(SERIES_MIN, 3000))
            values = draw(st.lists(st.integers(0, 10**9), min_size=1, max_size=5))
            for n in range(days):
                day = first + timedelta(days=n)
                span = Span(product, day, day)
                figures.append(UsageFigure(metric, values[n % len(values)] + n, span, "as_of", by, False))
        else:
            for _ in range(draw(st.integers(1, 4))):
                dated_by = draw(st.sampled_from(["as_of", "reported"]))
                value, span, derived = draw(st.integers(0, 2 * 10**9)), draw(chart_spans(product)), draw(st.booleans())
                figures.append(UsageFigure(metric, value, span, dated_by, by, derived))
    nodate = draw(chart_names("nodate", draw(st.integers(0, 5))))
    undated = tuple((p, "downloads", draw(st.integers(0, 10**9))) for p in nodate)
    return Usage(tuple(figures), undated)
