"""Reading a camt message safely and quickly into flat records (used by `camt.py`).

Safety: the XML goes through defusedxml's hardened expat parser, which refuses any document
type declaration, entity declaration or external reference, so no "billion laughs" and no
file or network access. Such a file, or one that is not well-formed, raises
`StatementFileError` naming the line.

Speed: no element tree is built. The expat callbacks keep, for the record being read (a
statement, a balance, an entry, a transaction detail), a dictionary from the element's path
*inside that record* to its text: `"BookgDt/Dt"`, `"Amt"`, `"Amt@Ccy"` (an attribute),
`"RmtInf/Ustrd"`. Paths use local names only, so every version of the message (whatever its
namespace) reads the same. An element that occurs several times in a record keeps all its
texts (`fields` has the first, `more` the others). Each record remembers the line of its
start tag. A record's parent hands it to `on_record` when it ends, so an entry is
converted and dropped as soon as it has been read.
"""

from __future__ import annotations

from collections.abc import Callable
from xml.etree.ElementTree import ParseError
from xml.parsers.expat import ErrorString, ExpatError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from pointage.formats.statements.model import StatementFileError

DOCUMENT = "document"
STATEMENT = "statement"  # Stmt (camt.053), Rpt (camt.052), Ntfctn (camt.054)
BALANCE = "balance"  # Bal
ENTRY = "entry"  # Ntry
TRANSACTION = "transaction"  # NtryDtls/TxDtls

_STATEMENT_TAGS = frozenset({"Stmt", "Rpt", "Ntfctn"})
_RECORD_TAGS = _STATEMENT_TAGS | {"Bal", "Ntry", "TxDtls"}
# camt messages nest about fifteen levels deep; a file nesting far deeper is not one, and
# refusing it keeps memory bounded. Paths deeper than _PATH_DEPTH inside a record are not
# kept: nothing Pointage reads is that deep.
_MAX_DEPTH = 100
_PATH_DEPTH = 8
_TOO_DEEP = "\x00"


class Record:
    """A statement, balance, entry or transaction detail as read: texts by path."""

    __slots__ = ("children", "fields", "kind", "line", "more", "tag")

    def __init__(self, kind: str, tag: str, line: int) -> None:
        self.kind = kind
        self.tag = tag  # local name of the element (Stmt, Rpt, Ntfctn, Bal…)
        self.line = line
        # The first text at each path, then the texts of later elements at the same path.
        self.fields: dict[str, str] = {}
        self.more: dict[str, list[str]] = {}
        self.children: list[Record] = []

    def every(self, path: str) -> list[str]:
        first = self.fields.get(path)
        return [] if first is None else [first, *self.more.get(path, ())]


