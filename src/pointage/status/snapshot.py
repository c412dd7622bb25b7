"""The status page's last known state: what it answers while the database cannot be reached.

Each picture built from the database (pointage.status.summary) is kept in memory and in the
file `settings.status_snapshot_file` (JSON, replaced atomically: written beside it then
renamed, so that a reader never sees half a file; rewritten when the picture changed, or at
most once a minute for its time). When the database cannot be reached, `current` answers
from the picture kept (the memory's, else the file's: a restarted server still has it), with
the `database` component in major outage, the indicator at least major, and `known_at`
saying when that state was last known. With no picture at all, it answers from the
catalogue. It never raises for the database.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from pointage.db.session import unit_of_work
from pointage.status import summary
from pointage.status.summary import Picture
from pointage.status.vocabulary import ComponentStatus

log = logging.getLogger(__name__)

DATABASE_KEY = "database"
REWRITE_SECONDS = 60.0


class _Kept:
    def __init__(self) -> None:
        self.picture: Picture | None = None
        self.written: str | None = None  # the picture last written, without its time
        self.written_at = 0.0


_kept: dict[str, _Kept] = {}
_lock = threading.Lock()


def current(
    factory: sessionmaker[Session], snapshot_file: str, base_url: str, now: datetime | None = None
) -> Picture:
    """The picture from the database, kept; or the last one kept, marked unreachable."""
    now = now or datetime.now(UTC)
    try:
        with unit_of_work(factory, read_only=True) as session:
            picture = summary.build(session, base_url, now)
    except SQLAlchemyError as exc:
        log.warning(
            "status page: database unreachable, answering from the last known state: %s", exc
        )
        return unreachable(last_known(snapshot_file), base_url, now)
    keep(snapshot_file, picture)
    return picture


def keep(snapshot_file: str, picture: Picture) -> None:
    with _lock:
        kept = _kept.setdefault(snapshot_file, _Kept())
        kept.picture = picture
        content = json.dumps({k: v for k, v in picture.items() if k != "known_at"}, sort_keys=True)
        if content == kept.written and time.monotonic() - kept.written_at < REWRITE_SECONDS:
            return
        if _write(snapshot_file, picture):
            kept.written = content
            kept.written_at = time.monotonic()


def last_known(snapshot_file: str) -> Picture | None:
    """The picture kept in memory, else the one in the file, else None."""
    with _lock:
        kept = _kept.get(snapshot_file)
        if kept is not None and kept.picture is not None:
            return copy.deepcopy(kept.picture)
    if not snapshot_file:
        return None
    try:
        loaded = json.loads(Path(snapshot_file).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(loaded, dict) or not isinstance(loaded.get("components"), list):
        return None
    return loaded


def unreachable(picture: Picture | None, base_url: str, now: datetime) -> Picture:
    """`picture` (or the catalogue's) as it stands with the database unreachable."""
    if picture is None:
        picture = summary.from_catalogue(base_url, now)
    for component in picture["components"]:
        if component.get("key") == DATABASE_KEY:
            component["status"] = ComponentStatus.MAJOR_OUTAGE.value
            component["updated_at"] = summary.iso(now)
    summary.group_statuses(picture["components"])
    status = summary.overall_status(
        picture["components"], picture.get("incidents", []), picture.get("active", [])
    )
    if summary.INDICATORS.index(status["indicator"]) < summary.INDICATORS.index("major"):
        status = {"indicator": "major", "description": summary.DESCRIPTIONS["major"]}
    picture["status"] = status
    picture["database_reachable"] = False
    return picture


def _write(snapshot_file: str, picture: Picture) -> bool:
    """Write the file atomically; a failure is logged, never raised (the page still answers)."""
    if not snapshot_file:
        return False
    target = Path(snapshot_file)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".tmp", dir=target.parent
        )
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(picture, out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as exc:
        log.warning("status page: could not keep its last known state in %s: %s", target, exc)
        return False
    return True


def forget() -> None:
    """Drop what is kept in memory (tests: a server that has just started)."""
    with _lock:
        _kept.clear()
