"""The application answering its own requests, in process: a real request through the whole
application (its middleware, routing, database session and rendering), without the network,
so that it measures the application and not a proxy in front of it.

- `api_latency_ms` (component `api`): GET /health, the API's own route that opens a database
  session and runs a query; it must answer 200 with {"status": "ok"}.
- `backoffice_latency_ms` (component `backoffice`): GET /sign-in, the back office's page that
  every visitor sees first, rendered from its template; it must answer 200 in HTML.

Both use the thresholds of `api_latency_ms`. In the server the running application is asked;
`pointage status probe` builds one on the same settings for the round. The first time an
application is asked, one request is sent before, untimed: it pays the application's one-time
costs.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import time
from typing import Any

import httpx

from pointage.settings import Settings
from pointage.status.probes import ProbeContext, Reading, describe, failure, reading

BASE_URL = "http://status-probe.invalid"
# Longest wait for an answer when the thresholds name no major level (seconds).
DEFAULT_TIMEOUT = 30.0

CHECKS: tuple[tuple[str, str, str, str], ...] = (
    # (probe, component, path, what the answer must contain)
    ("api_latency_ms", "api", "/health", '"status":"ok"'),
    ("backoffice_latency_ms", "backoffice", "/sign-in", "<form"),
)


def self_checks(app: Any, settings: Settings, context: ProbeContext) -> list[Reading]:
    """One reading per check; a check that fails says major_outage for its component."""
    owned = app is None
    if owned:
        from pointage.web.app import create_app

        app = create_app(settings)
    try:
        return _run(_checks(app, context))
    except Exception as exc:
        return [
            failure(probe, key, "ms", f"the self-check could not run: {describe(exc)}")
            for probe, key, _path, _expected in CHECKS
        ]
    finally:
        if owned:
            app.state.engine.dispose()


def _run(coroutine: Any) -> list[Reading]:
    """Run the requests on an event loop of their own (the round runs in a worker thread;
    called from a thread that has a loop running, it uses another thread)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()  # type: ignore[no-any-return]


async def _checks(app: Any, context: ProbeContext) -> list[Reading]:
    levels = context.thresholds["api_latency_ms"]
    timeout = (levels.major / 1000 if levels.major else DEFAULT_TIMEOUT) + 1
    transport = httpx.ASGITransport(app=app)
    readings = []
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
        if not getattr(app.state, "status_probe_warm", False):
            # The first request an application answers pays its one-time costs (modules
            # loaded, caches filled: half a second): sent once, untimed, so that a server
            # just started does not read as degraded.
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.get("/health"), timeout)
            app.state.status_probe_warm = True
        for probe, key, path, expected in CHECKS:
            started = time.perf_counter()
            try:
                response = await asyncio.wait_for(
                    client.get(path, headers={"Accept-Language": "en"}), timeout
                )
            except TimeoutError:
                readings.append(failure(probe, key, "ms", f"GET {path}: no answer in {timeout} s"))
                continue
            except Exception as exc:
                readings.append(failure(probe, key, "ms", f"GET {path}: {describe(exc)}"))
                continue
            elapsed = round((time.perf_counter() - started) * 1000, 1)
            body = response.text.replace(" ", "")
            if response.status_code != 200 or expected.replace(" ", "") not in body:
                readings.append(
                    failure(probe, key, "ms", f"GET {path} answered HTTP {response.status_code}")
                )
                continue
            readings.append(
                reading(probe, key, elapsed, "ms", levels, f"GET {path} answered 200 in process")
            )
    return readings
