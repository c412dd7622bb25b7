"""Routes the web tests add to a real application, standing for routes that answer slowly,
fail, or answer with large bodies."""

from __future__ import annotations

import hashlib
import threading

import anyio
import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response


class BlockingRoute:
    """`POST /v1/probe/slow` waits until released: two requests can overlap for sure."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        self.runs = 0

    def handle(self) -> dict[str, int]:
        self.entered.set()
        if not self.release.wait(timeout=30):
            raise RuntimeError("the test never released the slow route")
        self.runs += 1
        return {"run": self.runs}

    def run_concurrently(
        self, app: FastAPI, headers: dict[str, str]
    ) -> tuple[httpx.Response, httpx.Response]:
        """A first request that waits inside the route, and a second one sent meanwhile."""
        answers: dict[str, httpx.Response] = {}

        async def scenario() -> None:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:

                async def first() -> None:
                    answers["first"] = await client.post(
                        "/v1/probe/slow", content=b"same", headers=headers
                    )

                async with anyio.create_task_group() as group:
                    group.start_soon(first)
                    await anyio.to_thread.run_sync(self.entered.wait, 30)
                    answers["second"] = await client.post(
                        "/v1/probe/slow", content=b"same", headers=headers
                    )
                    self.release.set()

        anyio.run(scenario)
        return answers["first"], answers["second"]


def add_probe_routes(app: FastAPI, blocking: BlockingRoute) -> None:
    @app.post("/v1/probe/echo")
    async def echo(request: Request) -> dict[str, object]:
        body = await request.body()
        return {"sha256": hashlib.sha256(body).hexdigest(), "size": len(body)}

    @app.post("/v1/probe/status/{status}")
    def answer_status(status: int) -> JSONResponse:
        return JSONResponse({"status": status}, status_code=status)

    @app.post("/v1/probe/crash")
    def crash() -> None:
        raise RuntimeError("a bug in a route")

    @app.post("/v1/probe/slow")
    def slow() -> dict[str, int]:
        return blocking.handle()

    @app.post("/v1/probe/large/{size}")
    def large(size: int) -> Response:
        return Response(b"a" * size, media_type="application/octet-stream")

    @app.post("/probe-outside")
    def outside() -> dict[str, str]:
        return {}
