"""Errors that services raise and views turn into form messages."""

from __future__ import annotations


class ServiceError(Exception):
    """A refused change, with the form field it concerns (None: the whole form)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
