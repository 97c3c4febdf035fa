"""The real dataset passes every rule, and holds every figure the article states."""

from __future__ import annotations

from pathlib import Path

from conftest import DATASET

import ailedger
from ailedger.validate import validate


def test_dataset_is_valid(texts: Path) -> None:
    report = validate([DATASET], texts)
    assert [d.text() for d in report.diagnostics] == []
    assert report.files_checked == sum(1 for _ in DATASET.glob("*/*.yaml"))


def test_every_usage_figure_of_the_article_is_there_with_its_quote() -> None:
    figures = {(m.subject_id, m.metric, m.value): m for m in ailedger.load("metrics")}
    stated = {
        ("doubao", "weekly_active_users", 155_000_000): "155 Millionen",
        ("deepseek-app", "weekly_active_users", 81_600_000): "81,6 Millionen",
        ("qwen-app", "daily_active_users", 7_000_000): "7 Millionen",
        ("qwen-app", "daily_active_users", 58_000_000): "58 Millionen",
        ("doubao", "daily_active_users", 81_000_000): "23 Millionen",
    }
    assert set(figures) == set(stated)
    for key, words in stated.items():
        assert any(words in c.quote and "value" in c.supports for c in figures[key].citations), key


def test_derived_figure_is_marked_derived() -> None:
    doubao_dau = ailedger.get("doubao-dau-2026-02")
    assert doubao_dau.derived_from == ["qwen-app-dau-after-campaign"]
    assert doubao_dau.derivation
    reported = [m for m in ailedger.load("metrics") if m.id != "doubao-dau-2026-02"]
    assert all(m.derived_from == [] and m.derivation is None for m in reported)


def test_dates_are_no_sharper_than_the_article() -> None:
    # "letzte Woche" in an article of Sunday 2026-02-22 is the week before, not a day.
    assert ailedger.get("seedance-2-0").available.edtf == "[2026-02-09..2026-02-15]"
    # "Ende Dezember" is a month, not a day.
    assert ailedger.get("doubao-wau-2025-12").reported.precision == "month"
    assert ailedger.get("minimax-m2-5").available.edtf == "2026-02-12"
