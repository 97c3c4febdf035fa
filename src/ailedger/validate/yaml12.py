"""A strict YAML 1.2 reader for curated record files.

Record files come from strangers' pull requests, so the reader takes only the
plain subset of YAML that a record needs and refuses the rest with a located
error before anything is expanded: no anchors, aliases, merge keys or tags, one
document, string keys, no duplicates, bounded size and depth. Scalars are typed
by the YAML 1.2 core schema (``NO`` and ``yes`` stay text, ``0755`` is refused
as ambiguous) and dates stay text for the schema to parse.

It builds values from a parser's event stream with an explicit stack rather
than a recursive constructor, so deep input cannot exhaust the Python stack,
and every value's line and column are kept for error messages. The events come
from libyaml (PyYAML's C parser, about ten times faster) where it is installed
and from ruamel.yaml's pure-Python parser otherwise; the pure parser is the
reference, and names every problem whichever parser is in use.
"""

from __future__ import annotations

import os
import re
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any, cast

from ailedger.validate.text import SURROGATE

MAX_BYTES = 1 << 20
MAX_DEPTH = 32
MAX_KEYS = 100
"""Keys of one mapping: the widest table has about 20 fields, so more is a mangled file, refused before the schema
suggests a field name for each unknown key."""
MAX_ITEMS = 1000
"""Items of one list (aliases, citations, supports, derived_from): far above any record's, far below what a 1 MiB
file can hold (500,000), whose items would each be checked against their quotes."""
MAX_VALUES = 10_000
"""Values in one record, containers included: lists of lists stay under ``MAX_ITEMS`` each and still hold 500,000."""

Path = tuple[str | int, ...]

_NULL = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}
_INT = re.compile(r"[-+]?[0-9]+", re.ASCII)
_AMBIGUOUS_INT = re.compile(r"[-+]?0[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+", re.ASCII)
_FLOAT = re.compile(
    r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)", re.ASCII
)
# Plain scalars that YAML 1.2 keeps as text but a YAML 1.1 reader (PyYAML) turns into a boolean or a number.
_YAML11_ONLY = re.compile(
    r"y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?|[-+]?[0-9]+(_[0-9]+)+",
    re.ASCII,
)
_TYPED = frozenset(_NULL | _TRUE | _FALSE)
"""Plain scalars that are not text."""
_NUMBER_START = frozenset("+-.0123456789")
"""How every number the patterns above take begins: other plain scalars are text without trying them."""
# Characters YAML does not allow raw in a stream (it names no line for them); found first, located, named.
_NON_PRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
MAX_DIGITS = 30
"""Digits a YAML number may have before it is converted; above every count, so the schema names the range."""
MAX_LINE = 1 << 16


class Float(float):
    """A float that shows itself as written: ``1.10`` stays ``1.10`` in a message, never ``1.1``.

    No record field is a float, so a float only ever reaches an error message,
    and there the contributor must recognise what they typed.
    """

    __slots__ = ("text",)
    text: str

    def __new__(cls, value: float, text: str) -> Float:
        self = super().__new__(cls, value)
        self.text = text
        return self

    def __repr__(self) -> str:
        return self.text


