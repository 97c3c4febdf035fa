"""The shape of the package, read from its source: one import direction, no cycle, no shared private name.

Modules stay small. Imports inside functions count: a lazy import keeps a heavy library off
``import ailedger``, it does not make a cycle go away. The layers are the ones
CONTRIBUTING.md's code map draws.
"""

from __future__ import annotations

import ast
import io
import tokenize
from pathlib import Path

import pytest
from conftest import ROOT

SRC = ROOT / "src"
MAX_CODE_LINES = 400

LAYERS: list[tuple[str, ...]] = [
    ("ailedger._version", "ailedger.errors", "ailedger.dates", "ailedger.memory"),
    ("ailedger.schema",),
    ("ailedger.arrow",),
    ("ailedger.loader", "ailedger.fetch", "ailedger.texts"),
    ("ailedger.validate",),
    ("ailedger.diff",),
    ("ailedger.release",),
    ("ailedger.migrate", "ailedger.show", "ailedger.plot", "ailedger.skeleton", "ailedger.serve", "ailedger.site",
     "ailedger.source_add"),
    ("ailedger.cli", "ailedger.cli_args", "ailedger.cli_texts", "ailedger.__main__"),
]
"""Lowest first; a module imports only from its own layer or below. The facade ``ailedger`` stands apart."""


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted((SRC / "ailedger").rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _imports(name: str, path: Path) -> list[tuple[str, str | None, int]]:
    """(module, imported name or None, line) of every import of ailedger code, at any depth of the file."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: list[tuple[str, str | None, int]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(a.name, None, node.lineno) for a in node.names if a.name.split(".")[0] == "ailedger"]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                kept = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*kept, *([node.module] if node.module else [])])
            if base.split(".")[0] == "ailedger":
                out += [(base, a.name, node.lineno) for a in node.names]
    return out


def _target(base: str, name: str | None) -> str:
    """The module an import loads: ``from ailedger.validate import rules`` loads ``ailedger.validate.rules``."""
    return f"{base}.{name}" if name and f"{base}.{name}" in MODULES else base


def _graph() -> dict[str, set[str]]:
    return {
        name: {_target(base, what) for base, what, _ in _imports(name, path)} - {name}
        for name, path in MODULES.items()
    }


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan, without recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph.get(root, ()))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return found


def _layer(name: str) -> int | None:
    for rank, group in enumerate(LAYERS):
        if any(name == g or name.startswith(g + ".") for g in group):
            return rank
    return None


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle() -> None:
    assert _cycles(_graph()) == []


def test_imports_run_down_the_layers() -> None:
    upward = []
    for name, targets in _graph().items():
        if name == "ailedger":
            continue
        assert _layer(name) is not None, f"{name} is in no layer: add it to LAYERS and to CONTRIBUTING.md's code map"
        upward += [f"{name} -> {t}" for t in targets if t != "ailedger" and (_layer(t) or 0) > (_layer(name) or 0)]
    assert upward == []


def test_no_module_imports_the_facade() -> None:
    """Internal code reads data through ailedger.loader; the facade is for users."""
    found = [
        f"{MODULES[name].relative_to(ROOT)}:{line}"
        for name, path in MODULES.items()
        if name not in ("ailedger", "ailedger.__main__")
        for base, what, line in _imports(name, path)
        if _target(base, what) == "ailedger"
    ]
    assert found == []


def test_the_facade_imports_only_the_reader() -> None:
    allowed = ("ailedger._version", "ailedger.errors", "ailedger.loader", "ailedger.fetch", "ailedger.schema")
    assert [t for t in _graph()["ailedger"] if not t.startswith(allowed)] == []


def _private_uses(name: str, path: Path) -> list[str]:
    """``from ailedger.x import _y`` and ``x._y`` on an imported ailedger module, other than dunders."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules: dict[str, str] = {}
    found = []
    for base, what, line in _imports(name, path):
        if what is None:
            continue
        if f"{base}.{what}" in MODULES:
            modules[what] = f"{base}.{what}"
        elif what.startswith("_") and not what.startswith("__"):
            found.append(f"{path.relative_to(ROOT)}:{line}: {what} from {base}")
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            modules.update({a.asname: modules.get(a.name, "") for a in node.names if a.asname})
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in modules
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
        ):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value.id}.{node.attr}")
    return found


def test_no_private_name_is_used_across_modules() -> None:
    """What two modules share gets a public name in the lower one."""
    assert [use for name, path in MODULES.items() for use in _private_uses(name, path)] == []


INTERNAL_PROBLEMS = {"YamlProblem", "_LineProblem", "_Transient"}
"""Exceptions that never leave their module: parse problems become diagnostics, a transient failure is retried."""


def test_every_error_class_lives_in_errors_py() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{node.lineno}: {node.name}"
        for name, path in MODULES.items()
        if name != "ailedger.errors"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ClassDef)
        and any(isinstance(b, ast.Name) and b.id.endswith(("Error", "Exception")) for b in node.bases)
        and node.name not in INTERNAL_PROBLEMS
    ]
    assert found == []


def code_lines(path: Path) -> int:
    """Lines holding code: not blank, not only a comment, not part of a docstring."""
    text = path.read_text(encoding="utf-8")
    docstrings = {
        line
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
        for line in range(node.lineno, (node.end_lineno or node.lineno) + 1)
    }
    skip = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}
    lines = set()
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type not in skip:
            lines.update(range(token.start[0], token.end[0] + 1))
    return len(lines - docstrings)


def test_code_lines_counts_code_only(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        '"""Doc\nstring."""\n\n# a comment\nx = 1  # counted\n\n\ndef f():\n    """Doc."""\n    return x\n'
    )
    assert code_lines(sample) == 3


OVERSIZE: dict[str, str] = {}
"""Modules known to be too long, each with its way out; a module leaves the list when it is split."""


@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_is_small_enough_to_read(name: str) -> None:
    if name in OVERSIZE:
        assert code_lines(MODULES[name]) > MAX_CODE_LINES, f"{name} is small now: remove it from OVERSIZE"
        pytest.xfail(OVERSIZE[name])
    assert code_lines(MODULES[name]) <= MAX_CODE_LINES, f"{name}: split it along its seams"


def test_the_code_map_lists_every_module() -> None:
    """CONTRIBUTING.md's code map: one line per module, in the tree as it is."""
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    section = text.split("## Code map", 1)[1].split("\n## ", 1)[0]
    listing = section.split("```text")[2].split("```")[0]
    mapped = [line.split()[0] for line in listing.splitlines() if line.strip()]
    files = sorted(str(p.relative_to(SRC / "ailedger")) for p in MODULES.values())
    assert sorted(mapped) == files
    assert len(mapped) == len(set(mapped))
