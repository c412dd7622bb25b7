"""The numbers the API takes as ids, in paths, filters and bodies: from 1 to the largest
BIGINT. A larger number names nothing stored, and SQLite cannot even compare it with a
column: it is refused as invalid input naming the parameter, and the bounds are in the
OpenAPI document."""

from __future__ import annotations

MAX_ID = 2**63 - 1
