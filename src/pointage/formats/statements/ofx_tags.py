"""The OFX tag reader: header, text decoding and the tree of tags, for SGML and XML alike.

OFX 1.x (`OFXHEADER:100`) is SGML: leaf elements need no end tag (`<TRNAMT>-6.60`),
aggregates do. OFX 2.x (`<?xml?><?OFX ...?>`) is XML, where every element is closed. One
reader takes both: a start tag followed by text is a leaf, whether an end tag follows or
not; a start tag followed by another tag is an aggregate, unless OFX defines it as a leaf
(an empty SGML `<BRANCHID>`). An element still open when an enclosing end tag arrives was an
empty SGML leaf after all, and what was read under it belongs to its parent.

No DTD is read and no entity is expanded beyond the five XML ones and numeric character
references: a `<!DOCTYPE` or `<!ENTITY` declaration is refused, so no file can make the
reader fetch or expand anything.

Records are the 1-based line of an element's start tag; when the whole OFX body is one line
(some banks write it so), they are the element's ordinal instead, `<OFX>` being 1.
"""

from __future__ import annotations

import re

from pointage.formats.statements.model import ParseIssue, StatementFileError

# One token per match: a start or end tag (1: "/", 2: name, 3: "/" of <EMPTY/>), a CDATA
# section (4), a comment, a processing instruction, or a "<" that starts none of them; then
# the text up to the next "<" (5).
_TOKEN = re.compile(
    r"<(?:(/?)([A-Za-z][\w.:-]*)(?:\s[^<>]*?)?(/?)>|!\[CDATA\[(.*?)\]\]>|!--.*?-->|\?[^<>]*\?>|)"
    r"([^<]*)",
    re.DOTALL,
)
_REFUSED_DECLARATION = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
# Sections whose end the tokenizer looks for as far as it takes: one left open would make
# it look again from each later opening, so such a file is refused before.
_SECTIONS = (("<![CDATA[", "]]>", "a CDATA section"), ("<!--", "-->", "a comment"))
_BODY = re.compile(r"<OFX\s*>", re.IGNORECASE)
_ENTITY = re.compile(r"&(lt|gt|amp|quot|apos|#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,6});")
_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}
_SGML_HEADER_FIELD = re.compile(r"^[ \t]*([A-Z]+)[ \t]*:[ \t]*(\S*)", re.MULTILINE)
_XML_DECLARATION = re.compile(r"<\?xml\b([^>]*)\?>")
_OFX_INSTRUCTION = re.compile(r"<\?OFX\b([^>]*)\?>", re.IGNORECASE)
_ATTRIBUTE = re.compile(r"""([A-Za-z]+)\s*=\s*["']([^"'<>]*)["']""")
# OFX 1.x CHARSET values and the codec each means (ENCODING:USASCII text in that set).
_CHARSETS = {"1252": "cp1252", "ISO-8859-1": "latin-1", "8859-1": "latin-1", "NONE": "cp1252"}

# Aggregates OFX defines around what Pointage reads: always aggregates, even with stray
# text after their start tag.
AGGREGATES = frozenset(
    {
        "OFX",
        "SIGNONMSGSRSV1",
        "SONRS",
        "STATUS",
        "BANKMSGSRSV1",
        "CREDITCARDMSGSRSV1",
        "STMTTRNRS",
        "CCSTMTTRNRS",
        "STMTRS",
        "CCSTMTRS",
        "INVSTMTRS",
        "BANKACCTFROM",
        "CCACCTFROM",
        "BANKACCTTO",
        "CCACCTTO",
        "BANKTRANLIST",
        "STMTTRN",
        "PAYEE",
        "CURRENCY",
        "ORIGCURRENCY",
        "LEDGERBAL",
        "AVAILBAL",
        "BALLIST",
        "BAL",
    }
)
# Leaves OFX defines that Pointage reads: always leaves, even when empty in SGML.
LEAVES = frozenset(
    {
        "CODE",
        "SEVERITY",
        "MESSAGE",
        "CURDEF",
        "BANKID",
        "BRANCHID",
        "ACCTID",
        "ACCTTYPE",
        "ACCTKEY",
        "DTSTART",
        "DTEND",
        "TRNTYPE",
        "DTPOSTED",
        "DTUSER",
        "DTAVAIL",
        "VALUEDATE",
        "TRNAMT",
        "FITID",
        "CORRECTFITID",
        "CORRECTACTION",
        "SRVRTID",
        "CHECKNUM",
        "REFNUM",
        "SIC",
        "PAYEEID",
        "NAME",
        "EXTDNAME",
        "MEMO",
        "CURRATE",
        "CURSYM",
        "BALAMT",
        "DTASOF",
    }
)


