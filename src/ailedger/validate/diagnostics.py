"""Problems found in input files, located to file, line, column and field.

A diagnostic is data, not an exception: the validator collects every problem
in every file and reports them together, sorted, in the form the user asked for.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import asdict, dataclass, replace
from typing import Literal

Severity = Literal["error", "warning"]


def escape(value: object, limit: int = 80) -> str:
    """Show a user's value safely: control, bidi and invisible characters as ``\\uXXXX``, cut to ``limit``.

    Values from untrusted files are echoed into terminals and CI logs; raw escape
    sequences or ``::workflow-command::`` text must never reach them unescaped.
    """
    text = value if isinstance(value, str) else repr(value)
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if ch == "\\":
            out.append("\\\\")
        elif cat in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp") or (cat == "Zs" and ch != " "):
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
        else:
            out.append(ch)
    shown = "".join(out)
    if len(shown) > limit:
        shown = shown[: limit - 1] + "…"
    return shown


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem: where it is, which field, a stable code and a message that says how to fix it."""

    path: str
    line: int | None
    column: int | None
    code: str
    field: str
    message: str
    severity: Severity = "error"

    def sort_key(self) -> tuple[str, int, int, str, str, str, str]:
        """Where it is first, then what: a diagnostic without a line sorts before the file's first line."""
        return (self.path, self.line or 0, self.column or 0, self.code, self.field, self.message, self.severity)

    def location(self) -> str:
        loc = self.path
        if self.line is not None:
            loc += f":{self.line}"
            if self.column is not None:
                loc += f":{self.column}"
        return loc

    def text(self) -> str:
        field = f" {self.field}:" if self.field else ""
        return f"{self.location()}: {self.severity}[{self.code}]{field} {self.message}"


def _visible(text: str) -> str:
    """Control, bidi and invisible characters as escapes; the rest (backslashes too) unchanged.

    The last line of defence: a message that quotes a user's value unescaped
    must still never put a line break or a terminal escape into the output.
    """
    if text.isprintable():
        return text
    return "".join(escape(ch, 20) if not ch.isprintable() and ch != " " else ch for ch in text)


def sort(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """Every text made visible, each diagnostic once (a rule may find the same problem twice), in a fixed order."""
    shown = {
        replace(d, path=_visible(d.path), field=_visible(d.field), message=_visible(d.message)) for d in diagnostics
    }
    return sorted(shown, key=Diagnostic.sort_key)


def to_json(diagnostics: list[Diagnostic], files_checked: int) -> str:
    """The stable machine report (documented in README, section "Validation report")."""
    errors = sum(d.severity == "error" for d in diagnostics)
    report = {
        "version": 1,
        "valid": errors == 0,
        "files_checked": files_checked,
        "errors": errors,
        "warnings": len(diagnostics) - errors,
        "diagnostics": [asdict(d) for d in diagnostics],
    }
    return json.dumps(report, ensure_ascii=False, indent=2)


def _workflow_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _workflow_property(text: str) -> str:
    return _workflow_data(text).replace(":", "%3A").replace(",", "%2C")


def to_github(diagnostics: list[Diagnostic]) -> list[str]:
    """GitHub Actions workflow commands, one per diagnostic, escaped as the runner expects.

    Every line starts with ``::error`` or ``::warning`` (never with text from a
    record, which could forge a command), and the values inside are escaped.
    """
    lines = []
    for d in diagnostics:
        props = [f"file={_workflow_property(d.path)}"]
        if d.line is not None:
            props.append(f"line={d.line}")
            if d.column is not None:
                props.append(f"col={d.column}")
        title = f"{d.code} {d.field}".strip()
        props.append(f"title={_workflow_property(title)}")
        lines.append(f"::{d.severity} {','.join(props)}::{_workflow_data(d.message)}")
    return lines


def _markdown_cell(text: str) -> str:
    for raw, safe in (
        ("&", "&amp;"),
        ("<", "&lt;"),
        (">", "&gt;"),
        ("`", "&#96;"),
        ("|", "\\|"),
        ("\r", " "),
        ("\n", " "),
    ):
        text = text.replace(raw, safe)
    return text


def to_markdown(diagnostics: list[Diagnostic], files_checked: int) -> str:
    """A job summary holding every problem, since GitHub shows only the first annotations of a step."""
    errors = sum(d.severity == "error" for d in diagnostics)
    head = f"### ailedger validate: {files_checked} files, {errors} errors, {len(diagnostics) - errors} warnings\n"
    if not diagnostics:
        return head + "\nNo problems found.\n"
    rows = ["", "| severity | location | code | field | message |", "|---|---|---|---|---|"]
    rows += [
        f"| {d.severity} | {_markdown_cell(d.location())} | {_markdown_cell(d.code)} | {_markdown_cell(d.field)} | "
        f"{_markdown_cell(d.message)} |"
        for d in diagnostics
    ]
    return head + "\n".join(rows) + "\n"


def as_errors(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """``--strict``: every warning becomes an error, in every output format alike."""
    return [replace(d, severity="error") for d in diagnostics]
