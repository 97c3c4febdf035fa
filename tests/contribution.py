"""A fictional contribution of the kind ailedger exists to take in, added to a copy of a dataset.

One English trade-press article (a launch on a known day, a "last month" launch,
a weekly-users figure, a figure derived from it, a claim, a campaign) with
records in all six tables, plus a data provider's daily report and a bulk
series of usage figures quoting it line by line. Everything is made up and
says so in its text. The growth test (tests/test_growth.py) adds it to a copy
of the real dataset and runs every contributor and maintainer step on the
result; other tests use it to check that what they assert holds for any data.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ARTICLE = "example-tech-daily-2026-03-10"
REPORT = "dataprobe-analytics-2026-03-05"
LAST_DAY = date(2026, 3, 1)
SERIES = ("examplechat", "mockchat", "samplenotes", "demodraw")
"""The products whose daily active users the report gives, one series each."""

ARTICLE_TEXT = """\
Example Tech Daily, 10 March 2026

Sample-7 arrives as rivals push ahead

This article is fictional: every company, product and figure in it was made up for the ailedger test suite.

Examplecorp released its Sample-7 model on 3 March 2026, the company said in a statement.
Its rival Democorp launched the Mockmodel-3 model last month.
The Examplechat app of Examplecorp had 42 million weekly active users at the end of February, according to the research firm Dataprobe Analytics.
That is 12 million more than the Mockchat app of Democorp had at the same time.
According to Examplecorp, Sample-7 beats every other model on the ExampleBench test.
On 4 March, students at Example University started a campaign against Mockchat.
Dataprobe Analytics put Demodraw at 3 million weekly active users in a report published in January.
"""


@dataclass(frozen=True)
class Contribution:
    """What was added: record ids by table, the bulk file and its row ids, and the texts written."""

    ids: dict[str, list[str]]
    bulk: Path
    bulk_ids: list[str]
    texts: list[Path]

    @property
    def all_ids(self) -> list[str]:
        return [i for ids in self.ids.values() for i in ids] + self.bulk_ids


def _cite(source: str, quote: str, supports: list[str], **extra: Any) -> dict[str, Any]:
    return {"source_id": source, "quote": quote, "supports": supports, **extra}


def _yaml(record: dict[str, Any]) -> str:
    # JSON is YAML 1.2 flow syntax; one key per line keeps diagnostics located.
    return "".join(f"{k}: {json.dumps(v, ensure_ascii=False)}\n" for k, v in record.items())


def report_lines(rows: int, seed: int = 10) -> list[tuple[str, date, int, str]]:
    """(product, day, value, the report's line) of ``rows`` daily figures, series by series, ending on LAST_DAY."""
    rng = random.Random(seed)
    per = -(-rows // len(SERIES))
    out = []
    for product in SERIES:
        for n in range(per):
            if len(out) == rows:
                break
            day = LAST_DAY - timedelta(days=per - 1 - n)
            value = rng.randrange(1_000_000, 40_000_000)
            out.append((product, day, value, f"{product.title()} daily active users on {day.isoformat()}: {value}"))
    return out


def add(dataset: Path, texts: Path, rows: int = 20_000) -> Contribution:
    """Write the contribution into ``dataset`` and its two source texts into ``texts``."""
    texts.mkdir(parents=True, exist_ok=True)
    art, rep = ARTICLE, REPORT
    series = report_lines(rows)
    report_text = (
        "Dataprobe Analytics daily app report, 5 March 2026. This report is fictional, made up for the ailedger test "
        "suite.\n"
        "It covers the apps Examplechat and Samplenotes of Examplecorp and Mockchat and Demodraw of Democorp, in "
        "China.\n"
        + "".join(line + ".\n" for _, _, _, line in series)
    )
    written = []
    for sid, body in ((art, ARTICLE_TEXT), (rep, report_text)):
        (texts / f"{sid}.txt").write_text(body, encoding="utf-8")
        written.append(texts / f"{sid}.txt")
    digest = {sid: hashlib.sha256((texts / f"{sid}.txt").read_bytes()).hexdigest() for sid in (art, rep)}

    launch = "Examplecorp released its Sample-7 model on 3 March 2026"
    last_month = "Its rival Democorp launched the Mockmodel-3 model last month"
    wau = (
        "The Examplechat app of Examplecorp had 42 million weekly active users at the end of February, "
        "according to the research firm Dataprobe Analytics"
    )
    gap = "That is 12 million more than the Mockchat app of Democorp had at the same time"
    claim = "According to Examplecorp, Sample-7 beats every other model on the ExampleBench test"
    campaign = "On 4 March, students at Example University started a campaign against Mockchat"
    header = "Dataprobe Analytics daily app report, 5 March 2026"
    january = "Dataprobe Analytics put Demodraw at 3 million weekly active users in a report published in January"
    covers = (
        "It covers the apps Examplechat and Samplenotes of Examplecorp and Mockchat and Demodraw of Democorp, in China"
    )
    records: dict[str, list[dict[str, Any]]] = {
        "sources": [
            {
                "id": art,
                "title": "Sample-7 arrives as rivals push ahead",
                "publisher": "example-tech-daily",
                "published": "2026-03-10",
                "language": "en",
                "url": None,
                "kind": "news_article",
                "sha256": digest[art],
            },
            {
                "id": rep,
                "title": None,
                "publisher": "dataprobe-analytics",
                "published": "2026-03-05",
                "language": "en",
                "url": None,
                "kind": "data_report",
                "sha256": digest[rep],
            },
        ],
        "organizations": [
            {
                "id": "example-tech-daily",
                "name": "Example Tech Daily",
                "citations": [_cite(art, "Example Tech Daily, 10 March 2026", ["name"])],
            },
            {"id": "examplecorp", "name": "Examplecorp", "citations": [_cite(art, launch, ["name"])]},
            {"id": "democorp", "name": "Democorp", "citations": [_cite(art, last_month, ["name"])]},
            {
                "id": "dataprobe-analytics",
                "name": "Dataprobe Analytics",
                "kind": "data_provider",
                "citations": [_cite(art, wau, ["name", "kind"])],
            },
        ],
        "models": [
            {
                "id": "sample-7",
                "name": "Sample-7",
                "organization_id": "examplecorp",
                "kind": "model",
                "available": "2026-03-03",
                "citations": [_cite(art, launch, ["name", "organization_id", "kind", "available"])],
            },
            {
                "id": "mockmodel-3",
                "name": "Mockmodel-3",
                "organization_id": "democorp",
                "kind": "model",
                "available": "2026-02",
                "citations": [_cite(art, last_month, ["name", "organization_id", "kind", "available"])],
            },
            {
                "id": "examplechat",
                "name": "Examplechat",
                "organization_id": "examplecorp",
                "kind": "product",
                "citations": [_cite(art, wau, ["name", "organization_id", "kind"])],
            },
            {
                "id": "mockchat",
                "name": "Mockchat",
                "organization_id": "democorp",
                "kind": "product",
                "citations": [_cite(art, gap, ["name", "organization_id", "kind"])],
            },
            {
                "id": "samplenotes",
                "name": "Samplenotes",
                "organization_id": "examplecorp",
                "kind": "product",
                "citations": [_cite(rep, covers, ["name", "organization_id", "kind"])],
            },
            {
                "id": "demodraw",
                "name": "Demodraw",
                "organization_id": "democorp",
                "kind": "product",
                "citations": [_cite(rep, covers, ["name", "organization_id", "kind"])],
            },
        ],
        "events": [
            {
                "id": "mockchat-student-campaign-2026-03",
                "kind": "campaign",
                "date": "2026-03-04",
                "subject_ids": ["mockchat"],
                "summary": "Students at Example University started a campaign against Mockchat.",
                "citations": [_cite(art, campaign, ["kind", "date", "subject_ids"])],
            },
        ],
        "metrics": [
            {
                "id": "examplechat-wau-2026-02",
                "subject_id": "examplechat",
                "metric": "weekly_active_users",
                "value": 42_000_000,
                "as_of": "2026-02",
                "measured_by": "dataprobe-analytics",
                "citations": [_cite(art, wau, ["subject_id", "metric", "value", "as_of", "measured_by"])],
            },
            {
                "id": "mockchat-wau-2026-02",
                "subject_id": "mockchat",
                "metric": "weekly_active_users",
                "value": 30_000_000,
                "as_of": "2026-02",
                "derived_from": ["examplechat-wau-2026-02"],
                "derivation": "Examplechat's 42 million weekly active users less the stated gap of 12 million.",
                "formula": "examplechat-wau-2026-02 - 12000000",
                "citations": [_cite(art, gap, ["subject_id", "metric", "value", "as_of", "derived_from"])],
            },
            {
                "id": "demodraw-wau-reported-2026-01",
                "subject_id": "demodraw",
                "metric": "weekly_active_users",
                "value": 3_000_000,
                "reported": "2026-01",
                "measured_by": "dataprobe-analytics",
                "citations": [_cite(art, january, ["subject_id", "metric", "value", "reported", "measured_by"])],
            },
        ],
        "claims": [
            {
                "id": "sample-7-tops-examplebench",
                "subject_id": "sample-7",
                "kind": "outperforms",
                "asserted_by": "examplecorp",
                "statement": "Examplecorp says Sample-7 beats every other model on the ExampleBench test.",
                "citations": [_cite(art, claim, ["subject_id", "kind", "asserted_by"])],
            },
        ],
    }
    ids: dict[str, list[str]] = {}
    for table, recs in records.items():
        for rec in recs:
            rec = {"id": rec["id"], "schema_version": 2, **{k: v for k, v in rec.items() if k != "id"}}
            (dataset / table / f"{rec['id']}.yaml").write_text(_yaml(rec), encoding="utf-8")
            ids.setdefault(table, []).append(rec["id"])
    bulk = dataset / "metrics" / "dataprobe-daily-active-users.jsonl"
    bulk_ids = []
    with bulk.open("w", encoding="utf-8") as out:
        for product, day, value, line in series:
            rid = f"{product}-dau-{day.isoformat()}"
            bulk_ids.append(rid)
            out.write(json.dumps({
                "id": rid, "schema_version": 2, "subject_id": product, "metric": "daily_active_users", "value": value,
                "as_of": day.isoformat(), "region": "CN", "measured_by": "dataprobe-analytics",
                "citations": [_cite(rep, line, ["subject_id", "metric", "value", "as_of"]),
                              _cite(rep, covers, ["region"]), _cite(rep, header, ["measured_by"])],
            }) + "\n")
    return Contribution(ids, bulk, bulk_ids, written)


CHECKOUT = ("src", "scripts", "dataset", "schema", "docs", "README.md", "CHANGELOG.md", "CITATION.cff", "pyproject.toml")
"""What a checkout needs for scripts/refresh.py and the contributor's commands to run in it."""


def copy_checkout(root: Path, dest: Path) -> Path:
    """A copy of the checkout at ``root`` (sources, data, docs; no caches), as a contributor's clone would be."""
    import shutil

    dest.mkdir(parents=True)
    for name in CHECKOUT:
        if (root / name).is_dir():
            shutil.copytree(root / name, dest / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(root / name, dest / name)
    return dest
