"""`pointage serve` freezes what start-up built out of the garbage collector's reach before
it serves, so that full collections under load scan only what requests create."""

from __future__ import annotations

from typing import Any

from pointage.cli import serve


def test_serve_freezes_the_application_before_serving(monkeypatch, settings):
    events: list[str] = []

    def create_app(_settings: Any) -> str:
        events.append("built")
        return "the application"

    def run(app: Any, **_options: Any) -> None:
        events.append(f"served {app}")

    monkeypatch.setattr(serve, "load_settings", lambda: settings)
    monkeypatch.setattr(serve, "create_app", create_app)
    monkeypatch.setattr(serve.uvicorn, "run", run)
    monkeypatch.setattr(serve.gc, "freeze", lambda: events.append("frozen"))
    serve.serve(host="127.0.0.1", port=8000)
    assert events == ["built", "frozen", "served the application"]
