"""What a back-office session may rely on: the user it names, if that user may still use it,
and the user's language.

A session names its user by id and carries the stamp of the user's password change time at
sign-in. It stays valid while the user is enabled and has not changed their password since:
a password change (by the user, or an administrator's reset) or a disabled account ends every
session made before it. The session that changed the password gets the new stamp and goes on.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from pointage.auth.models import User
from pointage.auth.repository import UserRepository
from pointage.core.errors import InvalidInput

LANGUAGES = ("fr", "en")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def password_stamp(user: User) -> int:
    """The user's password change time as exact microseconds since 1970 (no float rounding)."""
    return (user.password_changed_at - _EPOCH) // timedelta(microseconds=1)


def session_user(session: Session, user_id: object, stamp: object) -> User | None:
    """The user a session names, or None when the session no longer holds: unknown user,
    disabled, or a password changed since the session began."""
    if not isinstance(user_id, int) or isinstance(user_id, bool) or not isinstance(stamp, int):
        return None
    user = UserRepository(session).by_id(user_id)
    if user is None or user.disabled_at is not None or password_stamp(user) != stamp:
        return None
    return user


def set_language(session: Session, user: User, language: str | None) -> None:
    """Save the user's language ("fr" or "en"); None: follow the browser's."""
    if language is not None and language not in LANGUAGES:
        raise InvalidInput(f"language must be one of {', '.join(LANGUAGES)}", param="language")
    user.locale = language
    session.flush()
