"""Every error ailedger raises on purpose: one hierarchy under :class:`AiledgerError`, each message saying what to do.

``AiledgerError`` is a ``ValueError``, so code that already catches bad input
catches these too. Parse problems inside the validator (``YamlProblem``) are
not errors: they become located diagnostics.
"""

from __future__ import annotations

from pathlib import Path


class AiledgerError(ValueError):
    """Base of every error ailedger raises on purpose."""


class UnknownTableError(AiledgerError, LookupError):
    """A table name that the dataset does not have."""

    def __init__(self, name: str, tables: list[str]) -> None:
        super().__init__(f"unknown table {name!r}; available tables: {', '.join(tables)}")
        self.name = name


class UnknownRecordError(AiledgerError, LookupError):
    """An id that no record has."""

    def __init__(self, record_id: str, suggestions: list[str]) -> None:
        hint = f"; did you mean {', '.join(map(repr, suggestions))}?" if suggestions else ""
        super().__init__(f"no record has id {record_id!r}{hint}")
        self.record_id = record_id


class IntegrityError(AiledgerError):
    """A data file whose bytes are not the ones recorded at build time."""

    def __init__(self, path: Path, expected: str, actual: str) -> None:
        super().__init__(
            f"{path}: SHA-256 {actual} does not match the recorded {expected}; "
            "the file was altered or corrupted. Reinstall ailedger (pip install --force-reinstall ailedger) "
            "or download the release again."
        )
        self.path = path
        self.expected = expected
        self.actual = actual


class PackageDataError(AiledgerError):
    """A data file of the installed package that is missing or unreadable (a broken or partial install)."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(
            f"{path} {problem}. The installed ailedger is damaged or incomplete: reinstall it "
            "(pip install --force-reinstall ailedger), or in a checkout run `python scripts/refresh.py`"
        )
        self.path = path


class SchemaVersionError(AiledgerError, LookupError):
    """A schema major version that this ailedger does not know."""

    def __init__(self, major: object, known: tuple[int, ...]) -> None:
        super().__init__(
            f"schema version {major!r} is not known; this ailedger reads and writes {', '.join(map(str, known))}. "
            "Upgrade ailedger for a newer version"
        )
        self.major = major


class DownloadError(AiledgerError):
    """A release file that could not be fetched, or whose bytes are not the ones the package records for it."""

    def __init__(self, message: str, file: str, expected: str | None = None, actual: str | None = None) -> None:
        super().__init__(message)
        self.file = file
        self.expected = expected
        self.actual = actual


class ServeError(AiledgerError):
    """A release folder that ``ailedger serve`` cannot serve (no database), or Datasette not installed."""


class FormulaError(AiledgerError):
    """A metric's formula that is not arithmetic over metric ids and numbers."""


class OutPathError(AiledgerError):
    """An output path a build may not replace: it holds something ailedger did not write there."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(
            f"{path} {problem}. A build replaces its output folder as a whole, so it only replaces an earlier "
            "build's folder or an empty one; choose another path (a new folder is created), or move this one away"
        )
        self.path = path


class BuildLockedError(AiledgerError):
    """Another build is writing the same output folder."""


class MigrationError(AiledgerError):
    """A record that cannot be migrated as it stands; the message says how to fix it."""


class ReleaseReadError(AiledgerError):
    """A folder that is not a release or dataset, or a record in it that is not valid."""


class BuildError(AiledgerError):
    """The dataset has errors; the message lists them."""


class SkeletonError(AiledgerError):
    """A skeleton that cannot be written: unknown table, bad id, or a file that already exists."""


class RecordsLeftOutWarning(UserWarning):
    """Records an older schema major cannot hold (a model with no developer in v1), left out of what was served."""


class TextError(AiledgerError):
    """A source text that could not be had, or whose bytes are not the ones its record's SHA-256 names."""