class Node:
    """An OFX aggregate: its leaves by name, as (value, record), the first one of a name
    winning, and its child aggregates in file order."""

    __slots__ = ("children", "leaves", "name", "record")

    def __init__(self, name: str, record: int) -> None:
        self.name = name
        self.record = record
        self.leaves: dict[str, tuple[str, int]] = {}
        self.children: list[Node] = []

    def text(self, name: str) -> str:
        leaf = self.leaves.get(name)
        return leaf[0] if leaf else ""

    def child(self, name: str) -> Node | None:
        for node in self.children:
            if node.name == name:
                return node
        return None


def read_document(data: bytes, issues: list[ParseIssue]) -> tuple[str | None, Node]:
    """The OFX version the header gives, and a root node holding the `<OFX>` aggregate."""
    if not data.strip():
        raise StatementFileError("the file is empty")
    version, text = _decode(data, issues)
    declaration = _REFUSED_DECLARATION.search(text)
    if declaration:
        raise StatementFileError(
            f"the file declares <!{declaration.group(1).upper()}>: document type and entity "
            "declarations are refused for safety, and OFX needs none",
            record=text.count("\n", 0, declaration.start()) + 1,
        )
    body = _BODY.search(text)
    if body is None:
        raise StatementFileError("no <OFX> element: this is not an OFX file")
    for opening, end, what in _SECTIONS:
        last_opening = text.rfind(opening)
        if last_opening > text.rfind(end):
            raise StatementFileError(
                f"{what} is not closed", record=text.count("\n", 0, last_opening) + 1
            )
    return version, _TreeReader(text, body.start()).read(issues)


def _decode(data: bytes, issues: list[ParseIssue]) -> tuple[str | None, str]:
    """The version and the text, decoded as the header says (UTF-8 when it says nothing),
    or as latin-1, which reads any byte, when the bytes do not fit."""
    head = data[:4096].decode("latin-1")
    sgml_header = head[: head.find("<")] if "<" in head else head
    declared: str | None
    if "OFXHEADER" in sgml_header:
        fields = dict(_SGML_HEADER_FIELD.findall(sgml_header))
        version, declared = fields.get("VERSION") or None, _sgml_encoding(fields)
    else:
        xml = _XML_DECLARATION.search(head)
        declared = dict(_ATTRIBUTE.findall(xml.group(1))).get("encoding") if xml else None
        ofx = _OFX_INSTRUCTION.search(head)
        version = dict(_ATTRIBUTE.findall(ofx.group(1))).get("VERSION") if ofx else None
    try:
        text = data.decode(declared or "utf-8")
    except (ValueError, LookupError):  # UnicodeError, or a name Python cannot even look up
        if declared:
            issues.append(
                ParseIssue(
                    1, f"the file is not {declared} text as its header says; read as latin-1"
                )
            )
        text = data.decode("latin-1")
    return version, text.removeprefix("\ufeff")


def _sgml_encoding(fields: dict[str, str]) -> str:
    if fields.get("ENCODING", "").upper() in ("UTF-8", "UNICODE"):
        return "utf-8"
    return _CHARSETS.get(fields.get("CHARSET", "NONE").upper(), "cp1252")


def _unescape(value: str) -> str:
    return _ENTITY.sub(_entity, value) if "&" in value else value


def _entity(match: re.Match[str]) -> str:
    name = match.group(1)
    if name[0] != "#":
        return _ENTITIES[name]
    code = int(name[2:], 16) if name[1] in "xX" else int(name[1:])
    # NUL and lone surrogates are no text a database or a JSON document can hold.
    if 0 < code < 0x110000 and not 0xD800 <= code <= 0xDFFF:
        return chr(code)
    return match.group(0)


