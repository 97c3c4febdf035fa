"""A seeded synthetic dataset of any size: a few sources and organizations, models and a long metric series.

The shape follows what bulk contributions will look like: daily active users of
many apps over years, each row citing the line of a data report that gives its
figure (a week of one app per line, each figure with its day), so quotes repeat across rows as they
do in real series and every value is stated by its quote. The same seed always
gives the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

from ailedger.schema import LATEST

PROVIDERS = ("questmobile", "sensor-tower", "data-ai")
START = date(2021, 1, 1)


WEEK = 7  # days per quoted line: a line of a data report gives a week of dated figures
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


def _series(rng: random.Random, apps: list[str], days: int, metrics: int) -> Iterator[tuple[str, date, int]]:
    """(app, day, value) in the order rows are written: series by series, as an export of a panel gives them."""
    written = 0
    for app in apps:
        for day in range(days):
            if written == metrics:
                return
            yield app, START + timedelta(days=day), rng.randrange(10_000, 50_000_000)
            written += 1


def _line(app: str, first: date, values: list[int]) -> str:
    """One report line: an app and a week of figures, each with its day, as a quote would copy it.

    Every row's date stands in its quote, as ``ailedger validate`` requires (a date no sharper than its quote).
    """
    days = (f"{(first + timedelta(days=i)).isoformat()} {v}" for i, v in enumerate(values))
    return f"{app}, daily active users: " + "; ".join(days)


def _about(sid: str, provider: str, what: str) -> str:
    """A report's first line: it names the apps' developer and the provider, so records citing it are named there."""
    return f"{sid}: {what} of Appco apps in China, measured by {provider.replace('-', ' ').title()}."


def _yaml(record: dict) -> str:
    # JSON is valid YAML 1.2 flow syntax; one key per line keeps diagnostics located.
    return "\n".join(f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in record.items()) + "\n"


def _cite(source: str, quote: str, supports: list[str]) -> dict:
    return {"source_id": source, "quote": quote, "supports": supports}


def generate(root: Path, metrics: int, models: int = 500, sources: int = 4, seed: int = 6) -> dict[str, Path]:
    """Write ``root/dataset`` (YAML sources, organizations and models; the metrics as one JSON Lines file) and
    ``root/texts``.

    Returns the paths of the dataset, the texts and the metrics file.
    """
    rng = random.Random(seed)
    dataset, texts = root / "dataset", root / "texts"
    for table in ("sources", "organizations", "models", "metrics"):
        (dataset / table).mkdir(parents=True, exist_ok=True)
    texts.mkdir(parents=True, exist_ok=True)
    days = max(1, -(-metrics // models))
    apps = [f"app-{i:04d}" for i in range(models)]
    source_ids = [f"report-{i:02d}" for i in range(sources)]
    source_of = {app: source_ids[i % sources] for i, app in enumerate(apps)}
    publisher_of = {sid: PROVIDERS[i % len(PROVIDERS)] for i, sid in enumerate(source_ids)}
    rows = list(_series(rng, apps, days, metrics))
    weeks: dict[tuple[str, date], list[int]] = {}
    for app, when, value in rows:
        weeks.setdefault((app, _week(when)), []).append(value)
    quote_of = {key: _line(key[0], key[1], values) for key, values in weeks.items()}
    about = {sid: _about(sid, publisher_of[sid], "daily active users") for sid in source_ids}
    end = START + timedelta(days=days)
    for sid in source_ids:
        lines = [about[sid]] + [q + "." for (app, _), q in quote_of.items() if source_of[app] == sid]
        body = "\n".join(lines) + "\n"
        (texts / f"{sid}.txt").write_text(body, encoding="utf-8")
        (dataset / "sources" / f"{sid}.yaml").write_text(_yaml({
            "id": sid, "schema_version": LATEST.MAJOR, "title": None, "publisher": publisher_of[sid],
            "published": end.isoformat(), "language": "en", "url": None,
            "kind": "data_report", "sha256": hashlib.sha256(body.encode()).hexdigest(),
        }), encoding="utf-8")
    for org in (*PROVIDERS, "appco"):
        sid = next((s for s in source_ids if publisher_of[s] == org), source_ids[0])
        (dataset / "organizations" / f"{org}.yaml").write_text(_yaml({
            "id": org, "schema_version": LATEST.MAJOR, "name": org.replace("-", " ").title(),
            "citations": [_cite(sid, about[sid].rstrip("."), ["name"])],
        }), encoding="utf-8")
    for app in apps:
        (dataset / "models" / f"{app}.yaml").write_text(
            _yaml(
                {
                    "id": app,
                    "schema_version": LATEST.MAJOR,
                    "name": app.replace("-", " ").title(),
                    "organization_id": "appco",
                    "kind": "product",
                    "citations": [
                        _cite(source_of[app], quote_of[app, START], ["name", "kind"]),
                        _cite(source_of[app], about[source_of[app]].rstrip("."), ["organization_id"]),
                    ],
                }
            ),
            encoding="utf-8",
        )
    metrics_file = dataset / "metrics" / "dau.jsonl"
    with metrics_file.open("w", encoding="utf-8") as out:
        for app, when, value in rows:
            sid = source_of[app]
            out.write(
                json.dumps(
                    {
                        "id": f"{app}-dau-{when.isoformat()}",
                        "schema_version": LATEST.MAJOR,
                        "subject_id": app,
                        "metric": "daily_active_users",
                        "value": value,
                        "as_of": when.isoformat(),
                        "region": "CN",
                        "measured_by": publisher_of[sid],
                        "citations": [
                            _cite(sid, quote_of[app, _week(when)], ["subject_id", "metric", "value", "as_of"]),
                            {
                                **_cite(sid, about[sid].rstrip("."), ["region", "measured_by"]),
                                "translation": "Daily active users of apps in China.",
                            },
                        ],
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )
    return {"dataset": dataset, "texts": texts, "metrics": metrics_file}


def _week(day: date) -> date:
    """The first day of the report line that gives ``day``'s figure."""
    return START + timedelta(days=(day - START).days // WEEK * WEEK)


def generate_records(root: Path, files: int = 10_000, sources: int = 4, seed: int = 6) -> dict[str, Path]:
    """Write ``root/dataset``, ``files`` YAML record files as contributors' pull requests build up, and ``root/texts``.

    A quarter are models, the rest monthly metrics of those models in block
    YAML, as contributors write them (two citations each: the figure's line and
    the publisher's line), so every per-record and cross-record rule runs and
    every quote is looked up in its text. The same seed always gives the same bytes.
    """
    rng = random.Random(seed)
    dataset, texts = root / "dataset", root / "texts"
    for table in ("sources", "organizations", "models", "metrics"):
        (dataset / table).mkdir(parents=True, exist_ok=True)
    texts.mkdir(parents=True, exist_ok=True)
    source_ids = [f"report-{i:02d}" for i in range(sources)]
    publisher_of = {sid: PROVIDERS[i % len(PROVIDERS)] for i, sid in enumerate(source_ids)}
    about = {sid: _about(sid, publisher_of[sid], "monthly active users") for sid in source_ids}
    records = max(files - sources - len(PROVIDERS) - 1, 2)
    models = max(records // 4, 1)
    per_model = -(-(records - models) // models)
    apps = [f"app-{i:05d}" for i in range(models)]
    lines: dict[str, list[str]] = {sid: [about[sid]] for sid in source_ids}
    metric_rows: list[tuple[str, str, int, str, str]] = []
    written = models
    for n, app in enumerate(apps):
        sid = source_ids[n % sources]
        months = min(per_model, records - written)
        values = [rng.randrange(10_000, 500_000_000) for _ in range(months)]
        by_month = (f"{MONTHS[m % 12]} {2020 + m // 12}: {v:,}" for m, v in enumerate(values))
        quote = f"{app} leads its category; monthly active users by month: " + "; ".join(by_month)
        lines[sid].append(quote + ".")
        for m, value in enumerate(values):
            metric_rows.append((app, f"{2020 + m // 12}-{m % 12 + 1:02d}", value, sid, quote))
        written += months
        (dataset / "models" / f"{app}.yaml").write_text(_block({
            "id": app, "schema_version": LATEST.MAJOR, "name": f"App {n:05d}", "organization_id": "appco",
            "kind": "product",
            "citations": [_cite(sid, quote, ["name", "kind"]), _cite(sid, about[sid].rstrip("."), ["organization_id"])],
        }), encoding="utf-8")
    end = date(2020 + (per_model + 12) // 12, 1, 1)
    for sid in source_ids:
        body = "\n".join(lines[sid]) + "\n"
        (texts / f"{sid}.txt").write_text(body, encoding="utf-8")
        (dataset / "sources" / f"{sid}.yaml").write_text(_block({
            "id": sid, "schema_version": LATEST.MAJOR, "title": f"Panel report {sid}", "publisher": publisher_of[sid],
            "published": end.isoformat(), "language": "en", "url": f"https://example.org/{sid}",
            "kind": "data_report", "sha256": hashlib.sha256(body.encode()).hexdigest(),
        }), encoding="utf-8")
    for org in (*PROVIDERS, "appco"):
        first = next((s for s in source_ids if publisher_of[s] == org), source_ids[0])
        (dataset / "organizations" / f"{org}.yaml").write_text(_block({
            "id": org, "schema_version": LATEST.MAJOR, "name": org.replace("-", " ").title(),
            "citations": [_cite(first, about[first].rstrip("."), ["name"])],
        }), encoding="utf-8")
    for app, month, value, sid, quote in metric_rows:
        mid = f"{app}-mau-{month}"
        (dataset / "metrics" / f"{mid}.yaml").write_text(_block({
            "id": mid, "schema_version": LATEST.MAJOR, "subject_id": app, "metric": "monthly_active_users",
            "value": value,
            "as_of": month, "region": "CN", "measured_by": publisher_of[sid],
            "citations": [
                _cite(sid, quote, ["subject_id", "metric", "value", "as_of"]),
                {
                    **_cite(sid, about[sid].rstrip("."), ["region", "measured_by"]),
                    "translation": "Monthly active users of apps in China.",
                },
            ],
        }), encoding="utf-8")
    return {"dataset": dataset, "texts": texts}


def _block(record: dict) -> str:
    """Block YAML as a contributor writes it: plain keys, quoted text, lists of citations as nested mappings."""
    out = []
    for key, value in record.items():
        if isinstance(value, list):
            out.append(f"{key}:")
            for item in value:
                first = True
                for k, v in item.items():
                    out.append(f"  {'- ' if first else '  '}{k}: {_flow(v)}")
                    first = False
        else:
            out.append(f"{key}: {_flow(value)}")
    return "\n".join(out) + "\n"


def _flow(value: object) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(map(str, value)) + "]"
    if value is None or isinstance(value, int):
        return "null" if value is None else str(value)
    return json.dumps(value, ensure_ascii=False)
