"""The compatibility gate: the current JSON Schemas against every released schema version.

Released versions are kept, frozen, in ``schema/<MODEL-REVISION-ADDITION>/``
(the path their ``$id`` names); ``scripts/refresh.py`` never writes there, so
changing the models cannot silently move the baseline. The current schema is
compared with each of them, not only the newest (Confluent's
``BACKWARD_TRANSITIVE``), and each difference is classified the way
``buf breaking`` does:

* breaking: a field removed or renamed, a type narrowed, an enum value
  removed, a new required field, a field made required, a tightened pattern,
  format or bound, a changed default, a closed object;
* addition: a new optional field, a new enum value, a widened type or
  loosened constraint;
* refinement: a string or list node that is exactly what
  :func:`ailedger.schema.json_schema.refined` makes of the released one (a
  pattern that also ends at the end under Python's ``re``, calendar dates,
  free text without control or invisible characters, ``supports`` naming the
  table's fields once each). It refuses only what the models and
  ``ailedger validate`` already refuse, so no record ailedger accepts becomes
  invalid: it needs an ADDITION bump, never a MODEL one.

Records are closed (``additionalProperties: false``), so a new optional field
cannot clash with data already out there. A breaking change passes only when
the MODEL part of the version is higher than the released one's, which is
what tells users (and their records' ``schema_version``) that it changed.
Descriptions, titles and examples are documentation and are not compared.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ailedger.dates import CALENDAR_PATTERN
from ailedger.schema.fields import UNCITED
from ailedger.schema.json_schema import TEXT, anchored, refined

ANNOTATIONS = frozenset({"title", "description", "examples", "$comment", "$id", "$schema", "default", "$defs"})
LOWER_BOUNDS = ("minLength", "minItems", "minProperties", "minimum", "exclusiveMinimum")
UPPER_BOUNDS = ("maxLength", "maxItems", "maxProperties", "maximum", "exclusiveMaximum")
SCHEMAVER = re.compile(r"^([0-9]+)-([0-9]+)-([0-9]+)$")

Version = tuple[int, int, int]


def parse_version(text: str) -> Version:
    """``"1-0-0"`` as ``(1, 0, 0)``."""
    m = SCHEMAVER.match(text)
    if m is None:
        raise ValueError(f"{text!r} is not a SchemaVer MODEL-REVISION-ADDITION like 1-0-0")
    return int(m[1]), int(m[2]), int(m[3])


def show_version(v: Version) -> str:
    return "-".join(map(str, v))


@dataclass(frozen=True, slots=True)
class Change:
    """One difference between a released schema and the current one."""

    table: str
    field: str
    what: str
    breaking: bool
    refinement: bool = False
    """Says in a pattern or enum what ailedger already refused (docs/versioning.md, "Refinements")."""


@dataclass(frozen=True, slots=True)
class Finding:
    """A change judged against the versions: ``error`` when breaking and the MODEL was not bumped."""

    change: Change
    released: Version
    current: Version

    @property
    def error(self) -> bool:
        return self.change.breaking and self.current[0] <= self.released[0]

    def text(self, against: str | None = None) -> str:
        """``against`` names the released versions a change is shown against when one line stands for several."""
        c, old = self.change, show_version(self.released)
        where = f"{c.table}.{c.field}" if c.field else c.table
        if self.error:
            bump = show_version((self.released[0] + 1, 0, 0))
            return (
                f"error: {where}: {c.what}; breaking against released {old}: bump MODEL to {bump} and add a migration"
            )
        kind = "breaking" if c.breaking else "refinement" if c.refinement else "addition"
        if self.current == self.released:
            bump = show_version(self.released[:2] + (self.released[2] + 1,))
            return f"{kind}: {where}: {c.what}; released {old} changed: bump ADDITION to {bump}"
        declared = f"; declared by MODEL {self.current[0]}" if c.breaking else ""
        return f"{kind}: {where}: {c.what} (against released {against or old}{declared})"


def lines(findings: list[Finding]) -> list[str]:
    """One line per allowed change however many released versions it is found against (else 300 lines for 60)."""
    shown: list[str | list[Finding]] = []
    same: dict[tuple[Change, Version], list[Finding]] = {}
    for finding in findings:
        if finding.error or finding.current == finding.released:
            shown.append(finding.text())
        elif (finding.change, finding.current) in same:
            same[finding.change, finding.current].append(finding)
        else:
            shown.append(same.setdefault((finding.change, finding.current), [finding]))
    return [
        line if isinstance(line, str) else line[0].text(", ".join(show_version(f.released) for f in line))
        for line in shown
    ]


class _Walk:
    """Compares two JSON Schema documents node by node, resolving ``$ref`` into each one's ``$defs``."""

    def __init__(self, table: str, old: dict[str, Any], new: dict[str, Any]) -> None:
        self.table = table
        self.old_defs = old.get("$defs", {})
        self.new_defs = new.get("$defs", {})
        self.changes: list[Change] = []
        properties = new.get("properties", {})
        self.fields = [p for p in properties if p not in UNCITED] if "citations" in properties else None
        """The fields a quote may support, which a refined ``supports`` names: the table's own, not the new
        schema's word for it."""

    def add(self, path: str, what: str, breaking: bool, refinement: bool = False) -> None:
        self.changes.append(Change(self.table, path, what, breaking, refinement))

    def refinement(self, old: dict[str, Any], new: dict[str, Any]) -> str | None:
        """What a refinement of a string or list node says now, when ``new`` is exactly that of ``old``."""
        if old.get("type") not in ("string", "array") or old == new:
            return None
        if refined(self.shape(old, self.old_defs), self.fields) != self.shape(new, self.new_defs):
            return None
        if new.get("type") == "array":
            items = self.refinement(self._resolve(old["items"], self.old_defs), new["items"])
            return f"{items}{', each once' if new.get('uniqueItems') else ''}"
        if "enum" in new:
            return "names only the table's own fields"
        if new["pattern"] == TEXT:
            return "free text without control, direction or invisible characters"
        if new["pattern"] == anchored(CALENDAR_PATTERN):
            return "calendar dates only (no 2026-02-30, no year 0000; 29 February in leap years)"
        return "the pattern ends at the very end, also for Python's re (no trailing newline)"

    @staticmethod
    def _resolve(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            rest = {k: v for k, v in node.items() if k != "$ref"}
            node = {**defs[node["$ref"].rsplit("/", 1)[-1]], **rest}
        return node

    def node(self, old: dict[str, Any], new: dict[str, Any], path: str) -> None:
        old, new = self._resolve(old, self.old_defs), self._resolve(new, self.new_defs)
        said = self.refinement(old, new)
        if said is not None:
            self.add(path, f"{said}; refuses only what ailedger already refused", False, refinement=True)
            return
        if "default" in old and "default" in new and old["default"] != new["default"]:
            self.add(path, f"default changed from {old['default']!r} to {new['default']!r}", True)
        if "anyOf" in old or "anyOf" in new:
            self.alternatives(old.get("anyOf", [old]), new.get("anyOf", [new]), path)
            return
        self.types(old, new, path)
        self.values(old, new, path)
        for key in ("pattern", "format"):
            if old.get(key) != new.get(key):
                if key in new:
                    self.add(path, f"{key} {'changed' if key in old else 'added'}: {new[key]}", True)
                else:
                    self.add(path, f"{key} removed", False)
        self.bounds(old, new, path)
        if not old.get("uniqueItems") and new.get("uniqueItems"):
            self.add(path, "items must now be unique", True)
        if "items" in old and "items" in new:
            self.node(old["items"], new["items"], f"{path}[]")
        if "properties" in old or "properties" in new:
            self.properties(old, new, path)

    def alternatives(self, old: list[dict[str, Any]], new: list[dict[str, Any]], path: str) -> None:
        old = [self._resolve(a, self.old_defs) for a in old]
        new = [self._resolve(a, self.new_defs) for a in new]
        old_null = any(a.get("type") == "null" for a in old)
        new_null = any(a.get("type") == "null" for a in new)
        if old_null and not new_null:
            self.add(path, "null no longer allowed", True)
        if new_null and not old_null:
            self.add(path, "null now allowed", False)
        old = [a for a in old if a.get("type") != "null"]
        new = [a for a in new if a.get("type") != "null"]
        if len(old) == 1 and len(new) == 1:
            self.node(old[0], new[0], path)
            return
        by_type = {json.dumps(a.get("type")): a for a in new}
        for alt in old:
            match = by_type.pop(json.dumps(alt.get("type")), None)
            if match is None:
                self.add(path, f"type narrowed: {alt.get('type')} no longer allowed", True)
            else:
                self.node(alt, match, path)
        for alt in by_type.values():
            self.add(path, f"type widened: {alt.get('type')} now allowed", False)

    def types(self, old: dict[str, Any], new: dict[str, Any], path: str) -> None:
        def kinds(node: dict[str, Any]) -> set[str] | None:
            t = node.get("type")
            return None if t is None else {t} if isinstance(t, str) else set(t)

        before, after = kinds(old), kinds(new)
        if before is None or after is None:
            if before != after:
                self.add(path, f"type {'added' if after else 'removed'}", after is not None)
            return
        # An integer is a number: number -> integer narrows, integer -> number widens.
        covered = after | ({"integer"} if "number" in after else set())
        for t in sorted(before - covered):
            self.add(path, f"type narrowed: {t} no longer allowed", True)
        widened = after - before - ({"integer"} if "number" in before else set())
        for t in sorted(widened):
            self.add(path, f"type widened: {t} now allowed", False)

    def values(self, old: dict[str, Any], new: dict[str, Any], path: str) -> None:
        def allowed(node: dict[str, Any]) -> list[Any] | None:
            return node["enum"] if "enum" in node else [node["const"]] if "const" in node else None

        before, after = allowed(old), allowed(new)
        if before is None and after is not None:
            self.add(path, f"values restricted to {after!r}", True)
        elif before is not None and after is None:
            self.add(path, "values no longer restricted", False)
        elif before is not None and after is not None and len(before) == len(after) == 1 and before != after:
            self.add(path, f"value changed from {before[0]!r} to {after[0]!r}", True)
        elif before is not None and after is not None:
            for v in before:
                if v not in after:
                    self.add(path, f"enum value {v!r} removed", True)
            for v in after:
                if v not in before:
                    self.add(path, f"new enum value {v!r}", False)

    def bounds(self, old: dict[str, Any], new: dict[str, Any], path: str) -> None:
        for key in LOWER_BOUNDS + UPPER_BOUNDS:
            a, b = old.get(key), new.get(key)
            if a == b:
                continue
            upper = key in UPPER_BOUNDS
            tighter = b is not None and (a is None or (b < a if upper else b > a))
            self.add(path, f"{key} {'tightened' if tighter else 'loosened'}: {a} -> {b}", tighter)

    def properties(self, old: dict[str, Any], new: dict[str, Any], path: str) -> None:
        prefix = f"{path}." if path else ""
        before, after = old.get("properties", {}), new.get("properties", {})
        req_before, req_after = set(old.get("required", [])), set(new.get("required", []))
        removed = [k for k in before if k not in after]
        added = [k for k in after if k not in before]
        if (
            len(removed) == 1
            and len(added) == 1
            and self.shape(before[removed[0]], self.old_defs) == self.shape(after[added[0]], self.new_defs)
        ):
            self.add(f"{prefix}{removed[0]}", f"field renamed to {added[0]}", True)
            removed, added = [], []
        for k in removed:
            self.add(f"{prefix}{k}", "field removed", True)
        for k in added:
            required = k in req_after
            self.add(f"{prefix}{k}", "new required field" if required else "new optional field", required)
        for k in before:
            if k not in after:
                continue
            if k in req_after and k not in req_before:
                self.add(f"{prefix}{k}", "field made required", True)
            elif k in req_before and k not in req_after:
                self.add(f"{prefix}{k}", "field made optional", False)
            self.node(before[k], after[k], f"{prefix}{k}")
        closed_before = old.get("additionalProperties") is False
        closed_after = new.get("additionalProperties") is False
        if closed_after and not closed_before:
            self.add(path, "unknown fields no longer allowed", True)
        elif closed_before and not closed_after:
            self.add(path, "unknown fields now allowed", False)

    def shape(self, node: Any, defs: dict[str, Any]) -> Any:
        """A node without documentation, for telling a renamed field from a replaced one."""
        if isinstance(node, dict):
            node = self._resolve(node, defs)
            return {k: self.shape(v, defs) for k, v in node.items() if k not in ANNOTATIONS}
        if isinstance(node, list):
            return [self.shape(v, defs) for v in node]
        return node


def compare(table: str, old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """Every difference between two JSON Schemas of ``table``'s records."""
    walk = _Walk(table, old, new)
    walk.node(old, new, "")
    return walk.changes


def check(
    released: dict[Version, dict[str, dict[str, Any]]], current: Version, schemas: dict[str, dict[str, Any]]
) -> list[Finding]:
    """The current schemas (table to JSON Schema) against every released version not newer than ``current``."""
    findings = []
    for version in sorted(released):
        if version > current:
            continue
        old = released[version]
        for table in sorted(old.keys() - schemas.keys()):
            findings.append(Finding(Change(table, "", "table removed", True), version, current))
        for table in sorted(schemas.keys() - old.keys()):
            findings.append(Finding(Change(table, "", "new table", False), version, current))
        for table in sorted(old.keys() & schemas.keys()):
            findings += [Finding(c, version, current) for c in compare(table, old[table], schemas[table])]
    return findings


def released_versions(root: Path) -> dict[Version, dict[str, dict[str, Any]]]:
    """The frozen schemas in ``root/<MODEL-REVISION-ADDITION>/<table>.schema.json``."""
    out: dict[Version, dict[str, dict[str, Any]]] = {}
    for folder in sorted(root.iterdir()) if root.is_dir() else []:
        if folder.is_dir() and SCHEMAVER.match(folder.name):
            out[parse_version(folder.name)] = {
                f.name.removesuffix(".schema.json"): json.loads(f.read_text(encoding="utf-8"))
                for f in sorted(folder.glob("*.schema.json"))
            }
    return out
