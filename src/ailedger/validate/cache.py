"""A cache of validation results, so that re-validating after an edit re-reads only what changed.

Each record file's result (its diagnostics, a few facts of its record, and its
document and model pickled apart) is kept under a key made of the file's bytes,
its table and how its path is shown, and the result of the rules across records
under a key made of every file's key and the bytes of every source text. When
that misses (a file was edited), each record's own verdicts (every rule but
:data:`~ailedger.validate.rules.ACROSS`) are kept under its file's key and a
digest of what the other records lend it (every record's id, table and path,
the whole file of every source, organization, model and other non-metric record
and of every metric some ``derived_from`` names, and the source texts), so an
edited metric is judged again alone while the rules that weigh records against
each other run over all of them. Those read only the facts of an unchanged
metric, model or organization (ids, names, references, a metric's figure and
period), so its model stays pickled unless a rule asks for more; the verdicts
on duplicate names, which weigh only lent files, are kept while those are.
A file's bytes are not even read when its size, times, inode and device are
those the last run saw (see :meth:`ValidationCache._file_key`).

Every key also holds the *stamp*: this ailedger's own source code, the versions
of the libraries whose behaviour shows in a diagnostic (pydantic, the YAML
parsers, confusable-homoglyphs) and Python's Unicode version. A result is
therefore only ever reused for exactly the input that produced it, under
exactly the code that produced it; an upgrade, an edit of ailedger itself or a
changed source text makes the old entries unreachable.

The cache lives in ``$AILEDGER_VALIDATE_CACHE``, else ``$AILEDGER_CACHE/validate``,
else the user cache folder (``ailedger/validate``); ``AILEDGER_VALIDATE_CACHE=off``
or ``ailedger validate --no-cache`` turns it off. One file per set of validated
paths, rewritten atomically with only the entries the last run used, so it does
not grow with the history of edits. It is safe to delete at any time: a missing,
unreadable or foreign file is an empty cache. The files are pickles, trusted as
the user's own files are: anyone who can write the user's cache folder can
already run code as the user.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
import time
import unicodedata
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from ailedger.texts import Store
from ailedger.validate import rules
from ailedger.validate.context import record_id
from ailedger.validate.diagnostics import Diagnostic
from ailedger.validate.files import display
from ailedger.validate.record import ParsedRecord, check_file

ENV = "AILEDGER_VALIDATE_CACHE"
OFF = frozenset({"off", "0", "no", "false"})
LIBRARIES = ("pydantic", "pydantic-core", "PyYAML", "ruamel.yaml", "confusable-homoglyphs")
"""Libraries whose behaviour shows in a diagnostic: a new version of one may change a message."""
_FORMAT = 3
_RACY_NS = 2_000_000_000
"""How long a file must have been left alone before a run for its stat to stand for its bytes in the next run."""
_NAMED = ("id", "name", "aliases", "distinct_from")
_FACTS = {
    "metrics": ("id", "subject_id", "metric", "value", "as_of", "reported", "region", "derived_from"),
    "models": (*_NAMED, "organization_id", "family_id"),
    "organizations": (*_NAMED, "parent_id"),
}
"""What a run reads of a record it does not judge again: its id, names and references, and the figure the rules
across records weigh against others (:data:`~ailedger.validate.rules.ACROSS`)."""


def default_folder() -> Path | None:
    """Where ``ailedger validate`` keeps its cache, or None when ``AILEDGER_VALIDATE_CACHE=off``."""
    value = os.environ.get(ENV, "").strip()
    if value.lower() in OFF:
        return None
    if value:
        return Path(value)
    root = os.environ.get("AILEDGER_CACHE")
    if root:
        return Path(root) / "validate"
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("ailedger")) / "validate"


@cache
def stamp() -> bytes:
    """What every cached result depends on besides its input: ailedger's code, the libraries' versions, Python's."""
    digest = hashlib.blake2b(f"ailedger validation cache {_FORMAT}".encode())
    package = Path(__file__).resolve().parent.parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    for name in LIBRARIES:
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            version = "absent"
        digest.update(f"{name}=={version}\0".encode())
    digest.update(f"{sys.version}\0{unicodedata.unidata_version}".encode())
    return digest.digest()


def _key(*parts: bytes) -> bytes:
    digest = hashlib.blake2b(stamp(), digest_size=20)
    for part in parts:
        digest.update(len(part).to_bytes(8, "little") + part)
    return digest.digest()