class YamlProblem(Exception):
    """Input that is not a plain record document; carries a stable code and a 1-based location."""

    def __init__(self, code: str, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.line = line
        self.column = column


@dataclass(slots=True)
class Document:
    """A parsed record file: its data and where each value stands."""

    data: dict[str, Any]
    positions: dict[Path, tuple[int, int | None]] = field(default_factory=dict)
    """Line and column of each value; a JSON Lines record has one line and no columns."""
    warnings: list[YamlProblem] = field(default_factory=list)
    unusual: list[tuple[Path, str]] | None = None
    """The text values that are not printable ASCII, where they stand, in the file's order; None when the reader
    did not note them. Only these can break a rule of text hygiene, so a file of plain text is not walked again."""

    def locate(self, path: Path) -> tuple[int, int | None]:
        """Line and column of ``path`` or of its nearest located ancestor."""
        while path not in self.positions and path:
            path = path[:-1]
        return self.positions.get(path, (1, 1))


def _scalar(event: Any, escapes: bool) -> Any:
    value: str = event.value
    if escapes and SURROGATE.search(value):
        raise _problem(event, "text.surrogate", "text holds a lone surrogate code point; write the real character")
    if event.style:  # quoted or block scalar: always text (ruamel marks plain with None, PyYAML with '')
        return value
    if value in _NULL:
        return None
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    if value[:1] not in _NUMBER_START:
        return value
    if _AMBIGUOUS_INT.fullmatch(value):
        raise _problem(
            event,
            "yaml.ambiguous-number",
            f"{value!r} reads as a different number in YAML 1.1 and 1.2; "
            "write the number without leading zeros, or quote it if it is text",
        )
    if _INT.fullmatch(value):
        if len(value.lstrip("+-")) > MAX_DIGITS:
            raise _problem(
                event,
                "yaml.number-too-large",
                f"a number of {len(value.lstrip('+-'))} digits; no count has more than {MAX_DIGITS}",
            )
        return int(value)
    if _FLOAT.fullmatch(value):
        # Python's float() reads neither .inf nor .nan; the schema then refuses them as numbers.
        special = value.lower().lstrip("+-")
        if special in (".inf", ".nan"):
            return Float(float(("-" if value.startswith("-") else "") + special[1:]), value)
        return Float(float(value), value)
    return value


def _problem(event: Any, code: str, message: str) -> YamlProblem:
    mark = event.start_mark
    return YamlProblem(code, message, mark.line + 1, mark.column + 1)


def _too_many(event: Any, what: str, cap: int) -> YamlProblem:
    where, fix = {
        "keys": ("mapping", "a table has about 20 fields: remove the keys that are not its fields"),
        "items": ("list", "no field needs that many: keep the items the quotes state"),
        "values": ("record", "no record needs that many: a series of figures belongs in a bulk .jsonl file"),
    }[what]
    return _problem(event, f"yaml.too-many-{what}", f"more than {cap} {what} in one {where}; {fix}")


def _refuse_features(event: Any) -> None:
    if event.anchor is not None:
        raise _problem(event, "yaml.alias-forbidden", f"anchor &{event.anchor} is not allowed; write the value out")
    if event.tag is not None:
        raise _problem(event, "yaml.tag-forbidden", f"tag {event.tag} is not allowed; quote the value instead")


# Where libyaml (a YAML 1.1 parser) reads text differently from the reference, found by comparing the two
# (tests/test_yaml12.py): tabs as separators, a byte order mark inside the text, NEL and the Unicode line
# and paragraph separators as line breaks, a comment glued to a block scalar's indicator. Such text is
# left to the reference parser from the start; record files rarely hold any of it.
_PURE_ONLY = re.compile("[\t\ufeff\x85\u2028\u2029]")
_GLUED_COMMENT = re.compile("[|>][-+0-9]*#")
PARSERS = ("libyaml", "pure")
PARSER_ENV = "AILEDGER_YAML_PARSER"
"""Set to ``pure`` to read every file with the pure-Python parser (the reference the libyaml path is tested against)."""


def default_parser() -> str:
    """``libyaml`` when PyYAML's C extension is installed and not switched off by ``AILEDGER_YAML_PARSER=pure``."""
    if os.environ.get(PARSER_ENV, "").strip().lower() == "pure":
        return "pure"
    return "libyaml" if _libyaml() is not None else "pure"


@cache
def _libyaml() -> Any:
    """PyYAML's C parser class, or None where the extension could not be installed (a source build without libyaml)."""
    try:
        from yaml._yaml import CParser
    except ImportError:
        return None
    return CParser


@cache
def _kinds() -> dict[type, int]:
    """Event class -> kind, for both parsers' event classes (they share names, not classes)."""
    import ruamel.yaml.events as pure_events

    modules: list[Any] = [pure_events]
    if _libyaml() is not None:
        import yaml.events

        modules.append(yaml.events)
    return {
        getattr(module, name): kind for module in modules for kind, names in enumerate(_KIND_NAMES) for name in names
    }


_SKIP, _DOC, _ALIAS, _SCALAR, _MAP, _SEQ, _END = range(7)
_KIND_NAMES = (
    ("StreamStartEvent", "StreamEndEvent", "DocumentEndEvent"),
    ("DocumentStartEvent",),
    ("AliasEvent",),
    ("ScalarEvent",),
    ("MappingStartEvent",),
    ("SequenceStartEvent",),
    ("MappingEndEvent", "SequenceEndEvent"),
)


@cache
def _pure_yaml() -> Any:
    """One pure-Python ruamel parser for the whole run: building a ``YAML()`` costs more than parsing a record."""
    from ruamel.yaml import YAML

    return YAML(typ="safe", pure=True)


def _pure_only(text: str) -> bool:
    """Text libyaml reads differently from the reference (two scans: one pattern with both took four times as
    long)."""
    return _PURE_ONLY.search(text) is not None or ("#" in text and _GLUED_COMMENT.search(text) is not None)


def _pure_events(text: str) -> Generator[Any, None, None]:
    reader = _pure_yaml()
    reader.doc_infos.clear()  # ruamel keeps one entry per parse; a long run would pile them up
    return reader.parse(text)


def _libyaml_events(text: str) -> Iterator[Any]:
    parser = _libyaml()(text)
    return iter(parser.get_event, None)


def loads(text: str, parser: str | None = None) -> Document:
    """Parse one record document; raise :class:`YamlProblem` on anything outside the plain subset.

    ``parser`` is ``libyaml`` (PyYAML's C parser, the default where installed)
    or ``pure`` (ruamel.yaml's pure-Python parser). The pure parser is the
    reference: libyaml only ever answers for a file it reads without
    complaint. Any refusal, whether libyaml's own or one of this reader's rules
    on libyaml's events, is left to the pure parser to name, so a problem's
    code, message, line and column are the same whichever parser is installed.
    """
    from ailedger.validate.text import codepoint

    bad = _NON_PRINTABLE.search(text)
    if bad is not None:
        line = text.count("\n", 0, bad.start()) + 1
        column = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        raise YamlProblem(
            "text.control-char",
            f"the control character {codepoint(bad.group())} is not allowed in a record file; remove it",
            line,
            column,
        )
    escapes = "\\" in text
    if (parser or default_parser()) == "libyaml" and _libyaml() is not None and not _pure_only(text):
        try:
            return _document(_libyaml_events(text), escapes)
        except Exception:  # whatever libyaml or a rule on its events refused, the reference parser names below
            pass
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    events = _pure_events(text)
    try:
        return _document(events, escapes)
    except YamlProblem:
        raise
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        if "\t" in message or "'\\t'" in message:
            message += "; tabs are not allowed for indentation, use spaces"
        if mark is None:
            raise YamlProblem("yaml.syntax", message) from None
        raise YamlProblem("yaml.syntax", message, mark.line + 1, mark.column + 1) from None
    except (YAMLError, ValueError, RecursionError, MemoryError) as exc:
        raise YamlProblem("yaml.invalid", f"not a readable YAML document: {type(exc).__name__}") from None
    finally:
        events.close()  # resets the shared parser now, not whenever a kept traceback lets go of this generator


def _document(events: Iterator[Any], escapes: bool) -> Document:
    """Values from an event stream, with every value's position.

    An explicit stack, not recursion: deep input cannot exhaust Python's.
    ``escapes``: the text has a backslash, so a double-quoted scalar may spell
    a lone surrogate. Runs once per event of every record file, hence the
    open container's state in local variables rather than a frame object.
    """
    kinds = _kinds()
    yaml11_only = _YAML11_ONLY.fullmatch
    positions: dict[Path, tuple[int, int | None]] = {}
    warnings: list[YamlProblem] = []
    unusual: list[tuple[Path, str]] = []
    root: Any = None
    documents = 0
    values = 0
    # The open container: itself, its path, the key waiting for its value (mappings), the first line of each key.
    container: Any = None
    path: Path = ()
    key: str | None = None
    seen: dict[str, int] = {}
    is_dict = False
    stack: list[tuple[Any, Path, str | None, dict[str, int], bool]] = []
    for event in events:
        kind = kinds[type(event)]
        if kind == _SCALAR:
            values += 1
            if values > MAX_VALUES:
                raise _too_many(event, "values", MAX_VALUES)
            if event.anchor is not None or event.tag is not None:
                _refuse_features(event)
            style = event.style
            value = event.value
            if escapes or (not style and (value in _TYPED or value[:1] in _NUMBER_START)):
                value = _scalar(event, escapes)  # else text as it stands: a quoted scalar, or a plain word
            if container is None:
                root = value
            elif is_dict and key is None:
                if not isinstance(value, str):
                    raise _problem(event, "yaml.non-string-key", f"key {event.value!r} is not text; quote it")
                if value == "<<":
                    raise _problem(
                        event, "yaml.merge-key-forbidden", "merge keys (<<) are not allowed; write the fields out"
                    )
                if value in seen:
                    raise _problem(
                        event, "yaml.duplicate-key", f"duplicate key {value!r} (first at line {seen[value]}); keep one"
                    )
                if len(seen) >= MAX_KEYS:
                    raise _too_many(event, "keys", MAX_KEYS)
                mark = event.start_mark
                seen[value] = mark.line + 1
                key = value
                positions[path + (value,)] = (mark.line + 1, mark.column + 1)
            else:
                if type(value) is str and not (value.isascii() and value.isprintable()):
                    unusual.append((path + (cast(str, key) if is_dict else len(container),), value))
                if is_dict:
                    container[key] = value
                    key = None
                else:
                    if len(container) >= MAX_ITEMS:
                        raise _too_many(event, "items", MAX_ITEMS)
                    mark = event.start_mark
                    positions[path + (len(container),)] = (mark.line + 1, mark.column + 1)
                    container.append(value)
                if not style and type(value) is str and yaml11_only(value):
                    warnings.append(
                        _problem(
                            event,
                            "yaml.ambiguous-scalar",
                            f"{value!r} is read as text, but YAML 1.1 readers (PyYAML) read it as a boolean or "
                            "number; quote it if text is meant",
                        )
                    )
        elif kind == _END:
            container, path, key, seen, is_dict = stack.pop()
            key = None
        elif kind in (_MAP, _SEQ):
            _refuse_features(event)
            values += 1
            if values > MAX_VALUES:
                raise _too_many(event, "values", MAX_VALUES)
            if len(stack) >= MAX_DEPTH:
                raise _problem(event, "yaml.too-deep", f"nesting deeper than {MAX_DEPTH} levels; a record is shallow")
            value = {} if kind == _MAP else []
            mark = event.start_mark
            if container is None:
                root = value
                inner: Path = ()
                positions[inner] = (mark.line + 1, mark.column + 1)
            elif is_dict:
                if key is None:
                    raise _problem(event, "yaml.non-string-key", "a mapping key must be a plain name, not a collection")
                inner = path + (key,)
                container[key] = value
            else:
                if len(container) >= MAX_ITEMS:
                    raise _too_many(event, "items", MAX_ITEMS)
                inner = path + (len(container),)
                positions[inner] = (mark.line + 1, mark.column + 1)
                container.append(value)
            stack.append((container, path, key, seen, is_dict))
            container, path, key, seen, is_dict = value, inner, None, {}, kind == _MAP
        elif kind == _DOC:
            documents += 1
            if documents > 1:
                raise _problem(
                    event, "yaml.multi-document", "a record file holds one document; remove the '---' and what follows"
                )
        elif kind == _ALIAS:
            raise _problem(event, "yaml.alias-forbidden", f"alias *{event.anchor} is not allowed; write the value out")
    if root is None:
        raise YamlProblem("record.empty", "the file holds no record; write the record's fields as a mapping", 1, 1)
    if not isinstance(root, dict):
        kind_of = "a list" if isinstance(root, list) else "a single value"
        raise YamlProblem(
            "record.not-mapping", f"the file holds {kind_of}; a record file is one mapping of field: value", 1, 1
        )
    return Document(root, positions, warnings, unusual)


def decode(raw: bytes) -> tuple[str, list[YamlProblem]]:
    """Bytes to text under the project's file policy; the list holds warnings (a stripped BOM)."""
    warnings: list[YamlProblem] = []
    if len(raw) > MAX_BYTES:
        raise YamlProblem("file.too-large", f"file is {len(raw)} bytes; a record file is at most {MAX_BYTES}", 1, 1)
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
        warnings.append(
            YamlProblem("file.bom", "UTF-8 byte order mark ignored; save the file as UTF-8 without BOM", 1, 1)
        )
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise YamlProblem("file.encoding", "file is UTF-16; save it as UTF-8", 1, 1)
    if raw.startswith(b"version https://git-lfs.github.com/spec/"):
        raise YamlProblem(
            "file.lfs-pointer", "file is a Git LFS pointer, not the record; commit the file itself without LFS", 1, 1
        )
    for number, line in enumerate(raw.split(b"\n") if len(raw) > MAX_LINE else (), 1):
        if len(line) > MAX_LINE:
            raise YamlProblem(
                "file.too-large", f"line is {len(line)} bytes long; a record's line is at most {MAX_LINE}", number, 1
            )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        at_line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise YamlProblem(
            "file.encoding",
            f"invalid UTF-8 at byte {exc.start} ({raw[exc.start : exc.start + 1]!r}); save the file as UTF-8",
            at_line,
            column,
        ) from None
    return text, warnings
