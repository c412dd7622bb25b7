"""The load generator of bench/api.py, run in a process of its own: raw asyncio streams over
keep-alive HTTP/1.1 connections to 127.0.0.1, the requests built beforehand.

Two modes:
- closed loop: `connections` connections, each sending its next request as soon as the last
  answer is in, for a fixed time: the most the server answers (throughput), and the latency
  each request saw;
- open loop: requests at a fixed rate, each due at its own intended time whatever the
  answers before it; its latency runs from that intended time, so a server that stalls is
  charged for every request that waited behind the stall (no coordinated omission).

An answer counts as an error unless its status is 200 and its body holds the bytes expected
of it (the transaction's uuid, the V4 envelope's SUCCESS). The generator reports its own CPU
time and the server's (from /proc), so that a run shows which of the two was saturated.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

BARE_PATH = "/bench/bare"
V4_PATH = "/api-payment/V4/Transaction/Get"
V1_PATH = "/v1/transactions/"


@dataclass(frozen=True, slots=True)
class Request:
    raw: bytes
    expect: bytes  # must be in the answer's body


@dataclass(frozen=True, slots=True)
class Sample:
    """A transaction to ask for, with its shop's id and that shop's key."""

    uuid: str
    shop_id: str
    key: str


def build_requests(endpoint: str, port: int, samples: Sequence[Sample]) -> list[Request]:
    host = f"Host: 127.0.0.1:{port}\r\n"
    if endpoint.startswith("bare"):
        path = BARE_PATH + endpoint.removeprefix("bare")
        raw = f"GET {path} HTTP/1.1\r\n{host}\r\n".encode()
        return [Request(raw, b'"status":"ok"')]
    out = []
    for s in samples:
        if endpoint == "v4":
            body = json.dumps({"uuid": s.uuid}).encode()
            basic = base64.b64encode(f"{s.shop_id}:{s.key}".encode()).decode()
            head = (
                f"POST {V4_PATH} HTTP/1.1\r\n{host}Authorization: Basic {basic}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
            )
            out.append(Request(head.encode() + body, b'"status":"SUCCESS"'))
        else:
            head = f"GET {V1_PATH}{s.uuid} HTTP/1.1\r\n{host}Authorization: Bearer {s.key}\r\n\r\n"
            out.append(Request(head.encode(), f'"uuid":"{s.uuid}"'.encode()))
    return out


async def _answer(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    lowered = head.lower()
    at = lowered.find(b"\r\ncontent-length:")
    if at < 0:
        raise ConnectionError("an answer without content-length")
    end = lowered.index(b"\r\n", at + 2)
    length = int(lowered[at + 17 : end])
    return status, await reader.readexactly(length)


class _Tally:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.errors = 0
        self.first_error = ""

    def add(self, started: float, status: int, body: bytes, request: Request) -> None:
        self.latencies.append(time.perf_counter() - started)
        if status != 200 or request.expect not in body:
            self._error(f"HTTP {status}: {body[:300]!r}")

    def _error(self, text: str) -> None:
        self.errors += 1
        self.first_error = self.first_error or text


async def _connect(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", port)


async def _closed(
    port: int, requests: Sequence[Request], connections: int, seconds: float
) -> tuple[_Tally, float]:
    tally = _Tally()
    begin = time.perf_counter()
    deadline = begin + seconds
    last_done = begin

    async def worker(k: int) -> None:
        nonlocal last_done
        reader, writer = await _connect(port)
        n = k
        try:
            while (started := time.perf_counter()) < deadline:
                request = requests[n % len(requests)]
                n += connections
                writer.write(request.raw)
                try:
                    status, body = await _answer(reader)
                except (ConnectionError, asyncio.IncompleteReadError) as exc:
                    tally._error(f"connection: {exc!r}")
                    writer.close()
                    reader, writer = await _connect(port)
                    continue
                tally.add(started, status, body, request)
                last_done = time.perf_counter()
        finally:
            writer.close()

    await asyncio.gather(*(worker(k) for k in range(connections)))
    return tally, last_done - begin


async def _open(
    port: int, requests: Sequence[Request], rate: float, seconds: float, connections: int
) -> tuple[_Tally, float]:
    tally = _Tally()
    queue: asyncio.Queue[tuple[float, Request] | None] = asyncio.Queue()
    opened = [await _connect(port) for _ in range(connections)]
    total = max(1, round(rate * seconds))
    begin = time.perf_counter() + 0.05

    async def schedule() -> None:
        for n in range(total):
            intended = begin + n / rate
            delay = intended - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            queue.put_nowait((intended, requests[n % len(requests)]))
        for _ in opened:
            queue.put_nowait(None)

    async def worker(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while (item := await queue.get()) is not None:
                intended, request = item
                writer.write(request.raw)
                try:
                    status, body = await _answer(reader)
                except (ConnectionError, asyncio.IncompleteReadError) as exc:
                    tally._error(f"connection: {exc!r}")
                    writer.close()
                    reader, writer = await _connect(port)
                    continue
                tally.add(intended, status, body, request)
        finally:
            writer.close()

    await asyncio.gather(schedule(), *(worker(r, w) for r, w in opened))
    return tally, time.perf_counter() - begin


def _server_cpu(pid: int) -> float:
    """User + system CPU seconds of a process, from /proc (0 where there is none)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(sorted_values: Sequence[float], share: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(share * len(sorted_values)) - 1))
    return sorted_values[index]


def run(
    mode: str,
    endpoint: str,
    port: int,
    samples: Sequence[Sample],
    *,
    seconds: float,
    warmup: float,
    connections: int,
    rate: float,
    server_pid: int,
) -> dict[str, Any]:
    """One measure of one endpoint (closed or open loop), after a closed-loop warm-up."""
    requests = build_requests(endpoint, port, samples)
    if warmup > 0:
        asyncio.run(_closed(port, requests, connections, warmup))
    load_average = os.getloadavg()[0]
    server_cpu, cpu = _server_cpu(server_pid), time.process_time()
    if mode == "closed":
        tally, elapsed = asyncio.run(_closed(port, requests, connections, seconds))
    else:
        tally, elapsed = asyncio.run(_open(port, requests, rate, seconds, connections))
    cpu, server_cpu = time.process_time() - cpu, _server_cpu(server_pid) - server_cpu
    latencies = sorted(tally.latencies)
    return {
        "mode": mode,
        "endpoint": endpoint,
        "requests": len(latencies),
        "seconds": elapsed,
        "throughput": len(latencies) / elapsed if elapsed > 0 else 0.0,
        "p50_ms": percentile(latencies, 0.50) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "max_ms": (latencies[-1] if latencies else float("nan")) * 1000,
        "errors": tally.errors,
        "first_error": tally.first_error,
        "generator_cpu": cpu / elapsed if elapsed > 0 else 0.0,
        "server_cpu": server_cpu / elapsed if elapsed > 0 else 0.0,
        "load_average": load_average,
    }
