"""The `pointage` command end to end, as a user runs it: a real process, a real port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

POINTAGE = [sys.executable, "-m", "pointage.cli.main"]


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POINTAGE_")}
    env["POINTAGE_DATABASE_URL"] = f"sqlite:///{tmp_path / 'pointage.db'}"
    env["POINTAGE_SCHEDULER_ENABLED"] = "false"
    env.update(extra)
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_db_upgrade_creates_the_database(tmp_path):
    result = subprocess.run(
        [*POINTAGE, "db", "upgrade"],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "pointage.db").exists()


def test_production_with_the_default_secret_is_refused_in_one_line(tmp_path):
    result = subprocess.run(
        [*POINTAGE, "db", "upgrade"],
        env=_env(tmp_path, POINTAGE_ENVIRONMENT="production"),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "POINTAGE_SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.slow
def test_serve_answers_health_and_openapi_on_localhost(tmp_path):
    env = _env(tmp_path)
    subprocess.run([*POINTAGE, "db", "upgrade"], env=env, check=True, capture_output=True)
    port = _free_port()
    server = subprocess.Popen(
        [*POINTAGE, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 90  # start-up on a busy machine, not a speed check
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        assert health.status_code == 200
        assert health.json()["status"] == "ok"
        assert httpx.get(f"http://127.0.0.1:{port}/openapi.json").status_code == 200
        home = httpx.get(f"http://127.0.0.1:{port}/", follow_redirects=False)
        # Not signed in: the back office's home leads to its sign-in page.
        assert home.status_code == 303
        assert home.headers["location"].startswith("/sign-in")
    finally:
        server.terminate()
        server.wait(timeout=10)