def texts_digest(store: Store | None, require_texts: bool = False) -> bytes:
    """The source texts the rules may read: every ``*.txt`` in the store's folder, by name and bytes."""
    if store is None:
        return b"no texts"
    texts = store.folder
    # as written too: a message names the folder the way the user did
    digest = hashlib.blake2b(
        os.fsencode(os.path.abspath(texts)) + b"\0" + os.fsencode(texts) + bytes([store.by_id, require_texts])
    )
    try:
        names = sorted(e.name for e in os.scandir(texts) if e.name.endswith(".txt"))
    except OSError:
        return b"unreadable texts"
    for name in names:
        digest.update(os.fsencode(name) + b"\0")
        try:
            digest.update(hashlib.blake2b(Path(texts, name).read_bytes()).digest())
        except OSError:
            digest.update(b"unreadable")
    return digest.digest()


def _lent(records: list[ParsedRecord], keys: list[bytes]) -> bytes:
    """A digest of what records lend each other's own verdicts (see :data:`~ailedger.validate.rules.ACROSS`).

    Every record's id, table, path and whether it passed the schema; the
    whole file of every record but a metric, and of every metric that some
    ``derived_from`` names. An edit of any of these judges every record again.
    """
    targets = {t for r in records if r.record is not None and r.table == "metrics" for t in r.record.derived_from}
    digest = hashlib.blake2b(digest_size=20)
    for rec, key in zip(records, keys):
        rid = record_id(rec)
        digest.update(repr((rid, rec.table, rec.path, rec.record is None)).encode("utf-8", "surrogatepass"))
        digest.update(key if rec.table != "metrics" or rid in targets else b"-")
    return digest.digest()


class _Facts:
    """A cached record as a run that does not judge it reads it: any attribute but the facts loads the whole record.

    Ten thousand unchanged records cost more to unpickle than everything
    else a re-validation does; the rules across records, and the record
    judged again, read these few fields of the others (a metric's quotes
    only when it shares a period with another).
    """

    __slots__ = (*dict.fromkeys(name for names in _FACTS.values() for name in names), "_stored")
    _stored: _Stored

    def __init__(self, stored: _Stored, facts: tuple[Any, ...]) -> None:
        self._stored = stored
        for name, value in zip(_FACTS[stored.table], facts):
            setattr(self, name, value)

    def __getattr__(self, name: str) -> Any:  # only for what is not a fact
        return getattr(self._stored.record_itself(), name)


_UNREAD = object()


class _Stored(ParsedRecord):
    """A record file's cached result: its document and model stay pickled until the run reads them.

    ``doc`` and ``record`` are the dataclass's own slots, left empty until
    read (:meth:`__getattr__` fills them), so the rules read them as fast as
    any record's. While :meth:`stand_in` is on, a valid metric's, model's or
    organization's ``record`` is its :class:`_Facts`; a record a rule judges must be the model itself.
    """

    __slots__ = ("_entry", "_facts", "_model", "_standing")
    _entry: bytes
    _facts: _Facts | None
    _model: Any
    _standing: bool

    def __init__(self, table: str, path: str, entry: bytes, facts: tuple[Any, ...] | None) -> None:
        for name, value in (("table", table), ("path", path), ("_entry", entry), ("_model", _UNREAD)):
            object.__setattr__(self, name, value)  # ParsedRecord is frozen
        object.__setattr__(self, "_facts", None if facts is None else _Facts(self, facts))
        object.__setattr__(self, "_standing", False)

    def __getattr__(self, name: str) -> Any:  # only reached while ``doc`` or ``record`` is empty
        if name not in ("doc", "record"):
            raise AttributeError(name)
        self.record_itself()
        return object.__getattribute__(self, name)

    def record_itself(self) -> Any:
        """The model, never the facts that stand in for it."""
        if self._model is _UNREAD:
            doc, model = pickle.loads(self._entry)
            object.__setattr__(self, "doc", doc)
            object.__setattr__(self, "_model", model)
            if not self._standing:
                object.__setattr__(self, "record", model)
        return self._model

    def stand_in(self, on: bool) -> None:
        if self._facts is None or on == self._standing:
            return
        object.__setattr__(self, "_standing", on)
        if on:
            object.__setattr__(self, "record", self._facts)
        elif self._model is not _UNREAD:
            object.__setattr__(self, "record", self._model)
        else:
            object.__delattr__(self, "record")  # the next read unpickles the model

    def __reduce__(self) -> tuple[Any, ...]:
        return ParsedRecord, (self.table, self.path, self.doc, self.record_itself())


