"""Every diagnostic code the validator can emit is documented in CONTRIBUTING.md, in one table."""

from __future__ import annotations

import re

from conftest import CASES, ROOT

VALIDATOR = ROOT / "src" / "ailedger" / "validate"
CODE = re.compile(
    r'"((?:file|yaml|json|record|text|name|schema|date|id|ref|citation|source|quote|metric|claim|duplicate|derived|value)\.[a-z-]+)"'
)


def documented() -> set[str]:
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    return set(re.findall(r"^\| `([a-z.<>-]+)` \|", text, re.MULTILINE))


def test_every_code_in_the_validator_is_documented() -> None:
    emitted = set()
    for module in sorted(VALIDATOR.glob("*.py")):
        emitted |= set(CODE.findall(module.read_text(encoding="utf-8")))
    assert emitted and emitted <= documented(), sorted(emitted - documented())


SHOWN = re.compile(r'(?:error|warning)\[([a-z.-]+)\]|title=([a-z.-]+)|"code": "([a-z.-]+)"')


def test_every_code_in_the_cases_is_documented() -> None:
    seen = {
        code
        for expected in CASES.glob("*/*/expected.txt")
        for groups in SHOWN.findall(expected.read_text(encoding="utf-8"))
        for code in groups
        if code
    }
    table = documented()
    missing = {c for c in seen if c not in table and not (c.startswith("schema.") and "schema.<type>" in table)}
    assert len(seen) > 50 and not missing, sorted(missing)
