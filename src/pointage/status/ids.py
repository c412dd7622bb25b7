"""Public ids in Statuspage's shape: 12 characters of lower-case letters and digits."""

from __future__ import annotations

import secrets
import string

_ALPHABET = string.ascii_lowercase + string.digits


def new_public_id() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(12))
