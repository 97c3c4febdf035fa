"""The garbage collector pause around validation: restored afterwards whatever happens, and used by validate()."""

from __future__ import annotations

import gc
from typing import Any

import pytest
from conftest import CASES

from ailedger import memory
from ailedger.validate import validate


def test_gc_is_restored_even_on_error() -> None:
    assert gc.isenabled()

    def pause_and_fail() -> None:
        with memory.gc_paused():
            assert not gc.isenabled()
            raise RuntimeError

    with pytest.raises(RuntimeError):
        pause_and_fail()
    assert gc.isenabled()


def test_a_paused_collector_stays_paused() -> None:
    gc.disable()
    try:
        with memory.gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_validate_reads_record_files_with_the_collector_paused(monkeypatch: pytest.MonkeyPatch) -> None:
    from ailedger.validate import record

    states: list[bool] = []
    check_file = record.check_file

    def spy(*args: Any) -> Any:
        states.append(gc.isenabled())
        return check_file(*args)

    monkeypatch.setattr("ailedger.validate.check_file", spy)
    validate([CASES / "_base" / "dataset"], CASES / "_base" / "texts")
    assert states and not any(states)
    assert gc.isenabled()