class _TreeReader:
    """One pass over the tokens, keeping the stack of open aggregates."""

    def __init__(self, text: str, start: int) -> None:
        self.text = text
        self.start = start
        self.stack = [Node("", 0)]
        # How many elements of each name are open: a stray end tag is known as such at
        # once, without a walk down a stack that a crafted file can make very deep.
        self.open_names: dict[str, int] = {}
        # A start tag followed by blank text: leaf or aggregate is known at the next tag.
        self.pending: tuple[str, int] | None = None
        self.parts: list[str] = []  # the text after the pending start tag
        self.cdata = False

    def read(self, issues: list[ParseIssue]) -> Node:
        text, stack, one_line = self.text, self.stack, "\n" not in self.text[self.start :].rstrip()
        line, counted_to, ordinal = text.count("\n", 0, self.start) + 1, self.start, 0
        last_leaf: str | None = None  # a leaf whose own end tag may come next
        for match in _TOKEN.finditer(text, self.start):
            closing, name, empty, section, after = match.groups()
            if name is None:
                last_leaf = self._other_token(section, after, last_leaf)
                continue
            name = name.upper()
            if self.pending is not None:
                if self._settle(name if closing else None):
                    continue
            elif closing and name == last_leaf:
                last_leaf = None
                continue
            last_leaf = None
            if closing:
                self._close(name)
                continue
            if one_line:
                ordinal += 1
                record = ordinal
            else:
                line += text.count("\n", counted_to, match.start())
                counted_to = match.start()
                record = line
            value = after.strip()
            if empty:
                stack[-1].leaves.setdefault(name, ("", record))
            elif value and name not in AGGREGATES:
                if "&" in value:
                    value = _unescape(value)
                stack[-1].leaves.setdefault(name, (value, record))
                last_leaf = name
            else:
                self.pending, self.parts, self.cdata = (name, record), [after], False
        if self.pending is not None:
            self._settle(None)
        return self._finish(issues)

    def _other_token(self, section: str | None, after: str, last_leaf: str | None) -> str | None:
        """A CDATA section, comment, processing instruction or stray "<": CDATA and the
        text after it belong to the value being read."""
        if self.pending is not None:
            self.parts.append(section or "")
            self.parts.append(after)
            self.cdata = self.cdata or section is not None
        elif last_leaf is not None and section is not None:
            leaves = self.stack[-1].leaves
            value, record = leaves[last_leaf]
            leaves[last_leaf] = (value + section + after.rstrip(), record)
        return last_leaf

    def _settle(self, closing: str | None) -> bool:
        """Decide whether the pending start tag was a leaf or an aggregate, now that the
        next tag is known. True when that next tag was the leaf's own end tag."""
        if self.pending is None:
            return False
        (name, record), self.pending = self.pending, None
        value = "".join(self.parts).strip()
        if name not in AGGREGATES and (closing == name or value or self.cdata or name in LEAVES):
            self.stack[-1].leaves.setdefault(name, (_unescape(value), record))
            return closing == name
        self.stack.append(Node(name, record))
        self.open_names[name] = self.open_names.get(name, 0) + 1
        return False

    def _close(self, name: str) -> None:
        """An end tag closes its element and whatever SGML left open inside it. An end tag
        with no open element (a stray one) changes nothing."""
        if not self.open_names.get(name):
            return
        stack = self.stack
        for depth in range(len(stack) - 1, 0, -1):
            if stack[depth].name == name:
                self._close_to(depth)
                return

    def _close_to(self, depth: int) -> None:
        stack = self.stack
        while len(stack) > depth:
            node = stack.pop()
            self.open_names[node.name] -= 1
            parent = stack[-1]
            if node.name in AGGREGATES or len(stack) == depth:
                parent.children.append(node)
                continue
            # Left open inside a closed element: it was an empty SGML leaf, and what was
            # read after it belongs to its parent.
            parent.leaves.setdefault(node.name, ("", node.record))
            for leaf_name, leaf in node.leaves.items():
                parent.leaves.setdefault(leaf_name, leaf)
            parent.children.extend(node.children)

    def _finish(self, issues: list[ParseIssue]) -> Node:
        if len(self.stack) > 1:
            open_tags = ", ".join(f"<{node.name}>" for node in self.stack[1:6])
            if len(self.stack) > 6:
                open_tags += f" and {len(self.stack) - 6} more"
            issues.append(
                ParseIssue(
                    self.stack[1].record,
                    f"the file ends with {open_tags} still open: it may be truncated",
                )
            )
            self._close_to(1)
        return self.stack[0]
