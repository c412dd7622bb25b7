"""The loop of the in-process jobs of `pointage serve`: a tick every so many seconds, run in
a worker thread so that the event loop keeps serving requests, until stopped.

A failing tick is logged and tried again at the next one (the database may be away for a
moment); stopping waits for the tick in progress, which checks `stopping` between its units
of work.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from abc import ABC, abstractmethod
from typing import Any

log = logging.getLogger(__name__)


class PeriodicJob(ABC):
    """Subclasses give `name` and `tick()`, and their period to `__init__`."""

    name = "periodic-job"

    def __init__(self, period_seconds: float) -> None:
        self.period_seconds = period_seconds
        self._stopping = threading.Event()  # read by the worker thread between units of work
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @abstractmethod
    def tick(self) -> Any:
        """One round of the job's work; run in a worker thread."""

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name=self.name)

    async def stop(self) -> None:
        """Ask the loop to stop and wait for it: the tick in progress finishes first."""
        self._stopping.set()
        self._wake.set()
        if self._task is not None:
            await self._task

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                await asyncio.to_thread(self.tick)
            except Exception:
                log.exception("%s: tick failed", self.name)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.period_seconds)
