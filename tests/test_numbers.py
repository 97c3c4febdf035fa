"""Figures stated in a quote (ailedger.validate.numbers): unit words and separators read as the language writes them."""

from __future__ import annotations

import pytest

from ailedger.validate.numbers import stated


@pytest.mark.parametrize(
    ("quote", "language", "value"),
    [
        ("Mit 155 Millionen aktiven Nutzern pro Woche", "de", 155_000_000),
        ("gefolgt von DeepSeek mit 81,6 Millionen", "de", 81_600_000),
        ("1.5 million users", "en", 1_500_000),
        ("Umsatz von 2,3 Mrd. Euro", "de", 2_300_000_000),
        ("12.000 Nutzer", "de", 12_000),
        ("12,000 users", "en", 12_000),
        ("1.234.567 Downloads", "de", 1_234_567),
        ("1,5 Mio. Nutzer", "de", 1_500_000),
        ("2 Billionen", "de", 2 * 10**12),
        ("2 billion", "en", 2 * 10**9),
        ("月活跃用户数达1.55亿", "zh", 155_000_000),
        ("日活跃用户3000万", "zh", 30_000_000),
        ("12,5 Millionen weekly active users", "en", 12_500_000),  # the unit word fixes the separators
    ],
)
def test_figures_stated_by_quotes(quote: str, language: str, value: int) -> None:
    assert value in stated(quote, language)


@pytest.mark.parametrize(
    ("quote", "language", "value"),
    [
        ("Mit 155 Millionen aktiven Nutzern", "de", 155),
        ("81,6 Millionen", "de", 816_000_000),
        ("12.000 Nutzer", "de", 12),
        ("12,000 users", "en", 12),
        ("2 Billionen", "de", 2 * 10**9),
        ("月活跃用户数达1.55亿", "zh", 155),
    ],
)
def test_figures_not_stated_by_quotes(quote: str, language: str, value: int) -> None:
    assert value not in stated(quote, language)
