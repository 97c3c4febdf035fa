"""Python's cyclic garbage collector, paused for work that builds many objects and frees none of them.

Validating ten thousand record files or a million bulk rows allocates millions
of objects that all stay alive until the run ends; each pass of the collector
would scan them all again for cycles there are none of. Here rather than in
:mod:`ailedger.arrow` so the YAML path can use it without loading pyarrow.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic garbage collector off for bulk work, restored afterwards even on error (and left off if it was)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