class _Reader:
    """The expat callbacks. `on_record(record)` is called when a record ends; a record not
    consumed there is kept in its parent's `children`. They run once per element of a file
    of possibly millions, hence the local variables standing for attributes."""

    def __init__(self, line: Callable[[], int], on_record: Callable[[Record], bool]) -> None:
        self.document = Record(DOCUMENT, "", 1)
        self.namespace: str | None = None
        self._line = line
        self._on_record = on_record
        self._record = self.document
        self._path = ""
        # The character data since the last tag; expat appends to it directly.
        self.text: list[str] = []
        # What to restore at each end tag: the enclosing path, or the enclosing record and
        # its path.
        self._stack: list[str | Record] = []
        self._locals: dict[str, str] = {}
        self._children: dict[tuple[str, str], str] = {}

    def start(self, name: str, attributes: list[str]) -> None:
        local = self._locals.get(name)
        if local is None:
            local = self._local_name(name)
        self.text.clear()
        stack = self._stack
        if len(stack) >= _MAX_DEPTH:
            raise StatementFileError(
                f"the XML nests more than {_MAX_DEPTH} elements deep at line {self._line()}, "
                "which no camt message does",
                record=self._line(),
            )
        path = self._path
        if local in _RECORD_TAGS:
            kind = self._record_kind(local)
            if kind is not None:
                stack.append(self._record)
                stack.append(path)
                self._record = Record(kind, local, self._line())
                self._path = ""
                return
        stack.append(path)
        child = self._children.get((path, local))
        if child is None:
            child = self._child_path(path, local)
        self._path = child
        if attributes and child is not _TOO_DEEP:
            fields = self._record.fields
            for index in range(0, len(attributes), 2):
                fields[f"{child}@{self._local_name(attributes[index])}"] = attributes[index + 1]

    def end(self, name: str) -> None:
        path = self._path
        if not path:
            self._end_record()
            return
        parts = self.text
        if parts:
            text = "".join(parts).strip()
            parts.clear()
            if text and path is not _TOO_DEEP:
                fields = self._record.fields
                if path in fields:
                    self._record.more.setdefault(path, []).append(text)
                else:
                    fields[path] = text
        self._path = self._stack.pop()  # type: ignore[assignment]  # a path, see start

    def _end_record(self) -> None:
        record = self._record
        path = self._stack.pop()
        parent = self._stack.pop()
        assert isinstance(path, str) and isinstance(parent, Record)
        self._record = parent
        self._path = path
        self.text.clear()
        if not self._on_record(record):
            parent.children.append(record)

    def _local_name(self, name: str) -> str:
        namespace, _, local = name.rpartition("}")
        if self.namespace is None and not self._stack:
            self.namespace = namespace  # of the root element: it names message and version
        self._locals[name] = local
        return local

    def _child_path(self, path: str, local: str) -> str:
        if path is _TOO_DEEP or path.count("/") + 1 >= _PATH_DEPTH:
            child = _TOO_DEEP
        else:
            child = f"{path}/{local}" if path else local
        self._children[(path, local)] = child
        return child

    def _record_kind(self, local: str) -> str | None:
        """Whether this element starts a record, given where it is."""
        record, path = self._record, self._path
        if local in _STATEMENT_TAGS:
            # Directly inside the message element (BkToCstmrStmt…), itself the root or
            # inside Document.
            parent_local = path.rpartition("/")[2]
            is_statement = record.kind == DOCUMENT and parent_local.startswith("BkToCstmr")
            return STATEMENT if is_statement else None
        if record.kind == STATEMENT and not path:
            return BALANCE if local == "Bal" else ENTRY if local == "Ntry" else None
        if local == "TxDtls" and record.kind == ENTRY and path == "NtryDtls":
            return TRANSACTION
        return None


def read_records(data: bytes, on_record: Callable[[Record], bool]) -> tuple[Record, str]:
    """Read the whole message; returns the document record (holding the records nobody
    consumed) and the namespace of the root element ("" when it has none)."""
    parser = DefusedXMLParser(forbid_dtd=True, forbid_entities=True, forbid_external=True)
    # The hardened expat parser underneath: its DTD, entity and external-reference handlers
    # are defusedxml's; only the element and text callbacks are replaced by ours.
    expat = parser.parser
    reader = _Reader(lambda: int(expat.CurrentLineNumber), on_record)
    expat.StartElementHandler = reader.start
    expat.EndElementHandler = reader.end
    expat.CharacterDataHandler = reader.text.append
    try:
        expat.Parse(data, True)
    except ExpatError as error:
        raise StatementFileError(
            f"the XML is not well-formed at line {error.lineno}, column {error.offset + 1}: "
            f"{ErrorString(error.code)}",
            record=error.lineno,
        ) from None
    except ParseError as error:  # an entity reference expat could not resolve
        line = error.position[0]
        raise StatementFileError(
            f"the XML is not well-formed at line {line}: {error.msg}", record=line
        ) from None
    except DefusedXmlException as error:
        raise StatementFileError(_refusal(error), record=int(expat.CurrentLineNumber)) from None
    except (LookupError, ValueError) as error:
        if reader.namespace is not None:
            raise  # not about the encoding: a fault of this reader, to be seen as such
        # Python knows no such encoding, or expat cannot use it (multi-byte ones).
        raise StatementFileError(
            f"the XML declares an encoding that cannot be read ({error})", record=1
        ) from None
    return reader.document, reader.namespace or ""


def _refusal(error: DefusedXmlException) -> str:
    return (
        "the XML declares a document type, entities or external references "
        f"({type(error).__name__}), which no camt message has; it is refused so that "
        "it cannot expand entities or reach other files"
    )
