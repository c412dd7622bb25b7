"""Domain errors: plain classes, no HTTP inside.

`web/errors.py` maps each family to a status code and a problem-details body; the CLI prints
the message on one line. Every error carries a stable `code` and, where it applies, the
`param` (field, column) that was wrong.
"""

from __future__ import annotations


class PointageError(Exception):
    """Base of every error a user may see. The message is a sentence for a person."""

    code = "error"

    def __init__(self, message: str, *, param: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param


class InvalidInput(PointageError):
    """Input from outside (file, body, form, header) that does not make sense."""

    code = "invalid_input"


class InvalidAmount(InvalidInput):
    code = "invalid_amount"


class UnknownCurrency(InvalidInput):
    code = "unknown_currency"


class NotFound(PointageError):
    code = "not_found"


class Conflict(PointageError):
    """The request is well-formed but clashes with the current state."""

    code = "conflict"


class OperationNotAllowed(Conflict):
    """A merchant operation that the transaction's state does not allow."""

    code = "operation_not_allowed"


class AlreadyDone(Conflict):
    """An idempotent unit of work (batch for a date…) that has already been done."""

    code = "already_done"


class AuthenticationFailed(PointageError):
    code = "authentication_failed"


class PermissionDenied(PointageError):
    code = "permission_denied"


class TooManyAttempts(PointageError):
    """Too many failed authentications from one address or for one identity: refused without
    checking the credentials until the oldest failure leaves the window."""

    code = "too_many_attempts"

    def __init__(self, message: str, *, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class FileRejected(InvalidInput):
    """A whole input file refused; `errors` lists each problem with its place."""

    code = "file_rejected"

    def __init__(self, message: str, errors: list[str] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []
