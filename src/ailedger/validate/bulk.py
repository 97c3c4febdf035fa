"""Bulk files: long metric series as JSON Lines, validated on columns.

A table folder may hold ``<name>.jsonl`` files beside its one-record YAML
files: one record per line, the same schema, the same rules and the same
provenance (every row cites its source). Today only ``metrics/`` takes bulk
files; the other tables are small and curated by hand.

Checking a million rows record by record costs seconds of pydantic and
garbage collection, so the file is read in chunks by Arrow's JSON reader
(strict: duplicate keys, NaN, Infinity, lone surrogates, numbers that overflow
int64, wrong types and unknown fields all fail the chunk, which then goes line
by line through :mod:`ailedger.validate.jsonl`). The column checks of
:mod:`ailedger.validate.columns` flag every row the schema or a rule might
reject; those rows are re-read and checked by the very code that checks YAML
records, so a bulk row gets exactly the codes and messages a record file
would, located as ``file:line``. Clean rows never become Python objects. What
needs every row (unique ids, rows of one series) is checked here.
"""

from __future__ import annotations

import bisect
import io
import os
import re
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj
from pydantic import BaseModel

from ailedger.arrow import input_schema, unwrap
from ailedger.memory import gc_paused
from ailedger.schema import LATEST
from ailedger.texts import Store
from ailedger.validate import context, rules
from ailedger.validate.columns import RuleColumns, SchemaColumns, as_flags
from ailedger.validate.diagnostics import Diagnostic
from ailedger.validate.files import BULK_SUFFIX, display
from ailedger.validate.jsonl import check_line, skip_bom
from ailedger.validate.record import ParsedRecord
from ailedger.validate.yaml12 import MAX_BYTES, Document

__all__ = ["BULK_TABLES", "check"]

BULK_TABLES = frozenset({"metrics"})
CHUNK_BYTES = 16 << 20
_BLANK_LINE = re.compile(rb"\n[ \t\r]+\n")




MAX_ROW_BYTES = MAX_BYTES
"""A bulk row is one record, and a record file is at most this: a longer line is refused unread."""
MAX_FILE_BYTES = 1 << 30
"""A bulk file's cap: its ids and series keys stay in memory (a million rows, 700 MB, take about as much), and git
hosts refuse far smaller files (GitHub: 100 MB)."""


def _long_lines(data: bytes, cap: int) -> list[tuple[int, int]]:
    """(start, end) of each line of ``data`` (whole lines) longer than ``cap`` bytes.

    A line is that long exactly when a window of ``cap`` + 1 bytes from its
    start holds no newline, so the search jumps a window at a time: a 16 MB
    chunk costs a few ``rfind`` calls, not one per line.
    """
    out = []
    start = 0
    while len(data) - start > cap:
        newline = data.rfind(b"\n", start, start + cap + 1)
        if newline >= 0:
            start = newline + 1
            continue
        end = data.find(b"\n", start + cap + 1)
        end = len(data) if end < 0 else end
        out.append((start, end))
        start = end + 1
    return out


def _chunks(fh: BinaryIO, cap: int | None = None) -> Iterator[tuple[int, bytes | int]]:
    """(number of the chunk's first line, bytes) of whole lines, about CHUNK_BYTES at a time.

    A line longer than ``cap`` is never held whole: it comes as (its line
    number, its length in bytes) between the chunks around it.
    """
    cap = MAX_ROW_BYTES if cap is None else cap
    first = 1
    rest = b""
    skipped = 0  # bytes of an over-long line read so far and dropped
    while True:
        block = fh.read(CHUNK_BYTES)
        if not block:
            break
        if skipped:
            end = block.find(b"\n")
            if end < 0:
                skipped += len(block)
                continue
            yield first, skipped + end
            first, skipped, block = first + 1, 0, block[end + 1 :]
        block = rest + block
        cut = block.rfind(b"\n") + 1
        whole, rest = block[:cut], block[cut:]
        done = 0
        for start, end in _long_lines(whole, cap):
            if start > done:
                yield first, whole[done:start]
                first += whole.count(b"\n", done, start)
            yield first, end - start
            first, done = first + 1, end + 1
        if done < len(whole):
            yield first, whole[done:]
            first += whole.count(b"\n", done)
        if len(rest) > cap:
            skipped, rest = len(rest), b""
    if skipped:
        yield first, skipped
    elif rest:
        yield first, rest


def _lines_of(chunk: bytes) -> list[bytes]:
    lines = chunk.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return lines


def _fast_parse(chunk: bytes, schema: pa.Schema, explicit_null: list[re.Pattern[bytes]]) -> pa.Table | None:
    """The chunk as a table, one row per line; None when anything needs the exact path."""
    data = np.frombuffer(chunk, dtype=np.uint8)
    breaks = np.flatnonzero(data == 0x0A)
    after = data[breaks[breaks + 1 < len(data)] + 1]
    # a blank line is a line break followed by white space and a line break: look closer only where one is
    led = bool(((after == 0x0A) | (after == 0x20) | (after == 0x09) | (after == 0x0D)).any())
    blank = chunk.lstrip(b" \t\r").startswith((b"\n", b"\xef\xbb\xbf")) or (
        led and (b"\n\n" in chunk or _BLANK_LINE.search(chunk) is not None)
    )
    # most chunks hold no null at all, which one fast find tells before the patterns scan the chunk
    if blank or (b"null" in chunk and any(pattern.search(chunk) for pattern in explicit_null)):
        return None
    try:
        table = pj.read_json(
            io.BytesIO(chunk),
            read_options=pj.ReadOptions(block_size=4 << 20, use_threads=False),  # the parse has a thread of its own
            parse_options=pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="error"),
        )
        table.validate(full=True)  # Arrow's reader keeps invalid UTF-8 in strings; the full validation refuses it
    except pa.ArrowInvalid:
        return None
    lines = len(breaks) + (not chunk.endswith(b"\n"))
    return table if table.num_rows == lines else None  # two objects on one line


def _explicit_null(model: type[BaseModel]) -> list[re.Pattern[bytes]]:
    """Fields that may be absent but not null: Arrow reads both as null, so an explicit null takes the exact path."""
    names = [
        name
        for name, info in model.model_fields.items()
        if not info.is_required() and not unwrap(info.annotation)[1]
    ]
    names += [
        name
        for name, info in LATEST.Citation.model_fields.items()
        if not info.is_required() and not unwrap(info.annotation)[1]
    ]
    if not names:
        return []
    # A key spelled with escapes ("d\u0065rived_from") is the same field to Arrow, so any escaped key set to null
    # takes the exact path too, which decodes it first: a key's last escape, the rest of the key, then ": null".
    # Two searches, as one pattern with both branches tries the second at every quote (ten times slower).
    plain = rb'"(?:' + b"|".join(re.escape(n.encode()) for n in names) + rb')"\s*:\s*null'
    return [re.compile(plain), re.compile(rb'\\.[^"\\]*"\s*:\s*null')]


# --- the run -------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _File:
    """What a bulk file leaves for the checks across all rows: ids and the keys of its series."""

    shown: str
    path: Path
    ids: list[pa.Array] = field(default_factory=list)
    lines: list[np.ndarray] = field(default_factory=list)
    keys: list[pa.Table] = field(default_factory=list)
    """Per chunk, the series keys (subject, metric, dates, region) as integer codes."""
    flagged: set[int] = field(default_factory=set)
    rejected: list[str] = field(default_factory=list)
    """Ids of rows the schema rejected: references to them are not dangling."""


_SERIES = ("subject_id", "metric", "as_of", "reported", "region")
_Parsed = tuple[pa.Table | None, np.ndarray | None]


class _Run:
    """One validation run over YAML records and bulk files."""

    def __init__(
        self,
        records: list[ParsedRecord],
        texts: Store | None,
        keep: dict[str, list[Any]] | None,
        require_texts: bool = False,
    ) -> None:
        self.records = records
        self.keep = keep
        self.texts = texts
        self.require_texts = require_texts
        self.schema_columns = SchemaColumns()
        self.rule_columns = RuleColumns(records, texts, self.schema_columns)
        self.diagnostics: list[Diagnostic] = []
        self.files: list[_File] = []
        self.key_codes: dict[str, dict[str | None, int]] = {}
        self.derived_from: set[str] = set()
        """Ids that some bulk row is derived from: the exact path needs their values to recompute a formula."""

    # a file -----------------------------------------------------------------------------------------

    def read(self, table_name: str, path: Path) -> None:
        shown = display(path)
        if table_name not in BULK_TABLES:
            self.diagnostics.append(
                Diagnostic(
                    shown,
                    None,
                    None,
                    "file.extension",
                    "",
                    f"only {', '.join(sorted(BULK_TABLES))} take {BULK_SUFFIX} bulk files; write one {table_name} "
                    "record per <id>.yaml",
                )
            )
            return
        model = LATEST.TABLES[table_name]
        schema = input_schema(model)
        nulls = _explicit_null(model)
        state = _File(shown, path)
        self.files.append(state)
        try:
            with path.open("rb") as fh:
                if skip_bom(fh):  # as in a record file: a warning, and the rows are read without it
                    message = "UTF-8 byte order mark ignored; save the file as UTF-8 without BOM"
                    self.diagnostics.append(Diagnostic(shown, 1, 1, "file.bom", "", message, "warning"))
                size = os.fstat(fh.fileno()).st_size
                if size > MAX_FILE_BYTES:
                    message = f"file is {size} bytes; a bulk file is at most {MAX_FILE_BYTES}: split the series"
                    self.diagnostics.append(Diagnostic(shown, None, None, "file.too-large", "", message))
                    return
                empty = True
                # The next chunk is parsed and its schema columns computed (Arrow's work, mostly without the GIL)
                # while this one is checked: on two cores that costs little wall time. Chunks are still checked
                # one after another, in order.
                with ThreadPoolExecutor(max_workers=1) as ahead:
                    waiting: list[tuple[int, bytes | int, Future[_Parsed] | None]] = []
                    for first, chunk in _chunks(fh):
                        empty = False
                        parsed = None
                        if isinstance(chunk, bytes):
                            parsed = ahead.submit(self._parse, chunk, model, schema, nulls)
                        waiting.append((first, chunk, parsed))
                        if len(waiting) == 1:  # while the first chunk is parsed (the rules read every text anyway)
                            self.rule_columns.read_texts()
                        if len(waiting) > 1:
                            self._next(state, model, schema, *waiting.pop(0))
                    for item in waiting:
                        self._next(state, model, schema, *item)
            if empty:  # as an empty record file is
                message = "the file holds no record; write one JSON object per line"
                self.diagnostics.append(Diagnostic(shown, 1, 1, "record.empty", "", message))
        except OSError as exc:
            self.diagnostics.append(
                Diagnostic(shown, None, None, "file.unreadable", "", f"cannot read: {exc.strerror}")
            )

    def _next(
        self,
        state: _File,
        model: type[BaseModel],
        schema: pa.Schema,
        first: int,
        chunk: bytes | int,
        parsed: Future[_Parsed] | None,
    ) -> None:
        """Check the next chunk once Arrow has parsed it; an over-long line (its length) is refused unread."""
        if isinstance(chunk, bytes):
            self._chunk(state, model, schema, first, chunk, *(parsed.result() if parsed is not None else (None, None)))
        else:
            message = f"line is {chunk} bytes long; a bulk row is at most {MAX_ROW_BYTES}"
            self.diagnostics.append(Diagnostic(state.shown, first, 1, "file.too-large", "", message))

    def _parse(
        self, chunk: bytes, model: type[BaseModel], schema: pa.Schema, nulls: list[re.Pattern[bytes]]
    ) -> _Parsed:
        """The chunk as a table and the rows the schema columns suspect; (None, None) when Arrow refused it."""
        table = _fast_parse(chunk, schema, nulls)
        return (None, None) if table is None else (table, self.schema_columns.rows(table, model))

    def _chunk(
        self,
        state: _File,
        model: type[BaseModel],
        schema: pa.Schema,
        first: int,
        chunk: bytes,
        table: pa.Table | None,
        suspect: np.ndarray | None,
    ) -> None:
        """Send what the column checks cannot clear of a parsed chunk to the exact path, keep the rest as columns."""
        exact: list[tuple[int, bytes]] = []
        if table is None or suspect is None:  # something Arrow refused: every line the exact way, for located errors
            exact = [(first + i, raw) for i, raw in enumerate(_lines_of(chunk))]
        else:
            lines = np.arange(first, first + table.num_rows, dtype=np.int64)
            if suspect.any():
                raw_lines = _lines_of(chunk)
                exact = [(int(line), raw_lines[int(line) - first]) for line in lines[suspect]]
                table, lines = table.filter(pa.array(~suspect)), lines[~suspect]
        rescued: list[tuple[int, dict[str, Any]]] = []
        for line, raw in exact:
            loaded, problems = check_line(state.path.parent.name, raw, line, state.shown)
            self.diagnostics += problems
            if loaded is not None and loaded.record is not None:
                rescued.append((line, loaded.doc.data))
            elif loaded is not None and isinstance(loaded.doc.data.get("id"), str):
                state.rejected.append(loaded.doc.data["id"])  # still exists, so its mistake does not cascade
        if rescued:
            extra = pa.Table.from_pylist([data for _, data in rescued], schema=schema)
            extra_lines = np.array([line for line, _ in rescued], dtype=np.int64)
            if table is None:
                table, lines = extra, extra_lines
            else:
                table, lines = pa.concat_tables([table, extra]), np.concatenate([lines, extra_lines])
        if table is None or table.num_rows == 0:
            return
        flagged = self.rule_columns.rows(table, model)
        state.flagged.update(lines[flagged].tolist())
        self.derived_from.update(pc.unique(table.column("derived_from").combine_chunks().flatten()).to_pylist())
        if self.keep is not None:
            self.keep.setdefault(state.path.parent.name, []).append(table)
        state.ids.append(table.column("id").combine_chunks())
        state.lines.append(lines)
        state.keys.append(pa.table({name: self._codes(name, table.column(name)) for name in _SERIES}))

    # across all rows --------------------------------------------------------------------------------

    def finish(self) -> list[Diagnostic]:
        """Checks that need every row: unique ids and series; then the exact rules over YAML records and flagged rows.
        """
        self._duplicate_ids()
        self._shared_series()
        self._derivation_inputs()
        flagged = [loaded for state in self.files for loaded in self._reread(state)]
        ctx = context.Context(
            self.records, self.texts, bulk_rows=flagged, bulk_ids=self._ids, require_texts=self.require_texts
        )
        ctx.source_texts = self.rule_columns.texts  # the same texts, already read (and normalized) by the columns
        out = [d for rule in rules.RULES for d in rule(ctx)]
        return self.diagnostics + out

    def _ids(self) -> Iterator[tuple[str, str]]:
        """(id, table) of every bulk row, including rows the schema rejected (they still exist for references)."""
        for state in self.files:
            table = state.path.parent.name
            for rid in state.rejected:
                yield rid, table
            for ids in state.ids:
                for rid in ids.to_pylist():
                    yield rid, table

    def _duplicate_ids(self) -> None:
        first: dict[str, str] = {}
        for rec in self.records:
            rid = context.record_id(rec)
            first.setdefault(rid, rec.path)
        arrays = [a for state in self.files for a in state.ids]
        if not arrays:
            return
        every = pa.chunked_array(arrays, pa.string())
        counts = pc.value_counts(every)
        repeated = counts.field("values").filter(pc.greater(counts.field("counts"), 1))
        clashing = set(repeated.to_pylist()) | self._yaml_ids_reused(arrays, first)
        if not clashing:
            return
        wanted = pa.array(sorted(clashing), pa.string())
        for state in self.files:
            for ids, lines in zip(state.ids, state.lines):
                hit = as_flags(pc.is_in(ids, value_set=wanted))
                for rid, line in zip(ids.filter(pa.array(hit)).to_pylist(), lines[hit].tolist()):
                    here = f"{state.shown}:{line}"
                    owner = first.setdefault(rid, here)
                    if owner != here:
                        self.diagnostics.append(
                            Diagnostic(
                                state.shown,
                                line,
                                None,
                                "id.duplicate",
                                "id",
                                f"id {rid} is already used by {owner}; ids are unique across all tables",
                            )
                        )

    def _derivation_inputs(self) -> None:
        """Rows that a derived row is computed from go the exact way too, so its formula meets their values."""
        if not self.derived_from:
            return
        wanted = pa.array(sorted(self.derived_from), pa.string())
        for state in self.files:
            for ids, lines in zip(state.ids, state.lines):
                state.flagged.update(lines[as_flags(pc.is_in(ids, value_set=wanted))].tolist())

    @staticmethod
    def _yaml_ids_reused(arrays: list[pa.Array], yaml_ids: dict[str, str]) -> set[str]:
        """The YAML ids that some bulk row also uses."""
        wanted = pa.array(list(yaml_ids), pa.string())
        return {v for a in arrays for v in a.filter(pc.is_in(a, value_set=wanted)).to_pylist()}

    def _codes(self, name: str, column: pa.ChunkedArray | pa.Array) -> pa.Array:
        """A series key column as small integers (one per distinct value, None included), to group a million rows
        cheaply."""
        encoded = pc.dictionary_encode(column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column)
        codes = self.key_codes.setdefault(name, {})
        table = np.array(
            [codes.setdefault(v, len(codes)) for v in encoded.dictionary.to_pylist()]
            + [codes.setdefault(None, len(codes))],
            dtype=np.int32,
        )
        return pa.array(table[pc.fill_null(encoded.indices, len(encoded.dictionary)).to_numpy()])

    def _shared_series(self) -> None:
        """Rows that share subject and period with another row: the overlap and daily<=weekly<=monthly rules decide."""
        keys = [k for state in self.files for k in state.keys]
        if not keys:
            return
        yaml_rows = [r.record for r in self.records if r.record is not None and r.table == "metrics"]
        yaml_keys = {
            name: self._codes(
                name,
                pa.array([None if getattr(m, name) is None else str(getattr(m, name)) for m in yaml_rows], pa.string()),
            )
            for name in _SERIES
        }
        every = pa.concat_tables([*keys, pa.table(yaml_keys)])
        period = [name for name in _SERIES if name != "metric"]
        counts = every.group_by(period).aggregate([([], "count_all")])
        shared = counts.filter(pc.greater(counts.column("count_all"), 1)).drop_columns(["count_all"])
        if shared.num_rows == 0:
            return
        for state in self.files:
            for key, lines in zip(state.keys, state.lines):
                marked = key.append_column("line", pa.array(lines)).join(shared, keys=period, join_type="inner")
                state.flagged.update(marked.column("line").to_pylist())

    def _reread(self, state: _File) -> Iterator[ParsedRecord]:
        """The flagged rows of a file as records, for the exact rules."""
        if not state.flagged:
            return
        wanted = sorted(state.flagged)
        with state.path.open("rb") as fh:
            skip_bom(fh)
            for first, chunk in _chunks(fh):  # as read the first time: no over-long line is held
                if isinstance(chunk, int) or bisect.bisect_left(wanted, first) == len(wanted):
                    continue
                lines = _lines_of(chunk)
                for line in wanted[bisect.bisect_left(wanted, first) : bisect.bisect_left(wanted, first + len(lines))]:
                    raw = lines[line - first].rstrip(b"\r")
                    loaded, _ = check_line(state.path.parent.name, raw, line, state.shown)
                    if loaded is not None and loaded.record is not None:
                        # The rules read the model; the parsed JSON beside it would double each row's memory.
                        yield replace(loaded, doc=Document({}, loaded.doc.positions))


def check(
    records: list[ParsedRecord],
    files: list[tuple[str, Path]],
    texts: Store | None,
    keep: dict[str, list[Any]] | None = None,
    require_texts: bool = False,
) -> list[Diagnostic]:
    """Every rule over the YAML ``records`` and the rows of the bulk ``files``; ``keep`` receives the rows per table."""
    with gc_paused():
        run = _Run(records, texts, keep, require_texts)
        for table, path in sorted(files, key=lambda f: (list(LATEST.TABLES).index(f[0]), str(f[1]))):
            run.read(table, path)
        return run.finish()
