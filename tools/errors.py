"""User-facing errors: each carries where the problem is, so the CLI can print it without a traceback."""

from __future__ import annotations

from pydantic import BaseModel


class Issue(BaseModel):
    """One problem found in user input, located by a dotted path (or file:line)."""

    path: str
    message: str
    kind: str = "error"  # "error" or "conflict"

    def __str__(self) -> str:
        prefix = "conflict: " if self.kind == "conflict" else ""
        return f"{self.path}: {prefix}{self.message}" if self.path else f"{prefix}{self.message}"


class DoppelError(Exception):
    """A user error: bad input, bad arguments, unreachable target. Exit code 2 unless said otherwise."""

    exit_code = 2

    def __init__(self, message: str, issues: list[Issue] | None = None) -> None:
        super().__init__(message)
        self.issues = issues or []

    def __str__(self) -> str:
        head = super().__str__()
        if not self.issues:
            return head
        return head + "\n" + "\n".join(f"  - {issue}" for issue in self.issues)


class SchemaError(DoppelError):
    """The schema file is invalid; every issue found is listed."""


class GeneratorError(DoppelError):
    """A generator failed while producing a chunk; says which table, field and rows."""

    exit_code = 1


class RegistrationError(DoppelError):
    """A custom generator does not follow the generator interface."""
