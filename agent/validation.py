"""One-line descriptions of pydantic validation errors, for messages that name the field."""

from __future__ import annotations

from pydantic import ValidationError


def first_error(exc: ValidationError, whole: str = "value") -> str:
    """`field.path: message` of the first error (`whole` when the error is not about a field)."""
    err = exc.errors()[0]
    field = ".".join(str(part) for part in err["loc"]) or whole
    return f"{field}: {err['msg']}"