def _stand_in(records: list[ParsedRecord], on: bool) -> None:
    for rec in records:
        if isinstance(rec, _Stored):
            rec.stand_in(on)


def _entry(result: tuple[ParsedRecord, list[Diagnostic]]) -> bytes:
    """A file's cache entry: its diagnostics, its valid record's facts, and its document and model pickled apart."""
    loaded, found = result
    model = loaded.record
    names = _FACTS.get(loaded.table)
    facts = None if model is None or names is None else tuple(getattr(model, name) for name in names)
    inner = pickle.dumps((loaded.doc, model), protocol=pickle.HIGHEST_PROTOCOL)
    return pickle.dumps((found, facts, inner), protocol=pickle.HIGHEST_PROTOCOL)


def _reuse(old: dict[bytes, bytes], new: dict[bytes, bytes], key: bytes, empty: Any = None) -> Any:
    """What the last run kept under ``key``, unpickled and kept for the next run; None if there is none or it is
    damaged. ``empty``: what an empty blob stands for (verdicts store none as nothing; an entry never is empty)."""
    blob = old.get(key)
    if blob is None:
        return None
    try:
        value = pickle.loads(blob) if blob else empty
    except Exception:  # a damaged entry is a miss
        return None
    if value is not None:
        new[key] = blob
    return value


