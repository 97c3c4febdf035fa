"""``import ailedger`` stays lean: heavy libraries load when first used, not at import."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("pyarrow", "pooch", "numpy", "ailedger.cli", "ailedger.validate.bulk")


def imported_after(code: str) -> set[str]:
    script = f"import sys; {code}; import json; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout.splitlines()[-1]))


def test_import_ailedger_loads_no_heavy_module() -> None:
    loaded = imported_after("import ailedger")
    assert not {name for name in loaded if name.split(".")[0] in HEAVY or name in HEAVY}


def test_schema_version_is_still_an_attribute() -> None:
    loaded = imported_after(
        "import ailedger; assert ailedger.SCHEMA_VERSION == '2-1-2'; from ailedger import SCHEMA_VERSION"
    )
    assert "ailedger.schema.v2" in loaded
    assert "pyarrow" not in loaded


def test_unknown_attribute_is_an_attribute_error() -> None:
    imported_after("import ailedger; assert not hasattr(ailedger, 'nope')")
