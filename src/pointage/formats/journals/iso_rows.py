"""Journal rows that can also be read with their dates as ISO 8601 text.

SQLite keeps dates and instants as text ("2026-03-02", "2026-03-02 09:15:04.000000" in
UTC). Turning each into a `date` or `datetime` only for the CSV writer to turn it back into
text costs more than writing the line, so a producer reading such a database can offer two
readings of the same rows:

- iterated, the rows are what model.py says (typed dates and tz-aware UTC instants): the
  XLSX writer and every other reader take them so;
- `iso_dated()` gives the same rows with the DATE and DATETIME values as ISO 8601 text
  (an instant without an offset is UTC), which the CSV writer reads without parsing.

Either reading runs the query when it starts, so only one of them may be taken.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

_TAKEN = "the journal's rows are being read already"


class IsoDatedRows(Iterator[tuple[object, ...]]):
    """An iterator of typed journal rows, with the ISO-dated reading of the same rows."""

    __slots__ = ("_iso", "_typed")

    def __init__(
        self, typed: Iterator[tuple[object, ...]], iso_dated: Iterator[Sequence[object]]
    ) -> None:
        self._typed: Iterator[tuple[object, ...]] | None = typed
        self._iso: Iterator[Sequence[object]] | None = iso_dated

    def __iter__(self) -> IsoDatedRows:
        return self

    def __next__(self) -> tuple[object, ...]:
        self._iso = None
        if self._typed is None:
            raise RuntimeError(_TAKEN)
        return next(self._typed)

    def iso_dated(self) -> Iterator[Sequence[object]]:
        """The rows with their dates and instants as ISO 8601 text, in the same order."""
        iso = self._iso
        if iso is None:
            raise RuntimeError(_TAKEN)
        self._iso = self._typed = None
        return iso