class ValidationCache:
    """The cached results of one set of validated paths; :meth:`save` writes back what this run used."""

    def __init__(self, folder: Path, paths: list[Path]) -> None:
        where = "\0".join([os.getcwd(), *sorted(os.path.abspath(p) for p in paths)])
        self.file = folder / f"{hashlib.blake2b(where.encode(), digest_size=16).hexdigest()}.pickle"
        self._old: dict[bytes, bytes] = {}
        self._new: dict[bytes, bytes] = {}
        self._rules: tuple[bytes, bytes] | None = None
        self._file_keys: list[bytes] = []
        self._key_of: dict[str, bytes] = {}
        self._old_own: dict[bytes, bytes] = {}
        self._new_own: dict[bytes, bytes] = {}
        self._changed = False
        self._old_stats: dict[str, tuple[tuple[int, ...], bytes]] = {}
        self._new_stats: dict[str, tuple[tuple[int, ...], bytes]] = {}
        self._since = time.time_ns() - _RACY_NS
        """Files changed before this are seen as they are now (their stat is kept for the next run)."""
        try:
            with self.file.open("rb") as handle:
                stored = pickle.load(handle)
            if stored["stamp"] == stamp():
                self._old = stored["files"]
                self._rules = stored["rules"]
                self._old_own = stored["own"]
                self._old_stats = stored["stats"]
        except Exception:  # missing, truncated, foreign: an empty cache, never a failed run
            self._old, self._rules, self._old_own, self._old_stats = {}, None, {}, {}

    def check_file(self, table: str, path: Path) -> tuple[ParsedRecord, list[Diagnostic]]:
        """:func:`ailedger.validate.record.check_file`, from the cache when these bytes were checked before."""
        shown = display(path)
        try:
            key, raw, seen = self._file_key(table, shown, path)
            entry = _reuse(self._old, self._new, key)
            if entry is None and raw is None:  # a damaged entry: read what the file holds now
                key, raw, seen = self._file_key(table, shown, path, trust_stat=False)
        except OSError:
            return check_file(table, path)  # reports the file as unreadable; nothing to key on
        self._file_keys.append(key)
        self._key_of[shown] = key
        if seen is not None:
            self._new_stats[shown] = (seen, key)
        if entry is not None:
            found, facts, inner = entry
            return _Stored(table, shown, inner, facts), found
        result = check_file(table, path, raw)
        self._new[key] = _entry(result)
        self._changed = True
        return result

    def _file_key(
        self, table: str, shown: str, path: Path, trust_stat: bool = True
    ) -> tuple[bytes, bytes | None, tuple[int, ...] | None]:
        """The file's key; its bytes unless read before; its stat, to keep for the next run, unless it just changed.

        The bytes are known without reading them when the file's size, times,
        inode and device are those the last run saw, as git's index and mypy's
        cache know them: any write moves the change time, which no tool sets
        back. A file that had changed just before a run is read again the next
        time, since a second write in the same tick of a coarse clock keeps
        its times.
        """
        st = os.stat(path)
        seen = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)
        settled = seen if max(st.st_mtime_ns, st.st_ctime_ns) < self._since else None
        known = self._old_stats.get(shown)
        if trust_stat and known is not None and known[0] == seen:
            return known[1], None, settled
        raw = path.read_bytes()
        return _key(table.encode(), shown.encode(), raw), raw, settled

    def rules(self, records: list[ParsedRecord], texts: Store | None, require_texts: bool) -> list[Diagnostic]:
        """The rules' diagnostics: cached when every file and every source text is as the last run saw them."""
        text_key = texts_digest(texts, require_texts)
        key = _key(text_key, *self._file_keys)
        if self._rules is not None and self._rules[0] == key:
            try:
                found: list[Diagnostic] = pickle.loads(self._rules[1])
            except Exception:  # a damaged entry is a miss
                pass
            else:
                self._new_own = self._old_own
                return found
        found = self._each_apart(records, texts, require_texts, text_key)
        self._rules = (key, pickle.dumps(found, protocol=pickle.HIGHEST_PROTOCOL))
        self._changed = True
        return found

    def _each_apart(
        self, records: list[ParsedRecord], texts: Store | None, require_texts: bool, text_key: bytes
    ) -> list[Diagnostic]:
        """The rules across records afresh; each record's own verdicts cached unless it or what it is lent changed."""
        keys = [self._key_of.get(rec.path) for rec in records]
        known = [k for k in keys if k is not None]
        if len(known) != len(records) or len({rec.path for rec in records}) != len(records):
            return rules.check(records, texts, require_texts)  # a file without a key: nothing to keep verdicts under
        _stand_in(records, True)
        world = _key(text_key, _lent(records, known))
        own_keys = [_key(k, world) for k in known]
        verdicts: dict[str, list[Diagnostic]] = {}
        for rec, own in zip(records, own_keys):
            verdict = _reuse(self._old_own, self._new_own, own, empty=[])
            if verdict is not None:
                verdicts[rec.path] = verdict
        judged = [rec for rec in records if rec.path not in verdicts]
        _stand_in(judged, False)
        # Names are weighed only against the names of organizations and models, whose files are lent: so long as
        # nothing lent changes, neither do those verdicts.
        names_key = _key(b"duplicates", world)
        names = _reuse(self._old_own, self._new_own, names_key, empty=[])
        skip = () if names is None else (rules.duplicates,)
        by_rule, found = rules.check_apart(
            records, texts, require_texts, judged, tuple(r for r in rules.ACROSS if r not in skip)
        )
        names = by_rule.pop(rules.duplicates) if names is None else names
        self._new_own[names_key] = pickle.dumps(names, protocol=pickle.HIGHEST_PROTOCOL)
        across = [d for part in (names, *by_rule.values()) for d in part]
        fresh: dict[str, list[Diagnostic]] = {rec.path: [] for rec in judged}
        for d in found:
            if d.path not in fresh:  # a rule reported on a record it did not judge: keep nothing, run everything
                self._new_own = {}
                _stand_in(records, False)
                return rules.check(records, texts, require_texts)
            fresh[d.path].append(d)
        _stand_in(records, False)  # what the caller reads of the report is the models
        for rec, own in zip(records, own_keys):
            if rec.path in fresh:
                verdict = fresh[rec.path]  # most records have none: b"" saves unpickling ten thousand empty lists
                self._new_own[own] = pickle.dumps(verdict, protocol=pickle.HIGHEST_PROTOCOL) if verdict else b""
        return across + [d for part in (verdicts, fresh) for diagnostics in part.values() for d in diagnostics]

    def save(self) -> None:
        """Write back the entries this run used, atomically; a cache that cannot be written is skipped silently."""
        if not self._changed and len(self._new) == len(self._old) and self._new_stats == self._old_stats:
            return
        stored: dict[str, Any] = {
            "stamp": stamp(),
            "files": self._new,
            "rules": self._rules,
            "own": self._new_own,
            "stats": self._new_stats,
        }
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(dir=self.file.parent, prefix=".tmp-", suffix=".pickle")
            try:
                with os.fdopen(fd, "wb") as handle:
                    pickle.dump(stored, handle, protocol=pickle.HIGHEST_PROTOCOL)
                os.replace(temp, self.file)
            except BaseException:
                os.unlink(temp)
                raise
        except OSError:
            return
