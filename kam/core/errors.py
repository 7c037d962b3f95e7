"""Domain errors: raised by services, carrying a message a user can act on."""

from __future__ import annotations


class DomainError(Exception):
    """A write was refused. ``errors`` maps a field (or ``__all__``) to messages."""

    status = 400

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = str(message)
        self.errors = errors or {}

    def as_dict(self) -> dict:
        return {"detail": self.message, "errors": self.errors}


class ValidationFailed(DomainError):
    status = 400


class ConflictError(DomainError):
    """Somebody saved the record after the version the caller read."""

    status = 409

    def __init__(self, message: str, fields: list[str], current_version: int):
        super().__init__(message, {f: [message] for f in fields})
        self.fields = fields
        self.current_version = current_version

    def as_dict(self) -> dict:
        return {**super().as_dict(), "fields": self.fields, "current_version": self.current_version}


class DependencyError(DomainError):
    """A delete was refused because other records depend on this one."""

    status = 409


class NotPermitted(DomainError):
    status = 403
