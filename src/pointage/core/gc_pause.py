"""Pausing Python's cyclic garbage collector around bulk work.

Readers and importers of bank and gateway files build millions of small objects (records,
tuples, lists) and no reference cycle. The cyclic collector would walk them again and again
as they pile up, for nothing to free: up to three quarters of the time of a million-line
file. Reference counting still frees every temporary object while the collector rests.

When it resumes, what was built is usually a result the caller keeps: `keep_result` sends it
straight to the oldest generation (freeze, then unfreeze) instead of having the next young
collection walk it once more, unless the application froze objects itself (a pre-forking
server does), which is left alone. The collector stays off if it was off.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cycle_collection_paused(*, keep_result: bool = True) -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if keep_result and gc.get_freeze_count() == 0:
            gc.freeze()
            gc.unfreeze()
        if was_enabled:
            gc.enable()
