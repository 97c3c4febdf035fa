"""Benchmarks of ailedger against the raw libraries it builds on; run ``python -m benchmarks`` (see README.md here)."""
